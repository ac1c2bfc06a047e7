/*
 * Before/after comparison over history: did the change a DBA made (a new
 * index, a setting) help?
 */

/*
 * compare(before, after): one row per measurement, its value over each
 * range of history and the change.
 *  - 'latency': the interval percentiles the snapshots recorded
 *    (latency_p50/p95/p99_ms), averaged over the snapshots in each range;
 *  - 'rate': statements per second (averaged), and per database
 *    transactions per second (counter differences across the range);
 *  - 'size': each database's size at the end of each range;
 *  - 'health': every health metric with a threshold, averaged;
 *  - 'statement': the 10 statements with the most execution time over both
 *    ranges, by mean time per call in each (statement_history).
 * better says whether the change is an improvement: lower is better, except
 * for metrics whose threshold direction is 'below' (cache hit ratio) and
 * for rates and sizes (neither: more work or more data is not worse), where
 * it is NULL.
 */
CREATE OR REPLACE FUNCTION infraguard.compare(before tstzrange, after tstzrange)
RETURNS TABLE (section text, item text, unit text, before_value float8, after_value float8,
			   change float8, change_pct float8, better boolean)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
BEGIN
	IF before IS NULL OR after IS NULL OR isempty(before) OR isempty(after)
	   OR lower_inf(before) OR upper_inf(before) OR lower_inf(after) OR upper_inf(after) THEN
		RAISE EXCEPTION 'before and after must be non-empty, bounded time ranges'
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'For example: SELECT * FROM infraguard.compare(tstzrange(now() - interval ''2 days'', now() - interval ''1 day''), tstzrange(now() - interval ''1 day'', now()));';
	END IF;
	RETURN QUERY
	WITH avgs AS (
		SELECT h.metric,
			   avg(h.value) FILTER (WHERE before @> h.taken_at) AS b,
			   avg(h.value) FILTER (WHERE after @> h.taken_at) AS a
		  FROM infraguard.metric_history h
		 WHERE (before @> h.taken_at OR after @> h.taken_at)
		   AND (h.metric IN ('latency_p50_ms', 'latency_p95_ms', 'latency_p99_ms', 'statements_per_second')
				OR h.metric IN (SELECT t.metric FROM infraguard.thresholds t))
		 GROUP BY h.metric
	), sizes AS (
		SELECT substr(h.metric, length('database_size_bytes:') + 1) AS db,
			   (array_agg(h.value ORDER BY h.taken_at DESC) FILTER (WHERE before @> h.taken_at))[1] AS b,
			   (array_agg(h.value ORDER BY h.taken_at DESC) FILTER (WHERE after @> h.taken_at))[1] AS a
		  FROM infraguard.metric_history h
		 WHERE h.metric LIKE 'database\_size\_bytes:%' AND (before @> h.taken_at OR after @> h.taken_at)
		 GROUP BY 1
	), counters AS (
		SELECT h.metric, CASE WHEN before @> h.taken_at THEN 'b' ELSE 'a' END AS rng,
			   (array_agg(h.value ORDER BY h.taken_at DESC))[1] AS last_v,
			   (array_agg(h.value ORDER BY h.taken_at))[1] AS first_v,
			   max(h.taken_at) AS last_t, min(h.taken_at) AS first_t
		  FROM infraguard.metric_history h
		 WHERE (h.metric LIKE 'db\_xact\_commit:%' OR h.metric LIKE 'db\_xact\_rollback:%')
		   AND (before @> h.taken_at OR after @> h.taken_at)
		 GROUP BY 1, 2
	), tps AS (
		/* transactions per second: last minus first reading in each range, over its time */
		SELECT substr(c.metric, strpos(c.metric, ':') + 1) AS db, c.rng,
			   sum(c.last_v - c.first_v) / nullif(extract(epoch FROM max(c.last_t) - min(c.first_t)), 0) AS v
		  FROM counters c
		 GROUP BY 1, 2
		HAVING bool_and(c.last_v >= c.first_v)		-- a reset inside the range: no rate
	), stmts AS (
		SELECT s.queryid, s.dbid,
			   sum(s.total_exec_ms) FILTER (WHERE before @> s.taken_at) / nullif(sum(s.calls) FILTER (WHERE before @> s.taken_at), 0) AS b,
			   sum(s.total_exec_ms) FILTER (WHERE after @> s.taken_at) / nullif(sum(s.calls) FILTER (WHERE after @> s.taken_at), 0) AS a,
			   sum(s.total_exec_ms) AS total
		  FROM infraguard.statement_history s
		 WHERE before @> s.taken_at OR after @> s.taken_at
		 GROUP BY s.queryid, s.dbid
		 ORDER BY sum(s.total_exec_ms) DESC
		 LIMIT 10
	), rows AS (
		SELECT CASE WHEN v.metric LIKE 'latency\_%' THEN 'latency'
					WHEN v.metric = 'statements_per_second' THEN 'rate'
					ELSE 'health' END AS section,
			   v.metric AS item,
			   CASE WHEN v.metric LIKE 'latency\_%' THEN 'ms' WHEN v.metric = 'statements_per_second' THEN '/s'
					ELSE (SELECT t.direction FROM infraguard.thresholds t WHERE t.metric = v.metric) END AS unit_or_dir,
			   v.b, v.a, 0 AS ord
		  FROM avgs v
		UNION ALL
		SELECT 'rate', 'transactions_per_second:' || t.db, '/s',
			   max(t.v) FILTER (WHERE t.rng = 'b'), max(t.v) FILTER (WHERE t.rng = 'a'), 1
		  FROM tps t GROUP BY t.db
		UNION ALL
		SELECT 'size', 'database_size_bytes:' || z.db, 'bytes', z.b, z.a, 2 FROM sizes z
		UNION ALL
		SELECT 'statement',
			   coalesce((SELECT left(regexp_replace(tx.query, '\s+', ' ', 'g'), 80) FROM infraguard.statement_texts tx
						  WHERE tx.dbid = st.dbid AND tx.queryid = st.queryid), 'queryid ' || st.queryid),
			   'ms/call', st.b, st.a, 3
		  FROM stmts st
	)
	SELECT r.section, r.item,
		   CASE WHEN r.section <> 'health' THEN r.unit_or_dir END,
		   round(r.b::numeric, 3)::float8, round(r.a::numeric, 3)::float8,
		   round((r.a - r.b)::numeric, 3)::float8,
		   round((100 * (r.a - r.b) / nullif(abs(r.b), 0))::numeric, 1)::float8,
		   CASE WHEN r.a IS NULL OR r.b IS NULL OR r.a = r.b OR r.section IN ('rate', 'size') THEN NULL
				WHEN r.section = 'health' AND r.unit_or_dir = 'below' THEN r.a > r.b
				ELSE r.a < r.b END
	  FROM rows r
	 ORDER BY r.ord, CASE r.section WHEN 'latency' THEN 0 WHEN 'health' THEN 1 ELSE 2 END, r.item;
END;
$$;
COMMENT ON FUNCTION infraguard.compare(tstzrange, tstzrange) IS
	'History over two time ranges side by side: latency percentiles, rates, sizes, health metrics and the top statements, with the change and whether it is better';
REVOKE ALL ON FUNCTION infraguard.compare(tstzrange, tstzrange) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION infraguard.compare(tstzrange, tstzrange) TO pg_monitor;
