/*
 * report(), data: the queries behind the charts (the window check, metric
 * names under a prefix, metric_history series as JSON).  They return rows or
 * JSON and no markup.  Internal (schema infraguard_internal), granted to
 * pg_monitor for report().
 */

/*
 * The window of a report or of one of its parts, checked once for all of
 * them: finite, since before until, at most 400 days (so that no call reads
 * years of history by mistake).  The length is computed from the epochs:
 * subtracting timestamps thousands of years apart overflows an interval.
 */
CREATE OR REPLACE FUNCTION infraguard_internal.report_check_window(since timestamptz, until timestamptz)
RETURNS void
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	max_days constant integer := 400;
	days float8;
BEGIN
	IF since IS NULL OR until IS NULL OR NOT isfinite(since) OR NOT isfinite(until) THEN
		RAISE EXCEPTION 'since and until must be finite timestamps, not % and %',
						coalesce(since::text, 'NULL'), coalesce(until::text, 'NULL')
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'Omit both for the last 24 hours: SELECT infraguard.report();';
	END IF;
	IF since >= until THEN
		RAISE EXCEPTION 'since (%) must be earlier than until (%)', since, until
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = CASE WHEN since = until THEN 'A report needs a window of some length.'
							  ELSE 'Swap the two values?' END;
	END IF;
	days := (extract(epoch FROM until) - extract(epoch FROM since)) / 86400;
	IF days > max_days THEN
		RAISE EXCEPTION 'a report covers at most % days, not % days', max_days, round(days::numeric, 1)
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'Report on a shorter window, for example SELECT infraguard.report(now() - interval ''30 days'');';
	END IF;
END;
$$;
COMMENT ON FUNCTION infraguard_internal.report_check_window(timestamptz, timestamptz) IS
	'Internal: error 22023 unless since..until is a finite window of some length and at most 400 days';
REVOKE ALL ON FUNCTION infraguard_internal.report_check_window(timestamptz, timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION infraguard_internal.report_check_window(timestamptz, timestamptz) TO pg_monitor;

/*
 * The metrics recorded under a prefix ('connections:', 'disk_used_pct:'),
 * with the rest of the name as label.  A loose index scan of the
 * (metric, taken_at) index: one probe per distinct name, however long the
 * history is.  Names are not filtered by time; report_series() leaves out the
 * ones with no sample in its window.
 */
CREATE OR REPLACE FUNCTION infraguard_internal.report_metric_names(prefix text, max_names integer DEFAULT 50)
RETURNS TABLE (metric text, label text)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
	WITH RECURSIVE names(metric, depth) AS (
		(SELECT h.metric, 1
		   FROM infraguard.metric_history h
		  WHERE h.metric >= prefix COLLATE "C"
		  ORDER BY h.metric
		  LIMIT 1)
		UNION ALL
		SELECT (SELECT h.metric
				  FROM infraguard.metric_history h
				 WHERE h.metric > n.metric
				 ORDER BY h.metric
				 LIMIT 1),
			   n.depth + 1
		  FROM names n
		 WHERE starts_with(n.metric, prefix COLLATE "C") AND n.depth < max_names
	)
	SELECT n.metric::text, substr(n.metric, length(prefix) + 1)
	  FROM names n
	 WHERE starts_with(n.metric, prefix COLLATE "C")
$$;
COMMENT ON FUNCTION infraguard_internal.report_metric_names(text, integer) IS
	'Internal: names of the recorded metrics that start with a prefix, and the rest of each name';
REVOKE ALL ON FUNCTION infraguard_internal.report_metric_names(text, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION infraguard_internal.report_metric_names(text, integer) TO pg_monitor;

/*
 * Series of metric_history in since..until as JSON, in the order of the
 * metrics given: [{"name": label, "points": [[epoch, value], ...]}, ...].
 * A label left NULL is the metric's in the registry (metric_catalog), else
 * the metric's name.
 * One point per sample up to max_points; above that, consecutive samples
 * are averaged in max_points buckets of equal count.  Each series is one
 * range scan of the (metric, taken_at) index.  NaN and infinite values are
 * left out.  With fill_zero, a snapshot in the window that recorded no row
 * for a metric counts as 0 (connections:<state> is recorded only for the
 * states that had sessions); a metric with no row at all is still left out.
 */
CREATE OR REPLACE FUNCTION infraguard_internal.report_series(metrics text[], labels text[], since timestamptz,
										 until timestamptz, max_points integer DEFAULT 500,
										 fill_zero boolean DEFAULT false)
RETURNS jsonb
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	PERFORM infraguard_internal.report_check_window(since, until);
	IF max_points IS NULL OR max_points < 1 THEN
		RAISE EXCEPTION 'max_points must be a positive number, not %', coalesce(max_points::text, 'NULL')
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	RETURN (SELECT coalesce(jsonb_agg(jsonb_build_object('name', coalesce(labels[m.ord], c.label, m.metric),
												   'points', p.points)
							  ORDER BY m.ord),
					'[]'::jsonb)
	  FROM unnest(metrics) WITH ORDINALITY m(metric, ord)
	  LEFT JOIN infraguard.metric_catalog c ON c.metric = m.metric
	 CROSS JOIN LATERAL (
			SELECT jsonb_agg(jsonb_build_array(round(b.x::numeric, 3), b.y) ORDER BY b.x) AS points
			  FROM (SELECT avg(r.x) AS x, avg(r.value) AS y, bool_or(r.recorded) AS recorded
					  FROM (SELECT v.x, v.value, v.recorded,
								   row_number() OVER (ORDER BY v.x) - 1 AS rn,
								   count(*) OVER () AS n
							  FROM (SELECT extract(epoch FROM h.taken_at)::float8 AS x, h.value, true AS recorded
									  FROM infraguard.metric_history h
									 WHERE h.metric = m.metric COLLATE "C"
									   AND h.taken_at >= since AND h.taken_at <= until
									   AND h.value <> 'NaN'::float8 AND abs(h.value) <> 'Infinity'::float8
									UNION ALL
									SELECT extract(epoch FROM sn.taken_at)::float8, 0, false
									  FROM infraguard.snapshots sn
									 WHERE fill_zero
									   AND sn.taken_at >= since AND sn.taken_at <= until
									   AND NOT EXISTS (SELECT 1 FROM infraguard.metric_history h
														WHERE h.metric = m.metric COLLATE "C"
														  AND h.taken_at = sn.taken_at)) v) r
					 GROUP BY r.rn * greatest(max_points, 1) / r.n) b
			HAVING bool_or(b.recorded)) p		-- no row, and no series, without a recorded sample
	);
END;
$$;
COMMENT ON FUNCTION infraguard_internal.report_series(text[], text[], timestamptz, timestamptz, integer, boolean) IS
	'Internal: metric_history series of a window as JSON points, at most max_points per series';
REVOKE ALL ON FUNCTION infraguard_internal.report_series(text[], text[], timestamptz, timestamptz, integer, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION infraguard_internal.report_series(text[], text[], timestamptz, timestamptz, integer, boolean) TO pg_monitor;

/*
 * The alerts of a window, for the timeline: how many lanes (one per metric
 * with an alert in the window, at most max_lanes), and one segment per
 * level an alert went through (from alert_events: opened, escalated,
 * lowered), so that an alert that opened critical and was lowered later
 * shows red, then yellow; an alert without events (one written by hand) is
 * one segment at its level.  Segments are clipped to the window; lanes are
 * numbered by each metric's first alert.
 */
CREATE OR REPLACE FUNCTION infraguard_internal.report_alert_lanes(since timestamptz, until timestamptz,
													   max_lanes integer DEFAULT 12)
RETURNS integer
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	PERFORM infraguard_internal.report_check_window(since, until);
	RETURN (SELECT least(count(DISTINCT al.metric), max_lanes)
			  FROM infraguard.alerts al
			 WHERE al.opened_at <= until AND (al.resolved_at IS NULL OR al.resolved_at >= since));
END;
$$;
COMMENT ON FUNCTION infraguard_internal.report_alert_lanes(timestamptz, timestamptz, integer) IS
	'Internal: number of lanes of report()''s alert timeline: metrics with an alert in the window, at most max_lanes';
REVOKE ALL ON FUNCTION infraguard_internal.report_alert_lanes(timestamptz, timestamptz, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION infraguard_internal.report_alert_lanes(timestamptz, timestamptz, integer) TO pg_monitor;

CREATE OR REPLACE FUNCTION infraguard_internal.report_alert_segments(since timestamptz, until timestamptz,
														  max_lanes integer DEFAULT 12)
RETURNS TABLE (lane bigint, metric text, level text, message text, opened_at timestamptz,
			   resolved_at timestamptz, opened_value float8, peak_value float8, peak_level text,
			   t0 timestamptz, t1 timestamptz)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	PERFORM infraguard_internal.report_check_window(since, until);
	RETURN QUERY
	WITH a AS (
		SELECT al.alert_id, al.metric, al.level, al.message, al.opened_at, al.resolved_at,
			   al.opened_value, al.peak_value, al.peak_level
		  FROM infraguard.alerts al
		 WHERE al.opened_at <= until AND (al.resolved_at IS NULL OR al.resolved_at >= since)
	), l AS (
		SELECT a.metric, row_number() OVER (ORDER BY min(a.opened_at), a.metric) AS lane
		  FROM a
		 GROUP BY a.metric
	), seg AS (
		SELECT a.*, e.level AS seg_level, e.time AS s0,
			   lead(e.time) OVER (PARTITION BY a.alert_id ORDER BY e.time) AS s1
		  FROM a JOIN infraguard.alert_events e ON e.alert_id = a.alert_id AND e.event <> 'resolve'
		UNION ALL
		SELECT a.*, a.level, a.opened_at, NULL
		  FROM a
		 WHERE NOT EXISTS (SELECT 1 FROM infraguard.alert_events e
							WHERE e.alert_id = a.alert_id AND e.event <> 'resolve')
	)
	SELECT l.lane, s.metric, s.seg_level, s.message, s.opened_at, s.resolved_at,
		   s.opened_value, s.peak_value, s.peak_level,
		   greatest(s.s0, since),
		   least(coalesce(s.s1, s.resolved_at, until), until)
	  FROM seg s JOIN l ON l.metric = s.metric
	 WHERE l.lane <= max_lanes
	   AND s.s0 <= until AND coalesce(s.s1, s.resolved_at, until) >= since
	 ORDER BY l.lane, 10;
END;
$$;
COMMENT ON FUNCTION infraguard_internal.report_alert_segments(timestamptz, timestamptz, integer) IS
	'Internal: the alerts of a window as one segment per level, by lane, for report()''s alert timeline';
REVOKE ALL ON FUNCTION infraguard_internal.report_alert_segments(timestamptz, timestamptz, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION infraguard_internal.report_alert_segments(timestamptz, timestamptz, integer) TO pg_monitor;

/*
 * The statements that took the most execution time in a window, from
 * statement_history, with their database and text.  The DBA's own calls of
 * infraguard (health() polled by Grafana ...) are not the workload: left
 * out unless include_infraguard.
 */
CREATE OR REPLACE FUNCTION infraguard_internal.report_top_queries(since timestamptz, until timestamptz,
													   include_infraguard boolean DEFAULT false,
													   top integer DEFAULT 10)
RETURNS TABLE (datname name, queryid bigint, calls numeric, total_ms float8, rows numeric,
			   hit numeric, read numeric, query text)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	PERFORM infraguard_internal.report_check_window(since, until);
	RETURN QUERY
	SELECT d.datname, q.queryid, q.calls, q.total_ms, q.rows, q.hit, q.read, t.query
	  FROM (SELECT h.dbid, h.queryid, sum(h.calls) AS calls, sum(h.total_exec_ms) AS total_ms,
				   sum(h.rows) AS rows, sum(h.shared_blks_hit) AS hit, sum(h.shared_blks_read) AS read
			  FROM infraguard.statement_history h
			  LEFT JOIN infraguard.statement_texts ht ON ht.dbid = h.dbid AND ht.queryid = h.queryid
			 WHERE h.taken_at > since AND h.taken_at <= until
			   AND (include_infraguard OR NOT infraguard_internal.calls_infraguard(ht.query))
			 GROUP BY h.dbid, h.queryid
			 ORDER BY sum(h.total_exec_ms) DESC, h.queryid
			 LIMIT top) q
	  LEFT JOIN infraguard.statement_texts t ON t.dbid = q.dbid AND t.queryid = q.queryid
	  LEFT JOIN pg_database d ON d.oid = q.dbid
	 ORDER BY q.total_ms DESC, q.queryid;
END;
$$;
COMMENT ON FUNCTION infraguard_internal.report_top_queries(timestamptz, timestamptz, boolean, integer) IS
	'Internal: the statements with the most execution time in a window, for report()''s "Top queries"';
REVOKE ALL ON FUNCTION infraguard_internal.report_top_queries(timestamptz, timestamptz, boolean, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION infraguard_internal.report_top_queries(timestamptz, timestamptz, boolean, integer) TO pg_monitor;

/*
 * Server log events logged in a window, per kind (issue 15), from
 * log_event_history.  Kind 'lost' rows stand for events overwritten in
 * memory before a snapshot recorded them; they are left out here (their
 * number is in their excerpt, log_events() shows them).
 */
CREATE OR REPLACE FUNCTION infraguard_internal.report_log_event_counts(since timestamptz, until timestamptz)
RETURNS TABLE (kind text, events bigint, first_at timestamptz, last_at timestamptz)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
BEGIN
	PERFORM infraguard_internal.report_check_window(since, until);
	RETURN QUERY
	SELECT e.kind, count(*), min(e.logged_at), max(e.logged_at)
	  FROM infraguard.log_event_history e
	 WHERE e.logged_at >= report_log_event_counts.since AND e.logged_at <= report_log_event_counts.until
	   AND e.kind <> 'lost'
	 GROUP BY e.kind
	 ORDER BY count(*) DESC, e.kind;
END;
$$;
COMMENT ON FUNCTION infraguard_internal.report_log_event_counts(timestamptz, timestamptz) IS
	'Internal: server log events of each kind logged in a window, for report()''s "Server log events"';
REVOKE ALL ON FUNCTION infraguard_internal.report_log_event_counts(timestamptz, timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION infraguard_internal.report_log_event_counts(timestamptz, timestamptz) TO pg_monitor;

/*
 * The wait-event profile of the sampled intervals that ended in a window
 * (issue 15), from wait_profile_history: samples per wait event, their
 * share of all active samples, and the average number of sessions in it
 * (samples per sampling round), as wait_profile() computes them for a
 * window ending now.
 */
CREATE OR REPLACE FUNCTION infraguard_internal.report_wait_profile(since timestamptz, until timestamptz)
RETURNS TABLE (wait_event_type text, wait_event text, samples bigint, share_pct float8, avg_sessions float8)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
BEGIN
	PERFORM infraguard_internal.report_check_window(since, until);
	RETURN QUERY
	WITH w AS (
		SELECT h.* FROM infraguard.wait_profile_history h
		 WHERE h.until > report_wait_profile.since AND h.until <= report_wait_profile.until
	), totals AS (
		SELECT sum(w.samples) AS samples, sum(w.rounds) AS rounds
		  FROM w WHERE w.wait_event_type IS NULL
	)
	SELECT w.wait_event_type, w.wait_event, sum(w.samples)::bigint,
		   (100.0 * sum(w.samples) / nullif(max(t.samples), 0))::float8,
		   (sum(w.samples) / nullif(max(t.rounds), 0))::float8
	  FROM w CROSS JOIN totals t
	 WHERE w.wait_event_type IS NOT NULL
	 GROUP BY w.wait_event_type, w.wait_event
	 ORDER BY sum(w.samples) DESC, w.wait_event_type, w.wait_event;
END;
$$;
COMMENT ON FUNCTION infraguard_internal.report_wait_profile(timestamptz, timestamptz) IS
	'Internal: sampled wait events of active sessions in a window, for report()''s "Where the time goes"';
REVOKE ALL ON FUNCTION infraguard_internal.report_wait_profile(timestamptz, timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION infraguard_internal.report_wait_profile(timestamptz, timestamptz) TO pg_monitor;
