/*
 * Thresholds and their classification.
 */

CREATE FUNCTION infraguard.version()
RETURNS text
AS 'MODULE_PATHNAME', 'infraguard_version'
LANGUAGE C STRICT IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION infraguard.version() IS
	'Version of the loaded infraguard library';
REVOKE ALL ON FUNCTION infraguard.version() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION infraguard.version() TO pg_monitor;

CREATE FUNCTION infraguard.classify(value float8, warning float8,
									critical float8, direction text)
RETURNS text
AS 'MODULE_PATHNAME', 'infraguard_classify'
LANGUAGE C CALLED ON NULL INPUT IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION infraguard.classify(float8, float8, float8, text) IS
	'Status (ok, warning, critical, unknown) of a value against thresholds; reaching a threshold crosses it';
REVOKE ALL ON FUNCTION infraguard.classify(float8, float8, float8, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION infraguard.classify(float8, float8, float8, text) TO pg_monitor;

CREATE FUNCTION infraguard.thresholds_valid(warning float8, critical float8,
											direction text)
RETURNS boolean
AS 'MODULE_PATHNAME', 'infraguard_thresholds_valid'
LANGUAGE C CALLED ON NULL INPUT IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION infraguard.thresholds_valid(float8, float8, text) IS
	'True when warning is on the right side of critical for the direction';
REVOKE ALL ON FUNCTION infraguard.thresholds_valid(float8, float8, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION infraguard.thresholds_valid(float8, float8, text) TO pg_monitor;

CREATE TABLE infraguard.thresholds (
	metric		text PRIMARY KEY,
	warning		float8,
	critical	float8,
	direction	text NOT NULL CHECK (direction IN ('above', 'below')),
	enabled		boolean NOT NULL DEFAULT true,
	action		text,
	CONSTRAINT thresholds_order
		CHECK (infraguard.thresholds_valid(warning, critical, direction))
);
COMMENT ON TABLE infraguard.thresholds IS
	'Warning and critical levels of each health check; NULL disables a level';
REVOKE ALL ON TABLE infraguard.thresholds FROM PUBLIC;
GRANT SELECT ON TABLE infraguard.thresholds TO pg_monitor;

/*
 * Defaults.  The first six are the product's documented capacity levels; the
 * README explains the others.
 */
INSERT INTO infraguard.thresholds (metric, warning, critical, direction, action) VALUES
	('storage_used_percent', 70, 85, 'above', 'Plan storage expansion'),
	('connection_count', 80, 95, 'above', 'Review connection pooling'),
	('query_time_p95', 1000, 5000, 'above', 'Query optimization required'),
	('replication_lag', 30, 300, 'above', 'Check replica health'),
	('memory_percent', 80, 95, 'above', 'Scale up or optimize'),
	('cpu_percent', 70, 90, 'above', 'Scale horizontally'),
	('xid_wraparound', 50, 75, 'above',
	 'VACUUM (FREEZE) the oldest tables; end long transactions and drop stale replication slots or prepared transactions that hold back the xmin horizon'),
	('cache_hit_ratio', 95, 90, 'below',
	 'Working set exceeds shared_buffers: raise shared_buffers or find the queries reading from disk'),
	('dead_tuple_ratio', 20, 50, 'above',
	 'VACUUM the table and make autovacuum more aggressive for it (autovacuum_vacuum_scale_factor)'),
	('long_running_query', 300, 1800, 'above',
	 'Review the query; cancel it with pg_cancel_backend(pid) if it is runaway'),
	('idle_in_transaction', 60, 600, 'above',
	 'Fix the application''s transaction handling; set idle_in_transaction_session_timeout'),
	('blocked_sessions', 3, 10, 'above',
	 'Find the head of the wait chain with infraguard.blocking() and end its transaction'),
	('inactive_slot_retained_wal', 1024, 10240, 'above',
	 'Bring the slot''s consumer back, or drop the slot with pg_drop_replication_slot() before pg_wal fills the disk'),
	('table_bloat', 50, 80, 'above',
	 'Rewrite the table (pg_repack, or VACUUM FULL in a maintenance window) and tune autovacuum for it'),
	('archive_failures', 1, 1, 'above',
	 'Fix archive_command (see the server log): WAL piles up in pg_wal until it succeeds'),
	('last_archive_age', 3600, 21600, 'above',
	 'Check that archive_command succeeds and that WAL is being switched (archive_timeout)'),
	('last_backup_age', 26, 50, 'above',
	 'Check the backup job: the last recorded backup is too old');
