
/*
 * 0.1 -> 0.2: data, after every function exists.
 */

/* a change to a threshold by anyone but our scripts is the DBA's */
CREATE TRIGGER thresholds_mark_customized
	BEFORE UPDATE ON infraguard.thresholds
	FOR EACH ROW EXECUTE FUNCTION infraguard.thresholds_mark_customized();
CREATE TRIGGER thresholds_replace_default
	BEFORE INSERT ON infraguard.thresholds
	FOR EACH ROW EXECUTE FUNCTION infraguard.thresholds_replace_default();

/*
 * What pg_dump keeps (see README, "Backup and restore").  Kept: the
 * thresholds the DBA changed or added, the backup registry and the alerts
 * (the record of incidents), with their sequences so that new rows after a
 * restore do not collide.  Not kept: history (snapshots, metric, latency,
 * table, index and statement history): it can be large, and it describes
 * the old server's statistics, which a restore resets anyway.
 */
SELECT pg_catalog.pg_extension_config_dump('infraguard.thresholds', 'WHERE customized');
SELECT pg_catalog.pg_extension_config_dump('infraguard.backup_registry', '');
SELECT pg_catalog.pg_extension_config_dump('infraguard.backup_registry_backup_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('infraguard.alerts', '');
SELECT pg_catalog.pg_extension_config_dump('infraguard.alerts_alert_id_seq', '');

/*
 * Default actions that say what to look at, with the query to run, instead
 * of 0.1's generic lines.  Only rows still holding 0.1's text: an action a
 * DBA wrote stays.  (Readings may carry advice of their own, which health()
 * shows instead: the table with autovacuum disabled, the paused standby.)
 */
UPDATE infraguard.thresholds t
   SET action = n.action
  FROM (VALUES
	('storage_used_percent', 'Plan storage expansion',
	 'See which file system fills and how fast: SELECT * FROM infraguard.disk_usage(); SELECT * FROM infraguard.capacity_forecast(); find what grows: SELECT * FROM infraguard.table_growth(''7 days''); and what can be given back: SELECT * FROM infraguard.maintenance_plan(); then free space or add storage before it is full'),
	('connection_count', 'Review connection pooling',
	 'See who holds the connections and in which state: SELECT * FROM infraguard.connections(); many idle ones mean the application''s pools are too large or a pooler (PgBouncer) is missing; idle in transaction ones hold locks and rows'),
	('query_time_p95', 'Query optimization required',
	 'Find the statements that take the time: SELECT * FROM infraguard.slow_queries(20, ''mean_time''); then run EXPLAIN (ANALYZE, BUFFERS) on the worst and check for missing indexes, stale statistics (ANALYZE) or lock waits (SELECT * FROM infraguard.blocking();)'),
	('replication_lag', 'Check replica health',
	 'See each standby''s state and lag: SELECT * FROM infraguard.replication(); on the standby, check whether replay is paused (SELECT pg_get_wal_replay_pause_state();) or held back by conflicts (SELECT * FROM pg_stat_database_conflicts;), and its disk and network'),
	('memory_percent', 'Scale up or optimize',
	 'Host memory (all processes, not only PostgreSQL) is short: check swap and what is available (SELECT * FROM infraguard.system_stats();), and whether shared_buffers plus work_mem times the active connections (SELECT * FROM infraguard.connections();) fits the RAM'),
	('cpu_percent', 'Scale horizontally',
	 'See what runs now: SELECT * FROM infraguard.long_running(''10 seconds''); and which statements cost the most over time: SELECT * FROM infraguard.slow_queries(20, ''total_time''); (CPU is host-wide: check other processes too)')
  ) AS n(metric, old_action, action)
 WHERE t.metric = n.metric AND t.action = n.old_action;

/*
 * lock_wait_seconds (issue 10): the longest current lock wait.  30 s is
 * longer than any lock wait a healthy OLTP request tolerates (its client
 * has usually timed out already) but survives a normal DDL or a batch
 * update holding a row for a few seconds; 300 s is a queue that has been
 * stuck for five minutes: an incident.  Same order as blocked_sessions'
 * levels: one slow wait is worth a look, a long one is worth a page.
 */
INSERT INTO infraguard.thresholds (metric, warning, critical, direction, action)
VALUES ('lock_wait_seconds', 30, 300, 'above',
		'Find the root blocker with infraguard.blocking() and end its transaction; infraguard.terminate_blockers(''30 seconds'') lists it (dry run) and ends it with dry_run => false')
ON CONFLICT (metric) DO NOTHING;
