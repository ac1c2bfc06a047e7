/*
 * The metric registry: one row per health metric, the one place for its
 * name, unit, direction, meaning, source, default levels and default alert
 * rule.  Everything else reads it: current_metrics() takes each reading's
 * unit from here, the upgrade scripts seed infraguard.thresholds (the DBA's
 * editable copy, which health() and the alerts judge by) from here, the
 * report labels its charts from here, and the tests check that every
 * measured metric has its row and every row its measurement.
 *
 * A new metric is: its measurement (a block of current_metrics(), in
 * src/sql/metrics.sql), one row below (added_in = the version under
 * development, so that its upgrade script seeds the threshold), its test and
 * its doc.
 *
 * The rows are the current definition, written like CREATE OR REPLACE: the
 * upgrade script of every later version runs this file again and refreshes
 * them.  Thresholds a DBA already has are never changed from here; the
 * version's after-script decides which defaults an upgrade applies.
 */
INSERT INTO infraguard.metric_catalog AS c
	(metric, label, unit, direction, description, source,
	 warning, critical, hold, clear_margin, clear_hold, action, added_in)
VALUES
	('connection_count', 'client connections, % of usable', '%', 'above',
	 '% of usable connections in use',
	 'pg_stat_activity client backends / (max_connections - superuser_reserved_connections), connection_usage()',
	 80, 95, interval '1 minute', 5, interval '5 minutes',
	 'See who holds the connections and in which state: SELECT * FROM infraguard.connections(); many idle ones mean the application''s pools are too large or a pooler (PgBouncer) is missing; idle in transaction ones hold locks and rows',
	 '0.1'),
	('xid_wraparound', 'wraparound', '%', 'above',
	 '% of the 2^31 wraparound limit',
	 'worst of age(datfrozenxid) and mxid_age(datminmxid) over all databases (pg_database)',
	 50, 75, interval '1 minute', 1, interval '1 minute',
	 'VACUUM (FREEZE) the oldest tables; end long transactions and drop stale replication slots or prepared transactions that hold back the xmin horizon',
	 '0.1'),
	('cache_hit_ratio', 'cache hit ratio', '%', 'below',
	 '% of block requests served from shared buffers',
	 'pg_stat_database, server-wide since the last statistics reset; unknown below 1000 requests',
	 95, 90, interval '10 minutes', 0.5, interval '10 minutes',
	 'Working set exceeds shared_buffers: raise shared_buffers or find the queries reading from disk',
	 '0.1'),
	('dead_tuple_ratio', 'dead tuples', '%', 'above',
	 '% dead tuples of the worst table with at least 10,000 rows',
	 'pg_stat_user_tables of the current database; unknown when no table is that large',
	 20, 50, interval '30 minutes', 5, interval '10 minutes',
	 'VACUUM the table and make autovacuum more aggressive for it (autovacuum_vacuum_scale_factor)',
	 '0.1'),
	('long_running_query', 'longest query', 's', 'above',
	 'seconds of the longest active query of another client',
	 'pg_stat_activity',
	 300, 1800, interval '0', 30, interval '1 minute',
	 'Review the query; cancel it with pg_cancel_backend(pid) if it is runaway',
	 '0.1'),
	('idle_in_transaction', 'idle in transaction', 's', 'above',
	 'seconds of the longest session idle in a transaction',
	 'pg_stat_activity',
	 60, 600, interval '0', 10, interval '1 minute',
	 'Fix the application''s transaction handling; set idle_in_transaction_session_timeout',
	 '0.1'),
	('blocked_sessions', 'blocked sessions', 'sessions', 'above',
	 'sessions waiting for a heavyweight lock',
	 'wait_event_type = ''Lock'' in pg_stat_activity (takes no lock manager lock)',
	 3, 10, interval '1 minute', 1, interval '2 minutes',
	 'Find the head of the wait chain with infraguard.blocking() and end its transaction',
	 '0.1'),
	/*
	 * a duration itself (30 s of waiting has held for 30 s); a minute clear
	 * of the level before resolving, as the queue often re-forms behind the
	 * next blocker
	 */
	('lock_wait_seconds', 'longest lock wait', 's', 'above',
	 'seconds of the longest current lock wait',
	 'pg_locks.waitstart through blocking(), only when pg_stat_activity shows a lock wait (0 otherwise)',
	 30, 300, interval '0', 10, interval '1 minute',
	 'Find the root blocker with infraguard.blocking() and end its transaction; infraguard.terminate_blockers(''30 seconds'') lists it (dry run) and ends it with dry_run => false',
	 '0.2'),
	('replication_lag', 'replication lag', 's', 'above',
	 'seconds: this standby''s replay delay, or the slowest standby''s lag',
	 'pg_stat_replication on a primary; pg_last_xact_replay_timestamp() on a standby that is behind or paused',
	 30, 300, interval '1 minute', 10, interval '2 minutes',
	 'See each standby''s state and lag: SELECT * FROM infraguard.replication(); on the standby, check whether replay is paused (SELECT pg_get_wal_replay_pause_state();) or held back by conflicts (SELECT * FROM pg_stat_database_conflicts;), and its disk and network',
	 '0.1'),
	('inactive_slot_retained_wal', 'WAL kept by inactive slots', 'MB', 'above',
	 'MB of WAL kept by the worst inactive replication slot',
	 'replication_slots(); 0 when no slot is inactive',
	 1024, 10240, interval '5 minutes', 100, interval '5 minutes',
	 'Bring the slot''s consumer back, or drop the slot with pg_drop_replication_slot() before pg_wal fills the disk',
	 '0.1'),
	('table_bloat', 'table bloat', '%', 'above',
	 'estimated % bloat of the worst table of 8 MB or more',
	 'bloat() of the current database; unknown when no analysed table is that large',
	 50, 80, interval '30 minutes', 5, interval '1 hour',
	 'Rewrite the table (pg_repack, or VACUUM FULL in a maintenance window) and tune autovacuum for it',
	 '0.1'),
	('archive_failures', 'archiver failing', 'failing', 'above',
	 '1 while the archiver is failing (its last attempt failed), else 0',
	 'pg_stat_archiver; unknown when archiving is off',
	 1, 1, interval '5 minutes', 0, interval '5 minutes',
	 'Fix archive_command (see the server log): WAL piles up in pg_wal until it succeeds',
	 '0.1'),
	('last_archive_age', 'last archive age', 's', 'above',
	 'seconds since the last WAL segment was archived',
	 'pg_stat_archiver; unknown when archiving is off or nothing was archived since the statistics reset',
	 3600, 21600, interval '0', 0, interval '0',
	 'Check that archive_command succeeds and that WAL is being switched (archive_timeout)',
	 '0.1'),
	('last_backup_age', 'last backup age', 'h', 'above',
	 'hours since the newest backup in the registry finished',
	 'backup_registry (record_backup()); unknown when nothing was ever recorded',
	 26, 50, interval '0', 0, interval '0',
	 'Check the backup job: the last recorded backup is too old',
	 '0.1'),
	('storage_used_percent', 'fullest file system', '%', 'above',
	 '% used of the fullest file system PostgreSQL writes to',
	 'disk_usage(): statvfs of the data directory, pg_wal and each tablespace, with df''s Use% arithmetic',
	 70, 85, interval '2 minutes', 2, interval '10 minutes',
	 'See which file system fills and how fast: SELECT * FROM infraguard.disk_usage(); SELECT * FROM infraguard.capacity_forecast(); find what grows: SELECT * FROM infraguard.table_growth(''7 days''); and what can be given back: SELECT * FROM infraguard.maintenance_plan(); then free space or add storage before it is full',
	 '0.1'),
	('memory_percent', 'memory used', '%', 'above',
	 '% of host memory in use',
	 'system_stats(): (MemTotal - MemAvailable) / MemTotal from /proc/meminfo',
	 80, 95, interval '1 minute', 5, interval '5 minutes',
	 'Host memory (all processes, not only PostgreSQL) is short: check swap and what is available (SELECT * FROM infraguard.system_stats();), and whether shared_buffers plus work_mem times the active connections (SELECT * FROM infraguard.connections();) fits the RAM',
	 '0.1'),
	('cpu_percent', 'CPU busy', '%', 'above',
	 '% busy of all host CPUs (every process on the machine)',
	 'system_stats(): /proc/stat, since the previous reading (the worker''s: its previous snapshot)',
	 70, 90, interval '5 minutes', 10, interval '5 minutes',
	 'See what runs now: SELECT * FROM infraguard.long_running(''10 seconds''); and which statements cost the most over time: SELECT * FROM infraguard.slow_queries(20, ''total_time''); (CPU is host-wide: check other processes too)',
	 '0.1'),
	('query_time_p95', 'statement p95', 'ms', 'above',
	 'ms: 95th percentile of top-level statement response time, as the server log times it',
	 'the executor hooks'' histograms: latency_p95_ms of the last snapshot interval, else latency(false) since the last reset',
	 1000, 5000, interval '5 minutes', 100, interval '5 minutes',
	 'Find the statements that take the time: SELECT * FROM infraguard.slow_queries(20, ''mean_time''); then run EXPLAIN (ANALYZE, BUFFERS) on the worst and check for missing indexes, stale statistics (ANALYZE) or lock waits (SELECT * FROM infraguard.blocking();)',
	 '0.1'),
	/*
	 * Issue 15.  xmin_horizon_age: 10 million is far beyond any healthy
	 * transaction (a busy server at 1,000 xids/s gets there in under 3
	 * hours) and dead rows pile up meanwhile; 50 million is
	 * vacuum_freeze_min_age's default: from there VACUUM cannot freeze what
	 * it would.  No hold: the age is itself a duration.
	 */
	('xmin_horizon_age', 'xmin horizon age', 'xids', 'above',
	 'transaction ids between now and the oldest holder of the xmin horizon',
	 'vacuum_blockers(): pg_stat_activity backend_xid/backend_xmin, pg_prepared_xacts, pg_replication_slots xmin/catalog_xmin, pg_stat_replication.backend_xmin',
	 10000000, 50000000, interval '0', 1000000, interval '5 minutes',
	 'See what holds the horizon, oldest first, with the statement that removes each: SELECT * FROM infraguard.vacuum_blockers();',
	 '0.2'),
	/*
	 * deadlocks: each is an application bug (locks taken in opposite orders)
	 * that rolled back a transaction: the first is worth a look, ten an hour
	 * is a pattern hurting users.  auth_failures: a person mistyping a
	 * password, or a client retrying a stale one, stays under 10 an hour;
	 * 100 an hour is password guessing or a broken deployment.  No hold (the
	 * count already spans an hour); cleared after the hour has moved on.
	 */
	('deadlocks', 'deadlocks', 'per hour', 'above',
	 'deadlocks logged in the last hour',
	 'infraguard''s emit_log_hook (SQLSTATE 40P01), log_events(); needs shared_preload_libraries',
	 1, 10, interval '0', 1, interval '10 minutes',
	 'See the lock cycles: SELECT logged_at, dbname, username, excerpt FROM infraguard.log_events(now() - interval ''1 hour'') WHERE kind = ''deadlock''; the server log has their statements; make the transactions take their row and table locks in one order (or retry on SQLSTATE 40P01)',
	 '0.2'),
	('auth_failures', 'refused logins', 'per hour', 'above',
	 'refused logins (SQLSTATE class 28 at FATAL) logged in the last hour',
	 'infraguard''s emit_log_hook, log_events(), auth_failures(); needs shared_preload_libraries',
	 10, 100, interval '0', 5, interval '10 minutes',
	 'See who fails from where: SELECT * FROM infraguard.auth_failures(now() - interval ''1 hour''); many from one address is password guessing: block it in pg_hba.conf or the firewall; a known application failing has a stale password',
	 '0.2'),
	/*
	 * issue 13.  pgMonitor alerts at 75 %; check_postgres goes critical on
	 * an int4 serial at 2,147,000,000 (99.98 %), too late to rewrite a large
	 * table calmly: 90 % leaves a tenth of the range for the ALTER TABLE.  No
	 * hold (the value only grows, by little per cycle); a 1-point margin so
	 * that a widening resolves it.
	 */
	('sequence_exhaustion', 'sequence exhaustion', '%', 'above',
	 '% of its range used by the sequence, or the column it feeds, nearest to its limit',
	 'sequences(): pg_sequence_last_value() against the sequence''s MAXVALUE/MINVALUE and the fed column''s integer type, current database, CYCLE sequences left out; unknown when no sequence is readable',
	 75, 90, interval '0', 1, interval '0',
	 'Widen the sequence or the column it feeds to bigint before inserts fail: SELECT * FROM infraguard.sequences(); runs nothing, its fix column is the statement',
	 '0.2'),
	/*
	 * one deallocation already lost statistics; each evicts 5 % of the
	 * entries, so 20 in one interval turned the whole table over
	 */
	('statements_evicted', 'pg_stat_statements evictions', 'evictions', 'above',
	 'pg_stat_statements deallocations since the last snapshot',
	 'pg_stat_statements_info.dealloc minus the last snapshot''s reading (statements_saturation()); unknown before the first snapshot or without pg_stat_statements',
	 1, 20, interval '0', 0, interval '0',
	 'Raise pg_stat_statements.max (ALTER SYSTEM, then restart): SELECT * FROM infraguard.statements_saturation(); says how full it is and how often it evicts',
	 '0.2'),
	/*
	 * an aborted transaction the application saw fail: one is worth a look,
	 * ten a pattern.  Counted by pg_stat_database, so it needs no log
	 * setting and no preload; deadlocks (above) counts the log's lines over
	 * an hour and keeps their lock cycles.
	 */
	('database_deadlocks', 'deadlocks (statistics)', 'deadlocks', 'above',
	 'deadlocks in every database since the last snapshot',
	 'pg_stat_database.deadlocks minus the last snapshot''s readings (database_activity_since_snapshot()); unknown before the first snapshot',
	 1, 10, interval '0', 0, interval '0',
	 'Find the two statements in the server log and make the transactions take their locks in one order: SELECT * FROM infraguard.database_activity(''1 hour''); shows which database',
	 '0.2'),
	/* 1 GB a cycle is a sort or hash really outgrowing work_mem; 10 GB competes with all other I/O */
	('temp_written_mb', 'temporary files written', 'MB', 'above',
	 'MB of temporary files written by every database since the last snapshot',
	 'pg_stat_database.temp_bytes minus the last snapshot''s readings (database_activity_since_snapshot()); unknown before the first snapshot',
	 1024, 10240, interval '0', 0, interval '0',
	 'Find the statements that spill (log_temp_files = 0; temp_blks_written in pg_stat_statements) and give them more work_mem: SELECT * FROM infraguard.database_activity(''1 hour''); shows which database',
	 '0.2')
ON CONFLICT (metric) DO UPDATE
	SET (label, unit, direction, description, source, warning, critical,
		 hold, clear_margin, clear_hold, action, added_in)
	  = (excluded.label, excluded.unit, excluded.direction, excluded.description, excluded.source,
		 excluded.warning, excluded.critical, excluded.hold, excluded.clear_margin,
		 excluded.clear_hold, excluded.action, excluded.added_in);
