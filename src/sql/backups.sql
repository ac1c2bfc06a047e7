/*
 * Backups: the archiver's state and the DBA's backup registry.
 */

/*
 * WAL archiving, from pg_stat_archiver and the settings.
 */
CREATE OR REPLACE FUNCTION infraguard.backup_status()
RETURNS TABLE (archive_mode text, archiving_configured boolean, archived_count bigint,
			   last_archived_wal text, last_archived_time timestamptz,
			   seconds_since_last_archive float8, failed_count bigint,
			   last_failed_wal text, last_failed_time timestamptz, failing boolean,
			   stats_reset timestamptz)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT current_setting('archive_mode'),
		   current_setting('archive_mode') <> 'off'
		   AND (current_setting('archive_command') <> '' OR current_setting('archive_library') <> ''),
		   a.archived_count, a.last_archived_wal, a.last_archived_time,
		   round(extract(epoch FROM now() - a.last_archived_time)::numeric, 1)::float8,
		   a.failed_count, a.last_failed_wal, a.last_failed_time,
		   a.last_failed_time IS NOT NULL
		   AND a.last_failed_time > coalesce(a.last_archived_time, '-infinity'),
		   a.stats_reset
	  FROM pg_stat_archiver a
$$;
COMMENT ON FUNCTION infraguard.backup_status() IS
	'WAL archiving: mode, successes, failures, and whether the archiver is failing now';
REVOKE ALL ON FUNCTION infraguard.backup_status() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION infraguard.backup_status() TO pg_monitor;

CREATE OR REPLACE VIEW infraguard.backups AS
	SELECT b.backup_id, b.kind, b.label, b.finished_at, now() - b.finished_at AS age,
		   b.size_bytes, pg_size_pretty(b.size_bytes) AS size, b.location, b.verified,
		   b.recorded_by
	  FROM infraguard.backup_registry b
	 ORDER BY b.finished_at DESC;
COMMENT ON VIEW infraguard.backups IS 'Recorded backups, newest first';
REVOKE ALL ON TABLE infraguard.backups FROM PUBLIC;
GRANT SELECT ON TABLE infraguard.backups TO pg_monitor;

CREATE OR REPLACE FUNCTION infraguard.record_backup(kind text, label text, finished_at timestamptz,
										 size_bytes bigint, location text,
										 verified boolean DEFAULT false)
RETURNS bigint
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	id bigint;
BEGIN
	/* infraguard_internal.require_primary()'s check, inline: the backup writer has no USAGE on that schema */
	IF pg_is_in_recovery() THEN
		RAISE EXCEPTION 'infraguard.record_backup() cannot run on a standby'
			USING ERRCODE = 'read_only_sql_transaction',
				  DETAIL = 'This server is a hot standby: it is read-only, and its infraguard tables are the primary''s, replicated.',
				  HINT = 'Run this on the primary; the standby receives the change by replication.';
	END IF;
	IF kind IS NULL OR kind NOT IN ('pg_dump', 'pg_basebackup', 'pgbackrest', 'barman', 'wal-g',
									'snapshot', 'other') THEN
		RAISE EXCEPTION 'invalid backup kind "%"', coalesce(kind, 'NULL')
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'Valid kinds are pg_dump, pg_basebackup, pgbackrest, barman, wal-g, snapshot and other.';
	END IF;
	IF finished_at IS NULL OR finished_at > now() + interval '5 minutes' THEN
		RAISE EXCEPTION 'finished_at must be a time in the past, not %', coalesce(finished_at::text, 'NULL')
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'Pass the time the backup finished, for example now().';
	END IF;
	IF size_bytes < 0 THEN
		RAISE EXCEPTION 'size_bytes must not be negative'
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF verified IS NULL THEN
		RAISE EXCEPTION 'verified must not be NULL'
			USING ERRCODE = 'null_value_not_allowed',
				  HINT = 'Pass true only if the backup was restored or checked.';
	END IF;
	INSERT INTO infraguard.backup_registry (kind, label, finished_at, size_bytes, location, verified)
	VALUES (record_backup.kind, record_backup.label, record_backup.finished_at,
			record_backup.size_bytes, record_backup.location, record_backup.verified)
	RETURNING backup_id INTO id;
	RETURN id;
END;
$$;
COMMENT ON FUNCTION infraguard.record_backup(text, text, timestamptz, bigint, text, boolean) IS
	'Register a backup taken outside the server (for backup scripts, role infraguard_backup_writer)';
REVOKE ALL ON FUNCTION infraguard.record_backup(text, text, timestamptz, bigint, text, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION infraguard.record_backup(text, text, timestamptz, bigint, text, boolean)
	TO infraguard_backup_writer;

/*
 * Backups older than keep that are not the newest verified one: a list for
 * the DBA's cleanup, never a deletion.
 */
CREATE OR REPLACE FUNCTION infraguard.backups_safe_to_delete(keep interval DEFAULT '30 days')
RETURNS TABLE (backup_id bigint, kind text, label text, finished_at timestamptz,
			   size_bytes bigint, location text, verified boolean)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF keep IS NULL OR keep <= interval '0' OR keep > interval '100 years' THEN
		RAISE EXCEPTION 'keep must be a positive interval of at most 100 years, not %', coalesce(keep::text, 'NULL')
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'For example: SELECT * FROM infraguard.backups_safe_to_delete(''30 days'');';
	END IF;
	RETURN QUERY
	SELECT b.backup_id, b.kind, b.label, b.finished_at, b.size_bytes, b.location, b.verified
	  FROM infraguard.backup_registry b
	 WHERE b.finished_at < now() - keep
	   AND b.backup_id IS DISTINCT FROM (SELECT v.backup_id FROM infraguard.backup_registry v
										  WHERE v.verified
										  ORDER BY v.finished_at DESC, v.backup_id DESC LIMIT 1)
	 ORDER BY b.finished_at, b.backup_id;
END;
$$;
COMMENT ON FUNCTION infraguard.backups_safe_to_delete(interval) IS
	'Backups older than keep, except the newest verified one (a list; nothing is deleted)';
REVOKE ALL ON FUNCTION infraguard.backups_safe_to_delete(interval) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION infraguard.backups_safe_to_delete(interval) TO pg_monitor;
