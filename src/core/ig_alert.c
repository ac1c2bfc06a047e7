/*-------------------------------------------------------------------------
 *
 * ig_alert.c
 *	  Alert state transitions, the single definition of the alert life cycle.
 *
 * Design notes:
 *	- Missing data (IG_LEVEL_UNKNOWN) is deliberately inert: a metric that
 *	  cannot be read for a while (statement timeout, standby, extension
 *	  dropped) must neither resolve a real alert nor open a false one.
 *	- The level is part of the alert rather than a new alert per level, so
 *	  a metric moving between warning and critical keeps one alert and its
 *	  first-seen time.
 *
 * IDENTIFICATION
 *	  src/core/ig_alert.c
 *
 *-------------------------------------------------------------------------
 */
#include <string.h>

#include "ig_alert.h"

/* Map values outside the enum (garbage from a cast) to unknown. */
static IgLevel
known_level(IgLevel level)
{
	switch (level)
	{
		case IG_LEVEL_OK:
		case IG_LEVEL_WARNING:
		case IG_LEVEL_CRITICAL:
			return level;
		case IG_LEVEL_UNKNOWN:
			break;
	}
	return IG_LEVEL_UNKNOWN;
}

static bool
is_alerting(IgLevel level)
{
	return level == IG_LEVEL_WARNING || level == IG_LEVEL_CRITICAL;
}

IgAlertAction
ig_alert_next(IgLevel open_level, IgLevel new_level)
{
	open_level = known_level(open_level);
	new_level = known_level(new_level);

	if (!is_alerting(open_level))
		return is_alerting(new_level) ? IG_ALERT_OPEN : IG_ALERT_NONE;

	if (new_level == IG_LEVEL_UNKNOWN)
		return IG_ALERT_NONE;
	if (new_level == IG_LEVEL_OK)
		return IG_ALERT_RESOLVE;
	if (new_level == open_level)
		return IG_ALERT_UPDATE;
	/* levels are ordered by severity */
	return new_level > open_level ? IG_ALERT_ESCALATE : IG_ALERT_DEESCALATE;
}

const char *
ig_alert_action_name(IgAlertAction action)
{
	switch (action)
	{
		case IG_ALERT_NONE:
			return "none";
		case IG_ALERT_OPEN:
			return "open";
		case IG_ALERT_ESCALATE:
			return "escalate";
		case IG_ALERT_DEESCALATE:
			return "deescalate";
		case IG_ALERT_UPDATE:
			return "update";
		case IG_ALERT_RESOLVE:
			return "resolve";
	}
	/* not a default: label, so that -Wswitch flags a new enum member */
	return "unknown";
}

bool
ig_alert_action_parse(const char *text, IgAlertAction *action)
{
	static const IgAlertAction all[] = {
		IG_ALERT_NONE, IG_ALERT_OPEN, IG_ALERT_ESCALATE,
		IG_ALERT_DEESCALATE, IG_ALERT_UPDATE, IG_ALERT_RESOLVE
	};
	size_t		i;

	if (text == NULL)
		return false;
	/* derived from the names, so that the two cannot disagree */
	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++)
	{
		if (strcmp(text, ig_alert_action_name(all[i])) == 0)
		{
			*action = all[i];
			return true;
		}
	}
	return false;
}
