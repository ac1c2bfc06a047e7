/*-------------------------------------------------------------------------
 *
 * ig_forecast.c
 *	  Least-squares capacity forecasting.
 *
 * Design notes:
 *	- The textbook one-pass formula slope = (n Sxy - Sx Sy) / (n Sxx - Sx^2)
 *	  subtracts two numbers around 3e22 when x is epoch seconds, leaving no
 *	  correct digit of a growth of a few bytes per second.  Instead the
 *	  means are computed first and the sums are taken over deviations from
 *	  them (the two-pass algorithm), whose error does not depend on where
 *	  the data sits on the axis.
 *	- Each mean gets one correction pass (add the mean of the residuals),
 *	  the "corrected two-pass" refinement, so that rounding in the first
 *	  division does not leave a bias of the size of one ulp of the sum.
 *	- "Constant" is decided by comparing the inputs themselves, not by a
 *	  zero sum: the mean of three copies of 0.1 is not exactly 0.1, so the
 *	  deviations would be tiny but non-zero and would invent a slope.
 *
 * IDENTIFICATION
 *	  src/core/ig_forecast.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <stdio.h>

#include "ig_forecast.h"

/* Mean of n >= 1 finite values, refined by one correction pass. */
static double
mean_of(const double *v, int n)
{
	double		sum = 0.0;
	double		resid = 0.0;
	double		m;
	int			i;

	for (i = 0; i < n; i++)
		sum += v[i];
	m = sum / n;
	for (i = 0; i < n; i++)
		resid += v[i] - m;
	return m + resid / n;
}

IgStatus
ig_forecast_fit(const double *x, const double *y, int n, IgFit *out)
{
	bool		x_varies = false;
	bool		y_varies = false;
	double		xm;
	double		ym;
	double		sxx = 0.0;
	double		sxy = 0.0;
	double		syy = 0.0;
	double		xmin;
	double		xmax;
	IgFit		fit;
	int			i;

	if (out == NULL)
		return IG_ERANGE;
	/* before the pointer check: an empty series may come as NULL, n = 0 */
	if (n < 2)
		return IG_ENODATA;
	if (x == NULL || y == NULL)
		return IG_ERANGE;

	xmin = xmax = x[0];
	for (i = 0; i < n; i++)
	{
		if (!isfinite(x[i]) || !isfinite(y[i]))
			return IG_ERANGE;
		if (x[i] < xmin)
			xmin = x[i];
		if (x[i] > xmax)
			xmax = x[i];
		if (x[i] != x[0])
			x_varies = true;
		if (y[i] != y[0])
			y_varies = true;
	}
	/* all samples taken at the same instant: no rate can be measured */
	if (!x_varies)
		return IG_ENODATA;

	xm = mean_of(x, n);
	ym = y_varies ? mean_of(y, n) : y[0];
	for (i = 0; i < n; i++)
	{
		double		dx = x[i] - xm;
		double		dy = y[i] - ym;

		sxx += dx * dx;
		sxy += dx * dy;
		syy += dy * dy;
	}
	if (!isfinite(sxx) || !isfinite(sxy) || !isfinite(syy))
		return IG_ERANGE;
	/* x differing only by subnormal amounts: their squares vanish */
	if (!(sxx > 0.0))
		return IG_ENODATA;

	fit.n = n;
	fit.span = xmax - xmin;
	if (!isfinite(fit.span))
		return IG_ERANGE;
	if (!y_varies || !(syy > 0.0))
	{
		/* a flat series is perfectly explained by a flat line */
		fit.slope = 0.0;
		fit.r2 = 1.0;
		fit.residual_sd = 0.0;
		fit.slope_se = n > 2 ? 0.0 : INFINITY;
	}
	else
	{
		double		r;

		fit.slope = sxy / sxx;
		/* the line through the means must be finite, though not kept */
		if (!isfinite(fit.slope) || !isfinite(ym - fit.slope * xm))
			return IG_ERANGE;

		/*
		 * r = Sxy / sqrt(Sxx Syy), with the square roots taken separately
		 * so that the product cannot overflow; |r| <= 1 up to rounding.
		 */
		r = sxy / (sqrt(sxx) * sqrt(syy));
		fit.r2 = r * r;
		if (fit.r2 > 1.0)
			fit.r2 = 1.0;

		/*
		 * The residuals summed directly, not as Syy - slope * Sxy: that
		 * difference of two nearly equal numbers is all rounding when the
		 * fit is close to perfect.
		 */
		if (n > 2)
		{
			double		sse = 0.0;

			for (i = 0; i < n; i++)
			{
				double		e = (y[i] - ym) - fit.slope * (x[i] - xm);

				sse += e * e;
			}
			if (!isfinite(sse))
				return IG_ERANGE;
			fit.residual_sd = sqrt(sse / (n - 2));
			fit.slope_se = fit.residual_sd / sqrt(sxx);
		}
		else
		{
			fit.residual_sd = 0.0;
			fit.slope_se = INFINITY;
		}
	}
	*out = fit;
	return IG_OK;
}

IgStatus
ig_forecast_time_to(const IgFit *fit, double x_now, double y_now,
					double y_target, double *dx)
{
	double		t;

	if (fit == NULL || dx == NULL)
		return IG_ERANGE;
	if (!isfinite(x_now) || !isfinite(y_now) || !isfinite(y_target) ||
		!isfinite(fit->slope))
		return IG_ERANGE;

	/* already there, whatever the trend says */
	if (y_now >= y_target)
	{
		*dx = 0.0;
		return IG_OK;
	}
	/* flat or shrinking: the target is never reached */
	if (!(fit->slope > 0.0))
		return IG_ENODATA;

	/*
	 * Start from the measured value, not the fitted one: the fit smooths the
	 * history, but what is used now is what the next bytes add to.
	 */
	t = (y_target - y_now) / fit->slope;
	if (!isfinite(t) || !isfinite(x_now + t))
		return IG_ERANGE;
	*dx = t;
	return IG_OK;
}

/*
 * Student's t, two-sided 99 % (the 0.995 quantile), by degrees of freedom:
 * exact rows 1..30, then 40, 60, 120 and infinity, as printed in every
 * statistics table.
 */
static const double t99_small[30] = {
	63.657, 9.925, 5.841, 4.604, 4.032, 3.707, 3.499, 3.355, 3.250, 3.169,
	3.106, 3.055, 3.012, 2.977, 2.947, 2.921, 2.898, 2.878, 2.861, 2.845,
	2.831, 2.819, 2.807, 2.797, 2.787, 2.779, 2.771, 2.763, 2.756, 2.750
};
static const struct
{
	double		df;
	double		t;
}			t99_large[] = {
	{30, 2.750}, {40, 2.704}, {60, 2.660}, {120, 2.617}, {INFINITY, 2.576}
};

double
ig_forecast_t99(int df)
{
	double		inv;
	int			i;

	if (df < 1)
		return INFINITY;
	if (df <= 30)
		return t99_small[df - 1];
	/* the quantile is close to linear in 1/df between the table's rows */
	inv = 1.0 / df;
	for (i = 0; i + 1 < (int) (sizeof(t99_large) / sizeof(t99_large[0])); i++)
	{
		double		inv_lo = 1.0 / t99_large[i].df;
		double		inv_hi = 1.0 / t99_large[i + 1].df;	/* 0 for infinity */

		if (inv <= inv_lo && inv >= inv_hi)
			return t99_large[i + 1].t +
				(t99_large[i].t - t99_large[i + 1].t) * (inv - inv_hi) / (inv_lo - inv_hi);
	}
	return 2.576;
}

/*
 * Why these rules (the README has the long version):
 *	- 99 %, not 95 %: an idle database is judged every scrape, and one in
 *	  twenty flat series "growing" would be a false trend every few minutes
 *	  across a fleet.  Sizes are also autocorrelated (a step stays), which
 *	  makes any interval narrower than it should be: err on the safe side.
 *	- r2 >= 0.5 before a date is given: below that the noise is as large as
 *	  the trend over the history, and the date moves by days from one
 *	  scrape to the next.
 *	- 6 samples at least: with fewer, the t quantile explodes (63.7 for 3).
 */
IgStatus
ig_forecast_judge(const IgFit *fit, int n, const IgForecastRules *rules,
				  IgForecastJudgement *out)
{
	IgForecastJudgement j;

	if (rules == NULL || out == NULL)
		return IG_ERANGE;
	if (!(rules->min_history >= 0.0) || !isfinite(rules->min_history) ||
		!(rules->window >= 0.0) || !isfinite(rules->window) ||
		rules->min_points < 3 ||
		!(rules->min_r2 >= 0.0 && rules->min_r2 <= 1.0))
		return IG_ERANGE;
	if (fit != NULL && (fit->n != n || !isfinite(fit->slope) ||
						!isfinite(fit->span) || isnan(fit->slope_se)))
		return IG_ERANGE;

	j.n = n;
	j.needed = rules->min_history;
	if (rules->window / 4.0 > j.needed)
		j.needed = rules->window / 4.0;
	j.history = (fit != NULL && n > 1) ? fit->span * n / (n - 1) : 0.0;
	j.margin = INFINITY;
	j.growth = NAN;
	j.extrapolate = false;

	if (n < rules->min_points)
		j.verdict = IG_FORECAST_FEW_POINTS;
	else if (fit == NULL || j.history < j.needed)
		j.verdict = IG_FORECAST_SHORT_HISTORY;
	else
	{
		j.margin = ig_forecast_t99(n - 2) * fit->slope_se;
		if (!(fabs(fit->slope) > j.margin))
		{
			j.verdict = IG_FORECAST_NO_TREND;
			j.growth = 0.0;
		}
		else
		{
			j.growth = fit->slope;
			if (fit->r2 < rules->min_r2)
				j.verdict = IG_FORECAST_POOR_FIT;
			else
			{
				j.verdict = IG_FORECAST_TRUSTED;
				j.extrapolate = true;
			}
		}
	}
	*out = j;
	return IG_OK;
}

/*
 * One decimal below 10 ("1.5 hours"), whole numbers above ("76 seconds"):
 * "%.0f" when the rounded value is whole, else "%.1f".
 */
static int
amount_text(double v, const char *unit, char *buf, size_t len)
{
	double		r = v >= 9.95 ? round(v) : round(v * 10.0) / 10.0;

	if (r == floor(r))
		return snprintf(buf, len, "%.0f %s%s", r, unit, r == 1.0 ? "" : "s");
	return snprintf(buf, len, "%.1f %ss", r, unit);
}

int
ig_forecast_duration_text(double seconds, char *buf, size_t len)
{
	if (!isfinite(seconds) || seconds < 0.0)
		return snprintf(buf, len, "?");
	if (seconds < 89.95)
		return amount_text(seconds, "second", buf, len);
	if (seconds < 90.0 * 60.0 - 3.0)
		return amount_text(seconds / 60.0, "minute", buf, len);
	if (seconds < 36.0 * 3600.0 - 180.0)
		return amount_text(seconds / 3600.0, "hour", buf, len);
	return amount_text(seconds / 86400.0, "day", buf, len);
}

int
ig_forecast_explain(const IgFit *fit, const IgForecastRules *rules,
					const IgForecastJudgement *j, char *buf, size_t len)
{
	char		have[32];
	char		need[32];
	char		window[32];

	if (rules == NULL || j == NULL)
		return snprintf(buf, len, "?");
	ig_forecast_duration_text(j->history, have, sizeof(have));
	ig_forecast_duration_text(j->needed, need, sizeof(need));
	switch (j->verdict)
	{
		case IG_FORECAST_FEW_POINTS:
			return snprintf(buf, len, "%d sample%s, need at least %d",
							j->n, j->n == 1 ? "" : "s", rules->min_points);
		case IG_FORECAST_SHORT_HISTORY:
			if (rules->window / 4.0 > rules->min_history)
			{
				ig_forecast_duration_text(rules->window, window, sizeof(window));
				return snprintf(buf, len, "%s of history, need %s (a quarter of the %s window)",
								have, need, window);
			}
			return snprintf(buf, len, "%s of history, need %s", have, need);
		case IG_FORECAST_NO_TREND:
			return snprintf(buf, len, "no trend beyond the noise over %s of history", have);
		case IG_FORECAST_POOR_FIT:
			return snprintf(buf, len, "trend too irregular to extrapolate: R-squared %.2f, need %.2g",
							fit != NULL ? fit->r2 : 0.0, rules->min_r2);
		case IG_FORECAST_TRUSTED:
			return snprintf(buf, len, "trend over %s of history, R-squared %.2f",
							have, fit != NULL ? fit->r2 : 0.0);
	}
	return snprintf(buf, len, "?");
}
