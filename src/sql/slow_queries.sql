/*
 * Statements, from pg_stat_statements, wherever it is installed.
 */

/*
 * infraguard's own calls (health() polled by Grafana, the DBA's diagnostics)
 * are not the workload: lists of statements leave them out unless asked.
 * A statement is one of them when its text names an object of schema
 * infraguard.
 */
CREATE OR REPLACE FUNCTION infraguard_internal.calls_infraguard(query text)
RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT coalesce(query OPERATOR(pg_catalog.~*) '(^|[^[:alnum:]_$"])"?infraguard"?[[:space:]]*\.', false)
$$;
COMMENT ON FUNCTION infraguard_internal.calls_infraguard(text) IS
	'Internal: true when a statement''s text names an object of schema infraguard';
REVOKE ALL ON FUNCTION infraguard_internal.calls_infraguard(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION infraguard_internal.calls_infraguard(text) TO pg_monitor;

/*
 * pg_stat_statements is optional: it is looked up at run time, in whatever
 * schema it was created, and every failure mode gets a hint that says what to
 * do instead of "relation does not exist".
 */
CREATE OR REPLACE FUNCTION infraguard.slow_queries(top integer DEFAULT 20,
										order_by text DEFAULT 'total_time',
										include_infraguard boolean DEFAULT false)
RETURNS TABLE (queryid bigint, dbname name, username name, query text,
			   calls bigint, total_seconds float8, mean_ms float8, max_ms float8,
			   stddev_ms float8, rows bigint, pct_of_total_time float8)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	sort_column text;
	pgss_schema name;
	pgss_version int[];
BEGIN
	IF top IS NULL OR top <= 0 THEN
		RAISE EXCEPTION 'top must be a positive number of statements, not %', coalesce(top::text, 'NULL')
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'For example: SELECT * FROM infraguard.slow_queries(20);';
	END IF;
	sort_column := CASE order_by
					   WHEN 'total_time' THEN 'total_exec_time'
					   WHEN 'mean_time' THEN 'mean_exec_time'
					   WHEN 'calls' THEN 'calls'
					   WHEN 'max_time' THEN 'max_exec_time'
				   END;
	IF sort_column IS NULL THEN
		RAISE EXCEPTION 'unknown order_by "%"', coalesce(order_by, 'NULL')
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'Valid values are total_time, mean_time, calls and max_time.';
	END IF;
	IF include_infraguard IS NULL THEN
		RAISE EXCEPTION 'include_infraguard must not be NULL'
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'Pass true to list the statements that call infraguard too.';
	END IF;

	SELECT n.nspname, string_to_array(e.extversion, '.')::int[]
	  INTO pgss_schema, pgss_version
	  FROM pg_extension e
	  JOIN pg_namespace n ON n.oid = e.extnamespace
	 WHERE e.extname = 'pg_stat_statements';
	IF NOT FOUND THEN
		RAISE EXCEPTION 'pg_stat_statements is not installed in database "%"', current_database()
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  DETAIL = 'infraguard.slow_queries() reads the statistics of the pg_stat_statements extension.',
				  HINT = 'Run CREATE EXTENSION pg_stat_statements; in this database, with pg_stat_statements in shared_preload_libraries.';
	END IF;
	IF pgss_version < ARRAY[1, 8] THEN
		RAISE EXCEPTION 'pg_stat_statements version % is too old', array_to_string(pgss_version, '.')
			USING ERRCODE = 'feature_not_supported',
				  HINT = 'Run ALTER EXTENSION pg_stat_statements UPDATE;';
	END IF;

	BEGIN
		RETURN QUERY EXECUTE format(
			$q$SELECT s.queryid, d.datname, r.rolname,
					  left(btrim(regexp_replace(s.query, '\s+', ' ', 'g')), 200),
					  s.calls, s.total_exec_time / 1000, s.mean_exec_time, s.max_exec_time,
					  s.stddev_exec_time, s.rows,
					  round((100 * s.total_exec_time / nullif(sum(s.total_exec_time) OVER (), 0))::numeric, 2)::float8
				 FROM %I.pg_stat_statements(true) s
				 LEFT JOIN pg_database d ON d.oid = s.dbid
				 LEFT JOIN pg_roles r ON r.oid = s.userid
				WHERE $2 OR NOT infraguard_internal.calls_infraguard(s.query)
				ORDER BY s.%I DESC, s.queryid
				LIMIT $1$q$,
			pgss_schema, sort_column)
		USING top, include_infraguard;
	EXCEPTION WHEN object_not_in_prerequisite_state THEN
		RAISE EXCEPTION 'pg_stat_statements is installed but its library is not loaded'
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  HINT = 'Add pg_stat_statements to shared_preload_libraries in postgresql.conf and restart the server.';
	END;
END;
$$;
COMMENT ON FUNCTION infraguard.slow_queries(integer, text, boolean) IS
	'Top statements from pg_stat_statements by total_time, mean_time, calls or max_time; statements calling infraguard only with include_infraguard';
REVOKE ALL ON FUNCTION infraguard.slow_queries(integer, text, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION infraguard.slow_queries(integer, text, boolean) TO pg_monitor;
