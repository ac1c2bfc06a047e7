
/*
 * 0.1 -> 0.2: changes made once, before the functions are (re)defined.
 * Tables are altered here, never re-created, so that history survives.  A
 * function whose arguments or result columns change is dropped here and
 * created again by its surface file in src/sql/.
 */

/*
 * Suggestions (issue 9) and no self-noise (issue 10): the lists take an
 * include_infraguard argument, duplicate_indexes() gains a reason column.
 */
DROP FUNCTION IF EXISTS infraguard.table_health();
DROP FUNCTION IF EXISTS infraguard.index_usage();
DROP FUNCTION IF EXISTS infraguard.unused_indexes(bigint);
DROP FUNCTION IF EXISTS infraguard.duplicate_indexes();
DROP FUNCTION IF EXISTS infraguard.maintenance_plan();
