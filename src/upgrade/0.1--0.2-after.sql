
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
 * sequence_exhaustion (issue 13): the sequence, or the column it feeds,
 * nearest to its limit.  pgMonitor alerts at 75 %; check_postgres goes
 * critical on an int4 serial at 2,147,000,000 (99.98 %), far too late to
 * rewrite a large table calmly: 90 % leaves a tenth of the range, months on
 * most tables, for the ALTER TABLE.  No hold (the value only grows, and by
 * little per cycle), a 1-point margin so a restart or a widening resolves it.
 */
INSERT INTO infraguard.thresholds (metric, warning, critical, direction, action, hold, clear_margin, clear_hold)
VALUES ('sequence_exhaustion', 75, 90, 'above',
		'Widen the sequence or the column it feeds to bigint before inserts fail: SELECT * FROM infraguard.sequences(); runs nothing, its fix column is the statement',
		interval '0', 1, interval '0')
ON CONFLICT (metric) DO NOTHING;

/*
 * statements_evicted (issue 13): pg_stat_statements evictions in the
 * interval.  One is already lost statistics (a warning); each deallocation
 * evicts 5 % of the entries, so 20 in one interval have turned the whole
 * table over (critical: the top statements of the interval mean little).
 */
INSERT INTO infraguard.thresholds (metric, warning, critical, direction, action, hold, clear_margin, clear_hold)
VALUES ('statements_evicted', 1, 20, 'above',
		'Raise pg_stat_statements.max (ALTER SYSTEM, then restart): SELECT * FROM infraguard.statements_saturation(); says how full it is and how often it evicts',
		interval '0', 0, interval '0')
ON CONFLICT (metric) DO NOTHING;

/*
 * deadlocks and temp_written_mb (issue 13), per interval between snapshots,
 * every database.  A deadlock is an aborted transaction the application saw
 * fail: one is worth a look, ten in one interval is a pattern.  Temporary
 * files: 1 GB in an interval is a sort or hash that outgrew work_mem for
 * real, 10 GB is I/O that competes with everything else on the disk.
 */
INSERT INTO infraguard.thresholds (metric, warning, critical, direction, action, hold, clear_margin, clear_hold)
VALUES ('deadlocks', 1, 10, 'above',
		'Find the two statements in the server log and make the transactions take their locks in one order: SELECT * FROM infraguard.database_activity(''1 hour''); shows which database',
		interval '0', 0, interval '0'),
	   ('temp_written_mb', 1024, 10240, 'above',
		'Find the statements that spill (log_temp_files = 0; temp_blks_written in pg_stat_statements) and give them more work_mem: SELECT * FROM infraguard.database_activity(''1 hour''); shows which database',
		interval '0', 0, interval '0')
ON CONFLICT (metric) DO NOTHING;
