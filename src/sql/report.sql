/*
 * report(): one self-contained HTML page for a time window, to mail, attach
 * to a ticket or open from disk: charts of the history drawn as inline SVG,
 * and tables of what needs attention.  No script, no external asset, no web
 * font: it renders the same in a browser, a mail client or a headless
 * screenshot, and can be archived as it is.
 *
 * Every interpolated value goes through html_escape(), metric names and
 * class names included: table names, query texts and alert messages are
 * chosen by whoever can create a table or run a query.
 *
 * Three files, data apart from presentation:
 *	- src/sql/report_data.sql: the queries (report_series() reads
 *	  metric_history into JSON series, downsampled above max_points;
 *	  report_alert_lanes/segments() the alerts of the window;
 *	  report_top_queries() statement_history), returning rows or JSON;
 *	- src/sql/report_render.sql: the building blocks that turn them into
 *	  markup (axis ticks, svg_line_chart(), svg_alert_timeline(),
 *	  html_table(), the style sheet), reading no table;
 *	- this file: the page's sections (report_health(), report_charts(),
 *	  report_size_chart(), report_tables()), each a few queries handed to a
 *	  building block, and report(), which validates the window and
 *	  assembles them with the header and the style sheet.
 * All of them only read: they are granted to pg_monitor.  The helpers are
 * internal (schema infraguard_internal); report() is the interface.
 *
 * Why plpgsql, not C or a template: every input is a query result, and the
 * output is text.  In SQL the data parts are plain queries (one index range
 * per series), testable one by one from psql, and the escaping is one
 * function applied where values meet markup.  C would add a second copy of
 * each query, memory management of long strings and a crash risk in the
 * server for no gain (the time goes into the queries, which C would run
 * through SPI just the same); a template engine would be a dependency the
 * server does not have.  The cost is verbosity, which the split keeps to
 * small functions.
 */

/*
 * "Health now": a count per status, then health() with status colours.
 */
CREATE OR REPLACE FUNCTION infraguard_internal.report_health()
RETURNS text
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
	WITH h AS (
		SELECT * FROM infraguard.health() WITH ORDINALITY
	)
	SELECT '<section id="health"><h2>Health now</h2><p class="summary">'
		   || coalesce((SELECT string_agg(format('<span class="pill st-%s">%s %s</span>',
												 infraguard_internal.html_escape(c.status), c.n, infraguard_internal.html_escape(c.status)),
										  ' ' ORDER BY c.rank)
						  FROM (SELECT h.status, count(*) AS n,
									   CASE h.status WHEN 'critical' THEN 0 WHEN 'warning' THEN 1
													 WHEN 'ok' THEN 2 ELSE 3 END AS rank
								  FROM h GROUP BY h.status) c), '')
		   || '</p>'
		   || infraguard_internal.html_table(
				ARRAY['check', 'status', 'value', 'warning', 'critical', 'detail', 'action'],
				(SELECT jsonb_agg(jsonb_build_array(
							h.check_name,
							jsonb_build_object('text', h.status, 'class', 'status st-' || h.status),
							infraguard_internal.report_format_value(h.value, h.unit),
							infraguard_internal.report_format_value(h.warning, h.unit),
							infraguard_internal.report_format_value(h.critical, h.unit),
							h.detail, h.action) ORDER BY h.ordinality)
				   FROM h),
				ARRAY[NULL, NULL, 'num', 'num', 'num', NULL, NULL],
				'no check is enabled')
		   || '</section>'
$$;
COMMENT ON FUNCTION infraguard_internal.report_health() IS
	'Internal: the "Health now" section of report(): health() with status colours';
REVOKE ALL ON FUNCTION infraguard_internal.report_health() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION infraguard_internal.report_health() TO pg_monitor;

/*
 * Database sizes (the eight largest in the window) with their forecast:
 * capacity_forecast() over the window's length (forecasts are as of now).
 * A database whose forecast is trusted gets a dashed line over a quarter of
 * the window past until; every database gets a line of text with its growth
 * and the days until the storage thresholds, or why there is no forecast
 * ("12 minutes of history, need 6 hours").  Nothing is extrapolated that
 * capacity_forecast() does not trust.
 */
CREATE OR REPLACE FUNCTION infraguard_internal.report_size_chart(since timestamptz, until timestamptz)
RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	horizon timestamptz;
	names text[];
	labels text[];
	series jsonb;
	notes text[];
	projected boolean;
BEGIN
	/* the window first: from 17 on, an absurd one overflows interval math */
	PERFORM infraguard_internal.report_check_window(since, until);
	horizon := until + (until - since) / 4;
	SELECT array_agg(d.metric ORDER BY d.latest DESC, d.metric), array_agg(d.label ORDER BY d.latest DESC, d.metric)
	  INTO names, labels
	  FROM (SELECT n.metric, n.label, l.value AS latest
			  FROM infraguard_internal.report_metric_names('database_size_bytes:') n
			 CROSS JOIN LATERAL (SELECT h.value FROM infraguard.metric_history h
								  WHERE h.metric = n.metric COLLATE "C"
									AND h.taken_at >= since AND h.taken_at <= until
								  ORDER BY h.taken_at DESC LIMIT 1) l
			 ORDER BY l.value DESC, n.metric
			 LIMIT 8) d;
	series := infraguard_internal.report_series(names, labels, since, until);

	SELECT jsonb_agg(CASE WHEN f.trusted IS NOT TRUE THEN e.s
						  ELSE e.s || jsonb_build_object('projection', jsonb_build_array(
									  e.s->'points'->-1,
									  jsonb_build_array(extract(epoch FROM horizon),
														(e.s->'points'->-1->>1)::float8
														+ f.growth_per_day_bytes
														  * (extract(epoch FROM horizon) - (e.s->'points'->-1->>0)::float8)
														  / 86400)))
					 END ORDER BY e.ord),
		   array_agg(CASE
						WHEN f.growth_per_day_bytes IS NULL
						THEN format('%s: %s; no forecast: %s', e.s->>'name', f.current_size, f.note)
						WHEN NOT f.trusted AND f.growth_per_day_bytes = 0
						THEN format('%s: %s; not growing: %s', e.s->>'name', f.current_size, f.note)
						WHEN NOT f.trusted
						THEN format('%s: %s, changing about %s per day; no forecast: %s', e.s->>'name',
									f.current_size, pg_size_pretty(round(f.growth_per_day_bytes)::bigint), f.note)
						WHEN f.growth_per_day_bytes < 0
						THEN format('%s: %s, shrinking %s per day', e.s->>'name', f.current_size,
									pg_size_pretty(round(-f.growth_per_day_bytes)::bigint))
						WHEN f.days_to_warning IS NULL
						THEN format('%s: %s, growing %s per day', e.s->>'name', f.current_size,
									pg_size_pretty(round(f.growth_per_day_bytes)::bigint))
						WHEN f.days_to_warning <= 0
						THEN format('%s: %s, growing %s per day; the storage warning level is already reached',
									e.s->>'name', f.current_size, pg_size_pretty(round(f.growth_per_day_bytes)::bigint))
						ELSE format('%s: %s, growing %s per day (R-squared %s); storage warning level in %s days, critical in %s days',
									e.s->>'name', f.current_size, pg_size_pretty(round(f.growth_per_day_bytes)::bigint),
									round(f.r2::numeric, 2),
									round(f.days_to_warning::numeric, 1), round(f.days_to_critical::numeric, 1))
					 END ORDER BY e.ord) FILTER (WHERE f.name IS NOT NULL),
		   coalesce(bool_or(f.trusted), false)
	  INTO series, notes, projected
	  FROM jsonb_array_elements(series) WITH ORDINALITY e(s, ord)
	  LEFT JOIN infraguard.capacity_forecast(until - since) f
		ON f.kind = 'database' AND f.name = e.s->>'name';

	RETURN infraguard_internal.svg_line_chart('Database size', 'bytes',
									 tstzrange(since, CASE WHEN projected THEN horizon ELSE until END, '[]'),
									 series, false,
									 CASE WHEN projected THEN until END, notes);
END;
$$;
COMMENT ON FUNCTION infraguard_internal.report_size_chart(timestamptz, timestamptz) IS
	'Internal: report()''s database size chart with a dashed forecast and days to the storage thresholds';
REVOKE ALL ON FUNCTION infraguard_internal.report_size_chart(timestamptz, timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION infraguard_internal.report_size_chart(timestamptz, timestamptz) TO pg_monitor;

/*
 * The "History" section: every chart of the window.
 */
CREATE OR REPLACE FUNCTION infraguard_internal.report_charts(since timestamptz, until timestamptz)
RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	x_range tstzrange := tstzrange(since, until, '[]');
	charts text;
	names text[];
	labels text[];
BEGIN
	PERFORM infraguard_internal.report_check_window(since, until);
	/*
	 * The rows behind the latency_history view, read per metric: each series
	 * is then one range of the (metric, taken_at) index.
	 */
	charts := infraguard_internal.svg_line_chart('Statement latency', 'ms', x_range,
		infraguard_internal.report_series(ARRAY['latency_p50_ms', 'latency_p95_ms', 'latency_p99_ms'],
								 ARRAY['p50', 'p95', 'p99'], since, until));

	SELECT array_agg(n.metric ORDER BY n.metric), array_agg(n.label ORDER BY n.metric)
	  INTO names, labels
	  FROM infraguard_internal.report_metric_names('connections:') n;
	charts := charts || infraguard_internal.svg_line_chart('Connections by state', 'sessions', x_range,
		infraguard_internal.report_series(names, labels, since, until, fill_zero => true));

	charts := charts || infraguard_internal.svg_line_chart('Connection slots used', '%', x_range,
		infraguard_internal.report_series(ARRAY['connection_count'], NULL, since, until));

	charts := charts || infraguard_internal.svg_line_chart('CPU and memory', '%', x_range,
		infraguard_internal.report_series(ARRAY['cpu_percent', 'memory_percent'], NULL, since, until));

	charts := charts || infraguard_internal.report_size_chart(since, until);

	SELECT array_agg(n.metric ORDER BY n.metric), array_agg(n.label ORDER BY n.metric)
	  INTO names, labels
	  FROM infraguard_internal.report_metric_names('disk_used_pct:') n;
	charts := charts || infraguard_internal.svg_line_chart('Disk used', '%', x_range,
		infraguard_internal.report_series(names, labels, since, until));

	charts := charts || infraguard_internal.svg_alert_timeline(since, until);

	RETURN '<section id="history"><h2>History</h2><div class="grid">' || charts || '</div></section>';
END;
$$;
COMMENT ON FUNCTION infraguard_internal.report_charts(timestamptz, timestamptz) IS
	'Internal: report()''s charts of latency, connections, CPU and memory, sizes, disks and alerts';
REVOKE ALL ON FUNCTION infraguard_internal.report_charts(timestamptz, timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION infraguard_internal.report_charts(timestamptz, timestamptz) TO pg_monitor;

/*
 * The tables after the charts: top statements of the window (from
 * statement_history, summed per statement), largest growth, unused indexes
 * and the maintenance plan.
 */
CREATE OR REPLACE FUNCTION infraguard_internal.report_tables(since timestamptz, until timestamptz,
											include_infraguard boolean DEFAULT false)
RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	max_query_chars constant integer := 500;
	html text;
	body_rows jsonb;
BEGIN
	PERFORM infraguard_internal.report_check_window(since, until);
	SELECT jsonb_agg(jsonb_build_array(
				q.datname, q.calls,
				infraguard_internal.report_format_value(q.total_ms, 'ms'),
				infraguard_internal.report_format_value(q.total_ms / nullif(q.calls, 0), 'ms'),
				q.rows,
				infraguard_internal.report_format_value(100.0 * q.hit / nullif(q.hit + q.read, 0), '%'),
				CASE WHEN length(q.query) > max_query_chars THEN left(q.query, max_query_chars) || ' ...'
					 ELSE coalesce(q.query, '(text not recorded)') END)
			ORDER BY q.ordinality)
	  INTO body_rows
	  FROM infraguard_internal.report_top_queries(since, until, include_infraguard) WITH ORDINALITY q;
	html := '<section id="queries"><h2>Top queries</h2>'
			|| infraguard_internal.html_table(ARRAY['database', 'calls', 'total time', 'mean time', 'rows', 'cache hits', 'query'],
									 body_rows, ARRAY[NULL, 'num', 'num', 'num', 'num', 'num', 'sql'],
									 'No statement was recorded in this window (snapshots record them when pg_stat_statements is installed).')
			|| '</section>';

	SELECT jsonb_agg(jsonb_build_array(
				format('%I.%I', g.schema_name, g.table_name), g.size_now, g.growth,
				infraguard_internal.report_format_value(g.growth_per_day_bytes, 'bytes'),
				to_char(g.since, 'YYYY-MM-DD HH24:MI')) ORDER BY g.ordinality)
	  INTO body_rows
	  FROM infraguard.table_growth(until - since) WITH ORDINALITY g
	 WHERE g.ordinality <= 10 AND g.growth_bytes > 0;
	html := html || '<section id="growth"><h2>Largest growth</h2>'
			|| infraguard_internal.html_table(ARRAY['table', 'size now', 'growth', 'per day', 'measured from'],
									 body_rows, ARRAY[NULL, 'num', 'num', 'num', 'num'],
									 'No table grew in this window.')
			|| '</section>';

	SELECT jsonb_agg(jsonb_build_array(
				format('%I.%I', u.schema_name, u.index_name), format('%I', u.table_name), u.size,
				u.reason, u.suggestion) ORDER BY u.ordinality)
	  INTO body_rows
	  FROM infraguard.unused_indexes() WITH ORDINALITY u
	 WHERE u.ordinality <= 20;
	html := html || '<section id="unused-indexes"><h2>Unused indexes</h2>'
			|| infraguard_internal.html_table(ARRAY['index', 'table', 'size', 'reason', 'suggestion (never run by infraguard)'],
									 body_rows, ARRAY[NULL, NULL, 'num', NULL, 'sql'],
									 'No unused index.')
			|| '</section>';

	SELECT jsonb_agg(jsonb_build_array(
				m.priority, m.kind, m.object_name, m.statement, m.reason, m.estimated_gain) ORDER BY m.priority)
	  INTO body_rows
	  FROM infraguard.maintenance_plan() m
	 WHERE m.priority <= 20;
	html := html || '<section id="maintenance"><h2>Maintenance plan</h2>'
			|| infraguard_internal.html_table(ARRAY['#', 'kind', 'object', 'statement (never run by infraguard)', 'reason', 'estimated gain'],
									 body_rows, ARRAY['num', NULL, NULL, 'sql', NULL, 'num'],
									 'Nothing to do.')
			|| '</section>';
	RETURN html;
END;
$$;
COMMENT ON FUNCTION infraguard_internal.report_tables(timestamptz, timestamptz, boolean) IS
	'Internal: report()''s tables of top queries, largest growth, unused indexes and the maintenance plan';
REVOKE ALL ON FUNCTION infraguard_internal.report_tables(timestamptz, timestamptz, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION infraguard_internal.report_tables(timestamptz, timestamptz, boolean) TO pg_monitor;

/*
 * The sections of issue 15 and 13 after the tables: server log events of
 * the window per kind, where active sessions spent their time (the sampled
 * wait events), and the risks now: sequences above the sequence_exhaustion
 * check's warning level and what holds back VACUUM (vacuum_blockers()).
 * PL/pgSQL: sequences() is created after this file.
 */
CREATE OR REPLACE FUNCTION infraguard_internal.report_events(since timestamptz, until timestamptz)
RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	ts_format constant text := 'YYYY-MM-DD HH24:MI';
	max_query_chars constant integer := 200;
	html text;
	body_rows jsonb;
	seq_warning float8;
BEGIN
	PERFORM infraguard_internal.report_check_window(since, until);
	SELECT jsonb_agg(jsonb_build_array(e.kind, e.events, to_char(e.first_at, ts_format), to_char(e.last_at, ts_format))
			ORDER BY e.ordinality)
	  INTO body_rows
	  FROM infraguard_internal.report_log_event_counts(since, until) WITH ORDINALITY e;
	html := '<section id="log-events"><h2>Server log events</h2>'
			|| infraguard_internal.html_table(ARRAY['kind', 'events', 'first', 'last'],
									 body_rows, ARRAY[NULL, 'num', 'num', 'num'],
									 'No server log event was recorded in this window (log_events() lists them).')
			|| '</section>';

	SELECT jsonb_agg(jsonb_build_array(w.wait_event_type, w.wait_event, w.samples,
				infraguard_internal.report_format_value(w.share_pct, '%'),
				infraguard_internal.report_format_value(w.avg_sessions, 'sessions')) ORDER BY w.ordinality)
	  INTO body_rows
	  FROM infraguard_internal.report_wait_profile(since, until) WITH ORDINALITY w
	 WHERE w.ordinality <= 15;
	html := html || '<section id="waits"><h2>Where the time goes</h2>'
			|| infraguard_internal.html_table(ARRAY['wait event type', 'wait event', 'samples', 'share', 'average sessions'],
									 body_rows, ARRAY[NULL, NULL, 'num', 'num', 'num'],
									 'No wait-event sample was recorded in this window (the sampler runs when infraguard is preloaded and infraguard.wait_sampling_hz is above 0).')
			|| '</section>';

	/* the check's own level: a disabled check or level lists nothing */
	SELECT t.warning INTO seq_warning
	  FROM infraguard.thresholds t
	 WHERE t.metric = 'sequence_exhaustion' AND t.enabled;
	SELECT jsonb_agg(jsonb_build_array(
				format('%I.%I', q.schema_name, q.sequence_name),
				CASE WHEN q.table_name IS NOT NULL THEN format('%I.%I.%I', q.table_schema, q.table_name, q.column_name) END,
				infraguard_internal.report_format_value(q.pct_used, '%'), q.remaining_values::text, q.limit_by, q.fix)
			ORDER BY q.ordinality)
	  INTO body_rows
	  FROM infraguard.sequences() WITH ORDINALITY q
	 WHERE q.pct_used >= seq_warning AND q.ordinality <= 20;
	html := html || '<section id="risks"><h2>Risks</h2>'
			|| '<h3>Sequences above the sequence_exhaustion warning level'
			|| CASE WHEN seq_warning IS NULL THEN ' (check or level disabled)'
					ELSE ' (' || infraguard_internal.html_escape(infraguard_internal.report_format_value(seq_warning, '%')) || ')' END
			|| '</h3>'
			|| infraguard_internal.html_table(ARRAY['sequence', 'column', 'used', 'values left', 'limit', 'fix (never run by infraguard)'],
									 body_rows, ARRAY[NULL, NULL, 'num', 'num', NULL, 'sql'],
									 'No sequence above the level.');

	SELECT jsonb_agg(jsonb_build_array(
				b.rank, b.kind, b.name, b.dbname, b.xid_age,
				infraguard_internal.report_format_value(b.age_seconds, 's'),
				CASE WHEN length(b.query) > max_query_chars THEN left(b.query, max_query_chars) || ' ...' ELSE b.query END,
				b.action) ORDER BY b.rank)
	  INTO body_rows
	  FROM infraguard.vacuum_blockers() b
	 WHERE b.rank <= 5;
	html := html || '<h3>What holds back VACUUM</h3>'
			|| infraguard_internal.html_table(ARRAY['#', 'kind', 'holder', 'database', 'xid age', 'age', 'query', 'action (never run by infraguard)'],
									 body_rows, ARRAY['num', NULL, NULL, NULL, 'num', 'num', 'sql', 'sql'],
									 'Nothing holds back the xmin horizon.')
			|| '</section>';
	RETURN html;
END;
$$;
COMMENT ON FUNCTION infraguard_internal.report_events(timestamptz, timestamptz) IS
	'Internal: report()''s server log events, wait profile and risks (sequences above their warning level, vacuum blockers)';
REVOKE ALL ON FUNCTION infraguard_internal.report_events(timestamptz, timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION infraguard_internal.report_events(timestamptz, timestamptz) TO pg_monitor;

/*
 * The report.  The window is checked here: at most 400 days, so that no
 * call reads years of history by mistake; each series is downsampled to at
 * most 500 points whatever the window.
 */
CREATE OR REPLACE FUNCTION infraguard.report(since timestamptz DEFAULT now() - interval '24 hours',
								  until timestamptz DEFAULT now(),
								  include_infraguard boolean DEFAULT false)
RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	ts_format constant text := 'YYYY-MM-DD HH24:MI:SS TZ';
	server text;
	charts_from timestamptz;
BEGIN
	PERFORM infraguard_internal.report_check_window(since, until);

	/*
	 * The charts start at the first sample in the window: the default last
	 * 24 hours of a server that has recorded for ten minutes would otherwise
	 * squeeze all of it into the right edge of a day-long axis.  (One index
	 * probe of metric_history's taken_at.)
	 */
	SELECT min(h.taken_at) INTO charts_from
	  FROM infraguard.metric_history h
	 WHERE h.taken_at >= since AND h.taken_at <= until;
	IF charts_from IS NULL OR charts_from >= until THEN
		charts_from := since;
	END IF;

	server := coalesce(nullif(current_setting('cluster_name'), ''), host(inet_server_addr()), 'local socket')
			  || ', port ' || current_setting('port');
	RETURN '<!DOCTYPE html>' || E'\n'
		|| '<html lang="en"><head><meta charset="utf-8">'
		|| '<meta name="viewport" content="width=device-width, initial-scale=1">'
		|| '<meta name="generator" content="infraguard ' || infraguard_internal.html_escape(infraguard.version()) || '">'
		|| '<title>infraguard report: ' || infraguard_internal.html_escape(current_database()) || '</title>'
		|| '<style>' || infraguard_internal.report_style() || '</style></head>' || E'\n<body>\n'
		|| '<header><h1><span class="brand">infraguard</span> report: '
		|| infraguard_internal.html_escape(current_database()) || '</h1><dl class="meta">'
		|| '<dt>Database</dt><dd>' || infraguard_internal.html_escape(current_database()) || '</dd>'
		|| '<dt>Window</dt><dd>' || infraguard_internal.html_escape(to_char(since, ts_format)) || ' &ndash; '
		|| infraguard_internal.html_escape(to_char(until, ts_format))
		|| ' (' || infraguard_internal.html_escape(date_trunc('second', until - since)::text) || ')'
		|| CASE WHEN charts_from > since
				THEN '; history from ' || infraguard_internal.html_escape(to_char(charts_from, ts_format))
				ELSE '' END || '</dd>'
		|| '<dt>Server</dt><dd>' || infraguard_internal.html_escape(server) || '</dd>'
		|| '<dt>Generated</dt><dd>' || infraguard_internal.html_escape(to_char(now(), ts_format)) || '</dd>'
		|| '<dt>PostgreSQL</dt><dd>' || infraguard_internal.html_escape(current_setting('server_version')) || '</dd>'
		|| '<dt>infraguard</dt><dd>' || infraguard_internal.html_escape(infraguard.version()) || '</dd>'
		|| '</dl></header>' || E'\n'
		|| infraguard_internal.report_health() || E'\n'
		|| infraguard_internal.report_charts(charts_from, until) || E'\n'
		|| infraguard_internal.report_tables(since, until, coalesce(include_infraguard, false)) || E'\n'
		|| infraguard_internal.report_events(since, until) || E'\n'
		|| '<footer>Times are in ' || infraguard_internal.html_escape(current_setting('TimeZone'))
		|| '. History, forecasts and alerts are those recorded in database '
		|| infraguard_internal.html_escape(current_database())
		|| '; forecasts are as of the time of generation.</footer>' || E'\n'
		|| '</body></html>' || E'\n';
END;
$$;
COMMENT ON FUNCTION infraguard.report(timestamptz, timestamptz, boolean) IS
	'A self-contained HTML report of a window (default: the last 24 hours): health, history charts as inline SVG, top queries (without calls of infraguard itself unless include_infraguard), growth, unused indexes, maintenance plan';
REVOKE ALL ON FUNCTION infraguard.report(timestamptz, timestamptz, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION infraguard.report(timestamptz, timestamptz, boolean) TO pg_monitor;
