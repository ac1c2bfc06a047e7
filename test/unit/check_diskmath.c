/*-------------------------------------------------------------------------
 *
 * check_diskmath.c
 *	  Check unit tests for src/core/ig_diskmath.c.
 *
 * The "real" cases are statvfs fields captured with `stat -f -c '%b %f %a
 * %S'` together with `df -B1 --output=size,used,avail,pcent` (GNU coreutils
 * 9.1, Debian 12) on the same file system at the same moment, so the
 * expected values are what df printed, not what this code computes.
 *
 * IDENTIFICATION
 *	  test/unit/check_diskmath.c
 *
 *-------------------------------------------------------------------------
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>

#include "ig_diskmath.h"
#include "ig_status.h"

typedef struct DfCase
{
	const char *what;
	uint64_t	blocks;			/* statvfs fields */
	uint64_t	bfree;
	uint64_t	bavail;
	uint64_t	frsize;
	uint64_t	size;			/* df -B1 columns */
	uint64_t	used;
	uint64_t	avail;
	int			pcent;
} DfCase;

static const DfCase df_cases[] = {
	/* ext4 root of the build VM: reserved blocks make Use% > used/size */
	{"ext4 /", UINT64_C(66053021), UINT64_C(61899241), UINT64_C(20930517), 4096,
	UINT64_C(270553174016), UINT64_C(17013882880), UINT64_C(85731397632), 17},
	/* empty tmpfs */
	{"tmpfs /dev/shm", 6171023, 6171023, 6171023, 4096,
	UINT64_C(25276510208), 0, UINT64_C(25276510208), 0},
	/* 1 MiB tmpfs with a 150000-byte file: 14.45% rounds UP to 15 */
	{"tmpfs 1M, 14.45%", 256, 219, 219, 4096, 1048576, 151552, 897024, 15},
	/* same with 650000 bytes: 62.5% gives 63 */
	{"tmpfs 1M, 62.5%", 256, 96, 96, 4096, 1048576, 655360, 393216, 63},
	/* 64 MiB ext4 image, 1 KiB blocks, 5% reserved: fresh, used, full */
	{"ext4 64M fresh", 56037, 56023, 51437, 1024, 57381888, 14336, 52671488, 1},
	{"ext4 64M 40MB", 56037, 16959, 12373, 1024, 57381888, 40015872, 12669952,
	76},
	{"ext4 64M full", 56037, 1310, 0, 1024, 57381888, 56040448, 0, 100},
};

START_TEST(test_matches_real_df)
{
	const DfCase *c = &df_cases[_i];
	IgDiskUsage u;

	ck_assert_msg(ig_disk_usage(c->blocks, c->bfree, c->bavail, c->frsize,
								&u) == IG_OK, "%s", c->what);
	ck_assert_uint_eq(u.total_bytes, c->size);
	ck_assert_uint_eq(u.used_bytes, c->used);
	ck_assert_uint_eq(u.free_bytes, c->avail);
	ck_assert_msg(u.used_pct == (double) c->pcent, "%s: got %g%%, df says %d%%",
				  c->what, u.used_pct, c->pcent);
}
END_TEST

START_TEST(test_pseudo_fs)
{
	IgDiskUsage u;

	/* /proc, /sys, cgroup v1 controllers: df prints "-" */
	ck_assert_int_eq(ig_disk_usage(0, 0, 0, 4096, &u), IG_ENODATA);
}
END_TEST

START_TEST(test_rounding)
{
	IgDiskUsage u;

	/* an exact percentage is not rounded up */
	ck_assert_int_eq(ig_disk_usage(4, 3, 3, 4096, &u), IG_OK);
	ck_assert_double_eq(u.used_pct, 25.0);
	ck_assert_int_eq(ig_disk_usage(100, 50, 50, 512, &u), IG_OK);
	ck_assert_double_eq(u.used_pct, 50.0);
	/* a single used block out of a million is already 1% */
	ck_assert_int_eq(ig_disk_usage(1000000, 999999, 999999, 4096, &u), IG_OK);
	ck_assert_double_eq(u.used_pct, 1.0);
	/* nothing used */
	ck_assert_int_eq(ig_disk_usage(1000, 1000, 900, 4096, &u), IG_OK);
	ck_assert_double_eq(u.used_pct, 0.0);
	/* 99.9% is still 100% */
	ck_assert_int_eq(ig_disk_usage(1000, 1, 1, 4096, &u), IG_OK);
	ck_assert_double_eq(u.used_pct, 100.0);
	/* everything used */
	ck_assert_int_eq(ig_disk_usage(1000, 0, 0, 4096, &u), IG_OK);
	ck_assert_double_eq(u.used_pct, 100.0);
	ck_assert_uint_eq(u.free_bytes, 0);
}
END_TEST

/* reserved blocks count as used: the denominator is used + avail */
START_TEST(test_reserved_blocks)
{
	IgDiskUsage u;

	/* 1000 blocks, 500 used, 500 free of which 100 reserved */
	ck_assert_int_eq(ig_disk_usage(1000, 500, 400, 4096, &u), IG_OK);
	ck_assert_uint_eq(u.total_bytes, 1000 * 4096);
	ck_assert_uint_eq(u.used_bytes, 500 * 4096);
	ck_assert_uint_eq(u.free_bytes, 400 * 4096);
	ck_assert_double_eq(u.used_pct, 56.0);	/* ceil(55.56), not 50 */

	/* nothing used, everything reserved: df prints "-" */
	ck_assert_int_eq(ig_disk_usage(100, 100, 0, 4096, &u), IG_ENODATA);
	ck_assert_uint_eq(u.total_bytes, 100 * 4096);
	ck_assert_uint_eq(u.used_bytes, 0);
	ck_assert_uint_eq(u.free_bytes, 0);
	ck_assert_double_eq(u.used_pct, 0.0);
}
END_TEST

START_TEST(test_inconsistent_fields)
{
	IgDiskUsage u;

	ck_assert_int_eq(ig_disk_usage(100, 101, 50, 4096, &u), IG_ERANGE);
	ck_assert_int_eq(ig_disk_usage(100, 50, 51, 4096, &u), IG_ERANGE);
	ck_assert_int_eq(ig_disk_usage(100, 50, 50, 0, &u), IG_ERANGE);
	/* f_bavail with the top bit set, as a negative value would look */
	ck_assert_int_eq(ig_disk_usage(100, 50, UINT64_C(1) << 63, 4096, &u),
					 IG_ERANGE);
}
END_TEST

START_TEST(test_overflow)
{
	IgDiskUsage u;

	/* 2^53 blocks of 4 KiB = 2^65 bytes */
	ck_assert_int_eq(ig_disk_usage(UINT64_C(1) << 53, 0, 0, 4096, &u),
					 IG_EOVERFLOW);
	ck_assert_int_eq(ig_disk_usage(UINT64_MAX, 0, 0, 2, &u), IG_EOVERFLOW);
	/* the largest total that fits */
	ck_assert_int_eq(ig_disk_usage(UINT64_MAX, 0, 0, 1, &u), IG_OK);
	ck_assert_uint_eq(u.total_bytes, UINT64_MAX);
	ck_assert_double_eq(u.used_pct, 100.0);
	ck_assert_int_eq(ig_disk_usage(UINT64_C(1) << 52, 0, 0, 4096, &u),
					 IG_EOVERFLOW);	/* exactly 2^64 */
	ck_assert_int_eq(ig_disk_usage((UINT64_C(1) << 52) - 1, 0, 0, 4096, &u),
					 IG_OK);
	ck_assert_uint_eq(u.total_bytes, UINT64_MAX - 4095);
	ck_assert_uint_eq(u.used_bytes, UINT64_MAX - 4095);
}
END_TEST

/*
 * used * 100 beyond 64 bits takes df's floating-point path, which cannot
 * see the tiny fraction above 50 and, like df, reports 50.
 */
START_TEST(test_float_path)
{
	IgDiskUsage u;
	uint64_t	half = UINT64_MAX / 2;

	ck_assert_int_eq(ig_disk_usage(UINT64_MAX, half, half, 1, &u), IG_OK);
	ck_assert_double_eq(u.used_pct, 50.0);
	ck_assert_int_eq(ig_disk_usage(UINT64_MAX, UINT64_MAX / 4, UINT64_MAX / 4,
								   1, &u), IG_OK);
	ck_assert_double_eq(u.used_pct, 75.0);
	ck_assert_int_eq(ig_disk_usage(UINT64_MAX, UINT64_MAX / 3, 1000, 1, &u),
					 IG_OK);
	ck_assert_double_eq(u.used_pct, 100.0);
}
END_TEST

/*
 * Against an independent formulation of ceil(100 * used / (used + avail)):
 * the smallest p with p * (used + avail) >= 100 * used.
 */
START_TEST(test_random_against_reference)
{
	uint64_t	state = 2718281828;
	int			i;

	for (i = 0; i < 200000; i++)
	{
		uint64_t	blocks;
		uint64_t	bfree;
		uint64_t	bavail;
		uint64_t	used;
		uint64_t	p;
		IgDiskUsage u;

		state = state * UINT64_C(6364136223846793005) +
			UINT64_C(1442695040888963407);
		blocks = 1 + (state >> 20) % (i % 2 ? 1000 : UINT64_C(100000000000));
		state = state * UINT64_C(6364136223846793005) +
			UINT64_C(1442695040888963407);
		bfree = (state >> 20) % (blocks + 1);
		state = state * UINT64_C(6364136223846793005) +
			UINT64_C(1442695040888963407);
		bavail = (state >> 20) % (bfree + 1);
		used = blocks - bfree;

		if (used + bavail == 0)
		{
			ck_assert_int_eq(ig_disk_usage(blocks, bfree, bavail, 4096, &u),
							 IG_ENODATA);
			continue;
		}
		ck_assert_int_eq(ig_disk_usage(blocks, bfree, bavail, 4096, &u), IG_OK);
		for (p = 0; p * (used + bavail) < 100 * used; p++)
			;
		ck_assert_msg(u.used_pct == (double) p,
					  "blocks %llu bfree %llu bavail %llu: got %g want %llu",
					  (unsigned long long) blocks, (unsigned long long) bfree,
					  (unsigned long long) bavail, u.used_pct,
					  (unsigned long long) p);
		ck_assert_uint_eq(u.used_bytes + bfree * 4096, u.total_bytes);
	}
}
END_TEST

static Suite *
diskmath_suite(void)
{
	Suite	   *s = suite_create("ig_diskmath");
	TCase	   *real = tcase_create("real_df");
	TCase	   *edge = tcase_create("edges");

	tcase_add_loop_test(real, test_matches_real_df, 0,
						(int) (sizeof(df_cases) / sizeof(df_cases[0])));
	tcase_add_test(real, test_pseudo_fs);
	suite_add_tcase(s, real);

	tcase_add_test(edge, test_rounding);
	tcase_add_test(edge, test_reserved_blocks);
	tcase_add_test(edge, test_inconsistent_fields);
	tcase_add_test(edge, test_overflow);
	tcase_add_test(edge, test_float_path);
	tcase_add_test(edge, test_random_against_reference);
	tcase_set_timeout(edge, 60);
	suite_add_tcase(s, edge);
	return s;
}

int
main(void)
{
	SRunner    *sr = srunner_create(diskmath_suite());
	int			failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
