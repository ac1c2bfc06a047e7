/*-------------------------------------------------------------------------
 *
 * ig_forecast.h
 *	  Least-squares growth trend and time until a capacity threshold.
 *
 * x is time in seconds (the glue passes epoch seconds, around 1.8e9), y is
 * a size in bytes or a percentage.  The fit centres x and y on their means
 * before accumulating sums, so epoch-sized x with a small growth rate keeps
 * full precision; the naive sum-of-squares formula would lose every
 * significant digit of the slope there.
 *
 * Time is always a parameter: nothing here reads a clock.
 *
 * IDENTIFICATION
 *	  src/core/ig_forecast.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef INFRAGUARD_IG_FORECAST_H
#define INFRAGUARD_IG_FORECAST_H

#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>

#include "ig_status.h"

/* Fitted trend y = intercept + slope * x. */
typedef struct IgFit
{
	double		slope;			/* y units per x unit (bytes per second) */
	double		intercept;		/* fitted y at x = 0 */
	int			n;				/* number of points fitted */
	double		r2;				/* coefficient of determination, 0..1 */
} IgFit;

/*
 * Ordinary least-squares fit of y against x over n points.
 *
 * Returns IG_ENODATA when n < 2 (x and y are then not read, so they may be
 * NULL) or when all x are equal, since no slope can be computed; IG_ERANGE
 * when out is NULL, x or y is NULL with n >= 2, any value is NaN or
 * infinite, or the values are so large that their squares overflow.
 *
 * When all y are equal the trend is flat: slope 0, intercept that value,
 * and r2 1, because the line explains the (zero) variation perfectly.
 * Otherwise r2 is the squared correlation of x and y, clamped to 0..1
 * against rounding.  *out is written only on IG_OK.
 *
 * Because intercept is the value at x = 0, evaluating the line at an epoch
 * time cancels two large terms; use ig_forecast_time_to(), which needs only
 * the slope, for projections.
 */
extern IgStatus ig_forecast_fit(const double *x, const double *y, int n,
								IgFit *out);

/*
 * Time (in x units) from x_now until a value growing at fit->slope from the
 * current value y_now, not from the fitted one, reaches y_target.
 *
 * *dx is 0 when y_now >= y_target already.  Otherwise IG_ENODATA when the
 * slope is <= 0: the threshold is never reached.  IG_ERANGE when fit or dx
 * is NULL, an argument or the slope is NaN or infinite, or the result
 * (*dx, or x_now + *dx) is not finite.  *dx is written only on IG_OK.
 */
extern IgStatus ig_forecast_time_to(const IgFit *fit, double x_now,
									double y_now, double y_target,
									double *dx);

#endif							/* INFRAGUARD_IG_FORECAST_H */
