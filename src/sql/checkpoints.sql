/*
 * Checkpoints, background writer, WAL and archiving: one row for the DBA
 * who asks why the disk writes in bursts or pg_wal grows.
 */

/*
 * checkpoints(): counters since their reset (stats_reset), and what follows
 * from them (advice).
 *
 * - checkpoints requested (by max_wal_size being reached, or CHECKPOINT)
 *   against timed ones (checkpoint_timeout): requested_pct above about 10 %
 *   means max_wal_size is too small for the write rate;
 * - buffers written by the checkpointer, the background writer and the
 *   backends themselves (backend_write_pct: a backend that writes a dirty
 *   buffer to get a free one waits for it);
 * - WAL generated per second, since pg_stat_wal's reset and over the recent
 *   window of history (metric_history's wal_bytes readings), and what one
 *   checkpoint_timeout of it is against max_wal_size;
 * - archiving: .ready files in pg_wal/archive_status (segments waiting for
 *   archive_command, which keep pg_wal from shrinking) and failures.
 *
 * The version seam is here only: 17 moved the checkpointer's counters from
 * pg_stat_bgwriter to pg_stat_checkpointer and backends' writes to pg_stat_io
 * (counted there for every process but the checkpointer and the background
 * writer, since pg_stat_io's own reset).
 */
CREATE OR REPLACE FUNCTION infraguard.checkpoints(recent interval DEFAULT interval '1 hour',
	OUT stats_reset timestamptz, OUT checkpoints_timed bigint, OUT checkpoints_requested bigint,
	OUT requested_pct float8, OUT checkpoint_write_seconds float8, OUT checkpoint_sync_seconds float8,
	OUT buffers_checkpoint bigint, OUT buffers_bgwriter bigint, OUT bgwriter_stopped_full bigint,
	OUT buffers_backend bigint, OUT backend_write_pct float8,
	OUT wal_bytes numeric, OUT wal_records bigint, OUT wal_fpi bigint, OUT wal_buffers_full bigint,
	OUT wal_stats_reset timestamptz, OUT wal_bytes_per_second float8,
	OUT recent_wal_bytes_per_second float8, OUT recent_seconds float8,
	OUT max_wal_size_bytes bigint, OUT checkpoint_timeout_seconds integer,
	OUT wal_per_timeout_pct float8,
	OUT archive_mode text, OUT archive_ready_files integer, OUT archived_count bigint,
	OUT archive_failed_count bigint, OUT last_archive_failure timestamptz,
	OUT advice text)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	since_reset float8;
	newest_at timestamptz;
	newest_value float8;
	oldest_at timestamptz;
	oldest_value float8;
	wal_rate float8;
BEGIN
	IF recent IS NULL OR recent <= interval '0' THEN
		RAISE EXCEPTION 'recent must be a positive interval'
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'Pass the window of history to average the recent WAL rate over, e.g. interval ''1 hour''.';
	END IF;

	IF current_setting('server_version_num')::integer >= 170000 THEN
		EXECUTE $q$
			SELECT c.num_timed, c.num_requested, c.write_time, c.sync_time, c.buffers_written,
				   b.buffers_clean, b.maxwritten_clean,
				   (SELECT sum(io.writes) FROM pg_stat_io io
					 WHERE io.object = 'relation'
					   AND io.backend_type NOT IN ('checkpointer', 'background writer'))::bigint,
				   c.stats_reset
			  FROM pg_stat_checkpointer c, pg_stat_bgwriter b$q$
		   INTO checkpoints_timed, checkpoints_requested, checkpoint_write_seconds, checkpoint_sync_seconds,
				buffers_checkpoint, buffers_bgwriter, bgwriter_stopped_full, buffers_backend, stats_reset;
	ELSE
		EXECUTE $q$
			SELECT b.checkpoints_timed, b.checkpoints_req, b.checkpoint_write_time, b.checkpoint_sync_time,
				   b.buffers_checkpoint, b.buffers_clean, b.maxwritten_clean, b.buffers_backend, b.stats_reset
			  FROM pg_stat_bgwriter b$q$
		   INTO checkpoints_timed, checkpoints_requested, checkpoint_write_seconds, checkpoint_sync_seconds,
				buffers_checkpoint, buffers_bgwriter, bgwriter_stopped_full, buffers_backend, stats_reset;
	END IF;
	checkpoint_write_seconds := round((checkpoint_write_seconds / 1000)::numeric, 3);
	checkpoint_sync_seconds := round((checkpoint_sync_seconds / 1000)::numeric, 3);
	requested_pct := round((100.0 * checkpoints_requested
							/ nullif(checkpoints_timed + checkpoints_requested, 0))::numeric, 1);
	backend_write_pct := round((100.0 * buffers_backend
								/ nullif(buffers_checkpoint + buffers_bgwriter + buffers_backend, 0))::numeric, 1);

	/* pg_stat_wal: the columns every supported major has (18 moved the timings to pg_stat_io) */
	SELECT w.wal_bytes, w.wal_records, w.wal_fpi, w.wal_buffers_full, w.stats_reset
	  INTO wal_bytes, wal_records, wal_fpi, wal_buffers_full, wal_stats_reset
	  FROM pg_stat_wal w;
	since_reset := extract(epoch FROM now() - wal_stats_reset);
	wal_bytes_per_second := CASE WHEN since_reset >= 1 THEN round((wal_bytes / since_reset)::numeric, 1) END;

	/* the recent rate: WAL positions the snapshots recorded (0.1 on) */
	BEGIN
		SELECT h.taken_at, h.value INTO newest_at, newest_value
		  FROM infraguard.metric_history h
		 WHERE h.metric = 'wal_bytes' AND h.taken_at > now() - recent
		 ORDER BY h.taken_at DESC LIMIT 1;
		SELECT h.taken_at, h.value INTO oldest_at, oldest_value
		  FROM infraguard.metric_history h
		 WHERE h.metric = 'wal_bytes' AND h.taken_at > now() - recent
		 ORDER BY h.taken_at LIMIT 1;
	EXCEPTION WHEN undefined_table OR undefined_column OR lock_not_available OR insufficient_privilege THEN
		newest_at := NULL;
	END;
	IF newest_at IS NOT NULL AND oldest_at < newest_at THEN
		recent_seconds := round(extract(epoch FROM newest_at - oldest_at)::numeric, 1);
		recent_wal_bytes_per_second := round(((newest_value - oldest_value) / recent_seconds)::numeric, 1);
	END IF;

	max_wal_size_bytes := pg_size_bytes(current_setting('max_wal_size'));
	SELECT s.setting::integer INTO checkpoint_timeout_seconds FROM pg_settings s WHERE s.name = 'checkpoint_timeout';
	/*
	 * A checkpoint is requested once about max_wal_size / (1 +
	 * checkpoint_completion_target) of WAL was written since the last one;
	 * compared here with what one checkpoint_timeout of WAL is.
	 */
	wal_rate := coalesce(recent_wal_bytes_per_second, wal_bytes_per_second);
	wal_per_timeout_pct := round((100.0 * wal_rate * checkpoint_timeout_seconds
								  / (max_wal_size_bytes / (1 + current_setting('checkpoint_completion_target')::float8)))::numeric, 1);

	archive_mode := current_setting('archive_mode');
	SELECT a.archived_count, a.failed_count, a.last_failed_time
	  INTO archived_count, archive_failed_count, last_archive_failure
	  FROM pg_stat_archiver a;
	BEGIN
		SELECT count(*) INTO archive_ready_files
		  FROM pg_ls_archive_statusdir() f
		 WHERE f.name LIKE '%.ready';
	EXCEPTION WHEN insufficient_privilege THEN
		archive_ready_files := NULL;		/* pg_monitor may; a bare EXECUTE grant on us may not */
	END;

	advice := concat_ws(' ',
		CASE WHEN requested_pct > 10 AND checkpoints_requested >= 3 THEN
			format('%s%% of checkpoints were requested rather than timed: if not by CHECKPOINT commands or base backups, max_wal_size (%s) is too small for the write rate; raise it (ALTER SYSTEM SET max_wal_size = ''%s''; SELECT pg_reload_conf();).',
				   requested_pct, current_setting('max_wal_size'),
				   pg_size_pretty(greatest(2 * max_wal_size_bytes,
										   (coalesce(wal_rate, 0) * checkpoint_timeout_seconds
											* (1 + current_setting('checkpoint_completion_target')::float8))::bigint)))
		END,
		CASE WHEN backend_write_pct > 20 AND buffers_backend >= 1000 THEN
			format('Backends wrote %s%% of the buffers themselves: raise bgwriter_lru_maxpages / lower bgwriter_delay, or shared_buffers.', backend_write_pct)
		END,
		CASE WHEN archive_ready_files > 10 THEN
			format('%s WAL segments wait for archiving in pg_wal/archive_status: archive_command is failing or too slow (see pg_stat_archiver and the server log).', archive_ready_files)
		END);
	advice := nullif(advice, '');
END;
$$;
COMMENT ON FUNCTION infraguard.checkpoints(interval) IS
	'Checkpoints requested against timed, write and sync time, buffers by writer, WAL rate against max_wal_size, archive backlog and failures, with advice';
REVOKE ALL ON FUNCTION infraguard.checkpoints(interval) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION infraguard.checkpoints(interval) TO pg_monitor;
