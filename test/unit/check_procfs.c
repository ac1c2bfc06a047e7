/*-------------------------------------------------------------------------
 *
 * check_procfs.c
 *	  Check unit tests for src/core/ig_procfs.c.
 *
 * Fixtures are read at run time from FIXTURE_DIR (relative to the
 * repository root, where the unitcheck target runs) into buffers of exactly
 * the file's size plus the NUL, so that AddressSanitizer catches any read
 * past the end.  The same applies to every prefix of the real samples
 * (simulated short reads) and to the random buffers of the fuzz test.
 *
 * IDENTIFICATION
 *	  test/unit/check_procfs.c
 *
 *-------------------------------------------------------------------------
 */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ig_procfs.h"
#include "ig_status.h"

#ifndef FIXTURE_DIR
#define FIXTURE_DIR "test/unit/fixtures"
#endif

#define KB	UINT64_C(1024)

/* Whole fixture file as a malloc'd NUL-terminated string of exact size. */
static char *
read_fixture(const char *name)
{
	char		path[1024];
	FILE	   *f;
	long		size;
	size_t		got;
	char	   *buf;

	snprintf(path, sizeof(path), "%s/%s", FIXTURE_DIR, name);
	f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "cannot open fixture \"%s\"", path);
	ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
	size = ftell(f);
	ck_assert_int_ge(size, 0);
	rewind(f);
	buf = malloc((size_t) size + 1);
	ck_assert_ptr_nonnull(buf);
	got = fread(buf, 1, (size_t) size, f);
	ck_assert_uint_eq(got, (size_t) size);
	buf[got] = '\0';
	fclose(f);
	return buf;
}

/* Exact-size heap copy of the first len bytes of s. */
static char *
prefix_copy(const char *s, size_t len)
{
	char	   *buf = malloc(len + 1);

	ck_assert_ptr_nonnull(buf);
	memcpy(buf, s, len);
	buf[len] = '\0';
	return buf;
}

static IgStatus
stat_fixture(const char *name, IgCpuTimes *out)
{
	char	   *buf = read_fixture(name);
	IgStatus	st = ig_procfs_parse_stat(buf, out);

	free(buf);
	return st;
}

static IgStatus
meminfo_fixture(const char *name, IgMemInfo *out)
{
	char	   *buf = read_fixture(name);
	IgStatus	st = ig_procfs_parse_meminfo(buf, out);

	free(buf);
	return st;
}

static IgStatus
loadavg_fixture(const char *name, double load[3])
{
	char	   *buf = read_fixture(name);
	IgStatus	st = ig_procfs_parse_loadavg(buf, load);

	free(buf);
	return st;
}

static int
cpus_fixture(const char *name)
{
	char	   *buf = read_fixture(name);
	int			n = ig_procfs_count_cpus(buf);

	free(buf);
	return n;
}

static void
assert_cpu(const IgCpuTimes *c, uint64_t user, uint64_t nice, uint64_t system,
		   uint64_t idle, uint64_t iowait, uint64_t irq, uint64_t softirq,
		   uint64_t steal)
{
	ck_assert_uint_eq(c->user, user);
	ck_assert_uint_eq(c->nice, nice);
	ck_assert_uint_eq(c->system, system);
	ck_assert_uint_eq(c->idle, idle);
	ck_assert_uint_eq(c->iowait, iowait);
	ck_assert_uint_eq(c->irq, irq);
	ck_assert_uint_eq(c->softirq, softirq);
	ck_assert_uint_eq(c->steal, steal);
}

static IgCpuTimes
cpu_times(uint64_t user, uint64_t nice, uint64_t system, uint64_t idle,
		  uint64_t iowait, uint64_t irq, uint64_t softirq, uint64_t steal)
{
	IgCpuTimes	c;

	c.user = user;
	c.nice = nice;
	c.system = system;
	c.idle = idle;
	c.iowait = iowait;
	c.irq = irq;
	c.softirq = softirq;
	c.steal = steal;
	return c;
}

/* ---------------------------------------------------------------- stat */

START_TEST(test_stat_real_vm)
{
	IgCpuTimes	c;

	ck_assert_int_eq(stat_fixture("stat_vm2cpu_a.txt", &c), IG_OK);
	assert_cpu(&c, 1453, 0, 1528, 66670, 237, 0, 24, 6);
	ck_assert_int_eq(cpus_fixture("stat_vm2cpu_a.txt"), 2);
}
END_TEST

/* 10 fields: guest and guest_nice are ignored, not added */
START_TEST(test_stat_server_10_fields)
{
	IgCpuTimes	c;

	ck_assert_int_eq(stat_fixture("stat_server8cpu.txt", &c), IG_OK);
	assert_cpu(&c, UINT64_C(710763538), 344347, UINT64_C(179825723),
			   UINT64_C(5312069597), 16440540, 0, 9037290, 1851838);
	ck_assert_int_eq(cpus_fixture("stat_server8cpu.txt"), 8);
}
END_TEST

START_TEST(test_stat_old_kernels)
{
	IgCpuTimes	c;

	/* Linux 2.4: user nice system idle only */
	ck_assert_int_eq(stat_fixture("stat_linux24_4fields.txt", &c), IG_OK);
	assert_cpu(&c, 12793, 1342, 9124, 3187342, 0, 0, 0, 0);
	ck_assert_int_eq(cpus_fixture("stat_linux24_4fields.txt"), 2);

	/* Linux 2.6.9: no steal yet */
	ck_assert_int_eq(stat_fixture("stat_linux269_7fields.txt", &c), IG_OK);
	assert_cpu(&c, 2255, 34, 2290, 22625563, 6290, 127, 456, 0);
}
END_TEST

START_TEST(test_stat_malformed_fixtures)
{
	IgCpuTimes	c;

	ck_assert_int_eq(stat_fixture("stat_truncated.txt", &c), IG_EPARSE);
	ck_assert_int_eq(stat_fixture("stat_garbage_field.txt", &c), IG_EPARSE);
	ck_assert_int_eq(stat_fixture("stat_negative.txt", &c), IG_EPARSE);
	ck_assert_int_eq(stat_fixture("stat_overflow.txt", &c), IG_EOVERFLOW);
	ck_assert_int_eq(stat_fixture("stat_no_aggregate.txt", &c), IG_EPARSE);
	ck_assert_int_eq(cpus_fixture("stat_no_aggregate.txt"), 2);
	ck_assert_int_eq(stat_fixture("empty.txt", &c), IG_EPARSE);
	ck_assert_int_eq(cpus_fixture("empty.txt"), 0);
	ck_assert_int_eq(stat_fixture("junk.bin", &c), IG_EPARSE);
	ck_assert_int_eq(stat_fixture("meminfo_server_swap.txt", &c), IG_EPARSE);
	ck_assert_int_eq(cpus_fixture("meminfo_server_swap.txt"), 0);
	ck_assert_int_eq(ig_procfs_parse_stat(NULL, &c), IG_EPARSE);
	ck_assert_int_eq(ig_procfs_count_cpus(NULL), 0);
}
END_TEST

START_TEST(test_stat_inline)
{
	IgCpuTimes	c;

	ck_assert_int_eq(ig_procfs_parse_stat("cpu 1 2 3 4\n", &c), IG_OK);
	assert_cpu(&c, 1, 2, 3, 4, 0, 0, 0, 0);
	ck_assert_int_eq(ig_procfs_parse_stat("cpu\t1\t2 3 4 5 6 7 8 9 10 11 12\n",
										  &c), IG_OK);
	assert_cpu(&c, 1, 2, 3, 4, 5, 6, 7, 8);
	/* trailing blanks before the newline are fine */
	ck_assert_int_eq(ig_procfs_parse_stat("cpu  1 2 3 4   \n", &c), IG_OK);
	/* the aggregate line need not be first; per-CPU lines are skipped */
	ck_assert_int_eq(ig_procfs_parse_stat("cpu0 9 9 9 9\ncpu  5 6 7 8\n", &c),
					 IG_OK);
	assert_cpu(&c, 5, 6, 7, 8, 0, 0, 0, 0);
	/* the largest counter fits */
	ck_assert_int_eq(ig_procfs_parse_stat("cpu  18446744073709551615 0 0 0\n",
										  &c), IG_OK);
	ck_assert_uint_eq(c.user, UINT64_MAX);
	ck_assert_int_eq(ig_procfs_parse_stat("cpu  18446744073709551616 0 0 0\n",
										  &c), IG_EOVERFLOW);

	ck_assert_int_eq(ig_procfs_parse_stat("cpu  1 2 3\n", &c), IG_EPARSE);
	ck_assert_int_eq(ig_procfs_parse_stat("cpu  1 2 3 4", &c), IG_EPARSE);
	ck_assert_int_eq(ig_procfs_parse_stat("cpu  1 2 3 4 ", &c), IG_EPARSE);
	ck_assert_int_eq(ig_procfs_parse_stat("cpu  1 2 3 +4\n", &c), IG_EPARSE);
	ck_assert_int_eq(ig_procfs_parse_stat("cpu  1 2 3 4.5\n", &c), IG_EPARSE);
	ck_assert_int_eq(ig_procfs_parse_stat("cpu  1 2 3 0x4\n", &c), IG_EPARSE);
	ck_assert_int_eq(ig_procfs_parse_stat("xcpu  1 2 3 4\n", &c), IG_EPARSE);
	ck_assert_int_eq(ig_procfs_parse_stat(" cpu  1 2 3 4\n", &c), IG_EPARSE);
	ck_assert_int_eq(ig_procfs_parse_stat("cpux 1 2 3 4\n", &c), IG_EPARSE);
	ck_assert_int_eq(ig_procfs_parse_stat("cpu", &c), IG_EPARSE);
	ck_assert_int_eq(ig_procfs_parse_stat("cpu \n", &c), IG_EPARSE);
	ck_assert_int_eq(ig_procfs_parse_stat("", &c), IG_EPARSE);
	ck_assert_int_eq(ig_procfs_parse_stat("\n\n\n", &c), IG_EPARSE);
}
END_TEST

START_TEST(test_count_cpus_inline)
{
	ck_assert_int_eq(ig_procfs_count_cpus("cpu  1 2 3 4\n"), 0);
	ck_assert_int_eq(ig_procfs_count_cpus("cpu0 1\ncpu1 1\ncpu15 1\n"), 3);
	ck_assert_int_eq(ig_procfs_count_cpus("cpux 1\n cpu0 1\nxcpu1\ncpu"), 0);
	ck_assert_int_eq(ig_procfs_count_cpus("cpu7"), 1);
	ck_assert_int_eq(ig_procfs_count_cpus(""), 0);
}
END_TEST

START_TEST(test_busy_real_interval)
{
	IgCpuTimes	a;
	IgCpuTimes	b;
	double		pct;

	ck_assert_int_eq(stat_fixture("stat_vm2cpu_a.txt", &a), IG_OK);
	ck_assert_int_eq(stat_fixture("stat_vm2cpu_b.txt", &b), IG_OK);
	ck_assert_int_eq(ig_cpu_busy_pct(&a, &b, &pct), IG_OK);
	/* deltas: user 39, system 44, idle 627, softirq 1: total 711 */
	ck_assert_double_eq_tol(pct, 100.0 * 84.0 / 711.0, 1e-9);

	/* reversed order is a counter going backwards */
	ck_assert_int_eq(ig_cpu_busy_pct(&b, &a, &pct), IG_ERANGE);
	/* the same sample twice: no interval */
	ck_assert_int_eq(ig_cpu_busy_pct(&a, &a, &pct), IG_ENODATA);
}
END_TEST

START_TEST(test_busy_since_boot)
{
	IgCpuTimes	zero = cpu_times(0, 0, 0, 0, 0, 0, 0, 0);
	IgCpuTimes	c;
	double		pct;
	double		total;

	ck_assert_int_eq(stat_fixture("stat_server8cpu.txt", &c), IG_OK);
	ck_assert_int_eq(ig_cpu_busy_pct(&zero, &c, &pct), IG_OK);
	total = 710763538.0 + 344347 + 179825723 + 5312069597.0 + 16440540 +
		9037290 + 1851838;
	ck_assert_double_eq_tol(pct,
							100.0 * (1.0 - (5312069597.0 + 16440540) / total),
							1e-9);
}
END_TEST

START_TEST(test_busy_edges)
{
	IgCpuTimes	prev = cpu_times(100, 10, 50, 1000, 20, 5, 5, 1);
	IgCpuTimes	cur;
	double		pct = -1.0;

	/* all busy, all idle */
	cur = cpu_times(200, 10, 50, 1000, 20, 5, 5, 1);
	ck_assert_int_eq(ig_cpu_busy_pct(&prev, &cur, &pct), IG_OK);
	ck_assert_double_eq(pct, 100.0);
	cur = cpu_times(100, 10, 50, 1100, 20, 5, 5, 1);
	ck_assert_int_eq(ig_cpu_busy_pct(&prev, &cur, &pct), IG_OK);
	ck_assert_double_eq(pct, 0.0);
	/* iowait counts as idle */
	cur = cpu_times(100, 10, 50, 1000, 120, 5, 5, 1);
	ck_assert_int_eq(ig_cpu_busy_pct(&prev, &cur, &pct), IG_OK);
	ck_assert_double_eq(pct, 0.0);
	/* steal, irq, softirq, nice count as busy */
	cur = cpu_times(100, 20, 50, 1010, 20, 15, 15, 11);
	ck_assert_int_eq(ig_cpu_busy_pct(&prev, &cur, &pct), IG_OK);
	ck_assert_double_eq_tol(pct, 80.0, 1e-12);

	/* iowait moving to idle (documented kernel behaviour) is tolerated */
	cur = cpu_times(150, 10, 50, 1040, 15, 5, 5, 1);
	ck_assert_int_eq(ig_cpu_busy_pct(&prev, &cur, &pct), IG_OK);
	ck_assert_double_eq_tol(pct, 50.0 / 85.0 * 100.0, 1e-12);
	/* and the reverse */
	cur = cpu_times(150, 10, 50, 990, 65, 5, 5, 1);
	ck_assert_int_eq(ig_cpu_busy_pct(&prev, &cur, &pct), IG_OK);
	ck_assert_double_eq_tol(pct, 50.0 / 85.0 * 100.0, 1e-12);
	/* but idle + iowait together must not go backwards */
	cur = cpu_times(150, 10, 50, 990, 20, 5, 5, 1);
	ck_assert_int_eq(ig_cpu_busy_pct(&prev, &cur, &pct), IG_ERANGE);

	/* every other field going backwards */
	cur = cpu_times(99, 10, 50, 1100, 20, 5, 5, 1);
	ck_assert_int_eq(ig_cpu_busy_pct(&prev, &cur, &pct), IG_ERANGE);
	cur = cpu_times(100, 9, 50, 1100, 20, 5, 5, 1);
	ck_assert_int_eq(ig_cpu_busy_pct(&prev, &cur, &pct), IG_ERANGE);
	cur = cpu_times(100, 10, 49, 1100, 20, 5, 5, 1);
	ck_assert_int_eq(ig_cpu_busy_pct(&prev, &cur, &pct), IG_ERANGE);
	cur = cpu_times(100, 10, 50, 1100, 20, 4, 5, 1);
	ck_assert_int_eq(ig_cpu_busy_pct(&prev, &cur, &pct), IG_ERANGE);
	cur = cpu_times(100, 10, 50, 1100, 20, 5, 4, 1);
	ck_assert_int_eq(ig_cpu_busy_pct(&prev, &cur, &pct), IG_ERANGE);
	cur = cpu_times(100, 10, 50, 1100, 20, 5, 5, 0);
	ck_assert_int_eq(ig_cpu_busy_pct(&prev, &cur, &pct), IG_ERANGE);

	/* a reboot between samples: everything smaller */
	cur = cpu_times(3, 0, 2, 40, 0, 0, 0, 0);
	ck_assert_int_eq(ig_cpu_busy_pct(&prev, &cur, &pct), IG_ERANGE);

	/* garbage large enough to overflow the total */
	prev = cpu_times(0, 0, 0, 0, 0, 0, 0, 0);
	cur = cpu_times(UINT64_MAX, 0, UINT64_MAX, 0, 0, 0, 0, 0);
	ck_assert_int_eq(ig_cpu_busy_pct(&prev, &cur, &pct), IG_EOVERFLOW);
	cur = cpu_times(0, 0, 0, UINT64_MAX, 1, 0, 0, 0);
	ck_assert_int_eq(ig_cpu_busy_pct(&prev, &cur, &pct), IG_EOVERFLOW);
}
END_TEST

/* ------------------------------------------------------------- meminfo */

START_TEST(test_meminfo_real_vm)
{
	IgMemInfo	m;
	double		pct;

	ck_assert_int_eq(meminfo_fixture("meminfo_vm_noswap.txt", &m), IG_OK);
	ck_assert_uint_eq(m.total_bytes, UINT64_C(24684092) * KB);
	ck_assert_uint_eq(m.available_bytes, UINT64_C(24351764) * KB);
	ck_assert_uint_eq(m.swap_total_bytes, 0);
	ck_assert_uint_eq(m.swap_free_bytes, 0);
	ck_assert(!m.available_estimated);
	ck_assert_int_eq(ig_mem_used_pct(&m, &pct), IG_OK);
	ck_assert_double_eq_tol(pct, 100.0 * (24684092.0 - 24351764.0) / 24684092.0,
							1e-9);
}
END_TEST

START_TEST(test_meminfo_server_swap)
{
	IgMemInfo	m;
	double		pct;

	ck_assert_int_eq(meminfo_fixture("meminfo_server_swap.txt", &m), IG_OK);
	ck_assert_uint_eq(m.total_bytes, UINT64_C(65842412) * KB);
	ck_assert_uint_eq(m.available_bytes, UINT64_C(22716548) * KB);
	ck_assert_uint_eq(m.swap_total_bytes, UINT64_C(8388604) * KB);
	ck_assert_uint_eq(m.swap_free_bytes, UINT64_C(7421096) * KB);
	ck_assert(!m.available_estimated);
	ck_assert_int_eq(ig_mem_used_pct(&m, &pct), IG_OK);
	ck_assert_double_eq_tol(pct, 100.0 * (65842412.0 - 22716548.0) / 65842412.0,
							1e-9);
}
END_TEST

/* kernels before 3.14 have no MemAvailable */
START_TEST(test_meminfo_old_kernels)
{
	IgMemInfo	m;

	ck_assert_int_eq(meminfo_fixture("meminfo_linux2632_noavail.txt", &m),
					 IG_OK);
	ck_assert_uint_eq(m.total_bytes, UINT64_C(8060900) * KB);
	ck_assert_uint_eq(m.available_bytes,
					  (UINT64_C(412244) + 286836 + 5626704) * KB);
	ck_assert(m.available_estimated);
	ck_assert_uint_eq(m.swap_total_bytes, UINT64_C(4194296) * KB);
	ck_assert_uint_eq(m.swap_free_bytes, UINT64_C(4121488) * KB);

	/* no Buffers line: it counts as 0; SwapCached is not Cached */
	ck_assert_int_eq(meminfo_fixture("meminfo_linux2618_nobuffers.txt", &m),
					 IG_OK);
	ck_assert_uint_eq(m.available_bytes, (UINT64_C(233980) + 412704) * KB);
	ck_assert(m.available_estimated);
}
END_TEST

START_TEST(test_meminfo_malformed_fixtures)
{
	IgMemInfo	m;

	ck_assert_int_eq(meminfo_fixture("meminfo_truncated_mid_key.txt", &m),
					 IG_EPARSE);
	ck_assert_int_eq(meminfo_fixture("meminfo_truncated_mid_number.txt", &m),
					 IG_EPARSE);
	ck_assert_int_eq(meminfo_fixture("meminfo_bad_number.txt", &m), IG_EPARSE);
	ck_assert_int_eq(meminfo_fixture("meminfo_bad_unit.txt", &m), IG_EPARSE);
	ck_assert_int_eq(meminfo_fixture("meminfo_overflow.txt", &m), IG_EOVERFLOW);
	ck_assert_int_eq(meminfo_fixture("meminfo_no_total.txt", &m), IG_EPARSE);
	ck_assert_int_eq(meminfo_fixture("empty.txt", &m), IG_EPARSE);
	ck_assert_int_eq(meminfo_fixture("junk.bin", &m), IG_EPARSE);
	ck_assert_int_eq(meminfo_fixture("stat_vm2cpu_a.txt", &m), IG_EPARSE);
	ck_assert_int_eq(ig_procfs_parse_meminfo(NULL, &m), IG_EPARSE);
}
END_TEST

START_TEST(test_meminfo_inline)
{
	IgMemInfo	m;
	const char *text;

	/* minimal modern file; no swap lines */
	text = "MemTotal: 1000 kB\nMemAvailable: 250 kB\n";
	ck_assert_int_eq(ig_procfs_parse_meminfo(text, &m), IG_OK);
	ck_assert_uint_eq(m.total_bytes, 1000 * KB);
	ck_assert_uint_eq(m.available_bytes, 250 * KB);
	ck_assert_uint_eq(m.swap_total_bytes, 0);
	ck_assert_uint_eq(m.swap_free_bytes, 0);

	/* first occurrence wins; no blank after the colon is fine */
	text = "MemTotal:1000 kB\nMemAvailable:\t100 kB\nMemAvailable: 999 kB\n";
	ck_assert_int_eq(ig_procfs_parse_meminfo(text, &m), IG_OK);
	ck_assert_uint_eq(m.available_bytes, 100 * KB);

	/* estimate capped at MemTotal */
	text = "MemTotal: 1000 kB\nMemFree: 600 kB\nBuffers: 300 kB\n"
		"Cached: 300 kB\n";
	ck_assert_int_eq(ig_procfs_parse_meminfo(text, &m), IG_OK);
	ck_assert_uint_eq(m.available_bytes, 1000 * KB);
	ck_assert(m.available_estimated);

	/* estimate needs MemFree */
	text = "MemTotal: 1000 kB\nCached: 300 kB\n";
	ck_assert_int_eq(ig_procfs_parse_meminfo(text, &m), IG_EPARSE);

	/* a bad value on a line that is not used is ignored */
	text = "MemTotal: 1000 kB\nMemAvailable: 5 kB\nWeird: x\n"
		"HugePages_Total: 0\n";
	ck_assert_int_eq(ig_procfs_parse_meminfo(text, &m), IG_OK);

	/* keys must be whole and at the start of a line */
	text = "MemTotalX: 1000 kB\n MemTotal: 1 kB\n";
	ck_assert_int_eq(ig_procfs_parse_meminfo(text, &m), IG_EPARSE);

	/* the largest value that converts, and the first that does not */
	text = "MemTotal: 18014398509481983 kB\nMemAvailable: 0 kB\n";
	ck_assert_int_eq(ig_procfs_parse_meminfo(text, &m), IG_OK);
	ck_assert_uint_eq(m.total_bytes, UINT64_C(18014398509481983) * KB);
	text = "MemTotal: 18014398509481984 kB\nMemAvailable: 0 kB\n";
	ck_assert_int_eq(ig_procfs_parse_meminfo(text, &m), IG_EOVERFLOW);

	/* estimate overflowing */
	text = "MemTotal: 1 kB\nMemFree: 18014398509481983 kB\n"
		"Cached: 18014398509481983 kB\n";
	ck_assert_int_eq(ig_procfs_parse_meminfo(text, &m), IG_EOVERFLOW);

	/* units and truncation */
	ck_assert_int_eq(ig_procfs_parse_meminfo("MemTotal: 1000\n", &m),
					 IG_EPARSE);
	ck_assert_int_eq(ig_procfs_parse_meminfo("MemTotal: 1000 kBx\n", &m),
					 IG_EPARSE);
	ck_assert_int_eq(ig_procfs_parse_meminfo("MemTotal: 1000 k\n", &m),
					 IG_EPARSE);
	ck_assert_int_eq(ig_procfs_parse_meminfo("MemTotal: -1000 kB\n", &m),
					 IG_EPARSE);
	ck_assert_int_eq(ig_procfs_parse_meminfo("MemTotal: 1000 kB", &m),
					 IG_EPARSE);
	ck_assert_int_eq(ig_procfs_parse_meminfo("MemTotal:", &m), IG_EPARSE);
	ck_assert_int_eq(ig_procfs_parse_meminfo("MemTotal:\n", &m), IG_EPARSE);
}
END_TEST

START_TEST(test_mem_used_pct_edges)
{
	IgMemInfo	m;
	double		pct = -1.0;

	memset(&m, 0, sizeof(m));
	ck_assert_int_eq(ig_mem_used_pct(&m, &pct), IG_ENODATA);
	ck_assert_double_eq(pct, -1.0);

	m.total_bytes = 1000;
	m.available_bytes = 0;
	ck_assert_int_eq(ig_mem_used_pct(&m, &pct), IG_OK);
	ck_assert_double_eq(pct, 100.0);
	m.available_bytes = 1000;
	ck_assert_int_eq(ig_mem_used_pct(&m, &pct), IG_OK);
	ck_assert_double_eq(pct, 0.0);
	m.available_bytes = 5000;	/* inconsistent input: clamped */
	ck_assert_int_eq(ig_mem_used_pct(&m, &pct), IG_OK);
	ck_assert_double_eq(pct, 0.0);
	m.available_bytes = 250;
	ck_assert_int_eq(ig_mem_used_pct(&m, &pct), IG_OK);
	ck_assert_double_eq(pct, 75.0);
}
END_TEST

/* ------------------------------------------------------------- loadavg */

START_TEST(test_loadavg_fixtures)
{
	double		load[3] = {-1.0, -1.0, -1.0};

	ck_assert_int_eq(loadavg_fixture("loadavg_vm.txt", load), IG_OK);
	ck_assert_double_eq_tol(load[0], 0.02, 1e-12);
	ck_assert_double_eq_tol(load[1], 0.04, 1e-12);
	ck_assert_double_eq_tol(load[2], 0.01, 1e-12);
	ck_assert_int_eq(loadavg_fixture("loadavg_server.txt", load), IG_OK);
	ck_assert_double_eq_tol(load[0], 2.41, 1e-12);
	ck_assert_double_eq_tol(load[1], 1.87, 1e-12);
	ck_assert_double_eq_tol(load[2], 1.65, 1e-12);

	ck_assert_int_eq(loadavg_fixture("loadavg_truncated.txt", load), IG_EPARSE);
	ck_assert_int_eq(loadavg_fixture("loadavg_comma.txt", load), IG_EPARSE);
	ck_assert_int_eq(loadavg_fixture("loadavg_garbage.txt", load), IG_EPARSE);
	ck_assert_int_eq(loadavg_fixture("empty.txt", load), IG_EPARSE);
	ck_assert_int_eq(loadavg_fixture("junk.bin", load), IG_EPARSE);
	ck_assert_int_eq(ig_procfs_parse_loadavg(NULL, load), IG_EPARSE);
	/* failures leave the previous values alone */
	ck_assert_double_eq_tol(load[0], 2.41, 1e-12);
}
END_TEST

/*
 * /proc decimals come out as the double nearest the text, so that they print
 * as written: "1.68" is 1.68, not 1 + 0.68 = 1.6800000000000002 (0.1's
 * parser).  Exact equality on purpose.
 */
START_TEST(test_loadavg_exact)
{
	double		load[3];
	char		text[64];

	ck_assert_int_eq(ig_procfs_parse_loadavg("1.68 2.41 11.07 1/2 3\n", load), IG_OK);
	ck_assert(load[0] == 1.68);
	ck_assert(load[1] == 2.41);
	ck_assert(load[2] == 11.07);
	snprintf(text, sizeof(text), "%.17g", load[0]);
	ck_assert_str_eq(text, "1.6799999999999999");	/* the nearest double, printed in full */
	ck_assert(load[0] == strtod("1.68", NULL));

	/* every value with two decimals up to 100, as the kernel prints them */
	for (int i = 0; i <= 10000; i++)
	{
		char		line[64];

		snprintf(line, sizeof(line), "%d.%02d 0.00 0.00 1/1 1\n", i / 100, i % 100);
		ck_assert_int_eq(ig_procfs_parse_loadavg(line, load), IG_OK);
		ck_assert_msg(load[0] == strtod(line, NULL), "%s parsed as %.17g", line, load[0]);
	}
	/* a long fraction still parses (approximately) */
	ck_assert_int_eq(ig_procfs_parse_loadavg("123456789.123456789123 0 0\n", load), IG_OK);
	ck_assert_double_eq_tol(load[0], 123456789.123456789, 1e-6);
}
END_TEST

START_TEST(test_loadavg_inline)
{
	double		load[3];

	ck_assert_int_eq(ig_procfs_parse_loadavg("1 2 3\n", load), IG_OK);
	ck_assert_double_eq(load[0], 1.0);
	ck_assert_double_eq(load[2], 3.0);
	ck_assert_int_eq(ig_procfs_parse_loadavg("128.00 64.50 0.05 1/2 3\n", load),
					 IG_OK);
	ck_assert_double_eq_tol(load[0], 128.0, 1e-12);
	ck_assert_double_eq_tol(load[1], 64.5, 1e-12);
	ck_assert_double_eq_tol(load[2], 0.05, 1e-12);
	/* more fraction digits than used */
	ck_assert_int_eq(ig_procfs_parse_loadavg("0.12345678901234567890123 0 0\n",
											 load), IG_OK);
	ck_assert_double_eq_tol(load[0], 0.123456789012345678, 1e-15);

	ck_assert_int_eq(ig_procfs_parse_loadavg("0.52 0.58 0.59", load),
					 IG_EPARSE);
	ck_assert_int_eq(ig_procfs_parse_loadavg("0.52 0.58\n0.59\n", load),
					 IG_EPARSE);
	ck_assert_int_eq(ig_procfs_parse_loadavg("1. 2 3\n", load), IG_EPARSE);
	ck_assert_int_eq(ig_procfs_parse_loadavg(".5 2 3\n", load), IG_EPARSE);
	ck_assert_int_eq(ig_procfs_parse_loadavg("-1 2 3\n", load), IG_EPARSE);
	ck_assert_int_eq(ig_procfs_parse_loadavg("1e3 2 3\n", load), IG_EPARSE);
	ck_assert_int_eq(ig_procfs_parse_loadavg("nan 2 3\n", load), IG_EPARSE);
	ck_assert_int_eq(ig_procfs_parse_loadavg("1.2.3 2 3\n", load), IG_EPARSE);
	ck_assert_int_eq(ig_procfs_parse_loadavg("99999999999999999999999.00 1 1\n",
											 load), IG_EOVERFLOW);
}
END_TEST

/* ----------------------------------------------------------- robustness */

/*
 * Every prefix of a real file, as a short read would produce: the parser
 * may fail, but when it succeeds its values must be those of the full file.
 */
START_TEST(test_truncation_never_lies)
{
	char	   *stat_full = read_fixture("stat_server8cpu.txt");
	char	   *mem_full = read_fixture("meminfo_server_swap.txt");
	char	   *load_full = read_fixture("loadavg_server.txt");
	IgCpuTimes	cfull;
	IgMemInfo	mfull;
	double		lfull[3];
	size_t		len;

	ck_assert_int_eq(ig_procfs_parse_stat(stat_full, &cfull), IG_OK);
	ck_assert_int_eq(ig_procfs_parse_meminfo(mem_full, &mfull), IG_OK);
	ck_assert_int_eq(ig_procfs_parse_loadavg(load_full, lfull), IG_OK);

	for (len = 0; len <= strlen(stat_full); len++)
	{
		char	   *p = prefix_copy(stat_full, len);
		IgCpuTimes	c;

		if (ig_procfs_parse_stat(p, &c) == IG_OK)
			ck_assert_int_eq(memcmp(&c, &cfull, sizeof(c)), 0);
		ck_assert_int_le(ig_procfs_count_cpus(p), 8);
		free(p);
	}
	for (len = 0; len <= strlen(mem_full); len++)
	{
		char	   *p = prefix_copy(mem_full, len);
		IgMemInfo	m;

		if (ig_procfs_parse_meminfo(p, &m) == IG_OK)
		{
			ck_assert_uint_eq(m.total_bytes, mfull.total_bytes);
			if (!m.available_estimated)
				ck_assert_uint_eq(m.available_bytes, mfull.available_bytes);
		}
		free(p);
	}
	for (len = 0; len <= strlen(load_full); len++)
	{
		char	   *p = prefix_copy(load_full, len);
		double		l[3];

		if (ig_procfs_parse_loadavg(p, l) == IG_OK)
			ck_assert_int_eq(memcmp(l, lfull, sizeof(l)), 0);
		free(p);
	}
	free(stat_full);
	free(mem_full);
	free(load_full);
}
END_TEST

/*
 * Random buffers built from /proc-like tokens and raw bytes.  Nothing is
 * asserted about the result beyond a valid status: the point is that no
 * parser crashes or reads out of bounds (run under ASan to be sure).
 */
START_TEST(test_fuzz_no_crash)
{
	static const char *const tokens[] = {
		"cpu", "cpu ", "cpu0 ", "MemTotal:", "MemAvailable:", "MemFree:",
		"Cached:", "kB", " ", "\t", "\n", "0", "1", "9", ".", "12345",
		"18446744073709551615", "99999999999999999999", ":", "-", "x"
	};
	uint64_t	state = 424242;
	int			iter;

	for (iter = 0; iter < 20000; iter++)
	{
		size_t		cap = 1 + (size_t) (state % 300);
		char	   *tmp = malloc(cap * 24);
		size_t		len = 0;
		char	   *buf;
		IgCpuTimes	c;
		IgMemInfo	m;
		double		l[3];
		IgStatus	st;

		ck_assert_ptr_nonnull(tmp);
		while (len < cap)
		{
			state = state * UINT64_C(6364136223846793005) +
				UINT64_C(1442695040888963407);
			if ((state >> 60) < 2)
				tmp[len++] = (char) (state >> 40);	/* any byte, NUL too */
			else
			{
				const char *t = tokens[(state >> 33) %
									   (sizeof(tokens) / sizeof(tokens[0]))];
				size_t		tl = strlen(t);

				memcpy(tmp + len, t, tl);
				len += tl;
			}
		}
		buf = prefix_copy(tmp, len);
		free(tmp);

		st = ig_procfs_parse_stat(buf, &c);
		ck_assert(st == IG_OK || st == IG_EPARSE || st == IG_EOVERFLOW);
		st = ig_procfs_parse_meminfo(buf, &m);
		ck_assert(st == IG_OK || st == IG_EPARSE || st == IG_EOVERFLOW);
		st = ig_procfs_parse_loadavg(buf, l);
		ck_assert(st == IG_OK || st == IG_EPARSE || st == IG_EOVERFLOW);
		ck_assert_int_ge(ig_procfs_count_cpus(buf), 0);
		free(buf);
	}
}
END_TEST

static Suite *
procfs_suite(void)
{
	Suite	   *s = suite_create("ig_procfs");
	TCase	   *stat = tcase_create("stat");
	TCase	   *mem = tcase_create("meminfo");
	TCase	   *load = tcase_create("loadavg");
	TCase	   *robust = tcase_create("robustness");

	tcase_add_test(stat, test_stat_real_vm);
	tcase_add_test(stat, test_stat_server_10_fields);
	tcase_add_test(stat, test_stat_old_kernels);
	tcase_add_test(stat, test_stat_malformed_fixtures);
	tcase_add_test(stat, test_stat_inline);
	tcase_add_test(stat, test_count_cpus_inline);
	tcase_add_test(stat, test_busy_real_interval);
	tcase_add_test(stat, test_busy_since_boot);
	tcase_add_test(stat, test_busy_edges);
	suite_add_tcase(s, stat);

	tcase_add_test(mem, test_meminfo_real_vm);
	tcase_add_test(mem, test_meminfo_server_swap);
	tcase_add_test(mem, test_meminfo_old_kernels);
	tcase_add_test(mem, test_meminfo_malformed_fixtures);
	tcase_add_test(mem, test_meminfo_inline);
	tcase_add_test(mem, test_mem_used_pct_edges);
	suite_add_tcase(s, mem);

	tcase_add_test(load, test_loadavg_fixtures);
	tcase_add_test(load, test_loadavg_inline);
	tcase_add_test(load, test_loadavg_exact);
	suite_add_tcase(s, load);

	tcase_add_test(robust, test_truncation_never_lies);
	tcase_add_test(robust, test_fuzz_no_crash);
	tcase_set_timeout(robust, 60);
	suite_add_tcase(s, robust);
	return s;
}

int
main(void)
{
	SRunner    *sr = srunner_create(procfs_suite());
	int			failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
