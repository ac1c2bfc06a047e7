/*
 * Sequential-scan hot spots: large tables read mostly by sequential scans,
 * where a missing index usually hides.
 */

/*
 * seq_scan_hotspots(min_rows, min_seq_scan_pct): tables of this database
 * with at least min_rows live rows whose scans are at least
 * min_seq_scan_pct % sequential, by rows read sequentially (seq_tup_read),
 * since statistics were reset.  rows_per_seq_scan is how much each scan
 * reads: a large table read whole, again and again.
 *
 * statements: up to three pg_stat_statements entries of this database that
 * name the table after FROM or JOIN (most total time first), when
 * pg_stat_statements is there.  A text match: a table reached through a
 * view or a function is not found, and a table named like another
 * schema's matches both.
 */
CREATE OR REPLACE FUNCTION infraguard.seq_scan_hotspots(min_rows bigint DEFAULT 10000,
														min_seq_scan_pct float8 DEFAULT 50)
RETURNS TABLE (schema_name name, table_name name, size text, size_bytes bigint, live_rows bigint,
			   seq_scan bigint, idx_scan bigint, seq_scan_pct float8, seq_tup_read bigint,
			   rows_per_seq_scan bigint, statements text[])
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
	pgss_schema name;
	stmts jsonb;
BEGIN
	IF min_rows IS NULL OR min_rows < 0 OR min_seq_scan_pct IS NULL
	   OR NOT (min_seq_scan_pct BETWEEN 0 AND 100) THEN
		RAISE EXCEPTION 'min_rows must be 0 or more and min_seq_scan_pct between 0 and 100'
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'For example: SELECT * FROM infraguard.seq_scan_hotspots(10000, 50);';
	END IF;
	SELECT n.nspname INTO pgss_schema
	  FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
	 WHERE e.extname = 'pg_stat_statements';

	IF pgss_schema IS NOT NULL THEN
		BEGIN
			/* the candidates once: statements of this database that read FROM or JOIN something */
			EXECUTE format('SELECT jsonb_agg(jsonb_build_object(''q'', s.query, ''ms'', s.total_exec_time))
							  FROM %I.pg_stat_statements(true) s
							 WHERE s.dbid = (SELECT d.oid FROM pg_database d WHERE d.datname = current_database())
							   AND s.query ~* ''\m(from|join)\M''', pgss_schema)
			   INTO stmts;
		EXCEPTION WHEN object_not_in_prerequisite_state OR insufficient_privilege THEN
			stmts := NULL;		/* not preloaded: no statements to show */
		END;
	END IF;

	RETURN QUERY
	SELECT s.schemaname, s.relname, pg_size_pretty(sz.b), sz.b, s.n_live_tup,
		   s.seq_scan, coalesce(s.idx_scan, 0),
		   round((100.0 * s.seq_scan / (s.seq_scan + coalesce(s.idx_scan, 0)))::numeric, 1)::float8,
		   s.seq_tup_read, s.seq_tup_read / s.seq_scan,
		   (SELECT array_agg(q.query ORDER BY q.total_ms DESC)
			  FROM (SELECT st.e->>'q' AS query, (st.e->>'ms')::float8 AS total_ms
					  FROM jsonb_array_elements(coalesce(stmts, '[]')) st(e)
					 WHERE st.e->>'q' ~* ('\m(from|join)\s+(' || infraguard_internal.regex_escape(quote_ident(s.schemaname))
										|| '\s*\.\s*)?' || infraguard_internal.regex_escape(quote_ident(s.relname)) || '([^[:alnum:]_$]|$)')
					 ORDER BY (st.e->>'ms')::float8 DESC
					 LIMIT 3) q)
	  FROM pg_stat_user_tables s
	 CROSS JOIN LATERAL (SELECT infraguard.table_size(s.relid) AS b) sz
	 WHERE s.n_live_tup >= min_rows
	   AND s.seq_scan > 0
	   AND 100.0 * s.seq_scan / (s.seq_scan + coalesce(s.idx_scan, 0)) >= min_seq_scan_pct
	   AND s.schemaname <> 'infraguard'
	 ORDER BY s.seq_tup_read DESC, s.schemaname, s.relname;
END;
$$;
COMMENT ON FUNCTION infraguard.seq_scan_hotspots(bigint, float8) IS
	'Tables of at least min_rows rows read mostly by sequential scans, most rows read first, with the statements that scan them (pg_stat_statements)';
REVOKE ALL ON FUNCTION infraguard.seq_scan_hotspots(bigint, float8) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION infraguard.seq_scan_hotspots(bigint, float8) TO pg_monitor;

/*
 * regex_escape(): text matched literally inside a regular expression.
 */
CREATE OR REPLACE FUNCTION infraguard_internal.regex_escape(t text)
RETURNS text
LANGUAGE sql IMMUTABLE STRICT
SET search_path = pg_catalog, pg_temp
AS $$ SELECT regexp_replace(t, '([.^$*+?()\[\]{}|\\-])', '\\\1', 'g') $$;
COMMENT ON FUNCTION infraguard_internal.regex_escape(text) IS
	'Internal: text escaped to match itself in a regular expression';
REVOKE ALL ON FUNCTION infraguard_internal.regex_escape(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION infraguard_internal.regex_escape(text) TO pg_monitor;
