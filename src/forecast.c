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
