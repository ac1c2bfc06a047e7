
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
 * with their events (the record of incidents), with their sequences so that new rows after a
 * restore do not collide.  Not kept: history (snapshots, metric, latency,
 * table, index and statement history): it can be large, and it describes
 * the old server's statistics, which a restore resets anyway.
 */
SELECT pg_catalog.pg_extension_config_dump('infraguard.thresholds', 'WHERE customized');
SELECT pg_catalog.pg_extension_config_dump('infraguard.backup_registry', '');
SELECT pg_catalog.pg_extension_config_dump('infraguard.backup_registry_backup_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('infraguard.alerts', '');
SELECT pg_catalog.pg_extension_config_dump('infraguard.alerts_alert_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('infraguard.alert_events', '');

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

/*
 * Alert rules: each metric's hold, clear margin and clear hold.  Why each
 * value is what it is: docs/notes-alerts.md (README "Alert model").  In
 * short: pgMonitor's 60 s "for:" for levels that can spike (its disk rule
 * uses 2 min, its load rule 10 min); no hold for metrics that are
 * themselves durations (a query's age reaching 300 s has held for 300 s);
 * margins a little wider than a metric's normal snapshot-to-snapshot swing.
 */
UPDATE infraguard.thresholds t
   SET hold = d.hold, clear_margin = d.clear_margin, clear_hold = d.clear_hold
  FROM (VALUES
		('storage_used_percent',       interval '2 minutes',  2,    interval '10 minutes'),
		('connection_count',           interval '1 minute',   5,    interval '5 minutes'),
		('query_time_p95',             interval '5 minutes',  100,  interval '5 minutes'),
		('replication_lag',            interval '1 minute',   10,   interval '2 minutes'),
		('memory_percent',             interval '1 minute',   5,    interval '5 minutes'),
		('cpu_percent',                interval '5 minutes',  10,   interval '5 minutes'),
		('xid_wraparound',             interval '1 minute',   1,    interval '1 minute'),
		('cache_hit_ratio',            interval '10 minutes', 0.5,  interval '10 minutes'),
		('dead_tuple_ratio',           interval '30 minutes', 5,    interval '10 minutes'),
		('long_running_query',         interval '0',          30,   interval '1 minute'),
		('idle_in_transaction',        interval '0',          10,   interval '1 minute'),
		-- a duration itself (30 s of waiting has held for 30 s); a minute
		-- clear of the level before resolving, as the queue often re-forms
		('lock_wait_seconds',          interval '0',          10,   interval '1 minute'),
		('blocked_sessions',           interval '1 minute',   1,    interval '2 minutes'),
		('inactive_slot_retained_wal', interval '5 minutes',  100,  interval '5 minutes'),
		('table_bloat',                interval '30 minutes', 5,    interval '1 hour'),
		('archive_failures',           interval '5 minutes',  0,    interval '5 minutes'),
		('last_archive_age',           interval '0',          0,    interval '0'),
		('last_backup_age',            interval '0',          0,    interval '0')
	   ) d(metric, hold, clear_margin, clear_hold)
 WHERE t.metric = d.metric;

/*
 * xmin_horizon_age (issue 15): how many transaction ids old the oldest
 * holder of the xmin horizon is (vacuum_blockers()).  10 million: far
 * beyond any healthy transaction (a busy server at 1,000 xids/s gets there
 * in under 3 hours), and dead rows pile up meanwhile; 50 million is
 * vacuum_freeze_min_age's default: from there VACUUM cannot freeze what it
 * would, and the table ages towards the forced anti-wraparound vacuum.  No
 * hold: the age is itself a duration.
 */
INSERT INTO infraguard.thresholds (metric, warning, critical, direction, action, hold, clear_margin, clear_hold)
VALUES ('xmin_horizon_age', 10000000, 50000000, 'above',
		'See what holds the horizon, oldest first, with the statement that removes each: SELECT * FROM infraguard.vacuum_blockers();',
		interval '0', 1000000, interval '5 minutes')
ON CONFLICT (metric) DO NOTHING;

/*
 * Server log events (issue 15), per hour, from the log hook.  deadlocks:
 * every deadlock is an application bug (two transactions taking locks in
 * opposite orders), and one rolled back a transaction: the first is worth a
 * look; ten an hour is a pattern hurting users.  auth_failures: a person
 * mistyping a password a few times, or a client retrying with a stale one,
 * stays under 10 an hour; 100 an hour is a password-guessing attempt or a
 * broken deployment hammering the server.  Held for no time (the count is
 * already over an hour), cleared after the hour's window has moved on.
 */
INSERT INTO infraguard.thresholds (metric, warning, critical, direction, action, hold, clear_margin, clear_hold)
VALUES ('deadlocks', 1, 10, 'above',
		'See the lock cycles: SELECT logged_at, dbname, username, excerpt FROM infraguard.log_events(now() - interval ''1 hour'') WHERE kind = ''deadlock''; the server log has their statements; make the transactions take their row and table locks in one order (or retry on SQLSTATE 40P01)',
		interval '0', 1, interval '10 minutes'),
	   ('auth_failures', 10, 100, 'above',
		'See who fails from where: SELECT * FROM infraguard.auth_failures(now() - interval ''1 hour''); many from one address is password guessing: block it in pg_hba.conf or the firewall; a known application failing has a stale password',
		interval '0', 5, interval '10 minutes')
ON CONFLICT (metric) DO NOTHING;
