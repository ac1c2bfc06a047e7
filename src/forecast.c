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

Datum
infraguard_forecast(PG_FUNCTION_ARGS)
{
	TupleDesc	tupdesc;
	Datum		values[4];
	bool		nulls[4] = {true, true, true, false};
	double	   *x;
	double	   *y;
	int			nx;
	int			ny;
	IgFit		fit;
	IgStatus	status;

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("x_epoch and y must not be NULL")));
	x = float8_array(PG_GETARG_ARRAYTYPE_P(0), "x_epoch", &nx);
	y = float8_array(PG_GETARG_ARRAYTYPE_P(1), "y", &ny);
	if (nx != ny)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("x_epoch and y must have the same length (%d and %d)", nx, ny)));

	values[3] = Int32GetDatum(nx);
	status = ig_forecast_fit(x, y, nx, &fit);
	if (status == IG_ERANGE)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("forecast input must be finite numbers")));
	if (status == IG_OK)
	{
		double		x_now = x[nx - 1];
		double		y_now = PG_ARGISNULL(2) ? y[ny - 1] : PG_GETARG_FLOAT8(2);

		values[0] = Float8GetDatum(fit.slope * SECONDS_PER_DAY);
		nulls[0] = false;
		set_days(&fit, x_now, y_now, !PG_ARGISNULL(3), PG_ARGISNULL(3) ? 0 : PG_GETARG_FLOAT8(3),
				 &values[1], &nulls[1]);
		set_days(&fit, x_now, y_now, !PG_ARGISNULL(4), PG_ARGISNULL(4) ? 0 : PG_GETARG_FLOAT8(4),
				 &values[2], &nulls[2]);
	}
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

Datum
infraguard_forecast_0_2(PG_FUNCTION_ARGS)
{
	TupleDesc	tupdesc;
	Datum		values[10];
	bool		nulls[10] = {true, true, true, true, false, false, true, true, false, false};
	double	   *x;
	double	   *y;
	int			nx;
	int			ny;
	IgFit		fit;
	IgStatus	status;
	IgForecastRules rules;
	IgForecastJudgement j;
	char		note[256];

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

	x = float8_array(PG_GETARG_ARRAYTYPE_P(0), "x_epoch", &nx);
	y = float8_array(PG_GETARG_ARRAYTYPE_P(1), "y", &ny);
	if (nx != ny)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("x_epoch and y must have the same length (%d and %d)", nx, ny)));

	status = ig_forecast_fit(x, y, nx, &fit);
	if (status == IG_ERANGE)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("forecast input must be finite numbers")));
	if (ig_forecast_judge(status == IG_OK ? &fit : NULL, nx, &rules, &j) != IG_OK)
		elog(ERROR, "forecast rules out of range");
	ig_forecast_explain(status == IG_OK ? &fit : NULL, &rules, &j, note, sizeof(note));

	if (!isnan(j.growth))
	{
		values[0] = Float8GetDatum(j.growth * SECONDS_PER_DAY);
		nulls[0] = false;
	}
	if (isfinite(j.margin))
	{
		values[1] = Float8GetDatum(j.margin * SECONDS_PER_DAY);
		nulls[1] = false;
	}
	if (j.extrapolate)
	{
		double		x_now = x[nx - 1];
		double		y_now = PG_ARGISNULL(2) ? y[ny - 1] : PG_GETARG_FLOAT8(2);

		set_days(&fit, x_now, y_now, !PG_ARGISNULL(3), PG_ARGISNULL(3) ? 0 : PG_GETARG_FLOAT8(3),
				 &values[2], &nulls[2]);
		set_days(&fit, x_now, y_now, !PG_ARGISNULL(4), PG_ARGISNULL(4) ? 0 : PG_GETARG_FLOAT8(4),
				 &values[3], &nulls[3]);
	}
	values[4] = Int32GetDatum(nx);
	values[5] = Float8GetDatum(j.history);
	if (status == IG_OK)
	{
		values[6] = Float8GetDatum(fit.r2);
		nulls[6] = false;
		if (fit.n > 2)
		{
			values[7] = Float8GetDatum(fit.residual_sd);
			nulls[7] = false;
		}
	}
	values[8] = BoolGetDatum(j.extrapolate);
	values[9] = CStringGetTextDatum(note);
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
