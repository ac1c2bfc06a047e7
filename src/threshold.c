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
#include "utils/builtins.h"

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
