/*
 * The history as the Grafana dashboard (grafana/infraguard-dashboard.json)
 * plots it: series that never draw data that is not there.
 */

/*
 * Every series of metric_history whose name is LIKE metric_like, in
 * since..until, on one time axis: the time of every snapshot in the window.
 *	- A snapshot without a row for a series gives NULL (a gap: the value was
 *	  not measured, e.g. replication_lag without standbys), or 0 with
 *	  absent_is_zero, for families where a missing row means zero (the worker
 *	  records only the connection states that have sessions).  A snapshot
 *	  row exists only when its history was written (one transaction), so a
 *	  0 is never invented for a failed snapshot.
 *	- Where two snapshots are more than two snapshot intervals apart (the
 *	  worker stopped, the server was down) a NULL row for every series
 *	  halfway between them, so that a line breaks there instead of joining
 *	  the two ends across time without data.  Halfway: grouped into buckets
 *	  of any width (Grafana's $__interval), the NULL row falls into a bucket
 *	  of its own whenever some bucket between the two has no data (with one
 *	  empty bucket between them, the midpoint is in it; with more, it is over
 *	  one bucket from either end), and max() of a bucket with data ignores
 *	  it.
 *	- levels_of: also the series 'warning level' and 'critical level', the
 *	  levels of that check in infraguard.thresholds now (none when disabled),
 *	  at every time where some series has a value, so that a threshold line
 *	  moves when set_threshold() moves it.
 *	- scale multiplies values and levels (e.g. 1048576 for MB to bytes).
 * Rows come ordered by time, then metric.
 */
CREATE OR REPLACE FUNCTION infraguard.metric_series(metric_like text, since timestamptz, until timestamptz,
													absent_is_zero boolean DEFAULT false,
													levels_of text DEFAULT NULL,
													scale float8 DEFAULT 1)
RETURNS TABLE ("time" timestamptz, metric text, value float8)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	step interval := infraguard_internal.setting('infraguard.snapshot_interval')::interval;
BEGIN
	IF metric_like IS NULL OR since IS NULL OR until IS NULL OR absent_is_zero IS NULL OR scale IS NULL THEN
		RAISE EXCEPTION 'metric_like, since, until, absent_is_zero and scale must not be NULL'
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'For example: SELECT * FROM infraguard.metric_series(''connections:%'', now() - interval ''1 hour'', now(), true);';
	END IF;
	IF until < since THEN
		RAISE EXCEPTION 'until (%) is before since (%)', until, since
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF scale = 'NaN' OR scale IN ('Infinity', '-Infinity') THEN
		RAISE EXCEPTION 'scale must be a finite number, not %', scale
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	RETURN QUERY
	WITH snaps AS (
		SELECT DISTINCT s.taken_at AS t
		  FROM infraguard.snapshots s
		 WHERE s.taken_at BETWEEN since AND until),
	/* the window's rows once (the (metric, taken_at) index), not a join with the whole table */
	vals AS MATERIALIZED (
		SELECT h.taken_at AS t, h.metric::text AS metric, h.value
		  FROM infraguard.metric_history h
		 WHERE h.metric LIKE metric_like AND h.taken_at BETWEEN since AND until),
	names AS (
		SELECT DISTINCT v.metric FROM vals v),
	points AS (
		SELECT s.t, n.metric,
			   coalesce(v.value, CASE WHEN absent_is_zero THEN 0 END) * scale AS v
		  FROM snaps s
		 CROSS JOIN names n
		  LEFT JOIN vals v ON v.t = s.t AND v.metric = n.metric),
	gaps AS (
		SELECT x.t + (x.next_t - x.t) / 2 AS t
		  FROM (SELECT s.t, lead(s.t) OVER (ORDER BY s.t) AS next_t FROM snaps s) x
		 WHERE x.next_t - x.t > 2 * step),
	levels AS (
		SELECT l.name, l.v * scale AS v
		  FROM infraguard.thresholds th
		 CROSS JOIN LATERAL (VALUES ('warning level', th.warning), ('critical level', th.critical)) l(name, v)
		 WHERE th.metric = levels_of AND th.enabled AND l.v IS NOT NULL)
	SELECT p.t, p.metric, p.v FROM points p
	UNION ALL
	SELECT g.t, n.metric, NULL::float8 FROM gaps g CROSS JOIN names n
	UNION ALL
	SELECT t.t, l.name, l.v
	  FROM (SELECT DISTINCT p.t FROM points p WHERE p.v IS NOT NULL) t
	 CROSS JOIN levels l
	ORDER BY 1, 2;
END;
$$;
COMMENT ON FUNCTION infraguard.metric_series(text, timestamptz, timestamptz, boolean, text, float8) IS
	'History series of the metrics LIKE a pattern on the snapshots'' time axis: NULL where not measured (or 0), NULL across gaps in the snapshots, optionally with the check''s threshold levels';
REVOKE ALL ON FUNCTION infraguard.metric_series(text, timestamptz, timestamptz, boolean, text, float8) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION infraguard.metric_series(text, timestamptz, timestamptz, boolean, text, float8) TO pg_monitor;
