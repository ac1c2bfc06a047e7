/*-------------------------------------------------------------------------
 *
 * check_alert.c
 *	  Check unit tests for src/core/ig_alert.c.
 *
 * The sequence tests replay classifications the way the worker does, one
 * per cycle, keeping the open alert's level as the alerts table would, and
 * check the life-cycle invariants: at most one open alert per metric, no
 * second "open" while one is open, and missing data never closing one.
 *
 * IDENTIFICATION
 *	  test/unit/check_alert.c
 *
 *-------------------------------------------------------------------------
 */
#include <check.h>
#include <stdlib.h>

#include "ig_alert.h"
#include "ig_threshold.h"

#define U	IG_LEVEL_UNKNOWN
#define O	IG_LEVEL_OK
#define W	IG_LEVEL_WARNING
#define C	IG_LEVEL_CRITICAL

/* expected[open_level][new_level], in enum order U, O, W, C */
static const IgAlertAction expected[4][4] = {
	/* nothing open (unknown): */
	{IG_ALERT_NONE, IG_ALERT_NONE, IG_ALERT_OPEN, IG_ALERT_OPEN},
	/* nothing open (ok): */
	{IG_ALERT_NONE, IG_ALERT_NONE, IG_ALERT_OPEN, IG_ALERT_OPEN},
	/* warning open: */
	{IG_ALERT_NONE, IG_ALERT_RESOLVE, IG_ALERT_UPDATE, IG_ALERT_ESCALATE},
	/* critical open: */
	{IG_ALERT_NONE, IG_ALERT_RESOLVE, IG_ALERT_DEESCALATE, IG_ALERT_UPDATE},
};

/*
 * Replays classifications from no open alert and checks each action.
 * Returns the level of the alert left open (IG_LEVEL_OK when none).
 */
static IgLevel
replay(const IgLevel *levels, const IgAlertAction *want, int n)
{
	IgLevel		open = IG_LEVEL_OK;
	int			n_open = 0;
	int			i;

	for (i = 0; i < n; i++)
	{
		IgAlertAction a = ig_alert_next(open, levels[i]);

		ck_assert_msg(a == want[i], "step %d (%s -> %s): got %s, want %s",
					  i, ig_level_name(open), ig_level_name(levels[i]),
					  ig_alert_action_name(a), ig_alert_action_name(want[i]));
		switch (a)
		{
			case IG_ALERT_OPEN:
				ck_assert_int_eq(n_open, 0);
				n_open++;
				open = levels[i];
				break;
			case IG_ALERT_ESCALATE:
			case IG_ALERT_DEESCALATE:
			case IG_ALERT_UPDATE:
				ck_assert_int_eq(n_open, 1);
				open = levels[i];
				break;
			case IG_ALERT_RESOLVE:
				ck_assert_int_eq(n_open, 1);
				n_open--;
				open = IG_LEVEL_OK;
				break;
			case IG_ALERT_NONE:
				break;
		}
		ck_assert_int_ge(n_open, 0);
		ck_assert_int_le(n_open, 1);
		/* an open alert is always at an alerting level, and only then */
		ck_assert_int_eq(n_open == 1, open == W || open == C);
	}
	return open;
}

START_TEST(test_transition_table)
{
	int			open = _i / 4;
	int			new_level = _i % 4;
	IgAlertAction a = ig_alert_next((IgLevel) open, (IgLevel) new_level);

	ck_assert_msg(a == expected[open][new_level], "%s -> %s: got %s, want %s",
				  ig_level_name((IgLevel) open),
				  ig_level_name((IgLevel) new_level),
				  ig_alert_action_name(a),
				  ig_alert_action_name(expected[open][new_level]));
}
END_TEST

START_TEST(test_out_of_range_levels)
{
	IgLevel		bad[2] = {(IgLevel) 42, (IgLevel) -1};
	int			i;
	int			l;

	for (i = 0; i < 2; i++)
	{
		/* as the open level: nothing open */
		for (l = 0; l < 4; l++)
			ck_assert_int_eq(ig_alert_next(bad[i], (IgLevel) l),
							 expected[U][l]);
		/* as the new level: missing data */
		for (l = 0; l < 4; l++)
			ck_assert_int_eq(ig_alert_next((IgLevel) l, bad[i]),
							 expected[l][U]);
		ck_assert_int_eq(ig_alert_next(bad[i], bad[1 - i]), IG_ALERT_NONE);
	}
}
END_TEST

START_TEST(test_sequence)
{
	static const IgLevel levels[] = {O, W, W, C, U, W, O, O};
	static const IgAlertAction want[] = {
		IG_ALERT_NONE,			/* ok, nothing open */
		IG_ALERT_OPEN,			/* crosses warning */
		IG_ALERT_UPDATE,		/* still warning: refresh only */
		IG_ALERT_ESCALATE,		/* crosses critical: same alert */
		IG_ALERT_NONE,			/* missing sample: stays critical */
		IG_ALERT_DEESCALATE,	/* back under critical */
		IG_ALERT_RESOLVE,		/* back under warning */
		IG_ALERT_NONE			/* stays resolved */
	};

	ck_assert_int_eq(replay(levels, want, 8), O);
}
END_TEST

START_TEST(test_missing_data_is_inert)
{
	static const IgLevel levels[] = {U, C, U, U, U, C, U, O, U, W, U};
	static const IgAlertAction want[] = {
		IG_ALERT_NONE,			/* unknown never opens */
		IG_ALERT_OPEN,			/* critical straight away */
		IG_ALERT_NONE,
		IG_ALERT_NONE,
		IG_ALERT_NONE,			/* an outage of samples does not resolve */
		IG_ALERT_UPDATE,		/* still critical when data returns */
		IG_ALERT_NONE,
		IG_ALERT_RESOLVE,
		IG_ALERT_NONE,
		IG_ALERT_OPEN,			/* a new alert after the resolved one */
		IG_ALERT_NONE
	};

	/* the last alert is still open at warning level */
	ck_assert_int_eq(replay(levels, want, 11), W);
}
END_TEST

START_TEST(test_flapping)
{
	static const IgLevel levels[] = {W, O, W, O, C, W, C, O};
	static const IgAlertAction want[] = {
		IG_ALERT_OPEN, IG_ALERT_RESOLVE, IG_ALERT_OPEN, IG_ALERT_RESOLVE,
		IG_ALERT_OPEN, IG_ALERT_DEESCALATE, IG_ALERT_ESCALATE,
		IG_ALERT_RESOLVE
	};

	/* no hysteresis here: the thresholds alone decide, cycle by cycle */
	ck_assert_int_eq(replay(levels, want, 8), O);
}
END_TEST

START_TEST(test_names)
{
	ck_assert_str_eq(ig_alert_action_name(IG_ALERT_NONE), "none");
	ck_assert_str_eq(ig_alert_action_name(IG_ALERT_OPEN), "open");
	ck_assert_str_eq(ig_alert_action_name(IG_ALERT_ESCALATE), "escalate");
	ck_assert_str_eq(ig_alert_action_name(IG_ALERT_DEESCALATE), "deescalate");
	ck_assert_str_eq(ig_alert_action_name(IG_ALERT_UPDATE), "update");
	ck_assert_str_eq(ig_alert_action_name(IG_ALERT_RESOLVE), "resolve");
	ck_assert_str_eq(ig_alert_action_name((IgAlertAction) 42), "unknown");
	ck_assert_str_eq(ig_alert_action_name((IgAlertAction) -1), "unknown");
}
END_TEST

START_TEST(test_parse)
{
	IgAlertAction a = IG_ALERT_NONE;
	int			i;

	/* every name parses back to its action */
	for (i = IG_ALERT_NONE; i <= IG_ALERT_RESOLVE; i++)
	{
		ck_assert(ig_alert_action_parse(ig_alert_action_name((IgAlertAction) i),
										&a));
		ck_assert_int_eq(a, i);
	}

	a = IG_ALERT_UPDATE;
	ck_assert(!ig_alert_action_parse("Open", &a));
	ck_assert(!ig_alert_action_parse("open ", &a));
	ck_assert(!ig_alert_action_parse("de-escalate", &a));
	ck_assert(!ig_alert_action_parse("unknown", &a));
	ck_assert(!ig_alert_action_parse("", &a));
	ck_assert(!ig_alert_action_parse(NULL, &a));
	/* left alone on failure */
	ck_assert_int_eq(a, IG_ALERT_UPDATE);
}
END_TEST

static Suite *
alert_suite(void)
{
	Suite	   *s = suite_create("ig_alert");
	TCase	   *table = tcase_create("transitions");
	TCase	   *seq = tcase_create("sequences");
	TCase	   *names = tcase_create("names");

	/* one test per cell of the 4 x 4 table */
	tcase_add_loop_test(table, test_transition_table, 0, 16);
	tcase_add_test(table, test_out_of_range_levels);
	suite_add_tcase(s, table);

	tcase_add_test(seq, test_sequence);
	tcase_add_test(seq, test_missing_data_is_inert);
	tcase_add_test(seq, test_flapping);
	suite_add_tcase(s, seq);

	tcase_add_test(names, test_names);
	tcase_add_test(names, test_parse);
	suite_add_tcase(s, names);
	return s;
}

int
main(void)
{
	SRunner    *sr = srunner_create(alert_suite());
	int			failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
