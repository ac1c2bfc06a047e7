--
-- Server log events (issue 15): the ring in shared memory, log_events(),
-- the drain into history, counts per interval, bad input.  Every kind
-- against the server log, and a hot standby: test/t/040_log_events.pl.
--

-- the kinds, and the ring's size: 256 slots of 512 bytes and a header
SELECT kind, memory_slots FROM infraguard.log_event_totals() ORDER BY kind;
SELECT size FROM pg_shmem_allocations WHERE name = 'infraguard log events';

-- record what earlier tests logged, so that only this test's events are new
SELECT infraguard.take_snapshot() IS NOT NULL AS snapshot;
SELECT count(*) AS unrecorded FROM infraguard.log_events('-infinity') WHERE NOT recorded;

-- a statement_timeout cancel is an event as soon as it is logged
SET statement_timeout = '50ms';
SELECT pg_sleep(2);
RESET statement_timeout;
-- a sort spilling to disk, with log_temp_files = 0
SET work_mem = '64kB';
SET log_temp_files = 0;
SELECT count(*) FROM (SELECT g FROM generate_series(1, 100000) g ORDER BY g DESC) s;
RESET log_temp_files;
RESET work_mem;
-- an error of no event kind is not counted
SELECT 1 / 0;

-- (a spilling sort may write more than one temp file: one row per kind)
SELECT kind, sqlstate, level, dbname = current_database() AS this_db, username = current_user AS me,
	   client_addr, query_id IS NOT NULL AS has_query_id, recorded,
	   CASE WHEN kind = 'temp_file' THEN left(excerpt, 21) ELSE excerpt END AS excerpt,
	   count(*) >= 1 AS logged
  FROM infraguard.log_events(now() - interval '1 hour')
 WHERE NOT recorded AND pid = pg_backend_pid()
 GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9
 ORDER BY kind;

-- the next snapshot records them, once
SELECT infraguard.take_snapshot() IS NOT NULL AS snapshot;
SELECT kind, recorded, count(*) >= 1 AS logged FROM infraguard.log_events(now() - interval '1 hour')
 WHERE pid = pg_backend_pid() GROUP BY 1, 2 ORDER BY 1, 2;
SELECT infraguard_internal.drain_log_events() AS recorded_again;

-- per kind and interval: the same events
SELECT c.kind, c.events = e.events AS same
  FROM (SELECT kind, sum(events) AS events
		  FROM infraguard.log_event_counts(now() - interval '1 hour', '5 minutes') GROUP BY kind) c
  JOIN (SELECT kind, count(*) AS events
		  FROM infraguard.log_events(now() - interval '1 hour') GROUP BY kind) e USING (kind)
 WHERE c.kind IN ('statement_timeout', 'temp_file')
 ORDER BY c.kind;
-- totals since start count them too
SELECT bool_and(total >= 1) AS counted FROM infraguard.log_event_totals()
 WHERE kind IN ('statement_timeout', 'temp_file');

-- the checks (nothing provoked here)
SELECT check_name, value, unit, warning, critical
  FROM infraguard.health() WHERE check_name IN ('deadlocks', 'auth_failures') ORDER BY check_name;
SELECT count(*) AS refused_logins FROM infraguard.auth_failures(now() - interval '1 hour');

-- bad input: clean errors
SELECT * FROM infraguard.log_events(NULL);
SELECT * FROM infraguard.log_event_counts(now(), '0');
SELECT * FROM infraguard.log_event_counts(now(), '1 month');
SELECT * FROM infraguard.log_event_counts(now(), NULL);
SELECT infraguard_internal.drain_log_events(NULL);
