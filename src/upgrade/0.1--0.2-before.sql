
/*
 * 0.1 -> 0.2: changes made once, before the functions are (re)defined.
 * Tables are altered here, never re-created, so that history survives.  A
 * function whose arguments or result columns change is dropped here and
 * created again by its surface file in src/sql/.
 */

/* column_widths() gains n_distinct (bloat() estimates deduplicated B-trees) */
DROP FUNCTION IF EXISTS infraguard.column_widths();

/*
 * When a latency reading was taken (clock time, not its snapshot's
 * transaction start): statements_per_second divides by the time between
 * two readings.  NULL in rows recorded by 0.1.
 */
ALTER TABLE infraguard.latency_snapshots ADD COLUMN IF NOT EXISTS read_at timestamptz;
COMMENT ON COLUMN infraguard.latency_snapshots.read_at IS
	'Clock time at which the counters were read (NULL in rows recorded by 0.1: use taken_at)';

/*
 * current_metrics() gains an action column: advice that follows from the
 * reading (judge() prefers it to the threshold's general action).  health()
 * and judge() are LANGUAGE sql and only name it in their bodies.
 */
DROP FUNCTION IF EXISTS infraguard.current_metrics();
