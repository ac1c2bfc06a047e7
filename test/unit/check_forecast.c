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
	f.intercept = UNTOUCHED;
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
	ck_assert_double_eq_tol(f.intercept, 3.0, 1e-12);
	ck_assert_int_eq(f.n, 10);
	ck_assert_double_eq_tol(f.r2, 1.0, 1e-12);
	ck_assert(f.r2 <= 1.0);

	/* a perfect decreasing line is explained just as well */
	ck_assert_int_eq(ig_forecast_fit(x, yd, 10, &f), IG_OK);
	ck_assert_double_eq_tol(f.slope, -0.5, 1e-12);
	ck_assert_double_eq_tol(f.intercept, 100.0, 1e-12);
	ck_assert_double_eq_tol(f.r2, 1.0, 1e-12);

	/* two points are enough, and order does not matter */
	x[0] = 10.0;
	y[0] = 7.0;
	x[1] = 4.0;
	y[1] = 1.0;
	ck_assert_int_eq(ig_forecast_fit(x, y, 2, &f), IG_OK);
	ck_assert_double_eq_tol(f.slope, 1.0, 1e-12);
	ck_assert_double_eq_tol(f.intercept, -3.0, 1e-12);
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
	 * Sxx = 100 * n^3 / 12 = 8.3e9, so the slope's standard error is 3.2e-4
	 * and the intercept's about 1.8; the tolerances are over 10 of them.
	 */
	for (i = 0; i < 1000; i++)
	{
		x[i] = 10.0 * i;
		y[i] = 5000.0 + 2.5 * x[i] + 50.0 * noise(&seed);
	}
	ck_assert_int_eq(ig_forecast_fit(x, y, 1000, &f), IG_OK);
	ck_assert_double_eq_tol(f.slope, 2.5, 0.005);
	ck_assert_double_eq_tol(f.intercept, 5000.0, 20.0);
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
	double		fitted_x0;

	/* 1 TB growing 1 byte per second, sampled every minute for a week */
	fill_epoch(1e12, 1.0);
	ck_assert_int_eq(ig_forecast_fit(epoch_x, epoch_y, EPOCH_N, &f), IG_OK);
	ck_assert_int_eq(f.n, EPOCH_N);
	ck_assert_msg(rel_err(f.slope, 1.0) <= 1e-9, "slope = %.17g", f.slope);
	ck_assert_msg(f.r2 >= 1.0 - 1e-9 && f.r2 <= 1.0, "r2 = %.17g", f.r2);

	/*
	 * The intercept is the value in 1970, 1e12 - 1.8e9; evaluating the line
	 * back at x0 must give the 1 TB base to well within a byte.
	 */
	ck_assert_msg(rel_err(f.intercept, 1e12 - EPOCH_X0) <= 1e-12,
				  "intercept = %.17g", f.intercept);
	fitted_x0 = f.intercept + f.slope * EPOCH_X0;
	ck_assert_msg(fabs(fitted_x0 - 1e12) < 0.01, "fitted(x0) = %.17g",
				  fitted_x0);
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
	ck_assert_double_eq(f.intercept, 0.1);
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
	IgFit		f = {2.0, 0.0, 10, 1.0};
	IgFit		flat = {0.0, 5.0, 10, 1.0};
	IgFit		down = {-1.0, 5.0, 10, 1.0};
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
	IgFit		f = {2.0, 0.0, 10, 1.0};
	IgFit		nan_slope = {NAN, 0.0, 10, 1.0};
	IgFit		inf_slope = {INFINITY, 0.0, 10, 1.0};
	IgFit		tiny = {1e-320, 0.0, 10, 1.0};
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

static Suite *
forecast_suite(void)
{
	Suite	   *s = suite_create("ig_forecast");
	TCase	   *fit = tcase_create("fit");
	TCase	   *time_to = tcase_create("time_to");

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
