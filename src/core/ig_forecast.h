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

/* A least-squares trend of y against x: its slope and how well it fits. */
typedef struct IgFit
{
	double		slope;			/* y units per x unit (bytes per second) */
	int			n;				/* number of points fitted */
	double		r2;				/* coefficient of determination, 0..1 */
	double		span;			/* largest x minus smallest x */
	double		residual_sd;	/* standard deviation of the residuals,
								 * sqrt(SSE / (n - 2)); 0 when n == 2 */
	double		slope_se;		/* standard error of the slope,
								 * residual_sd / sqrt(Sxx); INFINITY when
								 * n == 2 (a line through two points says
								 * nothing about its own error) */
} IgFit;

/*
 * Ordinary least-squares fit of y against x over n points.
 *
 * Returns IG_ENODATA when n < 2 (x and y are then not read, so they may be
 * NULL) or when all x are equal, since no slope can be computed; IG_ERANGE
 * when out is NULL, x or y is NULL with n >= 2, any value is NaN or
 * infinite, or the values are so large that their squares overflow.
 *
 * When all y are equal the trend is flat: slope 0 and r2 1, because the
 * line explains the (zero) variation perfectly.
 * Otherwise r2 is the squared correlation of x and y, clamped to 0..1
 * against rounding.  *out is written only on IG_OK.
 *
 * There is no intercept: the line's value at x = 0 is far from epoch-time
 * data, and evaluating it there cancels two large terms.  Projections use
 * ig_forecast_time_to(), which needs only the slope and the current value.
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

/*
 * When a fitted trend may be extrapolated.  A least-squares slope always
 * exists, but from minutes of history, or from a series that is flat noise,
 * it is a number without meaning: one minute of a few kB of noise is
 * "MB per day".  ig_forecast_judge() decides, in this order:
 *
 *	IG_FORECAST_FEW_POINTS		fewer than min_points samples
 *	IG_FORECAST_SHORT_HISTORY	the samples cover less than
 *								max(min_history, window / 4) seconds
 *	IG_FORECAST_NO_TREND		the 99 % confidence interval of the slope
 *								contains zero: no growth beyond the noise
 *	IG_FORECAST_POOR_FIT		a real trend, but r2 < min_r2: the line
 *								explains too little of the variation to
 *								say when a level is reached
 *	IG_FORECAST_TRUSTED			otherwise
 *
 * A series of n samples spanning s seconds covers s * n / (n - 1) seconds:
 * each sample stands for one sampling interval, so that 360 one-minute
 * samples are 6 hours of history although their first and last are 359
 * minutes apart.
 */
typedef enum IgForecastVerdict
{
	IG_FORECAST_TRUSTED = 0,
	IG_FORECAST_FEW_POINTS,
	IG_FORECAST_SHORT_HISTORY,
	IG_FORECAST_NO_TREND,
	IG_FORECAST_POOR_FIT
} IgForecastVerdict;

/* the documented defaults (README): see ig_forecast.c for why */
#define IG_FORECAST_DEFAULT_MIN_HISTORY	21600.0	/* 6 hours */
#define IG_FORECAST_DEFAULT_MIN_POINTS	6
#define IG_FORECAST_DEFAULT_MIN_R2		0.5

typedef struct IgForecastRules
{
	double		min_history;	/* seconds of history needed, >= 0 */
	double		window;			/* seconds asked about; a quarter of it is
								 * needed too; 0 for no such rule */
	int			min_points;		/* samples needed, >= 3 */
	double		min_r2;			/* fit quality needed for a trend, 0..1 */
} IgForecastRules;

typedef struct IgForecastJudgement
{
	IgForecastVerdict verdict;
	int			n;				/* samples judged */
	double		history;		/* seconds the samples cover */
	double		needed;			/* seconds of history needed */
	double		margin;			/* half width of the slope's 99 %
								 * confidence interval (INFINITY when it
								 * cannot be computed) */
	double		growth;			/* the growth to report, per x unit: NAN
								 * when unknown (few points, short
								 * history), 0 with no trend, else the
								 * slope */
	bool		extrapolate;	/* a time to a level may be computed from
								 * growth: only when TRUSTED */
} IgForecastJudgement;

/*
 * Judge a fit against the rules.  fit may be NULL when ig_forecast_fit()
 * returned IG_ENODATA for n samples (too few, or all at one time).
 * IG_ERANGE when rules or out is NULL, or a rule is out of range (negative
 * or NaN history or window, min_points < 3, min_r2 outside 0..1).  *out is
 * written only on IG_OK.
 */
extern IgStatus ig_forecast_judge(const IgFit *fit, int n,
								  const IgForecastRules *rules,
								  IgForecastJudgement *out);

/*
 * Two-sided 99 % quantile of Student's t distribution with df degrees of
 * freedom (df >= 1; the normal 2.576 for huge df), from the standard table,
 * interpolated in 1/df between its rows above 30.
 */
extern double ig_forecast_t99(int df);

/*
 * A duration for people: "45 seconds", "2 minutes", "6 hours", "1.5 days"
 * (seconds below 90 s, minutes below 90 min, hours below 36 h, else days;
 * one decimal below 10, whole above; "1 minute" singular).  Writes at most len bytes
 * including the terminating NUL, like snprintf, and returns what snprintf
 * returns; "?" for a negative or non-finite duration.
 */
extern int	ig_forecast_duration_text(double seconds, char *buf, size_t len);

/*
 * Why a judgement is what it is, in one line without a unit of y:
 *	"3 samples, need at least 6"
 *	"2 minutes of history, need 6 hours"
 *	"2 days of history, need 1.8 days (a quarter of the 7 days window)"
 *	"no trend beyond the noise over 3 days of history"
 *	"trend too irregular to extrapolate: R-squared 0.31, need 0.5"
 *	"trend over 3 days of history, R-squared 0.98"
 * Same buffer contract as ig_forecast_duration_text(); fit may be NULL as
 * for ig_forecast_judge().
 */
extern int	ig_forecast_explain(const IgFit *fit, const IgForecastRules *rules,
								const IgForecastJudgement *j,
								char *buf, size_t len);

#endif							/* INFRAGUARD_IG_FORECAST_H */
