/*-------------------------------------------------------------------------
 *
 * ig_threshold.h
 *	  Classify a measured value against warning/critical thresholds.
 *
 * Pure core: no PostgreSQL header.  Shared by health(), check_thresholds()
 * and the worker's alert evaluation so that all three agree on what
 * "warning" means.
 *
 * src/core/ig_threshold.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef INFRAGUARD_IG_THRESHOLD_H
#define INFRAGUARD_IG_THRESHOLD_H

#include <stdbool.h>

typedef enum IgDirection
{
	IG_DIR_ABOVE,				/* bad when the value is high (disk used %) */
	IG_DIR_BELOW				/* bad when the value is low (cache hit %) */
} IgDirection;

/* Ordered by severity, so levels compare with < and >. */
typedef enum IgLevel
{
	IG_LEVEL_UNKNOWN = 0,
	IG_LEVEL_OK,
	IG_LEVEL_WARNING,
	IG_LEVEL_CRITICAL
} IgLevel;

/*
 * An unset threshold is passed as has_* = false and never fires; a value that
 * is missing or not a number classifies as unknown.  Reaching a threshold
 * counts as crossing it: 80% used with warning = 80 is a warning.
 */
extern IgLevel ig_threshold_classify(double value, bool has_value,
									 double warning, bool has_warning,
									 double critical, bool has_critical,
									 IgDirection dir);

/*
 * True when warning and critical are consistent with the direction: for
 * "above" warning <= critical, for "below" warning >= critical.  Either
 * threshold may be unset.  NaN and infinities are rejected.
 */
extern bool ig_threshold_valid(double warning, bool has_warning,
							   double critical, bool has_critical,
							   IgDirection dir);

/* Parse "above"/"below"; returns false for anything else. */
extern bool ig_direction_parse(const char *text, IgDirection *dir);

/* "unknown", "ok", "warning", "critical". */
extern const char *ig_level_name(IgLevel level);

/* The inverse of ig_level_name(); false for anything else. */
extern bool ig_level_parse(const char *text, IgLevel *level);

#endif							/* INFRAGUARD_IG_THRESHOLD_H */
