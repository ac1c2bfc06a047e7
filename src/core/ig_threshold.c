/*-------------------------------------------------------------------------
 *
 * ig_threshold.c
 *	  Threshold classification, the single definition of a check's status.
 *
 * src/core/ig_threshold.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <string.h>

#include "ig_threshold.h"

/* Has the value reached the threshold, looking in the bad direction? */
static bool
crossed(double value, double threshold, IgDirection dir)
{
	return dir == IG_DIR_ABOVE ? value >= threshold : value <= threshold;
}

IgLevel
ig_threshold_classify(double value, bool has_value,
					  double warning, bool has_warning,
					  double critical, bool has_critical,
					  IgDirection dir)
{
	if (!has_value || isnan(value))
		return IG_LEVEL_UNKNOWN;
	if (has_critical && crossed(value, critical, dir))
		return IG_LEVEL_CRITICAL;
	if (has_warning && crossed(value, warning, dir))
		return IG_LEVEL_WARNING;
	return IG_LEVEL_OK;
}

bool
ig_threshold_valid(double warning, bool has_warning,
				   double critical, bool has_critical,
				   IgDirection dir)
{
	if ((has_warning && !isfinite(warning)) ||
		(has_critical && !isfinite(critical)))
		return false;
	if (!has_warning || !has_critical)
		return true;
	return dir == IG_DIR_ABOVE ? warning <= critical : warning >= critical;
}

bool
ig_direction_parse(const char *text, IgDirection *dir)
{
	if (text == NULL)
		return false;
	if (strcmp(text, "above") == 0)
		*dir = IG_DIR_ABOVE;
	else if (strcmp(text, "below") == 0)
		*dir = IG_DIR_BELOW;
	else
		return false;
	return true;
}

const char *
ig_level_name(IgLevel level)
{
	switch (level)
	{
		case IG_LEVEL_OK:
			return "ok";
		case IG_LEVEL_WARNING:
			return "warning";
		case IG_LEVEL_CRITICAL:
			return "critical";
		case IG_LEVEL_UNKNOWN:
			break;
	}
	return "unknown";
}

bool
ig_level_parse(const char *text, IgLevel *level)
{
	IgLevel		l;

	if (text == NULL)
		return false;
	for (l = IG_LEVEL_UNKNOWN; l <= IG_LEVEL_CRITICAL; l++)
	{
		if (strcmp(text, ig_level_name(l)) == 0)
		{
			*level = l;
			return true;
		}
	}
	return false;
}
