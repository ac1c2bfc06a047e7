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

/* Inverse of ig_alert_action_name(); false for anything else, or NULL. */
extern bool ig_alert_action_parse(const char *text, IgAlertAction *action);

#endif							/* INFRAGUARD_IG_ALERT_H */
