
/*
 * 0.1 -> 0.2: changes made once, before the functions are (re)defined.
 * Tables are altered here, never re-created, so that history survives.  A
 * function whose arguments or result columns change is dropped here and
 * created again by its surface file in src/sql/.
 */

/*
 * Thresholds the DBA changed are told apart from the seeded defaults, so
 * that pg_dump keeps the DBA's rows (and only those: a restore's CREATE
 * EXTENSION seeds the defaults again) and a later upgrade may update the
 * defaults without overwriting a DBA's choice.  Rows that differ from 0.1's
 * seeds were changed by the DBA.  From 0.2 on, triggers keep the flag (see
 * src/sql/10_thresholds.sql): rows our scripts write are the extension's.
 */
ALTER TABLE infraguard.thresholds ADD COLUMN customized boolean NOT NULL DEFAULT false;
COMMENT ON COLUMN infraguard.thresholds.customized IS
	'False for a row as the extension seeded it; set when the row is changed or added, and kept by pg_dump';
UPDATE infraguard.thresholds t
   SET customized = true
 WHERE NOT EXISTS
	   (SELECT 1
		  FROM (VALUES
			('storage_used_percent', 70::float8, 85::float8, 'above', 'Plan storage expansion'),
			('connection_count', 80, 95, 'above', 'Review connection pooling'),
			('query_time_p95', 1000, 5000, 'above', 'Query optimization required'),
			('replication_lag', 30, 300, 'above', 'Check replica health'),
			('memory_percent', 80, 95, 'above', 'Scale up or optimize'),
			('cpu_percent', 70, 90, 'above', 'Scale horizontally'),
			('xid_wraparound', 50, 75, 'above',
			 'VACUUM (FREEZE) the oldest tables; end long transactions and drop stale replication slots or prepared transactions that hold back the xmin horizon'),
			('cache_hit_ratio', 95, 90, 'below',
			 'Working set exceeds shared_buffers: raise shared_buffers or find the queries reading from disk'),
			('dead_tuple_ratio', 20, 50, 'above',
			 'VACUUM the table and make autovacuum more aggressive for it (autovacuum_vacuum_scale_factor)'),
			('long_running_query', 300, 1800, 'above',
			 'Review the query; cancel it with pg_cancel_backend(pid) if it is runaway'),
			('idle_in_transaction', 60, 600, 'above',
			 'Fix the application''s transaction handling; set idle_in_transaction_session_timeout'),
			('blocked_sessions', 3, 10, 'above',
			 'Find the head of the wait chain with infraguard.blocking() and end its transaction'),
			('inactive_slot_retained_wal', 1024, 10240, 'above',
			 'Bring the slot''s consumer back, or drop the slot with pg_drop_replication_slot() before pg_wal fills the disk'),
			('table_bloat', 50, 80, 'above',
			 'Rewrite the table (pg_repack, or VACUUM FULL in a maintenance window) and tune autovacuum for it'),
			('archive_failures', 1, 1, 'above',
			 'Fix archive_command (see the server log): WAL piles up in pg_wal until it succeeds'),
			('last_archive_age', 3600, 21600, 'above',
			 'Check that archive_command succeeds and that WAL is being switched (archive_timeout)'),
			('last_backup_age', 26, 50, 'above',
			 'Check the backup job: the last recorded backup is too old'))
			   AS s(metric, warning, critical, direction, action)
		 WHERE (s.metric, s.warning, s.critical, s.direction, true, s.action)
			   IS NOT DISTINCT FROM (t.metric, t.warning, t.critical, t.direction, t.enabled, t.action));

/*
 * Suggestions (issue 9) and no self-noise (issue 10): the lists take an
 * include_infraguard argument, duplicate_indexes() gains a reason column.
 */
DROP FUNCTION IF EXISTS infraguard.table_health();
DROP FUNCTION IF EXISTS infraguard.index_usage();
DROP FUNCTION IF EXISTS infraguard.unused_indexes(bigint);
DROP FUNCTION IF EXISTS infraguard.duplicate_indexes();
DROP FUNCTION IF EXISTS infraguard.maintenance_plan();

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

/*
 * Forecasts that say when they do not know (issue 10): forecast() takes the
 * window and the minimum history and returns the fit's quality and a note;
 * capacity_forecast() and table_growth() return them too.
 */
DROP FUNCTION IF EXISTS infraguard.forecast(float8[], float8[], float8, float8, float8);
DROP FUNCTION IF EXISTS infraguard.capacity_forecast(interval);
DROP FUNCTION IF EXISTS infraguard.table_growth(interval);
