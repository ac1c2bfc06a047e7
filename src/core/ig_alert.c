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
 *	- ig_alert_step() (0.2) adds time and hysteresis, one Schmitt trigger
 *	  with timers per level: on after the level held for "hold", off after
 *	  the value stayed clear of it by "clear_margin" for "clear_hold".  A
 *	  value oscillating around a level every reading therefore never
 *	  completes a streak in either direction: it opens at most once and
 *	  never churns between resolved and re-opened.
 *
 * IDENTIFICATION
 *	  src/core/ig_alert.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
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

/* Has value reached threshold t, in the bad direction? */
static bool
reached(double value, double t, IgDirection dir)
{
	return dir == IG_DIR_BELOW ? value <= t : value >= t;
}

/* Is value beyond t by more than margin, on the good side? */
static bool
clear_of(double value, double t, double margin, IgDirection dir)
{
	return dir == IG_DIR_BELOW ? value > t + margin : value < t - margin;
}

/* Is a worse than b for the direction? */
static bool
worse(double a, double b, IgDirection dir)
{
	return dir == IG_DIR_BELOW ? a < b : a > b;
}

bool
ig_alert_rule_valid(const IgAlertRule *rule)
{
	if (rule == NULL)
		return false;
	if (rule->dir != IG_DIR_ABOVE && rule->dir != IG_DIR_BELOW)
		return false;
	if (rule->hold_us < 0 || rule->clear_hold_us < 0 || rule->max_gap_us < 0)
		return false;
	if (!isfinite(rule->clear_margin) || rule->clear_margin < 0)
		return false;
	return ig_threshold_valid(rule->warning, rule->has_warning,
							  rule->critical, rule->has_critical, rule->dir);
}

static void
restart_streaks(IgAlertState *st)
{
	st->has_since[0] = st->has_since[1] = false;
	st->since[0] = st->since[1] = 0;
}

IgAlertAction
ig_alert_step(const IgAlertRule *rule, IgAlertState *st,
			  double value, bool has_value, int64_t now,
			  IgAlertStep *out)
{
	IgLevel		old = known_level(st->level);
	IgLevel		new_level;
	bool		flip[2] = {false, false};
	bool		episode;
	int			i;

	if (!is_alerting(old))
		old = IG_LEVEL_OK;
	memset(out, 0, sizeof(*out));
	out->pending = IG_LEVEL_UNKNOWN;

	/*
	 * A streak is only as continuous as the readings that saw it: after a
	 * long gap (worker stopped, server down) or a clock that went back, it
	 * starts again with this reading.
	 */
	if (st->has_last &&
		(now < st->last_at ||
		 (rule->max_gap_us > 0 && now - st->last_at > rule->max_gap_us)))
		restart_streaks(st);
	st->has_last = true;
	st->last_at = now;

	if (!has_value || isnan(value))
	{
		/* no data: inert, and no streak survives it */
		restart_streaks(st);
		st->level = old;
		out->action = IG_ALERT_NONE;
		out->raw = IG_LEVEL_UNKNOWN;
		out->level = old;
		if (!is_alerting(old))
			st->has_peak = false;
		out->has_peak = st->has_peak;
		out->peak_value = st->peak_value;
		out->peak_at = st->peak_at;
		return out->action;
	}

	out->raw = ig_threshold_classify(value, true,
									 rule->warning, rule->has_warning,
									 rule->critical, rule->has_critical,
									 rule->dir);

	for (i = 0; i < 2; i++)
	{
		IgLevel		lvl = i == IG_ALERT_WARNING_IDX ? IG_LEVEL_WARNING : IG_LEVEL_CRITICAL;
		bool		has_t = i == IG_ALERT_WARNING_IDX ? rule->has_warning : rule->has_critical;
		double		t = i == IG_ALERT_WARNING_IDX ? rule->warning : rule->critical;
		bool		on = old >= lvl;
		bool		toward;

		/* an unset level cannot turn on, and an on one clears */
		if (on)
			toward = !has_t || clear_of(value, t, rule->clear_margin, rule->dir);
		else
			toward = has_t && reached(value, t, rule->dir);

		if (!toward)
		{
			st->has_since[i] = false;
			continue;
		}
		if (!st->has_since[i])
		{
			st->has_since[i] = true;
			st->since[i] = now;
		}
		flip[i] = now - st->since[i] + IG_ALERT_SLACK_US >= (on ? rule->clear_hold_us : rule->hold_us);
	}

	new_level = old;
	if (old < IG_LEVEL_CRITICAL && flip[IG_ALERT_CRITICAL_IDX])
		new_level = IG_LEVEL_CRITICAL;
	else if (old < IG_LEVEL_WARNING && flip[IG_ALERT_WARNING_IDX])
		new_level = IG_LEVEL_WARNING;
	else if (old == IG_LEVEL_CRITICAL && flip[IG_ALERT_CRITICAL_IDX])
		new_level = flip[IG_ALERT_WARNING_IDX] ? IG_LEVEL_OK : IG_LEVEL_WARNING;
	else if (old == IG_LEVEL_WARNING && flip[IG_ALERT_WARNING_IDX])
		new_level = IG_LEVEL_OK;

	/* a level that turned over starts afresh in the other direction */
	for (i = 0; i < 2; i++)
	{
		IgLevel		lvl = i == IG_ALERT_WARNING_IDX ? IG_LEVEL_WARNING : IG_LEVEL_CRITICAL;

		if ((old >= lvl) != (new_level >= lvl))
			st->has_since[i] = false;
	}
	st->level = new_level;

	if (!is_alerting(old))
		out->action = is_alerting(new_level) ? IG_ALERT_OPEN : IG_ALERT_NONE;
	else if (new_level == IG_LEVEL_OK)
		out->action = IG_ALERT_RESOLVE;
	else if (new_level == old)
		out->action = IG_ALERT_UPDATE;
	else
		out->action = new_level > old ? IG_ALERT_ESCALATE : IG_ALERT_DEESCALATE;
	out->level = new_level;

	/* where it is heading: up first, then down */
	if (new_level < IG_LEVEL_CRITICAL && st->has_since[IG_ALERT_CRITICAL_IDX])
	{
		out->pending = IG_LEVEL_CRITICAL;
		out->pending_since = st->since[IG_ALERT_CRITICAL_IDX];
		out->pending_due = out->pending_since + rule->hold_us;
	}
	else if (new_level < IG_LEVEL_WARNING && st->has_since[IG_ALERT_WARNING_IDX])
	{
		out->pending = IG_LEVEL_WARNING;
		out->pending_since = st->since[IG_ALERT_WARNING_IDX];
		out->pending_due = out->pending_since + rule->hold_us;
	}
	else if (new_level == IG_LEVEL_CRITICAL && st->has_since[IG_ALERT_CRITICAL_IDX])
	{
		out->pending = st->has_since[IG_ALERT_WARNING_IDX] ? IG_LEVEL_OK : IG_LEVEL_WARNING;
		out->pending_since = st->since[IG_ALERT_CRITICAL_IDX];
		out->pending_due = out->pending_since + rule->clear_hold_us;
	}
	else if (new_level == IG_LEVEL_WARNING && st->has_since[IG_ALERT_WARNING_IDX])
	{
		out->pending = IG_LEVEL_OK;
		out->pending_since = st->since[IG_ALERT_WARNING_IDX];
		out->pending_due = out->pending_since + rule->clear_hold_us;
	}

	/*
	 * The episode's peak: from the first reading of a rising streak, kept
	 * while an alert is open, reported with the resolution, then forgotten.
	 */
	episode = is_alerting(new_level) || is_alerting(old) ||
		(out->pending != IG_LEVEL_UNKNOWN && out->pending > new_level);
	if (episode)
	{
		if (!st->has_peak || worse(value, st->peak_value, rule->dir))
		{
			st->has_peak = true;
			st->peak_value = value;
			st->peak_at = now;
		}
	}
	out->has_peak = st->has_peak && episode;
	out->peak_value = st->peak_value;
	out->peak_at = st->peak_at;
	if (!is_alerting(new_level) && !(out->pending != IG_LEVEL_UNKNOWN && out->pending > new_level))
		st->has_peak = false;
	return out->action;
}
