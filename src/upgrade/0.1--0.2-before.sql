
/*
 * 0.1 -> 0.2: changes made once, before the functions are (re)defined.
 * Tables are altered here, never re-created, so that history survives.  A
 * function whose arguments or result columns change is dropped here and
 * created again by its surface file in src/sql/.
 */

-- latency() gained the execution-only columns exec_calls .. exec_mean_ms
DROP FUNCTION IF EXISTS infraguard.latency(boolean);
