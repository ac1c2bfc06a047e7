/*-------------------------------------------------------------------------
 *
 * threshold.c
 *	  SQL interface to the threshold classification of src/core.
 *
 * health() and (later) the worker classify every metric through
 * infraguard.classify(), so the rule "reaching a threshold crosses it" lives
 * in exactly one place, ig_threshold_classify().
 *
 * Copyright (c) 2026, infraguard developers
 *
 * IDENTIFICATION
 *	  src/threshold.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "commands/extension.h"
#include "fmgr.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

#include "ig_alert.h"
#include "ig_threshold.h"

/*
 * Parse a direction argument or raise the error a DBA can act on.
 */
static IgDirection
direction_from_text(text *arg)
{
	char	   *s = text_to_cstring(arg);
	IgDirection dir;

	if (!ig_direction_parse(s, &dir))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid threshold direction \"%s\"", s),
				 errhint("Valid directions are \"above\" and \"below\".")));
	return dir;
}

/*
 * infraguard.classify(value, warning, critical, direction) → status text.
 *
 * Not STRICT: a NULL value means "no data" (unknown) and a NULL threshold
 * means "not set", both legitimate inputs.  A NULL direction is an error.
 */
PG_FUNCTION_INFO_V1(infraguard_classify);

Datum
infraguard_classify(PG_FUNCTION_ARGS)
{
	IgDirection dir;
	IgLevel		level;

	if (PG_ARGISNULL(3))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("threshold direction must not be NULL"),
				 errhint("Valid directions are \"above\" and \"below\".")));
	dir = direction_from_text(PG_GETARG_TEXT_PP(3));

	level = ig_threshold_classify(PG_ARGISNULL(0) ? 0 : PG_GETARG_FLOAT8(0),
								  !PG_ARGISNULL(0),
								  PG_ARGISNULL(1) ? 0 : PG_GETARG_FLOAT8(1),
								  !PG_ARGISNULL(1),
								  PG_ARGISNULL(2) ? 0 : PG_GETARG_FLOAT8(2),
								  !PG_ARGISNULL(2),
								  dir);
	PG_RETURN_TEXT_P(cstring_to_text(ig_level_name(level)));
}

/*
 * infraguard.thresholds_valid(warning, critical, direction) → boolean.
 *
 * Used by the thresholds table's CHECK constraint, so that neither
 * set_threshold() nor a direct UPDATE can store warning on the wrong side of
 * critical.
 */
PG_FUNCTION_INFO_V1(infraguard_thresholds_valid);

Datum
infraguard_thresholds_valid(PG_FUNCTION_ARGS)
{
	IgDirection dir;

	if (PG_ARGISNULL(2))
		PG_RETURN_NULL();
	dir = direction_from_text(PG_GETARG_TEXT_PP(2));
	PG_RETURN_BOOL(ig_threshold_valid(PG_ARGISNULL(0) ? 0 : PG_GETARG_FLOAT8(0),
									  !PG_ARGISNULL(0),
									  PG_ARGISNULL(1) ? 0 : PG_GETARG_FLOAT8(1),
									  !PG_ARGISNULL(1),
									  dir));
}

static IgLevel
level_from_text(text *arg, const char *argname)
{
	char	   *s = text_to_cstring(arg);
	IgLevel		level;

	if (!ig_level_parse(s, &level))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid %s \"%s\"", argname, s),
				 errhint("Valid levels are \"ok\", \"warning\", \"critical\" and \"unknown\".")));
	return level;
}

/*
 * infraguard.alert_transition(open_level, new_level) → action text.
 *
 * The single rule for alerts (ig_alert_next): what the worker does with the
 * open alert of a metric ("ok" when none is open) given its new status.
 */
PG_FUNCTION_INFO_V1(infraguard_alert_transition);

Datum
infraguard_alert_transition(PG_FUNCTION_ARGS)
{
	IgLevel		open_level = level_from_text(PG_GETARG_TEXT_PP(0), "open_level");
	IgLevel		new_level = level_from_text(PG_GETARG_TEXT_PP(1), "new_level");

	PG_RETURN_TEXT_P(cstring_to_text(ig_alert_action_name(ig_alert_next(open_level, new_level))));
}

/* An interval as microseconds (a month counts 30 days, as in interval math). */
static int64
interval_us(Interval *iv)
{
	return iv->time + (int64) iv->day * USECS_PER_DAY +
		(int64) iv->month * DAYS_PER_MONTH * USECS_PER_DAY;
}

/*
 * infraguard.alert_step(value, warning, critical, direction, hold,
 *						 clear_margin, clear_hold, open_level, warning_since,
 *						 critical_since, last_at, peak_value, peak_at, at,
 *						 max_gap)
 *	  → (action, status, level, next_warning_since, next_critical_since,
 *		 pending_level, pending_since, pending_until, episode_peak,
 *		 episode_peak_at)
 *
 * One reading of a metric through ig_alert_step(): the SQL face of the
 * alert rule, so that evaluate_alerts() and the worker's in-memory path
 * decide identically.  The state (open level, streak starts, previous
 * reading, episode peak) is passed in and the next state returned; NULL
 * means "none".  Not STRICT: a NULL value is missing data.
 */
PG_FUNCTION_INFO_V1(infraguard_alert_step);

#define ALERT_STEP_COLS	10

Datum
infraguard_alert_step(PG_FUNCTION_ARGS)
{
	TupleDesc	tupdesc;
	IgAlertRule rule;
	IgAlertState st;
	IgAlertStep step;
	IgLevel		open_level = IG_LEVEL_OK;
	Datum		values[ALERT_STEP_COLS];
	bool		nulls[ALERT_STEP_COLS] = {0};
	int			i = 0;

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	if (PG_ARGISNULL(3) || PG_ARGISNULL(13))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("direction and reading time must not be NULL")));

	memset(&rule, 0, sizeof(rule));
	rule.has_warning = !PG_ARGISNULL(1);
	rule.warning = rule.has_warning ? PG_GETARG_FLOAT8(1) : 0;
	rule.has_critical = !PG_ARGISNULL(2);
	rule.critical = rule.has_critical ? PG_GETARG_FLOAT8(2) : 0;
	rule.dir = direction_from_text(PG_GETARG_TEXT_PP(3));
	rule.hold_us = PG_ARGISNULL(4) ? 0 : interval_us(PG_GETARG_INTERVAL_P(4));
	rule.clear_margin = PG_ARGISNULL(5) ? 0 : PG_GETARG_FLOAT8(5);
	rule.clear_hold_us = PG_ARGISNULL(6) ? 0 : interval_us(PG_GETARG_INTERVAL_P(6));
	rule.max_gap_us = PG_ARGISNULL(14) ? 0 : interval_us(PG_GETARG_INTERVAL_P(14));
	if (!ig_alert_rule_valid(&rule))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid alert rule"),
				 errdetail("Hold times and the maximum gap must not be negative, the clear margin must be a finite number of at least 0, and warning must be on the right side of critical.")));

	if (!PG_ARGISNULL(7))
		open_level = level_from_text(PG_GETARG_TEXT_PP(7), "open_level");

	memset(&st, 0, sizeof(st));
	st.level = open_level;
	st.has_since[IG_ALERT_WARNING_IDX] = !PG_ARGISNULL(8);
	st.since[IG_ALERT_WARNING_IDX] = PG_ARGISNULL(8) ? 0 : PG_GETARG_TIMESTAMPTZ(8);
	st.has_since[IG_ALERT_CRITICAL_IDX] = !PG_ARGISNULL(9);
	st.since[IG_ALERT_CRITICAL_IDX] = PG_ARGISNULL(9) ? 0 : PG_GETARG_TIMESTAMPTZ(9);
	st.has_last = !PG_ARGISNULL(10);
	st.last_at = PG_ARGISNULL(10) ? 0 : PG_GETARG_TIMESTAMPTZ(10);
	st.has_peak = !PG_ARGISNULL(11) && !PG_ARGISNULL(12);
	st.peak_value = st.has_peak ? PG_GETARG_FLOAT8(11) : 0;
	st.peak_at = st.has_peak ? PG_GETARG_TIMESTAMPTZ(12) : 0;

	(void) ig_alert_step(&rule, &st,
						 PG_ARGISNULL(0) ? 0 : PG_GETARG_FLOAT8(0), !PG_ARGISNULL(0),
						 PG_GETARG_TIMESTAMPTZ(13), &step);

	values[i++] = CStringGetTextDatum(ig_alert_action_name(step.action));
	values[i++] = CStringGetTextDatum(ig_level_name(step.raw));
	values[i++] = CStringGetTextDatum(ig_level_name(step.level));
	if (st.has_since[IG_ALERT_WARNING_IDX])
		values[i++] = TimestampTzGetDatum(st.since[IG_ALERT_WARNING_IDX]);
	else
		nulls[i++] = true;
	if (st.has_since[IG_ALERT_CRITICAL_IDX])
		values[i++] = TimestampTzGetDatum(st.since[IG_ALERT_CRITICAL_IDX]);
	else
		nulls[i++] = true;
	if (step.pending != IG_LEVEL_UNKNOWN)
	{
		values[i++] = CStringGetTextDatum(ig_level_name(step.pending));
		values[i++] = TimestampTzGetDatum(step.pending_since);
		values[i++] = TimestampTzGetDatum(step.pending_due);
	}
	else
	{
		nulls[i++] = true;
		nulls[i++] = true;
		nulls[i++] = true;
	}
	if (step.has_peak)
	{
		values[i++] = Float8GetDatum(step.peak_value);
		values[i++] = TimestampTzGetDatum(step.peak_at);
	}
	else
	{
		nulls[i++] = true;
		nulls[i++] = true;
	}
	Assert(i == ALERT_STEP_COLS);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

/*
 * infraguard.creating_extension(): true while an extension script runs
 * (CREATE EXTENSION or ALTER EXTENSION UPDATE).  The thresholds triggers
 * use it to tell the rows our scripts seed from the DBA's own.
 */
PG_FUNCTION_INFO_V1(infraguard_creating_extension);

Datum
infraguard_creating_extension(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(creating_extension);
}
