/*
 * Measurements SQL cannot make: latency histograms from the executor hooks,
 * file system capacity (statvfs) and the host's CPU and memory (/proc).
 */

/*
 * calls .. mean_ms: whole statements, the durations log_min_duration_statement
 * logs (parse, plan, execute, commit in autocommit); exec_*: execution only
 * (ExecutorRun + ExecutorFinish, or ProcessUtility), comparable with
 * pg_stat_statements' exec times.  0.1 had only the first nine columns,
 * measuring execution: the library keeps that symbol for a 0.1 catalog.
 */
CREATE OR REPLACE FUNCTION infraguard.latency(per_database boolean DEFAULT true)
RETURNS TABLE (dbname name, calls bigint, p50_ms float8, p90_ms float8,
			   p95_ms float8, p99_ms float8, max_ms float8, mean_ms float8,
			   since timestamptz,
			   exec_calls bigint, exec_p50_ms float8, exec_p90_ms float8,
			   exec_p95_ms float8, exec_p99_ms float8, exec_max_ms float8,
			   exec_mean_ms float8)
AS 'MODULE_PATHNAME', 'infraguard_latency_0_2'
LANGUAGE C CALLED ON NULL INPUT VOLATILE PARALLEL SAFE;
COMMENT ON FUNCTION infraguard.latency(boolean) IS
	'Response time percentiles of top-level statements as the server log times them (exec_*: execution only), since the last reset, per database or (false) for the server';
REVOKE ALL ON FUNCTION infraguard.latency(boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION infraguard.latency(boolean) TO pg_monitor;

CREATE OR REPLACE FUNCTION infraguard.latency_histogram(per_database boolean DEFAULT false)
RETURNS TABLE (dbname name, buckets integer[], counts bigint[],
			   sum_ms float8, max_ms float8, since timestamptz)
AS 'MODULE_PATHNAME', 'infraguard_latency_histogram'
LANGUAGE C CALLED ON NULL INPUT VOLATILE PARALLEL SAFE;
COMMENT ON FUNCTION infraguard.latency_histogram(boolean) IS
	'Raw cumulative bucket counts of whole-statement latency (non-empty buckets only); see latency_buckets() for the bounds';
REVOKE ALL ON FUNCTION infraguard.latency_histogram(boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION infraguard.latency_histogram(boolean) TO pg_monitor;

CREATE OR REPLACE FUNCTION infraguard.latency_buckets()
RETURNS TABLE (bucket integer, lower_ms float8, upper_ms float8)
AS 'MODULE_PATHNAME', 'infraguard_latency_buckets'
LANGUAGE C STRICT IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION infraguard.latency_buckets() IS
	'Bounds of each latency histogram bucket (upper bound exclusive; NULL for the overflow bucket)';
REVOKE ALL ON FUNCTION infraguard.latency_buckets() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION infraguard.latency_buckets() TO pg_monitor;

-- acting on shared state: the extension owner (a superuser) only
CREATE OR REPLACE FUNCTION infraguard.latency_reset()
RETURNS void
AS 'MODULE_PATHNAME', 'infraguard_latency_reset'
LANGUAGE C STRICT VOLATILE PARALLEL SAFE;
COMMENT ON FUNCTION infraguard.latency_reset() IS
	'Forget all latency counts, server-wide';
REVOKE ALL ON FUNCTION infraguard.latency_reset() FROM PUBLIC;

CREATE OR REPLACE FUNCTION infraguard.disk_usage()
RETURNS TABLE (kind text, name text, path text,
			   total_bytes bigint, used_bytes bigint, free_bytes bigint,
			   used_pct float8, total_size text, used_size text, free_size text)
AS 'MODULE_PATHNAME', 'infraguard_disk_usage'
LANGUAGE C STRICT VOLATILE PARALLEL SAFE;
COMMENT ON FUNCTION infraguard.disk_usage() IS
	'Capacity of the file systems holding the data directory, pg_wal and each tablespace, as df computes it';
REVOKE ALL ON FUNCTION infraguard.disk_usage() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION infraguard.disk_usage() TO pg_monitor;

CREATE OR REPLACE FUNCTION infraguard.system_stats()
RETURNS TABLE (cpu_count integer, load1 float8, load5 float8, load15 float8,
			   cpu_pct float8, cpu_interval_seconds float8,
			   mem_total_bytes bigint, mem_available_bytes bigint, mem_used_pct float8,
			   swap_total_bytes bigint, swap_used_bytes bigint,
			   mem_total_size text, mem_available_size text)
AS 'MODULE_PATHNAME', 'infraguard_system_stats'
LANGUAGE C STRICT VOLATILE PARALLEL RESTRICTED;
COMMENT ON FUNCTION infraguard.system_stats() IS
	'Host CPU (busy % since the previous reading), load averages and memory, from /proc';
REVOKE ALL ON FUNCTION infraguard.system_stats() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION infraguard.system_stats() TO pg_monitor;

/*
 * Percentiles of a cumulative histogram, or of the interval between two
 * readings of it (a reading that went backwards, after a reset or restart,
 * is taken whole: reset = true).
 */
CREATE OR REPLACE FUNCTION infraguard.histogram_stats(buckets integer[], counts bigint[], max_ms float8,
										   older_buckets integer[] DEFAULT NULL,
										   older_counts bigint[] DEFAULT NULL,
										   OUT calls bigint, OUT p50_ms float8, OUT p90_ms float8,
										   OUT p95_ms float8, OUT p99_ms float8, OUT reset boolean)
AS 'MODULE_PATHNAME', 'infraguard_histogram_stats'
LANGUAGE C CALLED ON NULL INPUT IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION infraguard.histogram_stats(integer[], bigint[], float8, integer[], bigint[]) IS
	'Percentiles of a latency histogram reading, or of the difference between two readings';
REVOKE ALL ON FUNCTION infraguard.histogram_stats(integer[], bigint[], float8, integer[], bigint[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION infraguard.histogram_stats(integer[], bigint[], float8, integer[], bigint[]) TO pg_monitor;
