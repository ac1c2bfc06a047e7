--
-- compare(): two ranges of history side by side.  The history is the
-- fixture: rows 10 and 8 days old whose averages, differences and sizes are
-- known (the real snapshots of this suite are minutes old, outside both).
--
\set SHOW_CONTEXT never
SELECT now() - interval '10 days' AS b0, now() - interval '9 days' AS b1,
	   now() - interval '8 days' AS a0, now() - interval '7 days' AS a1 \gset
INSERT INTO infraguard.metric_history (taken_at, snapshot_id, metric, value)
VALUES (:'b0'::timestamptz + interval '1 hour', 0, 'latency_p95_ms', 10),
	   (:'b0'::timestamptz + interval '2 hours', 0, 'latency_p95_ms', 20),
	   (:'a0'::timestamptz + interval '1 hour', 0, 'latency_p95_ms', 5),
	   (:'a0'::timestamptz + interval '2 hours', 0, 'latency_p95_ms', 7),
	   (:'b0'::timestamptz + interval '1 hour', 0, 'cache_hit_ratio', 90),
	   (:'a0'::timestamptz + interval '1 hour', 0, 'cache_hit_ratio', 99),
	   -- 3,600 commits and rollbacks in an hour before (1/s), 7,200 after (2/s)
	   (:'b0'::timestamptz + interval '1 hour', 0, 'db_xact_commit:Compare DB', 1000),
	   (:'b0'::timestamptz + interval '2 hours', 0, 'db_xact_commit:Compare DB', 4000),
	   (:'b0'::timestamptz + interval '1 hour', 0, 'db_xact_rollback:Compare DB', 0),
	   (:'b0'::timestamptz + interval '2 hours', 0, 'db_xact_rollback:Compare DB', 600),
	   (:'a0'::timestamptz + interval '1 hour', 0, 'db_xact_commit:Compare DB', 10000),
	   (:'a0'::timestamptz + interval '2 hours', 0, 'db_xact_commit:Compare DB', 17200),
	   (:'a0'::timestamptz + interval '1 hour', 0, 'db_xact_rollback:Compare DB', 600),
	   (:'a0'::timestamptz + interval '2 hours', 0, 'db_xact_rollback:Compare DB', 600),
	   -- the size at the end of each range
	   (:'b0'::timestamptz + interval '1 hour', 0, 'database_size_bytes:Compare DB', 1000000),
	   (:'b0'::timestamptz + interval '2 hours', 0, 'database_size_bytes:Compare DB', 2000000),
	   (:'a0'::timestamptz + interval '1 hour', 0, 'database_size_bytes:Compare DB', 3000000);
-- one statement: 100 calls of 4 ms before, 200 of 1 ms after (an index was added)
INSERT INTO infraguard.statement_history
	   (taken_at, snapshot_id, interval_seconds, queryid, dbid, userid, calls, total_exec_ms, rows, shared_blks_hit, shared_blks_read)
VALUES (:'b0'::timestamptz + interval '1 hour', 0, 60, -4242, 1, 10, 100, 400, 100, 0, 0),
	   (:'a0'::timestamptz + interval '1 hour', 0, 60, -4242, 1, 10, 150, 150, 150, 0, 0),
	   (:'a0'::timestamptz + interval '2 hours', 0, 60, -4242, 1, 10, 50, 50, 50, 0, 0);
INSERT INTO infraguard.statement_texts (dbid, queryid, query, first_seen)
VALUES (1, -4242, 'SELECT * FROM   orders
 WHERE customer_id = $1', now());
SELECT section, item, unit, before_value, after_value, change, change_pct, better
  FROM infraguard.compare(tstzrange(:'b0', :'b1'), tstzrange(:'a0', :'a1'))
 WHERE item NOT LIKE '%:%' OR item LIKE '%Compare DB';
SELECT * FROM infraguard.compare(NULL, tstzrange(now() - interval '1 day', now()));
SELECT * FROM infraguard.compare(tstzrange(now(), NULL), tstzrange(now() - interval '1 day', now()));
DELETE FROM infraguard.metric_history WHERE snapshot_id = 0 AND taken_at < now() - interval '6 days';
DELETE FROM infraguard.statement_history WHERE queryid = -4242;
DELETE FROM infraguard.statement_texts WHERE queryid = -4242;
