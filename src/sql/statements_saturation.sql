/*
 * pg_stat_statements saturation: how full its table is, and how often it
 * evicted statements to make room.
 */

/*
 * statements_saturation(): pg_stat_statements' entries against
 * pg_stat_statements.max, and its deallocations (pg_stat_statements_info.
 * dealloc: each one evicts the 5 % least-used entries, at least 10) since
 * its statistics were reset, and since the last snapshot.  An eviction
 * loses the evicted statements' counters: the top statements of that
 * interval (statement_history) are incomplete, which infraguard.snapshots.
 * statements_evicted records per snapshot.
 *
 * available is false, with the reason in detail, when pg_stat_statements is
 * not preloaded or its extension is not created in this database.
 */
CREATE OR REPLACE FUNCTION infraguard.statements_saturation(
	OUT available boolean, OUT entries bigint, OUT max_entries integer, OUT pct_full float8,
	OUT evictions bigint, OUT stats_reset timestamptz, OUT evictions_per_day float8,
	OUT evictions_since_snapshot bigint, OUT last_snapshot timestamptz, OUT track text,
	OUT detail text, OUT hint text)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	pgss_schema name;
	prev_at timestamptz;
	prev_value float8;
BEGIN
	available := false;
	max_entries := nullif(current_setting('pg_stat_statements.max', true), '')::integer;
	track := nullif(current_setting('pg_stat_statements.track', true), '');
	SELECT n.nspname INTO pgss_schema
	  FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
	 WHERE e.extname = 'pg_stat_statements'
	   AND string_to_array(e.extversion, '.')::int[] >= ARRAY[1, 9];	-- pg_stat_statements_info
	IF max_entries IS NULL THEN
		detail := 'pg_stat_statements is not in shared_preload_libraries';
		RETURN;
	ELSIF pgss_schema IS NULL THEN
		detail := format('pg_stat_statements (1.9 or later) is not created in database %s: CREATE EXTENSION pg_stat_statements;',
						 quote_ident(current_database()));
		RETURN;
	END IF;
	BEGIN
		EXECUTE format('SELECT (SELECT count(*) FROM %1$I.pg_stat_statements(false)), i.dealloc, i.stats_reset
						  FROM %1$I.pg_stat_statements_info() i', pgss_schema)
		   INTO entries, evictions, stats_reset;
	EXCEPTION WHEN object_not_in_prerequisite_state THEN
		detail := 'pg_stat_statements is not in shared_preload_libraries';
		RETURN;
	END;
	available := true;
	pct_full := round((100.0 * entries / max_entries)::numeric, 1);
	evictions_per_day := round((evictions / greatest(extract(epoch FROM now() - stats_reset), 1) * 86400)::numeric, 2);

	/*
	 * Since the last snapshot: its reading of the cumulative counter
	 * (metric_history, pgss_dealloc_total).  Counted since the reset when the
	 * counters were reset after that reading, or went backwards.
	 */
	BEGIN
		SELECT h.taken_at, h.value INTO prev_at, prev_value
		  FROM infraguard.metric_history h
		 WHERE h.metric = 'pgss_dealloc_total'
		 ORDER BY h.taken_at DESC
		 LIMIT 1;
	EXCEPTION WHEN undefined_table OR undefined_column OR lock_not_available OR insufficient_privilege THEN
		prev_at := NULL;	/* the history is what fails (renamed, locked): the reading must not */
	END;
	IF prev_at IS NOT NULL THEN
		last_snapshot := prev_at;
		evictions_since_snapshot := CASE WHEN stats_reset > prev_at OR evictions < prev_value
										 THEN evictions ELSE evictions - prev_value::bigint END;
	END IF;

	detail := format('%s of %s entries (%s%%); %s evictions since %s (%s a day)%s',
					 entries, max_entries, pct_full, evictions, date_trunc('second', stats_reset),
					 evictions_per_day,
					 coalesce(format('; %s since the snapshot of %s', evictions_since_snapshot,
									 date_trunc('second', last_snapshot)), ''));
	IF evictions > 0 THEN
		/* twice as many entries, within pg_stat_statements' own bound */
		hint := format('Statements were evicted, so their counters (and the top statements of those intervals) are lost: raise pg_stat_statements.max (ALTER SYSTEM SET pg_stat_statements.max = %s; then restart the server: its shared memory is sized at start)%s',
					   least(2 * max_entries, 1073741823),
					   CASE WHEN track = 'all' THEN ', or track top-level statements only (ALTER SYSTEM SET pg_stat_statements.track = top; SELECT pg_reload_conf();)'
							ELSE '' END);
	ELSIF pct_full >= 90 THEN
		hint := format('The table is nearly full: evictions start at %s entries; raise pg_stat_statements.max before they do (ALTER SYSTEM SET pg_stat_statements.max = %s; then restart)',
					   max_entries, least(2 * max_entries, 1073741823));
	END IF;
END;
$$;
COMMENT ON FUNCTION infraguard.statements_saturation() IS
	'pg_stat_statements entries against pg_stat_statements.max, and its evictions since its reset and since the last snapshot, with what to change';
REVOKE ALL ON FUNCTION infraguard.statements_saturation() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION infraguard.statements_saturation() TO pg_monitor;
