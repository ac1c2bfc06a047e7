/*
 * Wait-event sampling, "where the time goes": the sampler
 * (src/wait_sampling.c) counts what every active backend waits on,
 * infraguard.wait_sampling_hz times a second, in shared memory.
 * wait_events() reads the pending period live (on a primary or a standby);
 * each snapshot drains it into wait_profile_history, which wait_profile()
 * sums over a window.
 */

CREATE OR REPLACE FUNCTION infraguard.wait_events(
	OUT wait_event_type text, OUT wait_event text, OUT queryid bigint,
	OUT samples bigint, OUT share_pct float8, OUT avg_sessions float8,
	OUT since timestamptz, OUT rounds bigint)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'infraguard_wait_events'
LANGUAGE C STRICT VOLATILE PARALLEL RESTRICTED;
COMMENT ON FUNCTION infraguard.wait_events() IS
	'Wait events of active backends sampled since the last snapshot (live, in memory): samples per wait event and query id, share of active samples, average sessions';
REVOKE ALL ON FUNCTION infraguard.wait_events() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION infraguard.wait_events() TO pg_monitor;

/* Internal: returns the pending period and subtracts it (the snapshot's). */
CREATE OR REPLACE FUNCTION infraguard_internal.wait_sampling_drain(
	OUT since timestamptz, OUT until timestamptz, OUT rounds bigint,
	OUT total_samples bigint, OUT overflowed bigint,
	OUT wait_event_type text, OUT wait_event text, OUT queryid bigint,
	OUT samples bigint)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'infraguard_wait_sampling_drain'
LANGUAGE C STRICT VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION infraguard_internal.wait_sampling_drain() IS
	'Internal: the wait samples pending since the last drain, which it subtracts (record_wait_profile())';
REVOKE ALL ON FUNCTION infraguard_internal.wait_sampling_drain() FROM PUBLIC;

/*
 * Called by snapshot_cycle() once per snapshot: drains the sampler into
 * wait_profile_history.  Without the preloaded library there is nothing to
 * record, which is not an error of the snapshot.  Returns the rows written.
 */
CREATE OR REPLACE FUNCTION infraguard_internal.record_wait_profile(sid bigint, now_ts timestamptz)
RETURNS integer
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	top_n constant integer := 5;
	n integer;
BEGIN
	BEGIN
		WITH d AS MATERIALIZED (
			SELECT * FROM infraguard_internal.wait_sampling_drain()
		), ranked AS (
			SELECT d.*,
				   row_number() OVER (PARTITION BY d.wait_event_type, d.wait_event
									  ORDER BY (d.queryid IS NULL), d.samples DESC, d.queryid) AS rn
			  FROM d
		)
		INSERT INTO infraguard.wait_profile_history
			   (taken_at, snapshot_id, since, until, rounds, wait_event_type, wait_event, queryid, samples)
		SELECT now_ts, sid, r.since, r.until, r.rounds, r.wait_event_type, r.wait_event,
			   CASE WHEN r.rn OPERATOR(pg_catalog.<=) top_n THEN r.queryid END,
			   sum(r.samples)
		  FROM ranked r
		 GROUP BY r.since, r.until, r.rounds, r.wait_event_type, r.wait_event,
				  CASE WHEN r.rn OPERATOR(pg_catalog.<=) top_n THEN r.queryid END;
		GET DIAGNOSTICS n = ROW_COUNT;
	EXCEPTION WHEN object_not_in_prerequisite_state THEN
		n := 0;					/* not preloaded: no sampler */
	END;
	RETURN n;
END;
$$;
COMMENT ON FUNCTION infraguard_internal.record_wait_profile(bigint, timestamptz) IS
	'Internal: drains the wait-event sampler into wait_profile_history (snapshot_cycle())';
REVOKE ALL ON FUNCTION infraguard_internal.record_wait_profile(bigint, timestamptz) FROM PUBLIC;

/*
 * Where the time went over a window, from the recorded profiles: samples
 * per wait event, their share of all active samples, the average number of
 * sessions in that state (samples / sampling rounds), and the query ids
 * most often sampled in it.  On a standby this is the primary's history.
 */
CREATE OR REPLACE FUNCTION infraguard.wait_profile(window_length interval DEFAULT interval '1 hour')
RETURNS TABLE (wait_event_type text, wait_event text, samples bigint, share_pct float8,
			   avg_sessions float8, top_queryids bigint[])
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF window_length IS NULL OR window_length OPERATOR(pg_catalog.<=) interval '0' THEN
		RAISE EXCEPTION 'window must be a positive interval, not %', coalesce(window_length::text, 'NULL')
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'Pass an interval such as ''1 hour''.';
	END IF;
	RETURN QUERY
	WITH w AS (
		SELECT h.* FROM infraguard.wait_profile_history h
		 WHERE h.taken_at OPERATOR(pg_catalog.>) (pg_catalog.now() OPERATOR(pg_catalog.-) window_length)
	), totals AS (
		SELECT sum(w.samples) AS samples, sum(w.rounds) AS rounds
		  FROM w WHERE w.wait_event_type IS NULL
	), events AS (
		SELECT w.wait_event_type, w.wait_event, sum(w.samples)::bigint AS samples
		  FROM w WHERE w.wait_event_type IS NOT NULL
		 GROUP BY w.wait_event_type, w.wait_event
	), queries AS (
		SELECT w.wait_event_type, w.wait_event, w.queryid,
			   row_number() OVER (PARTITION BY w.wait_event_type, w.wait_event
								  ORDER BY sum(w.samples) DESC, w.queryid) AS rn
		  FROM w WHERE w.wait_event_type IS NOT NULL AND w.queryid IS NOT NULL
		 GROUP BY w.wait_event_type, w.wait_event, w.queryid
	)
	SELECT e.wait_event_type, e.wait_event, e.samples,
		   round((100.0 * e.samples / nullif(t.samples, 0))::numeric, 2)::float8,
		   round((e.samples::numeric / nullif(t.rounds, 0)), 3)::float8,
		   (SELECT array_agg(q.queryid ORDER BY q.rn) FROM queries q
			 WHERE q.wait_event_type = e.wait_event_type AND q.wait_event = e.wait_event
			   AND q.rn OPERATOR(pg_catalog.<=) 5)
	  FROM events e CROSS JOIN totals t
	 ORDER BY e.samples DESC, e.wait_event_type, e.wait_event;
END;
$$;
COMMENT ON FUNCTION infraguard.wait_profile(interval) IS
	'Where active backends spent their time over a window, from the recorded wait-event profiles: samples, share, average sessions and top query ids per wait event';
REVOKE ALL ON FUNCTION infraguard.wait_profile(interval) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION infraguard.wait_profile(interval) TO pg_monitor;
