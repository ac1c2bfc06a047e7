/*
 * Configuration review: settings waiting for a restart, settings changed
 * lately, and settings that risk data or waste memory.
 */

/*
 * record_setting_changes(): called by each snapshot.  Compares the
 * server-wide value of every setting with setting_state and logs each
 * difference in setting_changes.  Server-wide means from the defaults, the
 * configuration files or the command line: a value this session SET, or
 * one from ALTER ROLE / ALTER DATABASE or the client's startup packet, is
 * the session's and skipped (it would come and go with whoever takes the
 * snapshot).  The first run only records the baseline.  Returns the number
 * of changes logged.
 */
CREATE OR REPLACE FUNCTION infraguard_internal.record_setting_changes(sid bigint, now_ts timestamptz)
RETURNS integer
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	have_baseline boolean := EXISTS (SELECT 1 FROM infraguard.setting_state);
	n integer := 0;
BEGIN
	WITH cur AS (
		SELECT s.name, s.setting, s.unit, s.context
		  FROM pg_settings s
		 WHERE s.source IN ('default', 'configuration file', 'command line', 'environment variable', 'override')
	), changed AS (
		INSERT INTO infraguard.setting_changes (taken_at, snapshot_id, name, old_value, new_value, unit, context)
		SELECT now_ts, sid, c.name, st.value, c.setting, c.unit, c.context
		  FROM cur c
		  LEFT JOIN infraguard.setting_state st ON st.name = c.name
		 WHERE have_baseline AND st.value IS DISTINCT FROM c.setting
		RETURNING 1
	), state AS (
		INSERT INTO infraguard.setting_state AS st (name, value, recorded_at)
		SELECT c.name, c.setting, now_ts FROM cur c
		ON CONFLICT (name) DO UPDATE SET value = excluded.value, recorded_at = excluded.recorded_at
		 WHERE st.value IS DISTINCT FROM excluded.value
		RETURNING 1
	)
	SELECT (SELECT count(*) FROM changed)::integer + 0 * (SELECT count(*) FROM state) INTO n;
	RETURN n;
END;
$$;
COMMENT ON FUNCTION infraguard_internal.record_setting_changes(bigint, timestamptz) IS
	'Internal: log server-wide setting changes since the last snapshot (run by the snapshot)';
REVOKE ALL ON FUNCTION infraguard_internal.record_setting_changes(bigint, timestamptz) FROM PUBLIC;

/*
 * config_review(changes_since): one row per finding, by kind:
 *  - 'pending restart': changed in the configuration files but not in force
 *    until the server restarts (pg_settings.pending_restart; the waiting
 *    value from pg_file_settings);
 *  - 'changed': a server-wide change the snapshots logged within
 *    changes_since, newest first;
 *  - 'risk' and 'waste': settings that lose data or memory, with why and
 *    what to do.  Memory is judged against the host's RAM from
 *    system_stats() (NULL there: those rows are left out).
 * suggestion, where set, is the statement to run.
 */
CREATE OR REPLACE FUNCTION infraguard.config_review(changes_since interval DEFAULT interval '7 days')
RETURNS TABLE (kind text, name text, value text, detail text, changed_at timestamptz, suggestion text)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
	ram bigint;
	sb bigint := pg_size_bytes(current_setting('shared_buffers'));
	wm bigint := pg_size_bytes(current_setting('work_mem'));
	mc integer := current_setting('max_connections')::integer;
BEGIN
	IF changes_since IS NULL OR changes_since <= interval '0' THEN
		RAISE EXCEPTION 'changes_since must be a positive interval'
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'Pass how far back to list setting changes, e.g. interval ''7 days''.';
	END IF;
	SELECT s.mem_total_bytes INTO ram FROM infraguard.system_stats() s;

	/* waiting for a restart: the running value, and the one the files hold */
	RETURN QUERY
	SELECT 'pending restart', s.name,
		   s.setting || coalesce(' ' || s.unit, ''),
		   format('in force: %s%s; in the configuration files: %s; takes effect at the next restart',
				  s.setting, coalesce(' ' || s.unit, ''),
				  coalesce((SELECT f.setting FROM pg_file_settings f
							 /* the last line wins; its error is "setting could not be applied" while it waits */
							 WHERE f.name = s.name
							 ORDER BY f.seqno DESC LIMIT 1), 'the default (the line was removed)')),
		   NULL::timestamptz, NULL::text
	  FROM pg_settings s
	 WHERE s.pending_restart
	 ORDER BY s.name;

	/* changed lately (the snapshots' log) */
	BEGIN
		RETURN QUERY
		SELECT 'changed', c.name, c.new_value || coalesce(' ' || c.unit, ''),
			   format('%s -> %s (%s setting)', coalesce(c.old_value, 'not set'), coalesce(c.new_value, 'not set'),
					  c.context),
			   c.taken_at, NULL::text
		  FROM infraguard.setting_changes c
		 WHERE c.taken_at > now() - changes_since
		 ORDER BY c.taken_at DESC, c.name;
	EXCEPTION WHEN insufficient_privilege THEN
		NULL;
	END;

	/* risks: data at stake */
	RETURN QUERY
	SELECT r.kind, r.name, current_setting(r.name), r.why, NULL::timestamptz, r.fix
	  FROM (VALUES
		('risk', 'fsync', current_setting('fsync') = 'off',
		 'fsync is off: a crash or power loss can corrupt the whole cluster, not just lose the last transactions',
		 'ALTER SYSTEM SET fsync = on; SELECT pg_reload_conf();'),
		('risk', 'full_page_writes', current_setting('full_page_writes') = 'off',
		 'full_page_writes is off: a crash during a page write leaves torn pages that WAL replay cannot repair (safe only on storage that writes 8 kB atomically)',
		 'ALTER SYSTEM SET full_page_writes = on; SELECT pg_reload_conf();'),
		('risk', 'zero_damaged_pages', current_setting('zero_damaged_pages') = 'on',
		 'zero_damaged_pages is on: damaged pages are silently emptied, their rows lost; a recovery tool, not a setting to keep',
		 'ALTER SYSTEM RESET zero_damaged_pages; SELECT pg_reload_conf();'),
		('risk', 'autovacuum', current_setting('autovacuum') = 'off',
		 'autovacuum is off: dead rows pile up (bloat) and nothing freezes old transaction ids until the emergency anti-wraparound vacuum',
		 'ALTER SYSTEM SET autovacuum = on; SELECT pg_reload_conf();'),
		('risk', 'track_counts', current_setting('track_counts') = 'off',
		 'track_counts is off: autovacuum cannot tell which tables need it, and the statistics views stay empty',
		 'ALTER SYSTEM SET track_counts = on; SELECT pg_reload_conf();'),
		('risk', 'synchronous_commit', current_setting('synchronous_commit') = 'off',
		 'synchronous_commit is off: a crash loses the last commits (up to 3 × wal_writer_delay) that clients were told succeeded; no corruption',
		 NULL)
	  ) r(kind, name, bad, why, fix)
	 WHERE r.bad;

	/* memory against the host's RAM */
	IF ram IS NOT NULL THEN
		RETURN QUERY
		SELECT r.kind, r.name, current_setting(r.name), r.why, NULL::timestamptz, r.fix
		  FROM (VALUES
			('risk', 'work_mem', wm * mc > ram,
			 format('work_mem (%s) × max_connections (%s) = %s, more than the host''s RAM (%s): a busy moment where each session sorts once can exhaust memory (one query may use several work_mem)',
					pg_size_pretty(wm), mc, pg_size_pretty(wm * mc), pg_size_pretty(ram)),
			 format('ALTER SYSTEM SET work_mem = ''%s''; SELECT pg_reload_conf();',
					pg_size_pretty(greatest(ram / 4 / mc, 4 * 1024 * 1024)))),
			('waste', 'shared_buffers', sb < ram / 20 AND ram >= 2::bigint * 1024 * 1024 * 1024,
			 format('shared_buffers (%s) is %s%% of the host''s RAM (%s): most reads go through the kernel''s cache; about 25%% is the usual start',
					pg_size_pretty(sb), round(100.0 * sb / ram, 1), pg_size_pretty(ram)),
			 format('ALTER SYSTEM SET shared_buffers = ''%s''; -- then restart', pg_size_pretty(ram / 4))),
			('risk', 'shared_buffers', sb > ram * 6 / 10,
			 format('shared_buffers (%s) is %s%% of the host''s RAM (%s): little is left for work_mem, maintenance and the kernel''s cache; beyond about 40%% it rarely helps',
					pg_size_pretty(sb), round(100.0 * sb / ram, 1), pg_size_pretty(ram)),
			 format('ALTER SYSTEM SET shared_buffers = ''%s''; -- then restart', pg_size_pretty(ram / 4)))
		  ) r(kind, name, bad, why, fix)
		 WHERE r.bad;
	END IF;
END;
$$;
COMMENT ON FUNCTION infraguard.config_review(interval) IS
	'Settings pending a restart, server-wide settings changed lately (from the snapshots'' log), and settings that risk data or waste memory, with why and what to run';
REVOKE ALL ON FUNCTION infraguard.config_review(interval) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION infraguard.config_review(interval) TO pg_monitor;
