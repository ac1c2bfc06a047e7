/*
 * What prometheus/queries.yaml exports, shaped the way Prometheus wants it:
 * latency as a classic histogram (cumulative buckets, sum, count: counters
 * since the counting period began), and health check values in base units,
 * one metric per dimension.
 */

/*
 * Buckets: one "le" per octave of the 961-bucket histogram
 * (src/core/ig_histogram.h), the lower bound of every 32nd bucket of the log
 * region: 2^13 ns (8.192 us) to 2^42 ns (73.3 min, where the overflow bucket
 * starts), 30 bounds.  Each is an exact bucket edge, so every cumulative
 * count is exact (no observation is put on the wrong side of an "le"); the
 * error is histogram_quantile()'s interpolation inside one octave: its
 * estimate and the true quantile lie in the same [2^k, 2^(k+1)) bucket, so
 * the estimate is at most 100 % above or 50 % below the truth.  A
 * statement of 73.3 min or more is counted in +Inf only.
 *
 * One row per database that has a name and allows connections (zeros for a
 * database nothing ran in: zero is the truth there), plus any other database
 * with counts (template1, say).  Counts of a dropped database are left out.
 * count is the sum of the buckets read once, so it equals le = +Inf;
 * max_seconds is the longest statement (NULL when there was none).
 */
CREATE OR REPLACE FUNCTION infraguard.latency_prometheus_histogram()
RETURNS TABLE (dbname name, le float8[], buckets bigint[], sum_seconds float8,
			   count bigint, max_seconds float8, since timestamptz)
LANGUAGE sql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
	WITH h AS MATERIALIZED (
		SELECT h.dbname, h.buckets AS b, h.counts AS c, h.sum_ms, h.max_ms, h.since
		  FROM infraguard.latency_histogram(true) h
		 WHERE h.dbname IS NOT NULL),
	edges AS (
		/* the octave edges, from the layout itself */
		SELECT b.bucket, b.lower_ms
		  FROM infraguard.latency_buckets() b
		 WHERE b.bucket % 32 = 0 AND b.bucket >= 32),
	dbs AS (
		SELECT d.datname AS dbname FROM pg_database d WHERE d.datallowconn AND NOT d.datistemplate
		UNION
		SELECT h.dbname FROM h),
	period AS (
		SELECT coalesce((SELECT max(l.since) FROM infraguard.latency(false) l),
						(SELECT max(h.since) FROM h),
						pg_postmaster_start_time()) AS since)
	SELECT d.dbname,
		   (SELECT array_agg((e.lower_ms::numeric / 1000)::float8 ORDER BY e.bucket) FROM edges e),
		   (SELECT array_agg((SELECT coalesce(sum(u.c), 0)
								FROM unnest(h.b, h.c) AS u(b, c)
							   WHERE u.b < e.bucket)::bigint ORDER BY e.bucket)
			  FROM edges e),
		   coalesce(h.sum_ms / 1000, 0),
		   coalesce((SELECT sum(u.c) FROM unnest(h.c) AS u(c)), 0)::bigint,
		   h.max_ms / 1000,
		   coalesce(h.since, p.since)
	  FROM dbs d
	  LEFT JOIN h ON h.dbname = d.dbname
	 CROSS JOIN period p
	 ORDER BY d.dbname
$$;
COMMENT ON FUNCTION infraguard.latency_prometheus_histogram() IS
	'Whole-statement latency per database as a Prometheus histogram: cumulative counts at one bound per octave (seconds), sum and count since the counting period began';
REVOKE ALL ON FUNCTION infraguard.latency_prometheus_histogram() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION infraguard.latency_prometheus_histogram() TO pg_monitor;

/*
 * health() in base units: each unit maps to a dimension and a factor, so
 * that Prometheus gets one metric per dimension (seconds, bytes, ratio,
 * plain count) instead of one metric whose unit depends on a label.  A unit
 * not in this list (a check added without updating it) gets dimension and
 * values NULL: queries.yaml then exports its status but no value, and
 * sql/prometheus.sql fails until the unit is mapped.
 */
CREATE OR REPLACE FUNCTION infraguard.health_base_units()
RETURNS TABLE (check_name text, status_code integer, dimension text, base_unit text,
			   value float8, warning float8, critical float8, unit text)
LANGUAGE sql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT h.check_name,
		   CASE h.status WHEN 'ok' THEN 0 WHEN 'warning' THEN 1 WHEN 'critical' THEN 2 ELSE -1 END,
		   u.dimension, u.base_unit,
		   /* in numeric: 95 % is 0.95, not 0.9500000000000001 */
		   (h.value::numeric * u.factor)::float8, (h.warning::numeric * u.factor)::float8,
		   (h.critical::numeric * u.factor)::float8, h.unit
	  FROM infraguard.health() h
	  LEFT JOIN (VALUES ('%', 'share', 'ratio', 0.01::numeric),
						('s', 'time', 'seconds', 1),
						('ms', 'time', 'seconds', 0.001),
						('h', 'time', 'seconds', 3600),
						('MB', 'size', 'bytes', 1048576),
						('sessions', 'count', '', 1),
						('failing', 'count', '', 1),
						/* issue 15: transaction ids; events logged in the last hour (a count over that window) */
						('xids', 'count', '', 1),
						('per hour', 'count', '', 1),

						/* issue 13 */
						('evictions', 'count', '', 1),
						('deadlocks', 'count', '', 1)) AS u(unit, dimension, base_unit, factor)
		ON u.unit = h.unit
$$;
COMMENT ON FUNCTION infraguard.health_base_units() IS
	'health() with values and levels in base units (seconds, bytes, 0-1 ratios, counts) and a numeric status, for Prometheus';
REVOKE ALL ON FUNCTION infraguard.health_base_units() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION infraguard.health_base_units() TO pg_monitor;
