
/*
 * 0.1 -> 0.2: data, after every function exists.
 */

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
		('lock_wait_seconds',          interval '0',          5,    interval '1 minute'),
		('blocked_sessions',           interval '1 minute',   1,    interval '2 minutes'),
		('inactive_slot_retained_wal', interval '5 minutes',  100,  interval '5 minutes'),
		('table_bloat',                interval '30 minutes', 5,    interval '1 hour'),
		('archive_failures',           interval '5 minutes',  0,    interval '5 minutes'),
		('last_archive_age',           interval '0',          0,    interval '0'),
		('last_backup_age',            interval '0',          0,    interval '0')
	   ) d(metric, hold, clear_margin, clear_hold)
 WHERE t.metric = d.metric;
