
/*
 * 0.1 -> 0.2: changes made once, before the functions are (re)defined.
 * Tables are altered here, never re-created, so that history survives.  A
 * function whose arguments or result columns change is dropped here and
 * created again by its surface file in src/sql/.
 */

/*
 * Forecasts that say when they do not know (issue 10): forecast() takes the
 * window and the minimum history and returns the fit's quality and a note;
 * capacity_forecast() and table_growth() return them too.
 */
DROP FUNCTION IF EXISTS infraguard.forecast(float8[], float8[], float8, float8, float8);
DROP FUNCTION IF EXISTS infraguard.capacity_forecast(interval);
DROP FUNCTION IF EXISTS infraguard.table_growth(interval);
