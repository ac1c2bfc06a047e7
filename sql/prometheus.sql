--
-- What prometheus/queries.yaml exports: the latency histogram in Prometheus'
-- shape, and health() in base units.
--

-- the bounds: one per octave, 2^13 to 2^42 ns in seconds, each the exact
-- lower edge of a histogram bucket (so no count is on the wrong side of it)
SELECT cardinality(p.le) AS bounds,
	   p.le[1] AS first_le, p.le[cardinality(p.le)] AS last_le,
	   (SELECT bool_and(p.le[i + 1] = 2 * p.le[i]) FROM generate_series(1, cardinality(p.le) - 1) i) AS octaves,
	   (SELECT bool_and(EXISTS (SELECT 1 FROM infraguard.latency_buckets() b
								 WHERE (b.lower_ms::numeric / 1000)::float8 = x))
		  FROM unnest(p.le) x) AS all_bucket_edges,
	   cardinality(p.buckets) = cardinality(p.le) AS one_count_per_bound
  FROM infraguard.latency_prometheus_histogram() p
 WHERE p.dbname = current_database();
SELECT 2^13 / 1e9 AS first_expected, 2^42 / 1e9 AS last_expected;

-- statements of this database, some slow enough for the upper octaves
SELECT pg_sleep(0.002);
SELECT pg_sleep(0.02);
SELECT count(*) > 0 AS ok FROM pg_class;

-- cumulative and consistent with latency() (read in the same statement: this
-- suite runs alone, and a statement is counted when it ends)
SELECT p.count > 3 AS counted,
	   (SELECT bool_and(p.buckets[i] <= p.buckets[i + 1]) FROM generate_series(1, cardinality(p.buckets) - 1) i) AS cumulative,
	   p.buckets[cardinality(p.buckets)] <= p.count AS below_inf,
	   p.count = l.calls AS count_is_calls,
	   abs(p.sum_seconds * 1000 / p.count - l.mean_ms) < 0.001 * l.mean_ms AS mean_agrees,
	   p.since = l.since AS same_period,
	   -- 20 ms lies in [2^24, 2^25) ns: counted below 2^25 ns and above it at most count - 1 times
	   p.buckets[1 + 25 - 13] >= 1 AS slow_ones_counted
  FROM infraguard.latency_prometheus_histogram() p
  JOIN infraguard.latency(true) l ON l.dbname = p.dbname
 WHERE p.dbname = current_database();

-- the quantile Prometheus would compute lies in the same octave as latency()'s
SELECT bool_and(lo <= l.p50_ms / 1000 AND l.p50_ms / 1000 <= hi * 1.016) AS p50_same_octave
  FROM infraguard.latency_prometheus_histogram() p
  JOIN infraguard.latency(true) l ON l.dbname = p.dbname
 CROSS JOIN LATERAL (
	SELECT coalesce(p.le[i - 1], 0) AS lo, p.le[i] AS hi
	  FROM generate_series(1, cardinality(p.le)) i
	 WHERE p.buckets[i] >= 0.5 * p.count
	 ORDER BY i LIMIT 1) b
 WHERE p.dbname = current_database();

-- a database nothing ran in has zeros, not no series
CREATE DATABASE ig_prometheus_empty;
SELECT p.count, p.sum_seconds, (SELECT max(x) FROM unnest(p.buckets) x) AS max_bucket,
	   cardinality(p.le) AS bounds
  FROM infraguard.latency_prometheus_histogram() p
 WHERE p.dbname = 'ig_prometheus_empty';
DROP DATABASE ig_prometheus_empty;

-- health in base units: every unit of health() is mapped
SELECT count(*) AS checks, count(*) FILTER (WHERE dimension IS NULL) AS unmapped
  FROM infraguard.health_base_units();
SELECT unit, dimension, base_unit, count(*) AS checks
  FROM infraguard.health_base_units()
 GROUP BY 1, 2, 3 ORDER BY 1;
-- the default levels, converted
SELECT check_name, unit, warning, critical, base_unit
  FROM infraguard.health_base_units()
 WHERE check_name IN ('cache_hit_ratio', 'query_time_p95', 'last_backup_age',
					  'inactive_slot_retained_wal', 'blocked_sessions', 'replication_lag')
 ORDER BY 1;
-- status codes match health() (the host's CPU and memory may change between the two calls)
SELECT bool_and(b.status_code = CASE h.status WHEN 'ok' THEN 0 WHEN 'warning' THEN 1
									  WHEN 'critical' THEN 2 ELSE -1 END) AS status_codes
  FROM infraguard.health_base_units() b JOIN infraguard.health() h USING (check_name)
 WHERE check_name NOT IN ('cpu_percent', 'memory_percent');
