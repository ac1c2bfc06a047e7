--
-- disk_usage(), system_stats(), and the latency functions' shape.
-- (Latency accuracy and counting are tested in test/t/003_latency.pl.)
--

-- the data directory and pg_wal, with df's arithmetic
SELECT kind, name, path IS NOT NULL AS path_shown,
	   used_bytes + free_bytes <= total_bytes AS reserved_counted_as_used,
	   used_pct BETWEEN 0 AND 100 AS pct_ok,
	   used_pct = ceil(100.0 * used_bytes / (used_bytes + free_bytes)) AS df_rounding,
	   total_size = pg_size_pretty(total_bytes) AS pretty
  FROM infraguard.disk_usage() ORDER BY kind;
SELECT path = current_setting('data_directory') AS data_path_ok
  FROM infraguard.disk_usage() WHERE kind = 'data';

-- a tablespace gets its own row
SET allow_in_place_tablespaces = on;
CREATE TABLESPACE ig_space LOCATION '';
SELECT kind, name, total_bytes > 0 AS measured FROM infraguard.disk_usage() WHERE kind = 'tablespace';
DROP TABLESPACE ig_space;
SELECT count(*) FROM infraguard.disk_usage() WHERE kind = 'tablespace';

-- storage_used_percent is the fullest file system
SELECT h.value = (SELECT max(used_pct) FROM infraguard.disk_usage()) AS worst_fs
  FROM infraguard.health() h WHERE check_name = 'storage_used_percent';

-- the host, as /proc describes it
SELECT cpu_count > 0 AS cpus,
	   load1 >= 0 AND load5 >= 0 AND load15 >= 0 AS loads,
	   cpu_pct BETWEEN 0 AND 100 AS cpu_ok,
	   cpu_interval_seconds > 0 AS interval_ok,
	   mem_total_bytes > 0 AND mem_available_bytes <= mem_total_bytes AS mem_ok,
	   mem_used_pct = round((100.0 * (mem_total_bytes - mem_available_bytes) / mem_total_bytes)::numeric, 2)
		   OR abs(mem_used_pct - 100.0 * (mem_total_bytes - mem_available_bytes) / mem_total_bytes) < 0.01 AS pct_ok,
	   swap_used_bytes <= swap_total_bytes AS swap_ok
  FROM infraguard.system_stats();
-- a second reading within a second reuses the last interval instead of a noisy one
SELECT (SELECT cpu_interval_seconds FROM infraguard.system_stats()) > 0 AS reused;
SELECT check_name, status IN ('ok', 'warning', 'critical') AS measured, unit
  FROM infraguard.health()
 WHERE check_name IN ('cpu_percent', 'memory_percent', 'storage_used_percent', 'query_time_p95')
 ORDER BY check_name;

-- the bucket layout: contiguous, from 0 to the overflow bucket
SELECT count(*) AS buckets, min(lower_ms) AS first_lower,
	   count(*) FILTER (WHERE upper_ms IS NULL) AS overflow_buckets
  FROM infraguard.latency_buckets();
SELECT count(*) AS gaps
  FROM (SELECT upper_ms, lead(lower_ms) OVER (ORDER BY bucket) AS next_lower
		  FROM infraguard.latency_buckets()) b
 WHERE next_lower IS NOT NULL AND upper_ms <> next_lower;
-- from 8.192 us up buckets are at most 1/32 of their lower bound wide: the 2% bound
SELECT max((upper_ms - lower_ms) / lower_ms) <= 1.0 / 32 + 1e-12 AS narrow
  FROM infraguard.latency_buckets() WHERE lower_ms >= 0.008192 AND upper_ms IS NOT NULL;
SELECT max(lower_ms) / 3600000 >= 1 AS covers_an_hour
  FROM infraguard.latency_buckets();

-- latency readings are consistent with themselves
SELECT calls > 0 AS counted, p50_ms <= p90_ms AND p90_ms <= p95_ms AND p95_ms <= p99_ms
	   AND p99_ms <= max_ms AS ordered, since <= now() AS since_ok
  FROM infraguard.latency(false);
SELECT (SELECT calls FROM infraguard.latency(false))
		= (SELECT sum(c) FROM infraguard.latency_histogram() h, unnest(h.counts) c) AS counts_add_up,
	   (SELECT bool_and(cardinality(buckets) = cardinality(counts)) FROM infraguard.latency_histogram()) AS same_length;
SELECT count(*) AS per_database FROM infraguard.latency() WHERE dbname = current_database();

-- reset
SELECT infraguard.latency_reset();
SELECT count(*) AS rows_after_reset, coalesce(sum(calls), 0) <= 1 AS at_most_this_statement
  FROM infraguard.latency();

-- latency percentiles of an interval are the difference of two readings
SELECT bucket AS b10 FROM infraguard.latency_buckets() WHERE 10 >= lower_ms AND 10 < upper_ms \gset
SELECT bucket AS b200 FROM infraguard.latency_buckets() WHERE 200 >= lower_ms AND 200 < upper_ms \gset
SELECT calls, round(p50_ms::numeric, 1) AS p50, round(p99_ms::numeric, 0) AS p99, reset
  FROM infraguard.histogram_stats(ARRAY[:b10, :b200], ARRAY[95, 5]::bigint[], 200);
SELECT calls, round(p50_ms::numeric, 0) AS p50, reset
  FROM infraguard.histogram_stats(ARRAY[:b10, :b200], ARRAY[95, 105]::bigint[], 200,
								  ARRAY[:b10, :b200], ARRAY[95, 5]::bigint[]);
-- counters that went backwards: the newer reading is taken whole
SELECT calls, reset
  FROM infraguard.histogram_stats(ARRAY[:b10], ARRAY[3]::bigint[], 10,
								  ARRAY[:b10], ARRAY[90]::bigint[]);
SELECT calls, p50_ms IS NULL AS no_percentile
  FROM infraguard.histogram_stats('{}'::int[], '{}'::bigint[], 0);
