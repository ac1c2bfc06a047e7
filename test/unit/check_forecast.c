/*-------------------------------------------------------------------------
 *
 * check_forecast.c
 *	  Check unit tests for src/core/ig_forecast.c.
 *
 * The epoch cases use the x values the glue really passes (epoch seconds
 * around 1.8e9, one sample a minute for a week) with a growth that is tiny
 * next to the base value, which is where an uncentred fit falls apart.
 *
 * IDENTIFICATION
 *	  test/unit/check_forecast.c
 *
 *-------------------------------------------------------------------------
 */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ig_forecast.h"
#include "ig_status.h"

#define EPOCH_X0		1.8e9
#define EPOCH_STEP		60.0
#define EPOCH_N			10080	/* one week of one-minute samples */

/* sentinel that no computation below produces, to detect stray writes */
#define UNTOUCHED		-12345.0

static double epoch_x[EPOCH_N];
static double epoch_y[EPOCH_N];

static uint64_t
splitmix64(uint64_t *state)
{
	uint64_t	z = (*state += UINT64_C(0x9E3779B97F4A7C15));

	z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
	return z ^ (z >> 31);
}

/* uniform in [-1, 1), the same sequence on every platform */
static double
noise(uint64_t *state)
{
	return 2.0 * ((double) (splitmix64(state) >> 11) / 9007199254740992.0) - 1.0;
}

static double
rel_err(double got, double want)
{
	return fabs(got - want) / fabs(want);
}

static IgFit
untouched_fit(void)
{
	IgFit		f;

	f.slope = UNTOUCHED;
	f.n = -1;
	f.r2 = UNTOUCHED;
	return f;
}

static void
fill_epoch(double base, double rate)
{
	int			i;

	for (i = 0; i < EPOCH_N; i++)
	{
		epoch_x[i] = EPOCH_X0 + i * EPOCH_STEP;
		epoch_y[i] = base + rate * (epoch_x[i] - EPOCH_X0);
	}
}

START_TEST(test_exact_line)
{
	double		x[10];
	double		y[10];
	double		yd[10];
	IgFit		f;
	int			i;

	for (i = 0; i < 10; i++)
	{
		x[i] = i;
		y[i] = 3.0 + 2.0 * i;
		yd[i] = 100.0 - 0.5 * i;
	}
	ck_assert_int_eq(ig_forecast_fit(x, y, 10, &f), IG_OK);
	ck_assert_double_eq_tol(f.slope, 2.0, 1e-12);
	ck_assert_int_eq(f.n, 10);
	ck_assert_double_eq_tol(f.r2, 1.0, 1e-12);
	ck_assert(f.r2 <= 1.0);

	/* a perfect decreasing line is explained just as well */
	ck_assert_int_eq(ig_forecast_fit(x, yd, 10, &f), IG_OK);
	ck_assert_double_eq_tol(f.slope, -0.5, 1e-12);
	ck_assert_double_eq_tol(f.r2, 1.0, 1e-12);

	/* two points are enough, and order does not matter */
	x[0] = 10.0;
	y[0] = 7.0;
	x[1] = 4.0;
	y[1] = 1.0;
	ck_assert_int_eq(ig_forecast_fit(x, y, 2, &f), IG_OK);
	ck_assert_double_eq_tol(f.slope, 1.0, 1e-12);
	ck_assert_int_eq(f.n, 2);
	ck_assert_double_eq_tol(f.r2, 1.0, 1e-12);
}
END_TEST

START_TEST(test_noisy_line)
{
	static double x[1000];
	static double y[1000];
	uint64_t	seed = 42;
	IgFit		f;
	int			i;

	/*
	 * slope 2.5 with uniform noise of +-50: sigma = 50 / sqrt(3) = 28.9 and
	 * Sxx = 100 * n^3 / 12 = 8.3e9, so the slope's standard error is 3.2e-4;
	 * the tolerance is over 10 of them.
	 */
	for (i = 0; i < 1000; i++)
	{
		x[i] = 10.0 * i;
		y[i] = 5000.0 + 2.5 * x[i] + 50.0 * noise(&seed);
	}
	ck_assert_int_eq(ig_forecast_fit(x, y, 1000, &f), IG_OK);
	ck_assert_double_eq_tol(f.slope, 2.5, 0.005);
	ck_assert_int_eq(f.n, 1000);
	/* signal variance 5.2e5 against noise variance 833: r2 about 0.998 */
	ck_assert_msg(f.r2 > 0.99 && f.r2 < 1.0, "r2 = %.17g", f.r2);
}
END_TEST

START_TEST(test_r2_of_noise)
{
	static double x[1000];
	static double y[1000];
	uint64_t	seed = 7;
	IgFit		f;
	int			i;

	/* no trend at all: the line explains almost nothing */
	for (i = 0; i < 1000; i++)
	{
		x[i] = i;
		y[i] = 1000.0 + 100.0 * noise(&seed);
	}
	ck_assert_int_eq(ig_forecast_fit(x, y, 1000, &f), IG_OK);
	ck_assert_msg(f.r2 >= 0.0 && f.r2 < 0.05, "r2 = %.17g", f.r2);
	ck_assert_double_eq_tol(f.slope, 0.0, 0.05);
}
END_TEST

START_TEST(test_epoch_bytes)
{
	IgFit		f;

	/* 1 TB growing 1 byte per second, sampled every minute for a week */
	fill_epoch(1e12, 1.0);
	ck_assert_int_eq(ig_forecast_fit(epoch_x, epoch_y, EPOCH_N, &f), IG_OK);
	ck_assert_int_eq(f.n, EPOCH_N);
	ck_assert_msg(rel_err(f.slope, 1.0) <= 1e-9, "slope = %.17g", f.slope);
	ck_assert_msg(f.r2 >= 1.0 - 1e-9 && f.r2 <= 1.0, "r2 = %.17g", f.r2);
}
END_TEST

START_TEST(test_epoch_percent)
{
	IgFit		f;

	/*
	 * A percentage creeping up by 1e-6 per second (0.6 points in a week) is
	 * an even smaller signal next to epoch x.
	 */
	fill_epoch(42.0, 1e-6);
	ck_assert_int_eq(ig_forecast_fit(epoch_x, epoch_y, EPOCH_N, &f), IG_OK);
	ck_assert_msg(rel_err(f.slope, 1e-6) <= 1e-9, "slope = %.17g", f.slope);
	ck_assert_msg(f.r2 >= 1.0 - 1e-9 && f.r2 <= 1.0, "r2 = %.17g", f.r2);

	/* and with a large shrink rate, for symmetry */
	fill_epoch(1e15, -12345.5);
	ck_assert_int_eq(ig_forecast_fit(epoch_x, epoch_y, EPOCH_N, &f), IG_OK);
	ck_assert_msg(rel_err(f.slope, -12345.5) <= 1e-9, "slope = %.17g",
				  f.slope);
}
END_TEST

START_TEST(test_epoch_noisy)
{
	uint64_t	seed = 2024;
	IgFit		f;
	int			i;

	/*
	 * 1 TB growing 1 byte/s with +-1 kB of noise per sample (WAL, temp
	 * files).  Sxx = 3600 * n^3 / 12 = 3.1e14, sigma = 577, so the slope's
	 * standard error is 3.3e-5 bytes/s.
	 */
	fill_epoch(1e12, 1.0);
	for (i = 0; i < EPOCH_N; i++)
		epoch_y[i] += 1000.0 * noise(&seed);
	ck_assert_int_eq(ig_forecast_fit(epoch_x, epoch_y, EPOCH_N, &f), IG_OK);
	ck_assert_double_eq_tol(f.slope, 1.0, 5e-4);
	ck_assert_msg(f.r2 > 0.99 && f.r2 <= 1.0, "r2 = %.17g", f.r2);
}
END_TEST

START_TEST(test_too_few_points)
{
	double		x[1] = {EPOCH_X0};
	double		y[1] = {1e12};
	IgFit		f = untouched_fit();

	/* an empty series may arrive as NULL arrays */
	ck_assert_int_eq(ig_forecast_fit(NULL, NULL, 0, &f), IG_ENODATA);
	ck_assert_int_eq(ig_forecast_fit(x, y, 0, &f), IG_ENODATA);
	ck_assert_int_eq(ig_forecast_fit(x, y, 1, &f), IG_ENODATA);
	ck_assert_int_eq(ig_forecast_fit(x, y, -3, &f), IG_ENODATA);
	ck_assert_double_eq(f.slope, UNTOUCHED);
	ck_assert_int_eq(f.n, -1);
}
END_TEST

START_TEST(test_identical_x)
{
	double		x[4] = {EPOCH_X0, EPOCH_X0, EPOCH_X0, EPOCH_X0};
	double		y[4] = {1.0, 2.0, 3.0, 4.0};
	double		xt[3] = {0.1, 0.1, 0.1};
	double		ytt[3] = {5.0, 6.0, 7.0};
	double		xs[2] = {0.0, 1e-320};
	double		ys[2] = {0.0, 1.0};
	IgFit		f = untouched_fit();

	ck_assert_int_eq(ig_forecast_fit(x, y, 4, &f), IG_ENODATA);
	/* the mean of 0.1s is not exactly 0.1; that must not invent a spread */
	ck_assert_int_eq(ig_forecast_fit(xt, ytt, 3, &f), IG_ENODATA);
	/* distinct, but too close for their squared spread to be represented */
	ck_assert_int_eq(ig_forecast_fit(xs, ys, 2, &f), IG_ENODATA);
	ck_assert_double_eq(f.slope, UNTOUCHED);
}
END_TEST

START_TEST(test_non_finite_input)
{
	double		x[3] = {0.0, 1.0, 2.0};
	double		y[3] = {0.0, 1.0, 2.0};
	IgFit		f = untouched_fit();

	y[1] = NAN;
	ck_assert_int_eq(ig_forecast_fit(x, y, 3, &f), IG_ERANGE);
	y[1] = INFINITY;
	ck_assert_int_eq(ig_forecast_fit(x, y, 3, &f), IG_ERANGE);
	y[1] = 1.0;
	x[2] = NAN;
	ck_assert_int_eq(ig_forecast_fit(x, y, 3, &f), IG_ERANGE);
	x[2] = -INFINITY;
	ck_assert_int_eq(ig_forecast_fit(x, y, 3, &f), IG_ERANGE);
	/* NaN is reported even when x would also have no spread */
	x[0] = x[1] = x[2] = NAN;
	ck_assert_int_eq(ig_forecast_fit(x, y, 3, &f), IG_ERANGE);
	ck_assert_double_eq(f.slope, UNTOUCHED);
}
END_TEST

START_TEST(test_null_pointers)
{
	double		x[3] = {0.0, 1.0, 2.0};
	double		y[3] = {0.0, 1.0, 2.0};
	IgFit		f = untouched_fit();

	ck_assert_int_eq(ig_forecast_fit(x, y, 3, NULL), IG_ERANGE);
	ck_assert_int_eq(ig_forecast_fit(NULL, NULL, 0, NULL), IG_ERANGE);
	ck_assert_int_eq(ig_forecast_fit(NULL, y, 3, &f), IG_ERANGE);
	ck_assert_int_eq(ig_forecast_fit(x, NULL, 3, &f), IG_ERANGE);
	ck_assert_double_eq(f.slope, UNTOUCHED);
}
END_TEST

START_TEST(test_overflow)
{
	double		xb[3] = {0.0, 1e200, 2e200};
	double		yb[3] = {0.0, 1.0, 2.0};
	double		xs[3] = {0.0, 1.0, 2.0};
	double		ys[3] = {0.0, 1e300, -1e300};
	double		xm[2] = {-1.7e308, 1.7e308};
	IgFit		f = untouched_fit();

	/* finite inputs whose squared deviations are not */
	ck_assert_int_eq(ig_forecast_fit(xb, yb, 3, &f), IG_ERANGE);
	ck_assert_int_eq(ig_forecast_fit(xs, ys, 3, &f), IG_ERANGE);
	ck_assert_int_eq(ig_forecast_fit(xm, yb, 2, &f), IG_ERANGE);
	ck_assert_double_eq(f.slope, UNTOUCHED);
}
END_TEST

START_TEST(test_flat_series)
{
	double		x[3] = {EPOCH_X0, EPOCH_X0 + 60.0, EPOCH_X0 + 120.0};
	double		y[3] = {0.1, 0.1, 0.1};
	IgFit		f;
	double		dx = UNTOUCHED;

	ck_assert_int_eq(ig_forecast_fit(x, y, 3, &f), IG_OK);
	/* exactly flat, not a rounding residue of the mean */
	ck_assert_double_eq(f.slope, 0.0);
	ck_assert_double_eq(f.r2, 1.0);
	ck_assert_int_eq(f.n, 3);

	/* not growing: never reaches a higher target */
	ck_assert_int_eq(ig_forecast_time_to(&f, x[2], 0.1, 0.2, &dx), IG_ENODATA);
	ck_assert_double_eq(dx, UNTOUCHED);
	/* but a target already reached is reached now */
	ck_assert_int_eq(ig_forecast_time_to(&f, x[2], 0.1, 0.1, &dx), IG_OK);
	ck_assert_double_eq(dx, 0.0);
}
END_TEST

START_TEST(test_decreasing_series)
{
	double		x[5] = {0.0, 60.0, 120.0, 180.0, 240.0};
	double		y[5] = {1000.0, 820.0, 640.0, 460.0, 280.0};
	IgFit		f;
	double		dx = UNTOUCHED;

	ck_assert_int_eq(ig_forecast_fit(x, y, 5, &f), IG_OK);
	ck_assert_double_eq_tol(f.slope, -3.0, 1e-12);
	ck_assert_int_eq(ig_forecast_time_to(&f, 240.0, 280.0, 2000.0, &dx),
					 IG_ENODATA);
	ck_assert_double_eq(dx, UNTOUCHED);
	/* shrinking but still above the target: already there */
	ck_assert_int_eq(ig_forecast_time_to(&f, 240.0, 280.0, 100.0, &dx), IG_OK);
	ck_assert_double_eq(dx, 0.0);
}
END_TEST

START_TEST(test_time_to)
{
	double		x[10];
	double		y[10];
	IgFit		f;
	double		dx = UNTOUCHED;
	double		y_now;
	int			i;

	for (i = 0; i < 10; i++)
	{
		x[i] = i;
		y[i] = 2.0 * i;
	}
	ck_assert_int_eq(ig_forecast_fit(x, y, 10, &f), IG_OK);

	/*
	 * The fitted value at x = 9 is 18, but 50 is what is measured now: the
	 * projection starts there, (150 - 50) / 2, not (150 - 18) / 2.
	 */
	ck_assert_int_eq(ig_forecast_time_to(&f, 9.0, 50.0, 150.0, &dx), IG_OK);
	ck_assert_double_eq_tol(dx, 50.0, 1e-12);

	/* the value x_now has no influence on the duration */
	ck_assert_int_eq(ig_forecast_time_to(&f, -1e9, 50.0, 150.0, &dx), IG_OK);
	ck_assert_double_eq_tol(dx, 50.0, 1e-12);

	/* epoch case: one more day of 1 byte/s growth */
	fill_epoch(1e12, 1.0);
	ck_assert_int_eq(ig_forecast_fit(epoch_x, epoch_y, EPOCH_N, &f), IG_OK);
	y_now = epoch_y[EPOCH_N - 1];
	ck_assert_int_eq(ig_forecast_time_to(&f, epoch_x[EPOCH_N - 1], y_now,
										 y_now + 86400.0, &dx), IG_OK);
	ck_assert_msg(rel_err(dx, 86400.0) <= 1e-9, "dx = %.17g", dx);
}
END_TEST

START_TEST(test_already_past_target)
{
	IgFit		f = {2.0, 10, 1.0, 0.0, 0.0, 0.0};
	IgFit		flat = {0.0, 10, 1.0, 0.0, 0.0, 0.0};
	IgFit		down = {-1.0, 10, 1.0, 0.0, 0.0, 0.0};
	double		dx = UNTOUCHED;

	ck_assert_int_eq(ig_forecast_time_to(&f, 100.0, 90.0, 90.0, &dx), IG_OK);
	ck_assert_double_eq(dx, 0.0);
	dx = UNTOUCHED;
	ck_assert_int_eq(ig_forecast_time_to(&f, 100.0, 95.0, 90.0, &dx), IG_OK);
	ck_assert_double_eq(dx, 0.0);
	dx = UNTOUCHED;
	ck_assert_int_eq(ig_forecast_time_to(&flat, 100.0, 95.0, 90.0, &dx), IG_OK);
	ck_assert_double_eq(dx, 0.0);
	dx = UNTOUCHED;
	ck_assert_int_eq(ig_forecast_time_to(&down, 100.0, 95.0, 90.0, &dx), IG_OK);
	ck_assert_double_eq(dx, 0.0);
}
END_TEST

START_TEST(test_time_to_errors)
{
	IgFit		f = {2.0, 10, 1.0, 0.0, 0.0, 0.0};
	IgFit		nan_slope = {NAN, 10, 1.0, 0.0, 0.0, 0.0};
	IgFit		inf_slope = {INFINITY, 10, 1.0, 0.0, 0.0, 0.0};
	IgFit		tiny = {1e-320, 10, 1.0, 0.0, 0.0, 0.0};
	double		dx = UNTOUCHED;

	ck_assert_int_eq(ig_forecast_time_to(NULL, 0.0, 1.0, 2.0, &dx), IG_ERANGE);
	ck_assert_int_eq(ig_forecast_time_to(&f, 0.0, 1.0, 2.0, NULL), IG_ERANGE);
	ck_assert_int_eq(ig_forecast_time_to(&f, NAN, 1.0, 2.0, &dx), IG_ERANGE);
	ck_assert_int_eq(ig_forecast_time_to(&f, 0.0, NAN, 2.0, &dx), IG_ERANGE);
	ck_assert_int_eq(ig_forecast_time_to(&f, 0.0, 1.0, INFINITY, &dx), IG_ERANGE);
	ck_assert_int_eq(ig_forecast_time_to(&f, 0.0, -INFINITY, 2.0, &dx), IG_ERANGE);
	/* bad slopes are errors even when the target is already reached */
	ck_assert_int_eq(ig_forecast_time_to(&nan_slope, 0.0, 3.0, 2.0, &dx), IG_ERANGE);
	ck_assert_int_eq(ig_forecast_time_to(&inf_slope, 0.0, 1.0, 2.0, &dx), IG_ERANGE);
	/* growing, but so slowly that the duration overflows */
	ck_assert_int_eq(ig_forecast_time_to(&tiny, 0.0, 0.0, 1e10, &dx), IG_ERANGE);
	/* target minus current overflows */
	ck_assert_int_eq(ig_forecast_time_to(&f, 0.0, -1.7e308, 1.7e308, &dx), IG_ERANGE);
	/* finite duration, but the moment it happens is not */
	ck_assert_int_eq(ig_forecast_time_to(&f, 1.7e308, 0.0, 1.7e308, &dx), IG_ERANGE);
	ck_assert_double_eq(dx, UNTOUCHED);
}
END_TEST


/* ---- fit quality and when a trend may be trusted (0.2) ---- */

static IgForecastRules
default_rules(double window)
{
	IgForecastRules r;

	r.min_history = IG_FORECAST_DEFAULT_MIN_HISTORY;
	r.window = window;
	r.min_points = IG_FORECAST_DEFAULT_MIN_POINTS;
	r.min_r2 = IG_FORECAST_DEFAULT_MIN_R2;
	return r;
}

START_TEST(test_fit_quality)
{
	static double x[1000];
	static double y[1000];
	uint64_t	seed = 42;
	IgFit		f;
	int			i;

	for (i = 0; i < 10; i++)
	{
		x[i] = 100.0 + i;
		y[i] = 3.0 + 2.0 * i;
	}
	ck_assert_int_eq(ig_forecast_fit(x, y, 10, &f), IG_OK);
	ck_assert_double_eq(f.span, 9.0);
	ck_assert_double_eq_tol(f.residual_sd, 0.0, 1e-12);
	ck_assert_double_eq_tol(f.slope_se, 0.0, 1e-12);

	/* two points: a line, but no idea of its error */
	ck_assert_int_eq(ig_forecast_fit(x, y, 2, &f), IG_OK);
	ck_assert(isinf(f.slope_se));

	/* the noisy line of test_noisy_line: sigma 28.87, se(slope) 3.2e-4 */
	for (i = 0; i < 1000; i++)
	{
		x[i] = 10.0 * i;
		y[i] = 5000.0 + 2.5 * x[i] + 50.0 * noise(&seed);
	}
	ck_assert_int_eq(ig_forecast_fit(x, y, 1000, &f), IG_OK);
	ck_assert_double_eq(f.span, 9990.0);
	ck_assert_msg(rel_err(f.residual_sd, 50.0 / sqrt(3.0)) < 0.05, "sd = %g", f.residual_sd);
	ck_assert_msg(rel_err(f.slope_se, (50.0 / sqrt(3.0)) / sqrt(100.0 * 1e9 / 12.0)) < 0.05,
				  "se = %g", f.slope_se);
}
END_TEST

START_TEST(test_t99)
{
	ck_assert_double_eq_tol(ig_forecast_t99(1), 63.657, 1e-9);
	ck_assert_double_eq_tol(ig_forecast_t99(10), 3.169, 1e-9);
	ck_assert_double_eq_tol(ig_forecast_t99(30), 2.750, 1e-9);
	ck_assert_double_eq_tol(ig_forecast_t99(40), 2.704, 1e-9);
	ck_assert_double_eq_tol(ig_forecast_t99(120), 2.617, 1e-9);
	/* between rows, and towards the normal quantile */
	ck_assert(ig_forecast_t99(50) < 2.704 && ig_forecast_t99(50) > 2.660);
	ck_assert_double_eq_tol(ig_forecast_t99(1000000), 2.576, 1e-3);
	ck_assert(ig_forecast_t99(0) > 1e300);
}
END_TEST

START_TEST(test_duration_text)
{
	char		b[64];

	ig_forecast_duration_text(120.0, b, sizeof(b));
	ck_assert_str_eq(b, "2 minutes");
	ig_forecast_duration_text(21600.0, b, sizeof(b));
	ck_assert_str_eq(b, "6 hours");
	ig_forecast_duration_text(1.0, b, sizeof(b));
	ck_assert_str_eq(b, "1 second");
	ig_forecast_duration_text(45.0, b, sizeof(b));
	ck_assert_str_eq(b, "45 seconds");
	ig_forecast_duration_text(75.6, b, sizeof(b));
	ck_assert_str_eq(b, "76 seconds");
	ig_forecast_duration_text(5.14, b, sizeof(b));
	ck_assert_str_eq(b, "5.1 seconds");
	ig_forecast_duration_text(3600.0, b, sizeof(b));
	ck_assert_str_eq(b, "60 minutes");
	ig_forecast_duration_text(5400.0, b, sizeof(b));
	ck_assert_str_eq(b, "1.5 hours");
	ig_forecast_duration_text(7 * 86400.0, b, sizeof(b));
	ck_assert_str_eq(b, "7 days");
	ig_forecast_duration_text(42 * 3600.0, b, sizeof(b));
	ck_assert_str_eq(b, "1.8 days");
	ig_forecast_duration_text(-1.0, b, sizeof(b));
	ck_assert_str_eq(b, "?");
	ig_forecast_duration_text(NAN, b, sizeof(b));
	ck_assert_str_eq(b, "?");
	/* snprintf's contract: truncated, terminated, full length returned */
	ck_assert_int_eq(ig_forecast_duration_text(21600.0, b, 4), 7);
	ck_assert_str_eq(b, "6 h");
}
END_TEST

/*
 * The case: a minute or two of one-second samples.  Whatever the
 * line through them says, no growth and no date may come out.
 */
START_TEST(test_judge_short_history)
{
	double		x[120];
	double		y[120];
	IgFit		f;
	IgForecastRules rules = default_rules(3600.0);
	IgForecastJudgement j;
	char		why[128];
	int			i;

	/* a "growth" of 20 MB a minute: perfectly linear, and still too short */
	for (i = 0; i < 120; i++)
	{
		x[i] = EPOCH_X0 + i;
		y[i] = 1e9 + 350000.0 * i;
	}
	ck_assert_int_eq(ig_forecast_fit(x, y, 120, &f), IG_OK);
	ck_assert_int_eq(ig_forecast_judge(&f, 120, &rules, &j), IG_OK);
	ck_assert_int_eq(j.verdict, IG_FORECAST_SHORT_HISTORY);
	ck_assert(isnan(j.growth));
	ck_assert(!j.extrapolate);
	ck_assert_double_eq_tol(j.history, 120.0, 1e-6);
	ck_assert_double_eq(j.needed, 21600.0);
	ig_forecast_explain(&f, &rules, &j, why, sizeof(why));
	ck_assert_str_eq(why, "2 minutes of history, need 6 hours");

	/* 6 hours of one-minute samples are enough: 360 samples, 359 minutes apart */
	for (i = 0; i < 120; i++)
		x[i] = EPOCH_X0 + i * 180.0;
	ck_assert_int_eq(ig_forecast_fit(x, y, 120, &f), IG_OK);
	ck_assert_int_eq(ig_forecast_judge(&f, 120, &rules, &j), IG_OK);
	ck_assert_int_eq(j.verdict, IG_FORECAST_TRUSTED);
	ck_assert(j.extrapolate);
	ck_assert_double_eq_tol(j.growth, 350000.0 / 180.0, 1e-6);
}
END_TEST

START_TEST(test_judge_window_quarter)
{
	double		x[49];
	double		y[49];
	IgFit		f;
	IgForecastRules rules = default_rules(7 * 86400.0);
	IgForecastJudgement j;
	char		why[128];
	int			i;

	/* one day of hourly samples: over 6 hours, under a quarter of 7 days */
	for (i = 0; i < 25; i++)
	{
		x[i] = EPOCH_X0 + i * 3600.0;
		y[i] = 1e9 + 1e6 * i;
	}
	ck_assert_int_eq(ig_forecast_fit(x, y, 25, &f), IG_OK);
	ck_assert_int_eq(ig_forecast_judge(&f, 25, &rules, &j), IG_OK);
	ck_assert_int_eq(j.verdict, IG_FORECAST_SHORT_HISTORY);
	ck_assert_double_eq(j.needed, 7 * 86400.0 / 4);
	ig_forecast_explain(&f, &rules, &j, why, sizeof(why));
	ck_assert_str_eq(why, "25 hours of history, need 1.8 days (a quarter of the 7 days window)");

	/* two days are enough for a week's question */
	for (i = 0; i < 49; i++)
	{
		x[i] = EPOCH_X0 + i * 3600.0;
		y[i] = 1e9 + 1e6 * i;
	}
	ck_assert_int_eq(ig_forecast_fit(x, y, 49, &f), IG_OK);
	ck_assert_int_eq(ig_forecast_judge(&f, 49, &rules, &j), IG_OK);
	ck_assert_int_eq(j.verdict, IG_FORECAST_TRUSTED);
	ig_forecast_explain(&f, &rules, &j, why, sizeof(why));
	ck_assert_str_eq(why, "trend over 2 days of history, R-squared 1.00");
}
END_TEST

START_TEST(test_judge_few_points)
{
	double		x[3] = {EPOCH_X0, EPOCH_X0 + 86400.0, EPOCH_X0 + 2 * 86400.0};
	double		y[3] = {1.0, 2.0, 3.0};
	IgFit		f;
	IgForecastRules rules = default_rules(0.0);
	IgForecastJudgement j;
	char		why[128];

	/* a perfect line over days, but three points */
	ck_assert_int_eq(ig_forecast_fit(x, y, 3, &f), IG_OK);
	ck_assert_int_eq(ig_forecast_judge(&f, 3, &rules, &j), IG_OK);
	ck_assert_int_eq(j.verdict, IG_FORECAST_FEW_POINTS);
	ck_assert(isnan(j.growth));
	ig_forecast_explain(&f, &rules, &j, why, sizeof(why));
	ck_assert_str_eq(why, "3 samples, need at least 6");

	/* no fit at all: one sample */
	ck_assert_int_eq(ig_forecast_judge(NULL, 1, &rules, &j), IG_OK);
	ck_assert_int_eq(j.verdict, IG_FORECAST_FEW_POINTS);
	ig_forecast_explain(NULL, &rules, &j, why, sizeof(why));
	ck_assert_str_eq(why, "1 sample, need at least 6");

	/* many samples all taken at one instant: no history */
	ck_assert_int_eq(ig_forecast_judge(NULL, 10, &rules, &j), IG_OK);
	ck_assert_int_eq(j.verdict, IG_FORECAST_SHORT_HISTORY);
	ig_forecast_explain(NULL, &rules, &j, why, sizeof(why));
	ck_assert_str_eq(why, "0 seconds of history, need 6 hours");
}
END_TEST

/*
 * An idle database: 1 GB give or take 8 kB (a page here and there, the
 * free space map), sampled as the worker does, over histories from two
 * minutes to a week, 50 noise draws each.  Never a date; never a growth
 * of more than a few kB a day; almost always exactly 0.  The raw slope of
 * the short series is what 0.1 reported: megabytes a day.
 */
START_TEST(test_idle_database_is_flat)
{
	static const struct
	{
		double		step;
		int			n;
	}			cases[] = {
		{1.0, 120},				/* 2 minutes of 1 s snapshots */
		{10.0, 360},			/* 1 hour of 10 s snapshots */
		{60.0, 360},			/* 6 hours of 1 min snapshots */
		{60.0, 1440},			/* a day */
		{600.0, 1008},			/* a week of 10 min samples */
	};
	static double x[1440];
	static double y[1440];
	double		worst_raw_short = 0.0;
	int			c;

	for (c = 0; c < (int) (sizeof(cases) / sizeof(cases[0])); c++)
	{
		int			flat = 0;
		int			draw;

		for (draw = 0; draw < 50; draw++)
		{
			uint64_t	seed = 1000 * c + draw;
			IgForecastRules rules = default_rules(cases[c].step * cases[c].n);
			IgForecastJudgement j;
			IgFit		f;
			int			i;

			for (i = 0; i < cases[c].n; i++)
			{
				x[i] = EPOCH_X0 + i * cases[c].step;
				y[i] = 1073741824.0 + 8192.0 * noise(&seed);
			}
			ck_assert_int_eq(ig_forecast_fit(x, y, cases[c].n, &f), IG_OK);
			ck_assert_int_eq(ig_forecast_judge(&f, cases[c].n, &rules, &j), IG_OK);
			ck_assert_msg(!j.extrapolate, "case %d draw %d: a date from noise", c, draw);
			if (cases[c].step * cases[c].n < 21600.0)
			{
				ck_assert_int_eq(j.verdict, IG_FORECAST_SHORT_HISTORY);
				ck_assert(isnan(j.growth));
				if (fabs(f.slope) * 86400.0 > worst_raw_short)
					worst_raw_short = fabs(f.slope) * 86400.0;
			}
			else
			{
				ck_assert_msg(fabs(j.growth) * 86400.0 < 65536.0,
							  "case %d draw %d: %g bytes a day from noise", c, draw,
							  j.growth * 86400.0);
				if (j.growth == 0.0)
					flat++;
			}
		}
		if (cases[c].step * cases[c].n >= 21600.0)
			ck_assert_msg(flat >= 47, "case %d: only %d of 50 flat", c, flat);
	}
	/* what the 0.1 forecast extrapolated from the same minutes of noise */
	ck_assert_msg(worst_raw_short > 1048576.0, "raw slope %g bytes a day", worst_raw_short);
}
END_TEST

START_TEST(test_judge_trend_and_flat)
{
	static double x[1008];
	static double y[1008];
	uint64_t	seed = 99;
	IgForecastRules rules = default_rules(7 * 86400.0);
	IgForecastJudgement j;
	IgFit		f;
	char		why[160];
	int			i;

	/* 1 MB a day on top of the idle noise, for a week: a trend, and a date */
	for (i = 0; i < 1008; i++)
	{
		x[i] = EPOCH_X0 + i * 600.0;
		y[i] = 1073741824.0 + 1048576.0 / 86400.0 * (i * 600.0) + 8192.0 * noise(&seed);
	}
	ck_assert_int_eq(ig_forecast_fit(x, y, 1008, &f), IG_OK);
	ck_assert_int_eq(ig_forecast_judge(&f, 1008, &rules, &j), IG_OK);
	ck_assert_int_eq(j.verdict, IG_FORECAST_TRUSTED);
	ck_assert(j.extrapolate);
	ck_assert(j.margin > 0.0 && j.margin < 0.05 * j.growth);
	ck_assert_msg(fabs(j.growth * 86400.0 - 1048576.0) < j.margin * 86400.0,
				  "growth %g a day, margin %g", j.growth * 86400.0, j.margin * 86400.0);
	ck_assert(f.r2 > 0.9);

	/* perfectly flat: no trend, growth exactly 0 */
	for (i = 0; i < 1008; i++)
		y[i] = 5e9;
	ck_assert_int_eq(ig_forecast_fit(x, y, 1008, &f), IG_OK);
	ck_assert_int_eq(ig_forecast_judge(&f, 1008, &rules, &j), IG_OK);
	ck_assert_int_eq(j.verdict, IG_FORECAST_NO_TREND);
	ck_assert_double_eq(j.growth, 0.0);
	ig_forecast_explain(&f, &rules, &j, why, sizeof(why));
	ck_assert_str_eq(why, "no trend beyond the noise over 7 days of history");
}
END_TEST

START_TEST(test_judge_poor_fit)
{
	static double x[EPOCH_N];
	static double y[EPOCH_N];
	uint64_t	seed = 5;
	IgForecastRules rules = default_rules(7 * 86400.0);
	IgForecastJudgement j;
	IgFit		f;
	char		why[160];
	int			i;

	/*
	 * A week growing 1000 bytes in all under +-1000 bytes of noise: the
	 * trend is certain (t about 50) but explains a fifth of the variation.
	 */
	for (i = 0; i < EPOCH_N; i++)
	{
		x[i] = EPOCH_X0 + i * EPOCH_STEP;
		y[i] = 1e6 + 1000.0 * i / EPOCH_N + 1000.0 * noise(&seed);
	}
	ck_assert_int_eq(ig_forecast_fit(x, y, EPOCH_N, &f), IG_OK);
	ck_assert_int_eq(ig_forecast_judge(&f, EPOCH_N, &rules, &j), IG_OK);
	ck_assert_int_eq(j.verdict, IG_FORECAST_POOR_FIT);
	ck_assert(!j.extrapolate);
	ck_assert(j.growth > 0.0);
	ck_assert_msg(f.r2 > 0.1 && f.r2 < 0.3, "r2 %g", f.r2);
	ig_forecast_explain(&f, &rules, &j, why, sizeof(why));
	ck_assert_msg(strncmp(why, "trend too irregular to extrapolate: R-squared 0.", 48) == 0 &&
				  strstr(why, ", need 0.5") != NULL, "%s", why);
}
END_TEST

START_TEST(test_judge_errors)
{
	IgForecastRules rules = default_rules(0.0);
	IgForecastRules bad;
	IgForecastJudgement j;

	j.verdict = IG_FORECAST_POOR_FIT;
	ck_assert_int_eq(ig_forecast_judge(NULL, 1, NULL, &j), IG_ERANGE);
	ck_assert_int_eq(ig_forecast_judge(NULL, 1, &rules, NULL), IG_ERANGE);
	bad = rules;
	bad.min_points = 2;
	ck_assert_int_eq(ig_forecast_judge(NULL, 1, &bad, &j), IG_ERANGE);
	bad = rules;
	bad.min_r2 = 1.5;
	ck_assert_int_eq(ig_forecast_judge(NULL, 1, &bad, &j), IG_ERANGE);
	bad = rules;
	bad.min_history = -1.0;
	ck_assert_int_eq(ig_forecast_judge(NULL, 1, &bad, &j), IG_ERANGE);
	bad = rules;
	bad.window = NAN;
	ck_assert_int_eq(ig_forecast_judge(NULL, 1, &bad, &j), IG_ERANGE);
	/* untouched on error */
	ck_assert_int_eq(j.verdict, IG_FORECAST_POOR_FIT);
}
END_TEST

static Suite *
forecast_suite(void)
{
	Suite	   *s = suite_create("ig_forecast");
	TCase	   *fit = tcase_create("fit");
	TCase	   *time_to = tcase_create("time_to");
	TCase	   *judge = tcase_create("judge");

	tcase_add_test(fit, test_exact_line);
	tcase_add_test(fit, test_noisy_line);
	tcase_add_test(fit, test_r2_of_noise);
	tcase_add_test(fit, test_epoch_bytes);
	tcase_add_test(fit, test_epoch_percent);
	tcase_add_test(fit, test_epoch_noisy);
	tcase_add_test(fit, test_too_few_points);
	tcase_add_test(fit, test_identical_x);
	tcase_add_test(fit, test_non_finite_input);
	tcase_add_test(fit, test_null_pointers);
	tcase_add_test(fit, test_overflow);
	tcase_set_timeout(fit, 60);
	suite_add_tcase(s, fit);

	tcase_add_test(time_to, test_flat_series);
	tcase_add_test(time_to, test_decreasing_series);
	tcase_add_test(time_to, test_time_to);
	tcase_add_test(time_to, test_already_past_target);
	tcase_add_test(time_to, test_time_to_errors);
	tcase_set_timeout(time_to, 60);
	suite_add_tcase(s, time_to);

	tcase_add_test(judge, test_fit_quality);
	tcase_add_test(judge, test_t99);
	tcase_add_test(judge, test_duration_text);
	tcase_add_test(judge, test_judge_short_history);
	tcase_add_test(judge, test_judge_window_quarter);
	tcase_add_test(judge, test_judge_few_points);
	tcase_add_test(judge, test_idle_database_is_flat);
	tcase_add_test(judge, test_judge_trend_and_flat);
	tcase_add_test(judge, test_judge_poor_fit);
	tcase_add_test(judge, test_judge_errors);
	tcase_set_timeout(judge, 60);
	suite_add_tcase(s, judge);
	return s;
}

int
main(void)
{
	SRunner    *sr = srunner_create(forecast_suite());
	int			failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
