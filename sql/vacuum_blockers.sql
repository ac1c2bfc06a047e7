--
-- vacuum_blockers(), xid_forecast() and the xmin_horizon_age check (issue 15).
-- Real holders (a session, a prepared transaction, a slot, a standby) need
-- other sessions and servers: test/t/041_vacuum_blockers.pl checks them
-- against VACUUM VERBOSE.  Here: the shape, the quiet state, the forecast
-- from history, bad input.
--

-- nothing but (at most) a passing backend, such as the worker's snapshot,
-- holds the horizon of the regression server; our own session is not listed
SELECT count(*) AS non_backend_holders
  FROM infraguard.vacuum_blockers() WHERE kind <> 'backend';
SELECT count(*) AS ourselves
  FROM infraguard.vacuum_blockers() WHERE pid = pg_backend_pid();

-- the check: measured, with the seeded levels
SELECT check_name, value IS NOT NULL AS measured, unit, warning, critical
  FROM infraguard.health() WHERE check_name = 'xmin_horizon_age';

-- the forecast: a rate once two snapshots bracket consumed transaction ids
SELECT infraguard.take_snapshot() IS NOT NULL AS snapshot;
CREATE TABLE xid_burn (i int);
DO $$ BEGIN FOR i IN 1..20 LOOP INSERT INTO xid_burn VALUES (i); PERFORM pg_current_xact_id(); COMMIT; END LOOP; END $$;
SELECT pg_sleep(0.1);
SELECT dbname = current_database() AS listed, xids_per_second > 0 AS rate,
	   days_to_aggressive_vacuum > 0 AS aggressive_later,
	   days_to_wraparound_stop > days_to_aggressive_vacuum AS stop_after_aggressive,
	   freeze_max_age = current_setting('autovacuum_freeze_max_age')::bigint AS setting
  FROM infraguard.xid_forecast('1 hour') WHERE dbname = current_database();
-- the rate is what history recorded: next_xid grows by what was consumed
SELECT count(*) >= 1 AS recorded FROM infraguard.metric_history WHERE metric = 'next_xid';
DROP TABLE xid_burn;

-- bad input: a clean error
SELECT * FROM infraguard.xid_forecast('-1 day');
SELECT * FROM infraguard.xid_forecast(NULL);
