/*-------------------------------------------------------------------------
 *
 * forecast.c
 *	  SQL interface to the least-squares capacity forecast of src/core.
 *
 * Copyright (c) 2026, infraguard developers
 *
 * IDENTIFICATION
 *	  src/forecast.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/builtins.h"

#include "ig_forecast.h"

#define SECONDS_PER_DAY 86400.0

/* A float8[] without NULLs as a C array; errors name the argument. */
static double *
float8_array(ArrayType *arr, const char *argname, int *n)
{
	Datum	   *elems;
	bool	   *nulls;
	double	   *out;
	int			i;

	if (ARR_NDIM(arr) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("%s must be a one-dimensional array", argname)));
	deconstruct_array(arr, FLOAT8OID, sizeof(float8), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE,
					  &elems, &nulls, n);
	out = palloc(sizeof(double) * Max(*n, 1));
	for (i = 0; i < *n; i++)
	{
		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("%s must not contain NULLs", argname)));
		out[i] = DatumGetFloat8(elems[i]);
	}
	return out;
}

/*
 * The series both forecast() entry points take: x_epoch and y (arguments 0
 * and 1), read into C arrays of the same length and fitted.  Errors for
 * NULL or mismatched arrays and for values the fit cannot take; returns the
 * fit's status (IG_OK, or IG_ENODATA for fewer than two points or all at
 * one time).
 */
static IgStatus
read_and_fit(FunctionCallInfo fcinfo, double **x, double **y, int *n, IgFit *fit)
{
	int			ny;
	IgStatus	status;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("x_epoch and y must not be NULL")));
	*x = float8_array(PG_GETARG_ARRAYTYPE_P(0), "x_epoch", n);
	*y = float8_array(PG_GETARG_ARRAYTYPE_P(1), "y", &ny);
	if (*n != ny)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("x_epoch and y must have the same length (%d and %d)", *n, ny)));
	status = ig_forecast_fit(*x, *y, *n, fit);
	if (status == IG_ERANGE)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("forecast input must be finite numbers")));
	return status;
}

/* days from now until target, or NULL (never, or no target) */
static void
set_days(const IgFit *fit, double x_now, double y_now, bool have_target,
		 double target, Datum *value, bool *isnull)
{
	double		dx;

	*isnull = true;
	if (have_target && ig_forecast_time_to(fit, x_now, y_now, target, &dx) == IG_OK)
	{
		*value = Float8GetDatum(dx / SECONDS_PER_DAY);
		*isnull = false;
	}
}

/*
 * infraguard.forecast(x_epoch float8[], y float8[], y_now, warning_target,
 *					   critical_target)
 *	  → growth_per_day, days_to_warning, days_to_critical, points
 *
 * growth_per_day is NULL with fewer than two points (or all at one time);
 * the days are NULL when growth is not positive or the target is NULL, and
 * 0 when y_now is already at the target.
 */
PG_FUNCTION_INFO_V1(infraguard_forecast);

#define FORECAST_0_1_COLS	4

Datum
infraguard_forecast(PG_FUNCTION_ARGS)
{
	TupleDesc	tupdesc;
	Datum		values[FORECAST_0_1_COLS];
	bool		nulls[FORECAST_0_1_COLS] = {0};
	double	   *x;
	double	   *y;
	int			n;
	IgFit		fit;
	int			i = 0;

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	if (read_and_fit(fcinfo, &x, &y, &n, &fit) == IG_OK)
	{
		double		x_now = x[n - 1];
		double		y_now = PG_ARGISNULL(2) ? y[n - 1] : PG_GETARG_FLOAT8(2);

		values[i++] = Float8GetDatum(fit.slope * SECONDS_PER_DAY);
		set_days(&fit, x_now, y_now, !PG_ARGISNULL(3), PG_ARGISNULL(3) ? 0 : PG_GETARG_FLOAT8(3),
				 &values[i], &nulls[i]);
		i++;
		set_days(&fit, x_now, y_now, !PG_ARGISNULL(4), PG_ARGISNULL(4) ? 0 : PG_GETARG_FLOAT8(4),
				 &values[i], &nulls[i]);
		i++;
	}
	else
	{
		/* no growth, no days */
		nulls[i++] = true;
		nulls[i++] = true;
		nulls[i++] = true;
	}
	values[i++] = Int32GetDatum(n);
	Assert(i == FORECAST_0_1_COLS);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(tupdesc), values, nulls)));
}

/*
 * infraguard.forecast(x_epoch float8[], y float8[], y_now, warning_target,
 *					   critical_target, window_seconds, min_history_seconds)
 *	  → growth_per_day, growth_margin_per_day, days_to_warning,
 *		days_to_critical, points, history_seconds, r2, residual_sd,
 *		trusted, note
 *
 * The 0.2 forecast: the same fit, judged by ig_forecast_judge() before
 * anything is extrapolated.  growth_per_day is NULL while the history is
 * too short or too sparse, 0 when the slope is within its own noise; the
 * days are given only when trusted (enough history, a trend whose 99 %
 * interval excludes zero, R-squared >= 0.5).  note says why, always.
 * (infraguard_forecast above stays for a 0.1 catalog.)
 */
PG_FUNCTION_INFO_V1(infraguard_forecast_0_2);

#define FORECAST_0_2_COLS	10

Datum
infraguard_forecast_0_2(PG_FUNCTION_ARGS)
{
	TupleDesc	tupdesc;
	Datum		values[FORECAST_0_2_COLS];
	bool		nulls[FORECAST_0_2_COLS] = {0};
	double	   *x;
	double	   *y;
	int			n;
	IgFit		fit;
	IgStatus	status;
	IgForecastRules rules;
	IgForecastJudgement j;
	char		note[256];
	int			i = 0;

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("x_epoch and y must not be NULL")));
	rules.window = PG_ARGISNULL(5) ? 0.0 : PG_GETARG_FLOAT8(5);
	rules.min_history = PG_ARGISNULL(6) ? IG_FORECAST_DEFAULT_MIN_HISTORY : PG_GETARG_FLOAT8(6);
	rules.min_points = IG_FORECAST_DEFAULT_MIN_POINTS;
	rules.min_r2 = IG_FORECAST_DEFAULT_MIN_R2;
	if (!(rules.window >= 0.0) || isinf(rules.window) ||
		!(rules.min_history >= 0.0) || isinf(rules.min_history))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("window_seconds and min_history_seconds must be finite and not negative"),
				 errhint("Pass the window asked about in seconds (0 for none) and the minimum history in seconds (21600 for 6 hours).")));

	status = read_and_fit(fcinfo, &x, &y, &n, &fit);
	if (ig_forecast_judge(status == IG_OK ? &fit : NULL, n, &rules, &j) != IG_OK)
		elog(ERROR, "forecast rules out of range");
	ig_forecast_explain(status == IG_OK ? &fit : NULL, &rules, &j, note, sizeof(note));

	if (!isnan(j.growth))
		values[i++] = Float8GetDatum(j.growth * SECONDS_PER_DAY);
	else
		nulls[i++] = true;
	if (isfinite(j.margin))
		values[i++] = Float8GetDatum(j.margin * SECONDS_PER_DAY);
	else
		nulls[i++] = true;
	if (j.extrapolate)
	{
		double		x_now = x[n - 1];
		double		y_now = PG_ARGISNULL(2) ? y[n - 1] : PG_GETARG_FLOAT8(2);

		set_days(&fit, x_now, y_now, !PG_ARGISNULL(3), PG_ARGISNULL(3) ? 0 : PG_GETARG_FLOAT8(3),
				 &values[i], &nulls[i]);
		i++;
		set_days(&fit, x_now, y_now, !PG_ARGISNULL(4), PG_ARGISNULL(4) ? 0 : PG_GETARG_FLOAT8(4),
				 &values[i], &nulls[i]);
		i++;
	}
	else
	{
		nulls[i++] = true;
		nulls[i++] = true;
	}
	values[i++] = Int32GetDatum(n);
	values[i++] = Float8GetDatum(j.history);
	if (status == IG_OK)
		values[i++] = Float8GetDatum(fit.r2);
	else
		nulls[i++] = true;
	if (status == IG_OK && fit.n > 2)
		values[i++] = Float8GetDatum(fit.residual_sd);
	else
		nulls[i++] = true;
	values[i++] = BoolGetDatum(j.extrapolate);
	values[i++] = CStringGetTextDatum(note);
	Assert(i == FORECAST_0_2_COLS);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(tupdesc), values, nulls)));
}

/* infraguard.duration_text(seconds float8) → "2 minutes", "6 hours" ... */
PG_FUNCTION_INFO_V1(infraguard_duration_text);

Datum
infraguard_duration_text(PG_FUNCTION_ARGS)
{
	char		buf[64];

	ig_forecast_duration_text(PG_GETARG_FLOAT8(0), buf, sizeof(buf));
	PG_RETURN_TEXT_P(cstring_to_text(buf));
}
