--
-- Wait-event sampling: the live view, the snapshot's drain into
-- wait_profile_history and wait_profile() over it.  Timing-robust: only
-- "at least one sample" and sums that must agree are asserted; the
-- frequency and shares against hz x elapsed are in test/t/042.
--
SET client_min_messages = error;	-- alert WARNINGs carry machine-dependent values
SHOW infraguard.wait_sampling_hz;
-- the sampler runs, in pg_stat_activity under its own type
SELECT count(*) AS samplers FROM pg_stat_activity WHERE backend_type = 'infraguard wait sampler';

-- start a new period, then let this very session sleep: sampled as active, waiting on PgSleep
SELECT infraguard.take_snapshot() > 0 AS drained;
-- a statement of its own shape (pg_stat_statements ignores aliases), so its text is this one
SELECT 'wait_sampling' AS test, pg_sleep(1.5);
SELECT queryid AS sleep_queryid FROM pg_stat_statements
 WHERE query = 'SELECT $1 AS test, pg_sleep($2)' AND dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) \gset
SELECT wait_event_type, wait_event, samples > 0 AS sampled, queryid = :sleep_queryid AS its_queryid,
	   share_pct > 0 AND share_pct <= 100 AS share_ok, avg_sessions > 0 AS sessions_ok,
	   since < now() AS since_ok, rounds >= samples AS rounds_ok
  FROM infraguard.wait_events() WHERE wait_event = 'PgSleep';
-- shares of the pending period add up to 100 %
SELECT abs(sum(share_pct) - 100) < 1 AS shares_add_up FROM infraguard.wait_events();

-- the snapshot drains it into history: one totals row, the events, the sleep's query id
SELECT infraguard.take_snapshot() AS sid \gset
SELECT count(*) AS totals_rows, bool_and(rounds > 0) AS rounds_ok
  FROM infraguard.wait_profile_history WHERE snapshot_id = :sid AND wait_event_type IS NULL;
SELECT (SELECT samples FROM infraguard.wait_profile_history
		 WHERE snapshot_id = :sid AND wait_event_type IS NULL)
	 = (SELECT sum(samples) FROM infraguard.wait_profile_history
		 WHERE snapshot_id = :sid AND wait_event_type IS NOT NULL) AS totals_match;
SELECT wait_event_type, samples > 0 AS sampled FROM infraguard.wait_profile_history
 WHERE snapshot_id = :sid AND wait_event = 'PgSleep' AND queryid = :sleep_queryid;
-- one period per snapshot, never counted twice: each row's since is after the previous drain
SELECT count(DISTINCT since) = count(DISTINCT snapshot_id) AS one_period_per_snapshot
  FROM infraguard.wait_profile_history;
-- drained: what is pending now started at the drain
SELECT count(*) FILTER (WHERE wait_event = 'PgSleep' AND queryid = :sleep_queryid) AS sleep_rows_left
  FROM infraguard.wait_events();

-- the window's profile
SELECT wait_event_type, wait_event, samples > 0 AS sampled, share_pct > 0 AS share_ok,
	   avg_sessions > 0 AS sessions_ok, :sleep_queryid = ANY (top_queryids) AS top_query
  FROM infraguard.wait_profile('1 hour') WHERE wait_event = 'PgSleep';
SELECT abs(sum(share_pct) - 100) < 1 AS shares_add_up FROM infraguard.wait_profile(interval '1 hour');
-- nothing before the first snapshot of this database's history
SELECT count(*) AS rows_in_no_time FROM infraguard.wait_profile(interval '1 microsecond');

-- bad input
SELECT * FROM infraguard.wait_profile(NULL);
SELECT * FROM infraguard.wait_profile(interval '-1 hour');

-- the setting: 0 .. 1000, reloadable only
SET infraguard.wait_sampling_hz = 50;
