--
-- database_activity(): pg_stat_database's counters between snapshots, per
-- database.  (Deadlocks and temporary files against the server log:
-- test/t/052_database_activity.pl.)
--
\set SHOW_CONTEXT never
-- the snapshot records every database's counters
SELECT infraguard.take_snapshot() AS first_id \gset
SELECT count(*) AS counters FROM infraguard.metric_history
 WHERE snapshot_id = :first_id AND metric LIKE 'db\_%:contrib_regression';
-- three rolled-back transactions and a known number of commits in between
BEGIN; CREATE TABLE act_t (i int); ROLLBACK;
BEGIN; CREATE TABLE act_t (i int); ROLLBACK;
BEGIN; CREATE TABLE act_t (i int); ROLLBACK;
SELECT pg_stat_force_next_flush();
SELECT infraguard.take_snapshot() IS NOT NULL AS snapped;
SELECT rollbacks >= 3 AS rollbacks, commits > 0 AS commits, rollback_pct > 0 AND rollback_pct < 100 AS pct,
	   transactions_per_second > 0 AS rate, seconds > 0 AS seconds, deadlocks, conflicts,
	   cache_hit_pct BETWEEN 0 AND 100 AS hit_pct, reset_in_window
  FROM infraguard.database_activity('1 hour') WHERE dbname = current_database();
-- the checks since the last snapshot: no deadlock here
SELECT status, value FROM infraguard.health() WHERE check_name = 'database_deadlocks';
SELECT status FROM infraguard.health() WHERE check_name = 'temp_written_mb';
SELECT * FROM infraguard.database_activity(NULL);
SELECT * FROM infraguard.database_activity('0');
