/*
 * check_waits.c
 *	  Check suite for src/core/ig_waits.c.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "ig_waits.h"

#define PG_SLEEP	0x09000000u		/* PG_WAIT_TIMEOUT, first event */
#define LOCK_XID	0x03000004u		/* PG_WAIT_LOCK | LOCKTAG_TRANSACTION */

static IgWaitTable table;
static IgWaitTable copy;

START_TEST(size_is_as_documented)
{
	/* the header comment and docs state this size in bytes */
	ck_assert_uint_eq(sizeof(IgWaitTable), 49224);
}
END_TEST

START_TEST(empty_and_idle_rounds)
{
	ig_waits_init(&table, 100);
	ck_assert_uint_eq(table.ticks, 0);
	ck_assert_uint_eq(table.samples, 0);
	ck_assert_int_eq(table.since, 100);
	ig_waits_add_round(&table, NULL, 0);
	ig_waits_add_round(&table, NULL, 0);
	ck_assert_uint_eq(table.ticks, 2);
	ck_assert_uint_eq(table.samples, 0);
	ck_assert_uint_eq(table.nused, 0);
	ck_assert_uint_eq(ig_waits_lookup(&table, 0, 0), 0);
}
END_TEST

START_TEST(counts_by_key)
{
	IgWaitSample r[4] = {{PG_SLEEP, 7}, {PG_SLEEP, 7}, {LOCK_XID, 7}, {0, 0}};
	int			i;

	ig_waits_init(&table, 0);
	for (i = 0; i < 10; i++)
		ig_waits_add_round(&table, r, 4);
	ck_assert_uint_eq(table.ticks, 10);
	ck_assert_uint_eq(table.samples, 40);
	ck_assert_uint_eq(table.nused, 3);
	ck_assert_uint_eq(ig_waits_lookup(&table, PG_SLEEP, 7), 20);
	ck_assert_uint_eq(ig_waits_lookup(&table, LOCK_XID, 7), 10);
	ck_assert_uint_eq(ig_waits_lookup(&table, 0, 0), 10);
	/* same event, other query: another key */
	ck_assert_uint_eq(ig_waits_lookup(&table, PG_SLEEP, 8), 0);
}
END_TEST

START_TEST(overflow_entry_when_full)
{
	IgWaitSample s;
	uint64_t	q;
	uint64_t	sum = 0;
	uint32_t	k;

	ig_waits_init(&table, 0);
	for (q = 1; q <= IG_WAITS_NENTRIES + 100; q++)
	{
		s.event = PG_SLEEP;
		s.queryid = q;
		ig_waits_add_round(&table, &s, 1);
	}
	ck_assert_uint_eq(table.nused, IG_WAITS_MAX_USED);
	ck_assert_uint_eq(table.overflowed, IG_WAITS_NENTRIES + 100 - IG_WAITS_MAX_USED);
	ck_assert_uint_eq(table.overflow.count, table.overflowed);
	/* nothing lost: entries + overflow = samples */
	for (k = 0; k < IG_WAITS_NENTRIES; k++)
		sum += table.entries[k].count;
	ck_assert_uint_eq(sum + table.overflow.count, table.samples);
	ck_assert_uint_eq(table.samples, IG_WAITS_NENTRIES + 100);
	/* a key already present still counts under its key */
	s.queryid = 1;
	ig_waits_add_round(&table, &s, 1);
	ck_assert_uint_eq(ig_waits_lookup(&table, PG_SLEEP, 1), 2);
}
END_TEST

START_TEST(subtract_keeps_what_came_after)
{
	IgWaitSample a = {PG_SLEEP, 1};
	IgWaitSample b = {LOCK_XID, 2};

	ig_waits_init(&table, 0);
	ig_waits_add_round(&table, &a, 1);
	ig_waits_add_round(&table, &b, 1);
	copy = table;				/* the drain's reading */
	ig_waits_add_round(&table, &a, 1);	/* a round after the reading */
	ck_assert_int_eq(ig_waits_subtract(&table, &copy, 500), 0);
	ck_assert_int_eq(table.since, 500);
	ck_assert_uint_eq(table.ticks, 1);
	ck_assert_uint_eq(table.samples, 1);
	ck_assert_uint_eq(ig_waits_lookup(&table, PG_SLEEP, 1), 1);
	/* drained to zero: the key is gone, its slot free */
	ck_assert_uint_eq(ig_waits_lookup(&table, LOCK_XID, 2), 0);
	ck_assert_uint_eq(table.nused, 1);
	/* subtracting everything empties it */
	copy = table;
	ck_assert_int_eq(ig_waits_subtract(&table, &copy, 600), 0);
	ck_assert_uint_eq(table.nused, 0);
	ck_assert_uint_eq(table.samples, 0);
	ck_assert_uint_eq(table.ticks, 0);
}
END_TEST

START_TEST(subtract_of_a_stale_copy_clamps)
{
	IgWaitSample a = {PG_SLEEP, 1};

	ig_waits_init(&table, 0);
	ig_waits_add_round(&table, &a, 1);
	ig_waits_add_round(&table, &a, 1);
	copy = table;
	ig_waits_init(&table, 0);	/* reset in between */
	ig_waits_add_round(&table, &a, 1);
	ck_assert_int_eq(ig_waits_subtract(&table, &copy, 0), 1);
	ck_assert_uint_eq(table.ticks, 0);
	ck_assert_uint_eq(table.samples, 0);
	ck_assert_uint_eq(ig_waits_lookup(&table, PG_SLEEP, 1), 0);
	ck_assert_uint_eq(table.nused, 0);
}
END_TEST

/*
 * Removal in the middle of probe runs (colliding keys) must leave every
 * other key findable: fill densely, drain a pseudo-random half, check all.
 */
START_TEST(removal_keeps_probe_runs_intact)
{
	IgWaitSample s;
	uint64_t	q;
	const uint64_t nkeys = IG_WAITS_MAX_USED;

	ig_waits_init(&table, 0);
	s.event = LOCK_XID;
	for (q = 1; q <= nkeys; q++)
	{
		s.queryid = q * 2654435761u;
		ig_waits_add_round(&table, &s, 1);
		if (q % 2 == 0)
			ig_waits_add_round(&table, &s, 1);
	}
	ck_assert_uint_eq(table.overflowed, 0);
	/* drain one sample of everything: odd keys (1 sample) disappear */
	memset(&copy, 0, sizeof(copy));
	for (q = 1; q <= nkeys; q++)
	{
		IgWaitTable one;

		ig_waits_init(&one, 0);
		s.queryid = q * 2654435761u;
		ig_waits_add_round(&one, &s, 1);
		one.ticks = 0;
		ck_assert_int_eq(ig_waits_subtract(&table, &one, 0), 0);
	}
	for (q = 1; q <= nkeys; q++)
		ck_assert_uint_eq(ig_waits_lookup(&table, LOCK_XID, q * 2654435761u), q % 2 == 0 ? 1 : 0);
	ck_assert_uint_eq(table.nused, nkeys / 2);
}
END_TEST

START_TEST(profile_math)
{
	ck_assert_double_eq_tol(ig_waits_share_pct(25, 100), 25.0, 1e-12);
	ck_assert_double_eq_tol(ig_waits_share_pct(0, 0), 0.0, 1e-12);
	ck_assert_double_eq_tol(ig_waits_avg_sessions(300, 100), 3.0, 1e-12);
	ck_assert_double_eq_tol(ig_waits_avg_sessions(5, 0), 0.0, 1e-12);
}
END_TEST

START_TEST(schedule)
{
	ck_assert_int_eq(ig_waits_period_us(100), 10000);
	ck_assert_int_eq(ig_waits_period_us(10), 100000);
	ck_assert_int_eq(ig_waits_period_us(0), 1000000);
	/* on time, or a little late: no drift */
	ck_assert_int_eq(ig_waits_next_deadline(1000, 1000, 100), 1100);
	ck_assert_int_eq(ig_waits_next_deadline(1000, 1150, 100), 1100);
	/* more than a period behind: skip, no burst */
	ck_assert_int_eq(ig_waits_next_deadline(1000, 1200, 100), 1300);
	ck_assert_int_eq(ig_waits_next_deadline(1000, 99999, 100), 100099);
}
END_TEST

int
main(void)
{
	Suite	   *s = suite_create("waits");
	TCase	   *tc = tcase_create("core");
	SRunner    *sr;
	int			failed;

	tcase_add_test(tc, size_is_as_documented);
	tcase_add_test(tc, empty_and_idle_rounds);
	tcase_add_test(tc, counts_by_key);
	tcase_add_test(tc, overflow_entry_when_full);
	tcase_add_test(tc, subtract_keeps_what_came_after);
	tcase_add_test(tc, subtract_of_a_stale_copy_clamps);
	tcase_add_test(tc, removal_keeps_probe_runs_intact);
	tcase_add_test(tc, profile_math);
	tcase_add_test(tc, schedule);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
