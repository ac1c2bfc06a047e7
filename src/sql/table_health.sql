/*
 * Tables of the current database: dead tuples, vacuum and analyze due,
 * freeze age.  Catalogs and statistics only.
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
CREATE OR REPLACE FUNCTION infraguard.table_health(include_infraguard boolean DEFAULT false)
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
	  /*
	   * The sizes total_relation_size(), table_size() and indexes_size() give,
	   * from the same files, summed here: seven calls of those SQL functions
	   * (each with its own search_path, never inlined) a table made this
	   * 3.6 s at 10,000 tables.  The indexes through pg_index's index on
	   * indrelid: a few rows a table.
	   */
	  CROSS JOIN LATERAL (
			SELECT coalesce(sum(infraguard.relation_size(i.indexrelid, 'all')), 0)::bigint AS bytes
			  FROM pg_index i
			 WHERE i.indrelid = c.oid) ix
	  CROSS JOIN LATERAL (
			SELECT infraguard.relation_size(c.oid, 'all') AS own,
				   CASE WHEN c.reltoastrelid = 0 THEN 0::bigint
						ELSE coalesce(infraguard.relation_size(c.reltoastrelid, 'all'), 0)
							 + coalesce((SELECT sum(infraguard.relation_size(i.indexrelid, 'all'))
										   FROM pg_index i
										  WHERE i.indrelid = c.reltoastrelid), 0)::bigint
				   END AS toast) tz
	  CROSS JOIN LATERAL (
			SELECT tz.own + tz.toast + ix.bytes AS total,
				   tz.own + tz.toast AS table_only,
				   ix.bytes AS indexes,
				   tz.toast) sz
	  LEFT JOIN LATERAL (
			SELECT max(option_value) FILTER (WHERE option_name = 'autovacuum_vacuum_threshold')::float8 AS vac_threshold,
				   max(option_value) FILTER (WHERE option_name = 'autovacuum_vacuum_scale_factor')::float8 AS vac_scale,
				   max(option_value) FILTER (WHERE option_name = 'autovacuum_vacuum_insert_threshold')::float8 AS ins_threshold,
				   max(option_value) FILTER (WHERE option_name = 'autovacuum_vacuum_insert_scale_factor')::float8 AS ins_scale,
				   max(option_value) FILTER (WHERE option_name = 'autovacuum_freeze_max_age')::float8 AS freeze_max_age
			  FROM pg_options_to_table(c.reloptions)) o ON true
	 WHERE c.relkind IN ('r', 'm')
	   /* another session's temporary table: only that session can vacuum or even read it */
	   AND NOT pg_is_other_temp_schema(c.relnamespace)
	   AND (coalesce(table_health.include_infraguard, false) OR s.schemaname <> 'infraguard')
	 ORDER BY sz.total DESC, s.schemaname, s.relname
$$;
COMMENT ON FUNCTION infraguard.table_health(boolean) IS
	'Per table: sizes, live and dead tuples, last (auto)vacuum/analyze, and whether autovacuum''s threshold is passed (infraguard''s own tables only with include_infraguard)';
REVOKE ALL ON FUNCTION infraguard.table_health(boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION infraguard.table_health(boolean) TO pg_monitor;
