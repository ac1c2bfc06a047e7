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
	IgFit		fit;
	int			i;

	if (out == NULL)
		return IG_ERANGE;
	/* before the pointer check: an empty series may come as NULL, n = 0 */
	if (n < 2)
		return IG_ENODATA;
	if (x == NULL || y == NULL)
		return IG_ERANGE;

	for (i = 0; i < n; i++)
	{
		if (!isfinite(x[i]) || !isfinite(y[i]))
			return IG_ERANGE;
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
	if (!y_varies || !(syy > 0.0))
	{
		/* a flat series is perfectly explained by a flat line */
		fit.slope = 0.0;
		fit.intercept = ym;
		fit.r2 = 1.0;
	}
	else
	{
		double		r;

		fit.slope = sxy / sxx;
		fit.intercept = ym - fit.slope * xm;
		if (!isfinite(fit.slope) || !isfinite(fit.intercept))
			return IG_ERANGE;

		/*
		 * r = Sxy / sqrt(Sxx Syy), with the square roots taken separately
		 * so that the product cannot overflow; |r| <= 1 up to rounding.
		 */
		r = sxy / (sqrt(sxx) * sqrt(syy));
		fit.r2 = r * r;
		if (fit.r2 > 1.0)
			fit.r2 = 1.0;
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
