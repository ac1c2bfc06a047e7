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
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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


/*
 * ig_alert_step(): time and hysteresis.  Readings every SEC; counts of
 * events are what the alerts table and alert_events would receive.
 */
#define SEC		INT64_C(1000000)

typedef struct Counts
{
	int			open;
	int			escalate;
	int			deescalate;
	int			resolve;
	int			first_open_at;	/* index of the reading that opened; -1 */
} Counts;

static IgAlertRule
rule_above(double warning, double critical, int64_t hold, double margin, int64_t clear_hold)
{
	IgAlertRule r;

	memset(&r, 0, sizeof(r));
	r.warning = warning;
	r.has_warning = true;
	r.critical = critical;
	r.has_critical = true;
	r.dir = IG_DIR_ABOVE;
	r.hold_us = hold;
	r.clear_margin = margin;
	r.clear_hold_us = clear_hold;
	r.max_gap_us = 0;
	return r;
}

/* Feed values[i] at start + i * step_us; count the transitions. */
static Counts
feed(const IgAlertRule *r, IgAlertState *st, const double *values, int n,
	 int64_t start, int64_t step_us)
{
	Counts		c = {0, 0, 0, 0, -1};
	int			i;

	for (i = 0; i < n; i++)
	{
		IgAlertStep step;
		IgAlertAction a = ig_alert_step(r, st, values[i], !isnan(values[i]),
										start + i * step_us, &step);

		ck_assert_int_eq(a, step.action);
		ck_assert_int_eq(st->level, step.level);
		switch (a)
		{
			case IG_ALERT_OPEN:
				c.open++;
				if (c.first_open_at < 0)
					c.first_open_at = i;
				break;
			case IG_ALERT_ESCALATE:
				c.escalate++;
				break;
			case IG_ALERT_DEESCALATE:
				c.deescalate++;
				break;
			case IG_ALERT_RESOLVE:
				c.resolve++;
				break;
			default:
				break;
		}
		/* never more resolutions than openings: one alert at a time */
		ck_assert_int_le(c.resolve, c.open);
		ck_assert_int_le(c.open - c.resolve, 1);
	}
	return c;
}

/*
 * The case: a value oscillating +-2 % around a level at every
 * reading for 30 readings gives at most one open alert and no
 * resolve/re-open churn, for the default rules a DBA would use (hold 60 s
 * with 1 s readings: never opens; hold 0: opens once, the margin keeps it).
 */
START_TEST(test_oscillation_no_churn)
{
	double		v[30];
	int64_t		holds[] = {0, 5 * SEC, 60 * SEC};
	int64_t		clear_holds[] = {0, 5 * SEC, 300 * SEC};
	double		margins[] = {0, 5};
	int			h,
				ch,
				m,
				i;

	for (i = 0; i < 30; i++)
		v[i] = 70 * (i % 2 == 0 ? 1.02 : 0.98);

	for (h = 0; h < 3; h++)
		for (ch = 0; ch < 3; ch++)
			for (m = 0; m < 2; m++)
			{
				IgAlertRule r = rule_above(70, 90, holds[h], margins[m], clear_holds[ch]);
				IgAlertState st;
				Counts		c;

				/* hold 0 with neither margin nor clear hold is the 0.1 model: it flaps */
				if (holds[h] == 0 && margins[m] == 0 && clear_holds[ch] == 0)
					continue;
				memset(&st, 0, sizeof(st));
				c = feed(&r, &st, v, 30, 1000 * SEC, SEC);
				ck_assert_msg(c.open <= 1 && c.resolve == 0,
							  "hold %lld clear_hold %lld margin %g: %d opened, %d resolved",
							  (long long) holds[h], (long long) clear_holds[ch], margins[m],
							  c.open, c.resolve);
				ck_assert_int_eq(c.escalate + c.deescalate, 0);
				if (holds[h] > SEC)
					ck_assert_int_eq(c.open, 0);	/* never held long enough */
			}
}
END_TEST

/* Without any of it, the same oscillation flaps (the 0.1 behaviour). */
START_TEST(test_oscillation_flaps_without_rules)
{
	double		v[30];
	IgAlertRule r = rule_above(70, 90, 0, 0, 0);
	IgAlertState st;
	Counts		c;
	int			i;

	for (i = 0; i < 30; i++)
		v[i] = 70 * (i % 2 == 0 ? 1.02 : 0.98);
	memset(&st, 0, sizeof(st));
	c = feed(&r, &st, v, 30, 0, SEC);
	ck_assert_int_eq(c.open, 15);
	ck_assert_int_eq(c.resolve, 15);
}
END_TEST

/* A sustained crossing opens exactly when it has held for hold. */
START_TEST(test_sustained_opens_after_hold)
{
	IgAlertRule r = rule_above(70, 90, 60 * SEC, 5, 120 * SEC);
	IgAlertState st;
	IgAlertStep step;
	int64_t		t0 = 5000 * SEC;
	int			i;

	memset(&st, 0, sizeof(st));
	/* ok, then 75 from t0 on, read every 10 s */
	ig_alert_step(&r, &st, 50, true, t0 - 10 * SEC, &step);
	ck_assert_int_eq(step.pending, IG_LEVEL_UNKNOWN);
	for (i = 0; i <= 5; i++)
	{
		ck_assert_int_eq(ig_alert_step(&r, &st, 75, true, t0 + i * 10 * SEC, &step), IG_ALERT_NONE);
		ck_assert_int_eq(step.raw, IG_LEVEL_WARNING);
		ck_assert_int_eq(step.level, IG_LEVEL_OK);
		ck_assert_int_eq(step.pending, IG_LEVEL_WARNING);
		ck_assert(step.pending_since == t0);
		ck_assert(step.pending_due == t0 + 60 * SEC);
	}
	/* t0 + 60 s: held for 60 s */
	ck_assert_int_eq(ig_alert_step(&r, &st, 76, true, t0 + 60 * SEC, &step), IG_ALERT_OPEN);
	ck_assert_int_eq(step.level, IG_LEVEL_WARNING);
	ck_assert_int_eq(step.pending, IG_LEVEL_UNKNOWN);
	ck_assert(step.has_peak && step.peak_value == 76);
	/* a reading a few ms early still counts (jitter of the worker's timer) */
	memset(&st, 0, sizeof(st));
	ig_alert_step(&r, &st, 75, true, t0, &step);
	ck_assert_int_eq(ig_alert_step(&r, &st, 75, true, t0 + 60 * SEC - 3000, &step), IG_ALERT_OPEN);
	/* but not a second early */
	memset(&st, 0, sizeof(st));
	ig_alert_step(&r, &st, 75, true, t0, &step);
	ck_assert_int_eq(ig_alert_step(&r, &st, 75, true, t0 + 59 * SEC, &step), IG_ALERT_NONE);
}
END_TEST

/* One reading under the level restarts the hold. */
START_TEST(test_dip_restarts_hold)
{
	IgAlertRule r = rule_above(70, 90, 30 * SEC, 5, 30 * SEC);
	IgAlertState st;
	IgAlertStep step;

	memset(&st, 0, sizeof(st));
	ig_alert_step(&r, &st, 80, true, 0, &step);
	ig_alert_step(&r, &st, 80, true, 20 * SEC, &step);
	ig_alert_step(&r, &st, 69, true, 25 * SEC, &step);	/* dip */
	ck_assert_int_eq(step.pending, IG_LEVEL_UNKNOWN);
	ck_assert_int_eq(ig_alert_step(&r, &st, 80, true, 30 * SEC, &step), IG_ALERT_NONE);
	ck_assert(step.pending_since == 30 * SEC);
	ck_assert_int_eq(ig_alert_step(&r, &st, 80, true, 50 * SEC, &step), IG_ALERT_NONE);
	ck_assert_int_eq(ig_alert_step(&r, &st, 80, true, 60 * SEC, &step), IG_ALERT_OPEN);
}
END_TEST

/*
 * One sub-second spike to critical (the 0.3 s CPU sample) opens
 * nothing with a hold, and a critical straight away opens at critical.
 */
START_TEST(test_spike_and_direct_critical)
{
	IgAlertRule r = rule_above(70, 90, 60 * SEC, 5, 300 * SEC);
	double		spike[] = {40, 97, 40, 40, 40, 40, 40, 40};
	double		high[] = {40, 97, 96, 95, 97, 98, 96, 95, 94};
	IgAlertState st;
	Counts		c;

	memset(&st, 0, sizeof(st));
	c = feed(&r, &st, spike, 8, 0, 10 * SEC);
	ck_assert_int_eq(c.open, 0);
	memset(&st, 0, sizeof(st));
	c = feed(&r, &st, high, 9, 0, 10 * SEC);
	ck_assert_int_eq(c.open, 1);
	ck_assert_int_eq(c.first_open_at, 7);	/* 97 at 10 s, held 60 s at 70 s */
	ck_assert_int_eq(c.escalate, 0);		/* opened at critical directly */
	ck_assert_int_eq(st.level, IG_LEVEL_CRITICAL);
	/* the peak includes the pending readings */
	ck_assert(st.has_peak && st.peak_value == 98 && st.peak_at == 50 * SEC);
}
END_TEST

/* Clearing needs both the margin and the clear hold. */
START_TEST(test_clear_needs_margin_and_hold)
{
	IgAlertRule r = rule_above(70, 90, 0, 5, 60 * SEC);
	IgAlertState st;
	IgAlertStep step;
	int			i;

	memset(&st, 0, sizeof(st));
	ck_assert_int_eq(ig_alert_step(&r, &st, 80, true, 0, &step), IG_ALERT_OPEN);
	/* under the level but inside the margin (65 <= v < 70): stays open forever */
	for (i = 1; i <= 20; i++)
		ck_assert_int_eq(ig_alert_step(&r, &st, 66, true, i * 30 * SEC, &step), IG_ALERT_UPDATE);
	ck_assert_int_eq(step.pending, IG_LEVEL_UNKNOWN);
	/* clear of it by the margin: resolves after 60 s of that, not before */
	ck_assert_int_eq(ig_alert_step(&r, &st, 60, true, 1000 * SEC, &step), IG_ALERT_UPDATE);
	ck_assert_int_eq(step.pending, IG_LEVEL_OK);
	ck_assert(step.pending_due == 1060 * SEC);
	ck_assert_int_eq(ig_alert_step(&r, &st, 60, true, 1030 * SEC, &step), IG_ALERT_UPDATE);
	/* back inside the margin once: the clear hold starts over */
	ck_assert_int_eq(ig_alert_step(&r, &st, 67, true, 1040 * SEC, &step), IG_ALERT_UPDATE);
	ck_assert_int_eq(ig_alert_step(&r, &st, 60, true, 1050 * SEC, &step), IG_ALERT_UPDATE);
	ck_assert_int_eq(ig_alert_step(&r, &st, 60, true, 1100 * SEC, &step), IG_ALERT_UPDATE);
	ck_assert_int_eq(ig_alert_step(&r, &st, 60, true, 1110 * SEC, &step), IG_ALERT_RESOLVE);
	ck_assert_int_eq(step.level, IG_LEVEL_OK);
	ck_assert(step.has_peak && step.peak_value == 80 && step.peak_at == 0);
	/* and the episode's peak is forgotten after it */
	ck_assert(!st.has_peak);
}
END_TEST

/* Critical lowers to warning, then resolves; straight to ok resolves at once. */
START_TEST(test_lower_then_resolve)
{
	IgAlertRule r = rule_above(70, 90, 0, 5, 20 * SEC);
	double		down[] = {95, 95, 80, 80, 80, 80, 50, 50, 50, 50};
	double		drop[] = {95, 50, 50, 50, 50};
	IgAlertState st;
	Counts		c;

	memset(&st, 0, sizeof(st));
	c = feed(&r, &st, down, 10, 0, 10 * SEC);
	ck_assert_int_eq(c.open, 1);
	ck_assert_int_eq(c.deescalate, 1);
	ck_assert_int_eq(c.resolve, 1);
	memset(&st, 0, sizeof(st));
	c = feed(&r, &st, drop, 5, 0, 10 * SEC);
	ck_assert_int_eq(c.deescalate, 0);	/* no stop at warning on the way */
	ck_assert_int_eq(c.resolve, 1);
}
END_TEST

/* "below" metrics (cache hit ratio) mirror it, margin on the high side. */
START_TEST(test_below_direction)
{
	IgAlertRule r = rule_above(95, 90, 0, 1, 0);
	IgAlertState st;
	IgAlertStep step;

	r.dir = IG_DIR_BELOW;
	ck_assert(ig_alert_rule_valid(&r));
	memset(&st, 0, sizeof(st));
	ck_assert_int_eq(ig_alert_step(&r, &st, 89, true, 0, &step), IG_ALERT_OPEN);
	ck_assert_int_eq(step.level, IG_LEVEL_CRITICAL);
	ck_assert_int_eq(ig_alert_step(&r, &st, 85, true, SEC, &step), IG_ALERT_UPDATE);
	ck_assert(step.peak_value == 85);	/* worst is lowest */
	ck_assert_int_eq(ig_alert_step(&r, &st, 90.5, true, 2 * SEC, &step), IG_ALERT_UPDATE);	/* inside margin */
	ck_assert_int_eq(ig_alert_step(&r, &st, 93, true, 3 * SEC, &step), IG_ALERT_DEESCALATE);
	ck_assert_int_eq(ig_alert_step(&r, &st, 95.5, true, 4 * SEC, &step), IG_ALERT_UPDATE);
	ck_assert_int_eq(ig_alert_step(&r, &st, 96.5, true, 5 * SEC, &step), IG_ALERT_RESOLVE);
}
END_TEST

/* No data restarts streaks and changes no level; a long gap restarts them too. */
START_TEST(test_missing_data_and_gaps)
{
	IgAlertRule r = rule_above(70, 90, 30 * SEC, 5, 30 * SEC);
	IgAlertState st;
	IgAlertStep step;

	memset(&st, 0, sizeof(st));
	ig_alert_step(&r, &st, 80, true, 0, &step);
	ck_assert_int_eq(ig_alert_step(&r, &st, 0, false, 20 * SEC, &step), IG_ALERT_NONE);
	ck_assert_int_eq(step.raw, IG_LEVEL_UNKNOWN);
	ck_assert_int_eq(ig_alert_step(&r, &st, 80, true, 40 * SEC, &step), IG_ALERT_NONE);	/* restarted */
	ck_assert_int_eq(ig_alert_step(&r, &st, 80, true, 70 * SEC, &step), IG_ALERT_OPEN);
	/* open: unknown neither resolves nor lowers */
	ck_assert_int_eq(ig_alert_step(&r, &st, NAN, true, 80 * SEC, &step), IG_ALERT_NONE);
	ck_assert_int_eq(st.level, IG_LEVEL_WARNING);

	/* a streak does not survive a gap longer than max_gap */
	r.max_gap_us = 120 * SEC;
	memset(&st, 0, sizeof(st));
	ig_alert_step(&r, &st, 80, true, 0, &step);
	ck_assert_int_eq(ig_alert_step(&r, &st, 80, true, 3600 * SEC, &step), IG_ALERT_NONE);
	ck_assert(step.pending_since == 3600 * SEC);
	/* nor a clock that went back */
	ck_assert_int_eq(ig_alert_step(&r, &st, 80, true, 3000 * SEC, &step), IG_ALERT_NONE);
	ck_assert(step.pending_since == 3000 * SEC);
}
END_TEST

/* Escalation waits for the critical level's own hold. */
START_TEST(test_escalation_hold)
{
	IgAlertRule r = rule_above(70, 90, 20 * SEC, 5, 20 * SEC);
	double		v[] = {75, 75, 75, 95, 95, 80, 95, 95, 95};
	IgAlertState st;
	Counts		c;

	memset(&st, 0, sizeof(st));
	c = feed(&r, &st, v, 9, 0, 10 * SEC);
	ck_assert_int_eq(c.first_open_at, 2);
	ck_assert_int_eq(c.escalate, 1);		/* at index 8: 95 since index 6 */
	ck_assert_int_eq(st.level, IG_LEVEL_CRITICAL);
	ck_assert(st.peak_value == 95);
}
END_TEST

START_TEST(test_rule_validation)
{
	IgAlertRule r = rule_above(70, 90, 0, 0, 0);

	ck_assert(ig_alert_rule_valid(&r));
	r.hold_us = -1;
	ck_assert(!ig_alert_rule_valid(&r));
	r.hold_us = 0;
	r.clear_margin = -0.5;
	ck_assert(!ig_alert_rule_valid(&r));
	r.clear_margin = NAN;
	ck_assert(!ig_alert_rule_valid(&r));
	r.clear_margin = INFINITY;
	ck_assert(!ig_alert_rule_valid(&r));
	r.clear_margin = 1;
	r.clear_hold_us = -SEC;
	ck_assert(!ig_alert_rule_valid(&r));
	r.clear_hold_us = 0;
	r.warning = 95;				/* wrong side of critical */
	ck_assert(!ig_alert_rule_valid(&r));
	ck_assert(!ig_alert_rule_valid(NULL));
}
END_TEST

/* An unset warning level: critical only, which still clears. */
START_TEST(test_critical_only)
{
	IgAlertRule r = rule_above(0, 90, 0, 0, 0);
	IgAlertState st;
	IgAlertStep step;

	r.has_warning = false;
	memset(&st, 0, sizeof(st));
	ck_assert_int_eq(ig_alert_step(&r, &st, 80, true, 0, &step), IG_ALERT_NONE);
	ck_assert_int_eq(ig_alert_step(&r, &st, 95, true, SEC, &step), IG_ALERT_OPEN);
	ck_assert_int_eq(step.level, IG_LEVEL_CRITICAL);
	ck_assert_int_eq(ig_alert_step(&r, &st, 80, true, 2 * SEC, &step), IG_ALERT_RESOLVE);
}
END_TEST

static Suite *
alert_suite(void)
{
	Suite	   *s = suite_create("ig_alert");
	TCase	   *table = tcase_create("transitions");
	TCase	   *seq = tcase_create("sequences");
	TCase	   *names = tcase_create("names");
	TCase	   *rules = tcase_create("time and hysteresis");

	/* one test per cell of the 4 x 4 table */
	tcase_add_loop_test(table, test_transition_table, 0, 16);
	tcase_add_test(table, test_out_of_range_levels);
	suite_add_tcase(s, table);

	tcase_add_test(seq, test_sequence);
	tcase_add_test(seq, test_missing_data_is_inert);
	tcase_add_test(seq, test_flapping);
	suite_add_tcase(s, seq);

	tcase_add_test(rules, test_oscillation_no_churn);
	tcase_add_test(rules, test_oscillation_flaps_without_rules);
	tcase_add_test(rules, test_sustained_opens_after_hold);
	tcase_add_test(rules, test_dip_restarts_hold);
	tcase_add_test(rules, test_spike_and_direct_critical);
	tcase_add_test(rules, test_clear_needs_margin_and_hold);
	tcase_add_test(rules, test_lower_then_resolve);
	tcase_add_test(rules, test_below_direction);
	tcase_add_test(rules, test_missing_data_and_gaps);
	tcase_add_test(rules, test_escalation_hold);
	tcase_add_test(rules, test_rule_validation);
	tcase_add_test(rules, test_critical_only);
	suite_add_tcase(s, rules);

	tcase_add_test(names, test_names);
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
