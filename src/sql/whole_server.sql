/*
 * The whole server (issue 11): the worker stays connected to the
 * extension's database (infraguard.database) and, each cycle, starts a
 * short-lived collector in every other watched database (src/collector.c).
 * The extension does not exist in those databases, so what a collector runs
 * ships as data: collector_queries() returns the query texts, the worker
 * passes them to the collector in dynamic shared memory, and the collector
 * hands each query's one text row back through a shared memory queue.  The
 * worker then stores the findings (store_database_findings(), read by
 * current_metrics() and so by health() and the alerts) and the history
 * (record_database_history()), named by database.
 */

/*
 * Which databases the worker reads, from infraguard.databases: '*' (the
 * default) is every database that accepts connections, templates
 * excluded; a list names them ('app1, app2'); '!name' (or '-name') leaves
 * one out ('*, !scratch').  The extension's own database is always read by
 * the worker itself (role 'own').
 */
CREATE OR REPLACE FUNCTION infraguard.watched_databases()
RETURNS TABLE (database_name name, database_oid oid, watched boolean, reason text)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
	setting text := infraguard_internal.setting('infraguard.databases');
	items text[];
	includes text[];
	excludes text[];
BEGIN
	SELECT coalesce(array_agg(btrim(x)) FILTER (WHERE btrim(x) <> ''), '{}') INTO items
	  FROM unnest(string_to_array(setting, ',')) x;
	SELECT coalesce(array_agg(i) FILTER (WHERE i NOT LIKE '!%' AND i NOT LIKE '-%' AND i <> '*'), '{}'),
		   coalesce(array_agg(substr(i, 2)) FILTER (WHERE i LIKE '!%' OR i LIKE '-%'), '{}')
	  INTO includes, excludes
	  FROM unnest(items) i;
	RETURN QUERY
	SELECT d.datname, d.oid,
		   w.reason IS NULL,
		   coalesce(w.reason, CASE WHEN d.datname = current_database()
								   THEN 'the extension''s database: read by the worker itself'
								   ELSE 'read by a collector each snapshot' END)
	  FROM pg_database d
	  CROSS JOIN LATERAL (
			SELECT CASE
				WHEN d.datistemplate THEN 'a template database'
				WHEN d.datname = current_database() THEN NULL
				WHEN setting = '' THEN 'infraguard.databases is empty: only the extension''s database is read'
				WHEN d.datname = ANY (excludes) THEN 'left out by infraguard.databases'
				WHEN cardinality(includes) > 0 AND NOT (d.datname = ANY (includes))
					THEN 'not listed in infraguard.databases'
				WHEN NOT d.datallowconn THEN 'does not accept connections (datallowconn = false)'
				WHEN d.datconnlimit = -2 THEN 'invalid (an interrupted DROP DATABASE)'
			END AS reason) w
	 ORDER BY d.datname;
END;
$$;
COMMENT ON FUNCTION infraguard.watched_databases() IS
	'Every database, whether the worker reads it (infraguard.databases) and why not';
REVOKE ALL ON FUNCTION infraguard.watched_databases() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION infraguard.watched_databases() TO pg_monitor;

/*
 * What a collector runs in its database: each query returns one row of one
 * text column (JSON), sent back under its kind.  Only pg_catalog is used
 * (the extension is not there).  Relations are not sized there, only
 * located: pg_relation_filepath() reads the catalog cache, with no lock
 * (a table locked ACCESS EXCLUSIVE does not stop the reading) and without
 * opening the relation.  The worker then sizes the files of the tables it
 * records, and only those (files_size()): sizing all 1,000 tables of a
 * database every cycle cost 200 ms of a 250 ms collection.  Tables: the
 * same rows as snapshot_cycle()'s table_history; indexes: index_history's;
 * dead_tuples: current_metrics()' worst table of at least 10,000 rows.
 */
CREATE OR REPLACE FUNCTION infraguard_internal.collector_queries()
RETURNS TABLE (kind text, query text)
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $q$
	VALUES
	('tables', $$
		SELECT coalesce(pg_catalog.json_agg(pg_catalog.json_build_object(
				   'relid', s.relid, 'schemaname', s.schemaname, 'relname', s.relname,
				   'table_files', (SELECT pg_catalog.array_agg(pg_catalog.pg_relation_filepath(x.oid))
									 FROM (SELECT c.oid
										   UNION ALL
										   SELECT c.reltoastrelid WHERE c.reltoastrelid <> 0
										   UNION ALL
										   SELECT i.indexrelid FROM pg_catalog.pg_index i
											WHERE c.reltoastrelid <> 0 AND i.indrelid = c.reltoastrelid) x),
				   'index_files', (SELECT pg_catalog.array_agg(pg_catalog.pg_relation_filepath(i.indexrelid))
									 FROM pg_catalog.pg_index i WHERE i.indrelid = c.oid),
				   'n_live_tup', s.n_live_tup, 'n_dead_tup', s.n_dead_tup, 'n_tup_ins', s.n_tup_ins,
				   'n_tup_upd', s.n_tup_upd, 'n_tup_del', s.n_tup_del, 'seq_scan', s.seq_scan, 'idx_scan', s.idx_scan,
				   'activity', s.n_tup_ins + s.n_tup_upd + s.n_tup_del + s.vacuum_count + s.autovacuum_count
							   + s.analyze_count + s.autoanalyze_count)), '[]')::text
		  FROM pg_catalog.pg_stat_user_tables s
		  JOIN pg_catalog.pg_class c ON c.oid = s.relid$$),
	('indexes', $$
		SELECT coalesce(pg_catalog.json_agg(pg_catalog.json_build_object(
				   'indexrelid', i.indexrelid, 'schemaname', i.schemaname, 'relname', i.relname,
				   'indexrelname', i.indexrelname, 'file', pg_catalog.pg_relation_filepath(i.indexrelid),
				   'idx_scan', i.idx_scan, 'idx_tup_read', i.idx_tup_read)), '[]')::text
		  FROM pg_catalog.pg_stat_user_indexes i$$),
	('dead_tuples', $$
		SELECT pg_catalog.row_to_json(w)::text
		  FROM (SELECT s.schemaname, s.relname, s.n_live_tup, s.n_dead_tup,
					   100.0 * s.n_dead_tup / (s.n_live_tup + s.n_dead_tup) AS pct,
					   coalesce((SELECT o.option_value::boolean
								   FROM pg_catalog.pg_class c, pg_catalog.pg_options_to_table(c.reloptions) o
								  WHERE c.oid = s.relid AND o.option_name = 'autovacuum_enabled'), true) AS table_autovacuum,
					   greatest(s.last_autovacuum, s.last_vacuum) AS vacuumed_at
				  FROM pg_catalog.pg_stat_user_tables s
				 WHERE s.n_live_tup + s.n_dead_tup >= 10000
				 ORDER BY pct DESC, s.n_dead_tup DESC
				 LIMIT 1) w$$)
$q$;
COMMENT ON FUNCTION infraguard_internal.collector_queries() IS
	'Internal: the queries the worker''s collectors run in the other databases, one JSON text row each';
REVOKE ALL ON FUNCTION infraguard_internal.collector_queries() FROM PUBLIC;

/*
 * Keep the findings the collectors just brought ({"db": {"kind": json}}),
 * and forget those of databases no longer watched.  A database skipped this
 * cycle keeps its last findings, which current_metrics() ignores once they
 * are older than three intervals.
 */
CREATE OR REPLACE FUNCTION infraguard_internal.store_database_findings(collected jsonb)
RETURNS integer
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	n integer;
BEGIN
	INSERT INTO infraguard.database_findings AS f (database_name, finding, data, collected_at)
	SELECT d.key, 'dead_tuples', d.value -> 'dead_tuples', now()
	  FROM jsonb_each(coalesce(collected, '{}')) d
	ON CONFLICT (database_name, finding) DO UPDATE
	   SET data = excluded.data, collected_at = excluded.collected_at;
	GET DIAGNOSTICS n = ROW_COUNT;
	DELETE FROM infraguard.database_findings f
	 WHERE NOT EXISTS (SELECT 1 FROM infraguard.watched_databases() w
						WHERE w.database_name = f.database_name AND w.watched
						  AND w.database_name <> current_database());
	RETURN n;
END;
$$;
COMMENT ON FUNCTION infraguard_internal.store_database_findings(jsonb) IS
	'Internal: keep the findings of the worker''s collectors for current_metrics()';
REVOKE ALL ON FUNCTION infraguard_internal.store_database_findings(jsonb) FROM PUBLIC;

/*
 * Bytes in the files at these paths (relative to the data directory, as
 * pg_relation_filepath() gives them): every fork and every segment, as
 * relation_size() and pg_relation_size() count them, with no lock and for
 * any database's relations.  A missing file is 0 (a relation dropped or
 * rewritten meanwhile: a reading of the file system, as relation_size()).
 */
CREATE OR REPLACE FUNCTION infraguard_internal.files_size(paths text[])
RETURNS bigint
LANGUAGE sql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
	WITH RECURSIVE files AS (
		SELECT p OPERATOR(pg_catalog.||) f.fork AS path
		  FROM unnest(paths) p, unnest(ARRAY['', '_fsm', '_vm', '_init']) f(fork)
		 WHERE p IS NOT NULL
	), segs (path, n, size) AS (
		SELECT path, 0, (pg_stat_file(path, true)).size FROM files
		UNION ALL
		SELECT path, n OPERATOR(pg_catalog.+) 1,
			   (pg_stat_file(path OPERATOR(pg_catalog.||) '.' OPERATOR(pg_catalog.||) (n OPERATOR(pg_catalog.+) 1), true)).size
		  FROM segs
		 WHERE size OPERATOR(pg_catalog.=) pg_size_bytes(current_setting('segment_size'))
	)
	SELECT coalesce(sum(size), 0)::bigint FROM segs
$$;
COMMENT ON FUNCTION infraguard_internal.files_size(text[]) IS
	'Internal: bytes of the relation files at these data-directory paths, every fork and segment, without a lock';
REVOKE ALL ON FUNCTION infraguard_internal.files_size(text[]) FROM PUBLIC;

/*
 * The other databases' tables and indexes into table_history and
 * index_history, by snapshot_cycle()'s rule: a table when its activity
 * moved, an index when it was scanned, and each once a day (at most
 * infraguard.relation_refresh_batch stale tables per database and cycle).
 * Errors are returned, not raised, so that the worker reports them as a
 * history failure while the alerts stay stored.  collect_ms, the time the
 * collectors took, and this function's time are added to the snapshot's
 * duration_ms, which then covers the whole cycle.
 */
CREATE OR REPLACE FUNCTION infraguard_internal.record_database_history(sid bigint, collected jsonb,
															  collect_ms float8,
															  OUT table_rows integer, OUT index_rows integer,
															  OUT error text)
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	now_ts timestamptz := now();
	started timestamptz := clock_timestamp();
	refresh_batch integer := infraguard_internal.setting('infraguard.relation_refresh_batch')::integer;
	d record;
	n integer;
BEGIN
	table_rows := 0;
	index_rows := 0;
	BEGIN
		FOR d IN SELECT key AS database_name, value AS data FROM jsonb_each(coalesce(collected, '{}')) LOOP
			WITH cur AS (
				SELECT t.*
				  FROM jsonb_to_recordset(coalesce(d.data -> 'tables', '[]')) AS t(
						relid oid, schemaname text, relname text, table_files text[], index_files text[],
						n_live_tup bigint, n_dead_tup bigint, n_tup_ins bigint,
						n_tup_upd bigint, n_tup_del bigint, seq_scan bigint, idx_scan bigint, activity bigint)
			), changed AS (
				/* sized here, for the tables recorded only */
				SELECT c.*, infraguard_internal.files_size(c.table_files) AS table_bytes,
					   infraguard_internal.files_size(c.index_files) AS index_bytes
				  FROM cur c
				  LEFT JOIN infraguard.database_table_state st
						 ON st.database_name = d.database_name AND st.relid = c.relid
				 WHERE st.relid IS NULL
					OR st.activity <> c.activity
					OR st.relid IN (SELECT st2.relid FROM infraguard.database_table_state st2
									 WHERE st2.database_name = d.database_name
									   AND st2.recorded_at < now_ts - interval '1 day'
									 ORDER BY st2.recorded_at LIMIT refresh_batch)
			), recorded AS (
				INSERT INTO infraguard.table_history
					   (taken_at, snapshot_id, relid, schema_name, table_name, total_bytes, table_bytes,
						index_bytes, live_tuples, dead_tuples, inserts, updates, deletes, seq_scans, idx_scans,
						database_name)
				SELECT now_ts, sid, c.relid, c.schemaname, c.relname, c.table_bytes + c.index_bytes, c.table_bytes,
					   c.index_bytes, c.n_live_tup, c.n_dead_tup, c.n_tup_ins, c.n_tup_upd, c.n_tup_del,
					   c.seq_scan, c.idx_scan, d.database_name
				  FROM changed c
				RETURNING 1
			), state AS (
				INSERT INTO infraguard.database_table_state AS st (database_name, relid, activity, recorded_at)
				SELECT d.database_name, c.relid, c.activity, now_ts FROM changed c
				ON CONFLICT (database_name, relid) DO UPDATE
				   SET activity = excluded.activity, recorded_at = excluded.recorded_at
				RETURNING 1
			), gone AS (
				DELETE FROM infraguard.database_table_state st
				 WHERE st.database_name = d.database_name
				   /* NOT IN: a hashed subplan, never a nested loop over two thousands */
				   AND st.relid NOT IN (SELECT c.relid FROM cur c)
				RETURNING 1
			)
			SELECT (SELECT count(*) FROM recorded)::integer + 0 * (SELECT count(*) FROM state)
				   + 0 * (SELECT count(*) FROM gone)
			  INTO n;
			table_rows := table_rows + n;

			WITH cur AS (
				SELECT i.*
				  FROM jsonb_to_recordset(coalesce(d.data -> 'indexes', '[]')) AS i(
						indexrelid oid, schemaname text, relname text, indexrelname text, file text,
						idx_scan bigint, idx_tup_read bigint)
			), changed AS (
				SELECT c.*, infraguard_internal.files_size(ARRAY[c.file]) AS size_bytes
				  FROM cur c
				  LEFT JOIN infraguard.database_index_state st
						 ON st.database_name = d.database_name AND st.indexrelid = c.indexrelid
				 WHERE st.indexrelid IS NULL
					OR st.scans <> c.idx_scan
					OR st.indexrelid IN (SELECT st2.indexrelid FROM infraguard.database_index_state st2
										  WHERE st2.database_name = d.database_name
											AND st2.recorded_at < now_ts - interval '1 day'
										  ORDER BY st2.recorded_at LIMIT 2 * refresh_batch)
			), recorded AS (
				INSERT INTO infraguard.index_history
					   (taken_at, snapshot_id, indexrelid, schema_name, table_name, index_name, size_bytes,
						scans, tuples_read, database_name)
				SELECT now_ts, sid, c.indexrelid, c.schemaname, c.relname, c.indexrelname, c.size_bytes,
					   c.idx_scan, c.idx_tup_read, d.database_name
				  FROM changed c
				RETURNING 1
			), state AS (
				INSERT INTO infraguard.database_index_state AS st (database_name, indexrelid, scans, recorded_at)
				SELECT d.database_name, c.indexrelid, c.idx_scan, now_ts FROM changed c
				ON CONFLICT (database_name, indexrelid) DO UPDATE
				   SET scans = excluded.scans, recorded_at = excluded.recorded_at
				RETURNING 1
			), gone AS (
				DELETE FROM infraguard.database_index_state st
				 WHERE st.database_name = d.database_name
				   AND st.indexrelid NOT IN (SELECT c.indexrelid FROM cur c)
				RETURNING 1
			)
			SELECT (SELECT count(*) FROM recorded)::integer + 0 * (SELECT count(*) FROM state)
				   + 0 * (SELECT count(*) FROM gone)
			  INTO n;
			index_rows := index_rows + n;

			/* the per-database reading, as a series Grafana can plot */
			INSERT INTO infraguard.metric_history (taken_at, snapshot_id, metric, value)
			SELECT now_ts, sid, 'dead_tuple_ratio:' || d.database_name, round((d.data -> 'dead_tuples' ->> 'pct')::numeric, 2)
			 WHERE jsonb_typeof(d.data -> 'dead_tuples') = 'object';
		END LOOP;

		/* forget the state of databases that are gone or no longer watched */
		DELETE FROM infraguard.database_table_state st
		 WHERE NOT EXISTS (SELECT 1 FROM infraguard.watched_databases() w
							WHERE w.database_name = st.database_name AND w.watched);
		DELETE FROM infraguard.database_index_state st
		 WHERE NOT EXISTS (SELECT 1 FROM infraguard.watched_databases() w
							WHERE w.database_name = st.database_name AND w.watched);
		/* the snapshot's duration covers the reading of the other databases too */
		UPDATE infraguard.snapshots s
		   SET duration_ms = coalesce(s.duration_ms, 0) + coalesce(collect_ms, 0)
							 + extract(epoch FROM clock_timestamp() - started) * 1000,
			   table_rows = coalesce(s.table_rows, 0) + record_database_history.table_rows,
			   index_rows = coalesce(s.index_rows, 0) + record_database_history.index_rows
		 WHERE s.snapshot_id = sid;
	EXCEPTION WHEN OTHERS THEN
		GET STACKED DIAGNOSTICS error = MESSAGE_TEXT;
		table_rows := 0;
		index_rows := 0;
	END;
END;
$$;
COMMENT ON FUNCTION infraguard_internal.record_database_history(bigint, jsonb, float8) IS
	'Internal: the other databases'' tables and indexes into the history, named by database; returns the error, if any';
REVOKE ALL ON FUNCTION infraguard_internal.record_database_history(bigint, jsonb, float8) FROM PUBLIC;
