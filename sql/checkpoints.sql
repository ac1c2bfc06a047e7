--
-- checkpoints(): checkpointer, background writer, WAL and archiver counters
-- (both sides of 17's pg_stat_checkpointer seam run in the version matrix).
-- Log lines, WAL positions and .ready files as ground truth: test/t/051_checkpoints.pl.
--
\set SHOW_CONTEXT never
SELECT stats_reset IS NOT NULL AS has_reset, checkpoints_timed >= 0 AS timed, checkpoints_requested >= 0 AS requested,
	   requested_pct IS NULL OR requested_pct BETWEEN 0 AND 100 AS pct_ok,
	   backend_write_pct IS NULL OR backend_write_pct BETWEEN 0 AND 100 AS backend_pct_ok,
	   wal_bytes > 0 AS wal, max_wal_size_bytes = pg_size_bytes(current_setting('max_wal_size')) AS max_wal_size,
	   checkpoint_timeout_seconds = 300 AS timeout, archive_mode, archive_ready_files
  FROM infraguard.checkpoints();
-- a CHECKPOINT command is a requested checkpoint, with time spent writing
SELECT checkpoints_requested AS before_requested FROM infraguard.checkpoints() \gset
SELECT set_config('ig_test.before_requested', :'before_requested', false) IS NOT NULL AS kept;
CHECKPOINT;
-- the checkpointer publishes its counters just after waking the requester: wait for them
DO $$
BEGIN
	FOR i IN 1 .. 600 LOOP
		PERFORM pg_stat_clear_snapshot();
		EXIT WHEN (SELECT checkpoints_requested FROM infraguard.checkpoints())
				  > current_setting('ig_test.before_requested')::bigint;
		PERFORM pg_sleep(0.1);
	END LOOP;
END;
$$;
SELECT checkpoints_requested - :before_requested AS requested_since,
	   checkpoint_write_seconds >= 0 AND checkpoint_sync_seconds >= 0 AS times
  FROM infraguard.checkpoints();
-- the recent rate comes from the snapshots' WAL positions
SELECT infraguard.take_snapshot() IS NOT NULL AS snapped;
CREATE TABLE ckpt_wal AS SELECT g FROM generate_series(1, 1000) g;
DROP TABLE ckpt_wal;
SELECT infraguard.take_snapshot() IS NOT NULL AS snapped;
SELECT recent_seconds > 0 AS from_history, recent_wal_bytes_per_second >= 0 AS rate
  FROM infraguard.checkpoints(interval '1 day');
SELECT * FROM infraguard.checkpoints(NULL);
SELECT * FROM infraguard.checkpoints(interval '-1 hour');
