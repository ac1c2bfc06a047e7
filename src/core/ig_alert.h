/*-------------------------------------------------------------------------
 *
 * ig_alert.h
 *	  What to do with a metric's alert when a new classification arrives.
 *
 * A metric has at most one open alert, at warning or critical level.  The
 * glue looks up the open alert's level (IG_LEVEL_OK or IG_LEVEL_UNKNOWN
 * when none is open), classifies the new value with
 * ig_threshold_classify(), and asks ig_alert_next() what to do.  Keeping
 * the decision here makes every transition unit-testable and identical for
 * the worker and check_thresholds().
 *
 * IDENTIFICATION
 *	  src/core/ig_alert.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef INFRAGUARD_IG_ALERT_H
#define INFRAGUARD_IG_ALERT_H

#include <stdbool.h>
#include <stdint.h>

#include "ig_threshold.h"

typedef enum IgAlertAction
{
	IG_ALERT_NONE,				/* leave things as they are */
	IG_ALERT_OPEN,				/* no alert open: open one at the new level */
	IG_ALERT_ESCALATE,			/* warning -> critical */
	IG_ALERT_DEESCALATE,		/* critical -> warning */
	IG_ALERT_UPDATE,			/* same level: refresh last seen time/value */
	IG_ALERT_RESOLVE			/* back to ok: close the open alert */
} IgAlertAction;

/*
 * Action for a metric whose open alert is at open_level (IG_LEVEL_OK or
 * IG_LEVEL_UNKNOWN: none open) when the new classification is new_level.
 *
 * No alert open: warning or critical opens one, anything else does nothing.
 * Alert open: ok resolves it, the same level updates it, a higher level
 * escalates and a lower one de-escalates it.  Unknown (missing data) never
 * opens, changes or resolves an alert.  Levels outside the enum are treated
 * as unknown.
 *
 * After OPEN, ESCALATE, DEESCALATE and UPDATE the open alert's level is
 * new_level; after RESOLVE no alert is open; NONE changes nothing.
 */
extern IgAlertAction ig_alert_next(IgLevel open_level, IgLevel new_level);

/*
 * "none", "open", "escalate", "deescalate", "update", "resolve".  Never
 * NULL; values outside the enum give "unknown".
 */
extern const char *ig_alert_action_name(IgAlertAction action);

/*
 * Alert rules with time and hysteresis (0.2).
 *
 * A level (warning, critical) turns on only after the value has reached it
 * at every reading for hold_us (Prometheus' "for:"), and turns off only
 * after the value has stayed beyond it by more than clear_margin (in the
 * metric's own unit, on the good side) at every reading for clear_hold_us.
 * The alert's level is the highest level that is on.  Each level keeps the
 * start of its current streak toward turning over; a reading that breaks
 * the streak (back on the other side, or inside the margin) restarts it.
 * Missing data (no value) restarts every streak and changes no level, so
 * that an unreadable metric neither opens, resolves nor ripens an alert.
 * Times are microseconds on any monotonic-enough clock (the glue passes
 * PostgreSQL timestamps).
 */
typedef struct IgAlertRule
{
	double		warning;
	bool		has_warning;
	double		critical;
	bool		has_critical;
	IgDirection dir;
	int64_t		hold_us;		/* >= 0: how long a level must hold */
	double		clear_margin;	/* >= 0, metric units */
	int64_t		clear_hold_us;	/* >= 0: how long the value must stay clear */
	int64_t		max_gap_us;		/* readings further apart restart the
								 * streaks; 0 = no limit */
} IgAlertRule;

/* index of a level's streak in IgAlertState.since */
#define IG_ALERT_WARNING_IDX	0
#define IG_ALERT_CRITICAL_IDX	1

/*
 * What the glue keeps between readings (the alerts table holds the level,
 * a small state table the rest).  All zero is a valid initial state.
 */
typedef struct IgAlertState
{
	IgLevel		level;			/* open alert's level; OK (or UNKNOWN) = none */
	bool		has_since[2];	/* a streak is running for this level */
	int64_t		since[2];		/* when it started */
	bool		has_last;
	int64_t		last_at;		/* time of the previous reading */
	bool		has_peak;		/* worst value of the episode: from the
								 * first reading of the streak that opens
								 * the alert to its resolution */
	double		peak_value;
	int64_t		peak_at;
} IgAlertState;

/* What a reading did, for the glue to store and announce. */
typedef struct IgAlertStep
{
	IgAlertAction action;
	IgLevel		raw;			/* plain classification of this reading */
	IgLevel		level;			/* the alert's level after it (OK: none) */
	IgLevel		pending;		/* level it is heading to; UNKNOWN if none */
	int64_t		pending_since;	/* start of that streak */
	int64_t		pending_due;	/* when it takes effect if it holds */
	bool		has_peak;
	double		peak_value;		/* the episode's worst value so far */
	int64_t		peak_at;
} IgAlertStep;

/* Slack on hold comparisons, so readings a few ms early still count. */
#define IG_ALERT_SLACK_US	INT64_C(250000)

/*
 * True when the rule's times and margin are usable: holds >= 0, margin
 * finite and >= 0, max_gap >= 0, thresholds valid for the direction.
 */
extern bool ig_alert_rule_valid(const IgAlertRule *rule);

/*
 * Apply one reading (has_value false, or NaN: no data) taken at now_us to
 * the state, and say what happened to the alert.  The state is updated in
 * place; the step is filled in.  Returns step->action.  state->level
 * outside the alerting levels counts as no alert open.
 */
extern IgAlertAction ig_alert_step(const IgAlertRule *rule, IgAlertState *state,
								   double value, bool has_value, int64_t now_us,
								   IgAlertStep *step);

#endif							/* INFRAGUARD_IG_ALERT_H */
