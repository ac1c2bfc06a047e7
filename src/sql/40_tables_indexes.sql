/*
 * Tables and indexes of the current database.
 */

/*
 * vacuum_due mirrors autovacuum's own trigger (relation_needs_vacanalyze in
 * src/backend/postmaster/autovacuum.c): dead tuples past
 * threshold + scale_factor * reltuples, inserts since the last vacuum past
 * the insert threshold (-1 disables it), or relfrozenxid older than
 * autovacuum_freeze_max_age; per-table reloptions win over the GUCs.  A table
 * with autovacuum_enabled = off can still be due: then only a manual VACUUM
 * will do it.
 */
CREATE OR REPLACE FUNCTION infraguard.table_health()
RETURNS TABLE (schema_name name, table_name name,
			   total_bytes bigint, total_size text,
			   table_bytes bigint, index_bytes bigint, toast_bytes bigint,
			   live_tuples bigint, dead_tuples bigint, dead_pct float8,
			   last_vacuum timestamptz, last_autovacuum timestamptz,
			   last_analyze timestamptz, last_autoanalyze timestamptz,
			   vacuum_due boolean)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT s.schemaname, s.relname,
		   sz.total, pg_size_pretty(sz.total),
		   sz.table_only - sz.toast, sz.indexes, sz.toast,
		   s.n_live_tup, s.n_dead_tup,
		   CASE WHEN s.n_live_tup + s.n_dead_tup > 0
				THEN round((100.0 * s.n_dead_tup / (s.n_live_tup + s.n_dead_tup))::numeric, 2)::float8
				ELSE 0 END,
		   s.last_vacuum, s.last_autovacuum, s.last_analyze, s.last_autoanalyze,
		   s.n_dead_tup > coalesce(o.vac_threshold, current_setting('autovacuum_vacuum_threshold')::float8)
						  + coalesce(o.vac_scale, current_setting('autovacuum_vacuum_scale_factor')::float8)
							* greatest(c.reltuples, 0)
		   OR (coalesce(o.ins_threshold, current_setting('autovacuum_vacuum_insert_threshold')::float8) >= 0
			   AND s.n_ins_since_vacuum > coalesce(o.ins_threshold, current_setting('autovacuum_vacuum_insert_threshold')::float8)
										  + coalesce(o.ins_scale, current_setting('autovacuum_vacuum_insert_scale_factor')::float8)
											* greatest(c.reltuples, 0))
		   OR age(c.relfrozenxid) > least(coalesce(o.freeze_max_age, current_setting('autovacuum_freeze_max_age')::float8),
										  current_setting('autovacuum_freeze_max_age')::float8)
	  FROM pg_stat_user_tables s
	  JOIN pg_class c ON c.oid = s.relid
	  CROSS JOIN LATERAL (
			SELECT pg_total_relation_size(c.oid) AS total,
				   pg_table_size(c.oid) AS table_only,
				   pg_indexes_size(c.oid) AS indexes,
				   coalesce(pg_total_relation_size(nullif(c.reltoastrelid, 0)), 0) AS toast) sz
	  LEFT JOIN LATERAL (
			SELECT max(option_value) FILTER (WHERE option_name = 'autovacuum_vacuum_threshold')::float8 AS vac_threshold,
				   max(option_value) FILTER (WHERE option_name = 'autovacuum_vacuum_scale_factor')::float8 AS vac_scale,
				   max(option_value) FILTER (WHERE option_name = 'autovacuum_vacuum_insert_threshold')::float8 AS ins_threshold,
				   max(option_value) FILTER (WHERE option_name = 'autovacuum_vacuum_insert_scale_factor')::float8 AS ins_scale,
				   max(option_value) FILTER (WHERE option_name = 'autovacuum_freeze_max_age')::float8 AS freeze_max_age
			  FROM pg_options_to_table(c.reloptions)) o ON true
	 WHERE c.relkind IN ('r', 'm')
	 ORDER BY sz.total DESC, s.schemaname, s.relname
$$;
COMMENT ON FUNCTION infraguard.table_health() IS
	'Per table: sizes, live and dead tuples, last (auto)vacuum/analyze, and whether autovacuum''s threshold is passed';
REVOKE ALL ON FUNCTION infraguard.table_health() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION infraguard.table_health() TO pg_monitor;

CREATE OR REPLACE FUNCTION infraguard.index_usage()
RETURNS TABLE (schema_name name, table_name name, index_name name,
			   size_bytes bigint, size text,
			   scans bigint, tuples_read bigint, tuples_fetched bigint,
			   is_unique boolean, is_primary boolean)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT s.schemaname, s.relname, s.indexrelname,
		   pg_relation_size(s.indexrelid), pg_size_pretty(pg_relation_size(s.indexrelid)),
		   s.idx_scan, s.idx_tup_read, s.idx_tup_fetch,
		   i.indisunique, i.indisprimary
	  FROM pg_stat_user_indexes s
	  JOIN pg_index i ON i.indexrelid = s.indexrelid
	 ORDER BY s.idx_scan, pg_relation_size(s.indexrelid) DESC, s.schemaname, s.indexrelname
$$;
COMMENT ON FUNCTION infraguard.index_usage() IS
	'Per index: size and scan counts, least used first';
REVOKE ALL ON FUNCTION infraguard.index_usage() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION infraguard.index_usage() TO pg_monitor;

/*
 * Indexes that cost writes and space but served no scan.  Indexes that
 * enforce something (primary key, unique, exclusion) are never suggested:
 * their scan count says nothing about their use.  Invalid indexes are listed
 * whatever their scans, unless a CREATE INDEX CONCURRENTLY is building them
 * right now.  infraguard's own indexes serve its history queries and
 * retention, which may not have run yet: never suggested.  The suggestion
 * is text; infraguard never runs it.
 */
CREATE OR REPLACE FUNCTION infraguard.unused_indexes(min_size_bytes bigint DEFAULT 0)
RETURNS TABLE (schema_name name, table_name name, index_name name,
			   size_bytes bigint, size text, scans bigint,
			   stats_since timestamptz, reason text, suggestion text)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
	since timestamptz;
	other_servers text := '';
BEGIN
	IF min_size_bytes IS NULL OR min_size_bytes < 0 THEN
		RAISE EXCEPTION 'min_size_bytes must be zero or positive, not %', coalesce(min_size_bytes::text, 'NULL')
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'Pass a size in bytes, for example pg_size_bytes(''10 MB'').';
	END IF;

	/*
	 * Scans are counted since the later of the last statistics reset and the
	 * server start (a crash discards the counters; a clean restart keeps them
	 * from PostgreSQL 15 on, so this is a lower bound of the window).
	 */
	SELECT greatest(d.stats_reset, pg_postmaster_start_time())
	  INTO since
	  FROM pg_stat_database d
	 WHERE d.datname = current_database();
	since := coalesce(since, pg_postmaster_start_time());

	/* scans on standbys are counted there, not here */
	IF pg_is_in_recovery() OR EXISTS (SELECT 1 FROM pg_stat_replication) THEN
		other_servers := '; check the other servers of this cluster too: their scans are not counted here';
	END IF;

	RETURN QUERY
	SELECT s.schemaname, s.relname, s.indexrelname,
		   pg_relation_size(s.indexrelid), pg_size_pretty(pg_relation_size(s.indexrelid)),
		   s.idx_scan, since,
		   CASE WHEN NOT i.indisvalid
				THEN 'invalid index, left by a failed CREATE INDEX CONCURRENTLY or REINDEX CONCURRENTLY: queries never use it but every write still maintains it'
				ELSE format('no scan since %s (%s days)%s', since,
							round((extract(epoch FROM now() - since) / 86400)::numeric, 1),
							other_servers)
		   END,
		   format('DROP INDEX CONCURRENTLY %I.%I;', s.schemaname, s.indexrelname)
	  FROM pg_stat_user_indexes s
	  JOIN pg_index i ON i.indexrelid = s.indexrelid
	 WHERE pg_relation_size(s.indexrelid) >= min_size_bytes
	   AND s.schemaname <> 'infraguard'
	   AND (NOT i.indisvalid
			OR (s.idx_scan = 0
				AND NOT i.indisunique AND NOT i.indisprimary AND NOT i.indisexclusion))
	   AND NOT EXISTS (SELECT 1 FROM pg_stat_progress_create_index p
					    WHERE p.index_relid = s.indexrelid)
	 ORDER BY pg_relation_size(s.indexrelid) DESC, s.schemaname, s.indexrelname;
END;
$$;
COMMENT ON FUNCTION infraguard.unused_indexes(bigint) IS
	'Never-scanned indexes that enforce no constraint, and invalid indexes, with a DROP INDEX CONCURRENTLY suggestion (never executed)';
REVOKE ALL ON FUNCTION infraguard.unused_indexes(bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION infraguard.unused_indexes(bigint) TO pg_monitor;
