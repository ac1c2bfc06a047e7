--
-- report(): one self-contained HTML page.  Asserts properties of the page
-- (counts, presence, escaping), never the HTML itself, which holds times and
-- machine-dependent values.
--
SET client_min_messages = error;	-- alert WARNINGs of the snapshots carry machine-dependent values

-- html_escape() escapes the five characters, and NULL is an empty string
SELECT infraguard_internal.html_escape('<a href="x">''&amp;</a>') AS escaped,
	   infraguard_internal.html_escape(NULL) = '' AS null_is_empty;

-- names and texts whoever can create a table or run a query chooses
CREATE TABLE fixture."<script>alert(1)</script>" (id integer, """'&" text);
CREATE INDEX """'&_unused" ON fixture."<script>alert(1)</script>" (id);
SELECT infraguard.take_snapshot() > 0 AS first_snapshot;
INSERT INTO fixture."<script>alert(1)</script>" SELECT i, 'x' FROM generate_series(1, 5000) i;
-- slow enough to be among the window's top statements
SELECT pg_sleep(1) AS "<script>alert(1)</script>", 2 AS """'&";
SELECT pg_stat_force_next_flush();
SELECT infraguard.take_snapshot() > 0 AS second_snapshot;
SELECT infraguard.take_snapshot() > 0 AS third_snapshot;

CREATE FUNCTION pg_temp.occurrences(haystack text, needle text) RETURNS integer
LANGUAGE sql IMMUTABLE AS $$
	SELECT (length(haystack) - length(replace(haystack, needle, ''))) / length(needle)
$$;
-- the part of the page from an element's id to the end of its figure or section
CREATE FUNCTION pg_temp.part(html text, id text, closing text DEFAULT '</figure>') RETURNS text
LANGUAGE sql IMMUTABLE AS $$
	SELECT split_part(substr(html, nullif(strpos(html, 'id="' || id || '"'), 0)), closing, 1)
$$;

-- The default window (24 hours) over seconds of history: the time axis
-- starts at the first sample (labels in seconds), and the size chart has no
-- forecast, only why (0.1: a 24-hour axis with the data in its last pixel,
-- and a dashed line from seconds of data)
CREATE TEMP TABLE fresh AS SELECT infraguard.report() AS html;
SELECT pg_temp.occurrences(pg_temp.part(html, 'chart-statement-latency'), 'class="xlabel"') >= 1 AS ticks,
	   pg_temp.part(html, 'chart-statement-latency') !~ 'class="xlabel"[^>]*>[0-9]{2}:[0-9]{2}<' AS seconds_axis,
	   strpos(html, '; history from ') > 0 AS header_says_so,
	   strpos(pg_temp.part(html, 'chart-database-size'), 'class="projection"') = 0 AS no_projection,
	   pg_temp.part(html, 'chart-database-size') ~ 'contrib_regression: [^<]*; no forecast: ([0-9.]+ (second|minute)s? of history, need 6 hours|[0-9]+ samples?, need at least 6)' AS says_why
  FROM fresh;

BEGIN;
-- 2,000 older CPU samples: the chart shows 500 averaged points
INSERT INTO infraguard.metric_history (taken_at, snapshot_id, metric, value)
SELECT now() - interval '23 hours' + i * interval '30 seconds', 0, 'cpu_percent', 50 + 40 * sin(i / 100.0)
  FROM generate_series(1, 2000) i;
-- 23 hours of this database growing 50 MB a day, up to its size now: a
-- trusted trend, drawn dashed
INSERT INTO infraguard.metric_history (taken_at, snapshot_id, metric, value)
SELECT now() - interval '23 hours' + i * interval '10 minutes', 0, 'database_size_bytes:' || current_database(),
	   pg_database_size(current_database()) - 50e6 * (23 * 6 - i) / 144.0
  FROM generate_series(0, 137) i;
-- a metric name and alerts to escape; one resolved critical, one open warning
INSERT INTO infraguard.metric_history (taken_at, snapshot_id, metric, value)
VALUES (now() - interval '1 hour', 0, 'connections:<b>"''&</b>', 3);
INSERT INTO infraguard.alerts (metric, level, value, threshold, opened_at, last_seen_at, resolved_at, message)
VALUES ('cpu_percent', 'critical', 95, 90, now() - interval '5 hours', now() - interval '4 hours',
		now() - interval '4 hours', 'cpu <script>alert(1)</script>'),
	   ('disk "''&', 'warning', 75, 70, now() - interval '2 hours', now(), NULL, 'disk filling');
-- an alert with its events: opened critical at 97, lowered to warning, resolved
WITH a AS (
	INSERT INTO infraguard.alerts (metric, level, value, threshold, opened_at, last_seen_at, resolved_at, message,
								   opened_value, peak_value, peak_at, peak_level, peak_level_at)
	VALUES ('replication_lag', 'warning', 20, 30, now() - interval '3 hours', now() - interval '2 hours',
			now() - interval '2 hours', 'lag resolved', 97, 97, now() - interval '3 hours', 'critical',
			now() - interval '3 hours')
	RETURNING alert_id
)
INSERT INTO infraguard.alert_events (alert_id, time, event, metric, level, value, threshold, message)
SELECT a.alert_id, now() - e.ago, e.event, 'replication_lag', e.level, e.value, e.threshold, 'lag'
  FROM a, (VALUES (interval '3 hours', 'open', 'critical', 97, 300),
				  (interval '150 minutes', 'deescalate', 'warning', 60, 30),
				  (interval '2 hours', 'resolve', NULL, 20, NULL)) e(ago, event, level, value, threshold);
CREATE TEMP TABLE page AS SELECT infraguard.report() AS html;

-- a whole document, and nothing that runs or loads from elsewhere
SELECT html LIKE '<!DOCTYPE html>%' AS doctype,
	   rtrim(html, E'\n') LIKE '%</html>' AS closed,
	   strpos(lower(html), '<script') = 0 AS no_script,
	   strpos(lower(html), 'javascript:') = 0 AS no_javascript_url,
	   strpos(html, 'http://') = 0 AND strpos(html, 'https://') = 0 AS no_external_reference,
	   strpos(lower(html), '<link') = 0 AND strpos(lower(html), '<img') = 0 AS no_external_asset,
	   strpos(lower(html), '@import') = 0 AND strpos(lower(html), 'url(') = 0 AS no_css_fetch,
	   pg_temp.occurrences(html, '<svg') AS svgs,
	   html !~ '(x|y|cx|cy|x1|x2|y1|y2|width|height|points)="[^"]*(NaN|null|undefined|Infinity)' AS finite_coordinates
  FROM page;

-- the header
SELECT strpos(html, '<dt>Database</dt><dd>contrib_regression</dd>') > 0 AS database,
	   strpos(html, '<dt>PostgreSQL</dt><dd>' || current_setting('server_version') || '</dd>') > 0 AS pg_version,
	   strpos(html, '<dt>infraguard</dt><dd>' || infraguard.version() || '</dd>') > 0 AS ig_version,
	   strpos(html, '<dt>Window</dt>') > 0 AND strpos(html, '<dt>Generated</dt>') > 0
	   AND strpos(html, '<dt>Server</dt>') > 0 AS window_and_time
  FROM page;

-- every section and chart title
SELECT title, strpos(html, '<h2>' || title || '</h2>') > 0
			  OR strpos(html, '<figcaption>' || title || '</figcaption>') > 0 AS present
  FROM page, unnest(ARRAY['Health now', 'History', 'Statement latency', 'Connections by state',
						  'Connection slots used', 'CPU and memory', 'Database size', 'Disk used',
						  'Alerts', 'Top queries', 'Largest growth', 'Unused indexes',
						  'Maintenance plan']) title;

-- each chart is drawn, with its points marked; no series has over 500 points
SELECT id, pg_temp.occurrences(pg_temp.part(html, id), '<circle class="pt"') > 1 AS points,
	   pg_temp.occurrences(pg_temp.part(html, id), '<g class="series"') >= 1 AS series,
	   strpos(pg_temp.part(html, id), 'class="legend"') > 0 AS legend,
	   pg_temp.occurrences(pg_temp.part(html, id), 'class="xlabel"') >= 2 AS time_ticks,
	   pg_temp.occurrences(pg_temp.part(html, id), 'class="ylabel"') >= 2 AS value_ticks,
	   strpos(pg_temp.part(html, id), 'no data in this window') = 0 AS has_data
  FROM page, unnest(ARRAY['chart-statement-latency', 'chart-connections-by-state',
						  'chart-connection-slots-used', 'chart-cpu-and-memory',
						  'chart-database-size', 'chart-disk-used']) id;
SELECT strpos(pg_temp.part(html, 'chart-cpu-and-memory'), 'data-series="CPU busy" data-points="500"') > 0 AS cpu_downsampled,
	   (SELECT max(m[1]::integer) FROM regexp_matches(html, 'data-points="([0-9]+)"', 'g') m) <= 500 AS at_most_500,
	   strpos(pg_temp.part(html, 'chart-cpu-and-memory'), '>100%</text>') > 0 AS percent_axis,
	   strpos(pg_temp.part(html, 'chart-statement-latency'), ' ms</text>') > 0 AS ms_axis,
	   strpos(pg_temp.part(html, 'chart-database-size'), 'B</text>') > 0 AS size_axis,
	   strpos(pg_temp.part(html, 'chart-database-size'), 'class="projection"') > 0 AS size_forecast,
	   strpos(pg_temp.part(html, 'chart-database-size'), 'contrib_regression: ') > 0 AS forecast_note
  FROM page;

-- alerts: bars coloured by level, clipped to the window
SELECT pg_temp.occurrences(pg_temp.part(html, 'chart-alerts'), '<rect class="alert"') >= 2 AS bars,
	   strpos(pg_temp.part(html, 'chart-alerts'), 'data-level="critical"') > 0 AS critical,
	   strpos(pg_temp.part(html, 'chart-alerts'), 'data-level="warning"') > 0 AS warning
  FROM page;
-- an alert's levels from its events: a critical bar, then a warning bar, each with the peak
SELECT pg_temp.occurrences(pg_temp.part(html, 'chart-alerts'), '<rect class="alert"') >= 4 AS bars,
	   pg_temp.occurrences(pg_temp.part(html, 'chart-alerts'), 'value at opening 97, peak 97 (critical)') AS lag_bars,
	   strpos(pg_temp.part(html, 'chart-alerts'), 'critical: lag resolved') BETWEEN 1 AND
	   strpos(pg_temp.part(html, 'chart-alerts'), 'warning: lag resolved') AS critical_then_warning
  FROM page;

-- tables: one health row per check, with its status colour
SELECT pg_temp.occurrences(pg_temp.part(html, 'health', '</section>'), '<td class="status st-')
		   = (SELECT count(*) FROM infraguard.health()) AS health_rows,
	   strpos(pg_temp.part(html, 'queries', '</section>'), '<table>') > 0 AS top_queries,
	   strpos(pg_temp.part(html, 'growth', '</section>'), '<table>') > 0 AS growth,
	   strpos(pg_temp.part(html, 'unused-indexes', '</section>'), '<table>') > 0 AS unused_indexes,
	   strpos(pg_temp.part(html, 'maintenance', '</section>'), '<table>') > 0 AS maintenance_plan
  FROM page;

-- every hostile name and text is escaped where it appears
SELECT strpos(pg_temp.part(html, 'queries', '</section>'),
			  'AS &quot;&lt;script&gt;alert(1)&lt;/script&gt;&quot;, $2 AS &quot;&quot;&quot;&#39;&amp;&quot;') > 0 AS query_text,
	   strpos(pg_temp.part(html, 'growth', '</section>'),
			  'fixture.&quot;&lt;script&gt;alert(1)&lt;/script&gt;&quot;') > 0 AS table_name,
	   strpos(pg_temp.part(html, 'unused-indexes', '</section>'),
			  'fixture.&quot;&quot;&quot;&#39;&amp;_unused&quot;') > 0 AS index_name,
	   strpos(pg_temp.part(html, 'chart-connections-by-state'), '&lt;b&gt;&quot;&#39;&amp;&lt;/b&gt;') > 0 AS metric_name,
	   strpos(pg_temp.part(html, 'chart-alerts'), '>disk &quot;&#39;&amp;</text>') > 0 AS alert_metric,
	   strpos(pg_temp.part(html, 'chart-alerts'), 'cpu &lt;script&gt;alert(1)&lt;/script&gt;') > 0 AS alert_message,
	   strpos(html, '<b>') = 0 AS no_raw_markup
  FROM page;
ROLLBACK;

-- a window without history: a note instead of each chart, notes instead of tables
SELECT pg_temp.occurrences(html, '<svg') AS svgs,
	   pg_temp.occurrences(html, '<p class="nodata">no data in this window</p>') AS empty_charts,
	   strpos(html, 'no alerts in this window') > 0 AS no_alerts,
	   strpos(pg_temp.part(html, 'queries', '</section>'), 'No statement was recorded in this window') > 0 AS no_queries,
	   strpos(html, '<h2>Health now</h2>') > 0 AS health_still_shown
  FROM (SELECT infraguard.report('2001-01-01', '2001-01-02') AS html) r;

-- a pg_monitor member can run it
CREATE ROLE ig_report_reader IN ROLE pg_monitor;
SET ROLE ig_report_reader;
SELECT infraguard.report(now() - interval '1 hour') LIKE '<!DOCTYPE html>%' AS monitor_can_run;
RESET ROLE;
DROP ROLE ig_report_reader;

-- bad windows (their HINTs say what to do; the line numbers of CONTEXT would only churn)
\set SHOW_CONTEXT never
CREATE FUNCTION pg_temp.sqlstate_of(since timestamptz, until timestamptz) RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
	PERFORM infraguard.report(since, until);
	RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
	RETURN SQLSTATE;
END $$;
SELECT w.since, w.until, pg_temp.sqlstate_of(w.since, w.until) AS sqlstate
  FROM (VALUES (NULL::timestamptz, '2024-01-01'::timestamptz), ('2024-01-01', NULL), ('-infinity', '2024-01-01'),
			   ('2024-01-01', 'infinity'), ('2024-01-02', '2024-01-01'), ('2024-01-01', '2024-01-01'),
			   ('2020-01-01', '2024-01-01'), ('2023-01-01', '2024-01-01')) w(since, until);
SELECT infraguard.report(NULL, '2024-01-01');
SELECT infraguard.report('2024-01-01', NULL);
SELECT infraguard.report('-infinity', '2024-01-01');
SELECT infraguard.report('2024-01-02', '2024-01-01');
SELECT infraguard.report('2024-01-01', '2024-01-01');
SELECT infraguard.report('2020-01-01', '2024-01-01');
-- windows whose length overflows an interval (0.1 let them through, then
-- failed in a part with an unrelated message)
SELECT infraguard.report('4713-01-01 BC', '294276-01-01');

-- every helper called on its own: a bad window or range is a clean 22023,
-- never a division by zero, an overflow or an unrelated message
CREATE FUNCTION pg_temp.sqlstate_of_sql(q text) RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE q;
	RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
	RETURN SQLSTATE || ' ' || SQLERRM;
END $$;
SELECT q.call, pg_temp.sqlstate_of_sql('SELECT * FROM ' || q.call) AS result
  FROM (VALUES
	('infraguard_internal.report_value_ticks(1, 0, ''ms'')'),
	('infraguard_internal.report_value_ticks(-1e308, 1e308, ''ms'')'),
	('infraguard_internal.report_value_ticks(1e-300, 2e-300, ''ms'')'),
	('infraguard_internal.report_time_ticks(''2024-01-01'', ''2024-01-01'')'),
	('infraguard_internal.report_time_ticks(''2024-01-02'', ''2024-01-01'')'),
	('infraguard_internal.report_time_ticks(''-infinity'', ''2024-01-01'')'),
	('infraguard_internal.report_series(ARRAY[''cpu_percent''], NULL, ''2024-01-01'', ''2024-01-01'')'),
	('infraguard_internal.report_series(ARRAY[''cpu_percent''], NULL, ''2024-01-01'', ''2024-01-02'', 0)'),
	('infraguard_internal.report_charts(''2024-01-01'', ''2024-01-01'')'),
	('infraguard_internal.report_size_chart(''2024-01-01'', ''2024-01-01'')'),
	('infraguard_internal.report_size_chart(''4713-01-01 BC'', ''294276-01-01'')'),
	('infraguard_internal.report_tables(''2024-01-01'', ''2024-01-01'')'),
	('infraguard_internal.svg_alert_timeline(''2024-01-01'', ''2024-01-01'')'),
	('infraguard_internal.svg_line_chart(''t'', ''ms'', tstzrange(''2024-01-01'', ''2024-01-02''), ''[{"name": "a", "points": [[1704067200, 1e308], [1704070800, -1e308]]}]'')'),
	('infraguard_internal.svg_line_chart(''t'', ''%'', tstzrange(''2024-01-01'', ''2024-01-02''), ''[{"name": "a", "points": [[1704067200, "NaN"]]}]'')'),
	('infraguard_internal.svg_line_chart(''t'', ''ms'', tstzrange(''2024-01-01'', ''2024-01-02''), ''[{"name": "a", "points": [[1704067200, null]]}]'')'),
	('infraguard_internal.svg_line_chart(''t'', ''ms'', tstzrange(''2024-01-01'', ''2024-01-02''), ''[{"name": "a", "points": [[1704067200, 1], [1704070800]]}]'')'),
	('infraguard_internal.report_format_value(1e300, ''bytes'')'),
	('infraguard_internal.report_alert_lanes(''2024-01-02'', ''2024-01-01'')'),
	('infraguard_internal.report_alert_segments(''2024-01-01'', ''infinity'')'),
	('infraguard_internal.report_top_queries(''2024-01-01'', ''2024-01-01'')'),
	('infraguard_internal.report_events(''2024-01-02'', ''2024-01-01'')'),
	('infraguard_internal.report_log_event_counts(''2024-01-01'', ''2024-01-01'')'),
	('infraguard_internal.report_wait_profile(''2024-01-01'', ''infinity'')')
  ) q(call);
-- flat and zero ranges still get an axis
SELECT string_agg(label, ' ' ORDER BY tick) AS flat_zero FROM infraguard_internal.report_value_ticks(0, 0, '%');
SELECT string_agg(label, ' ' ORDER BY tick) AS flat_five FROM infraguard_internal.report_value_ticks(5, 5, 'ms');
SELECT string_agg(label, ' ' ORDER BY tick) AS small FROM infraguard_internal.report_value_ticks(0.001, 0.0012, 'ms');
SELECT string_agg(label, ' ' ORDER BY tick) AS centuries FROM infraguard_internal.report_time_ticks('2000-01-01', '2300-01-01');

\set SHOW_CONTEXT errors
DROP TABLE fixture."<script>alert(1)</script>";
RESET client_min_messages;

-- top queries: the DBA's own calls of infraguard are left out unless asked
BEGIN;
INSERT INTO infraguard.statement_texts VALUES
	(1, 101, 'SELECT * FROM infraguard.health()', now()),
	(1, 102, 'SELECT count(*) FROM app_orders WHERE status = $1', now());
INSERT INTO infraguard.statement_history VALUES
	('2001-01-01 12:00', 1, 60, 101, 1, 10, 500, 900000, 1, 1, 0),
	('2001-01-01 12:00', 1, 60, 102, 1, 10, 5, 1000, 5, 1, 0);
SELECT position('app_orders' IN t) > 0 AS workload_shown,
	   position('infraguard.health' IN t) = 0 AS own_calls_left_out
  FROM infraguard_internal.report_tables('2001-01-01', '2001-01-02') t;
SELECT position('infraguard.health' IN t) > 0 AS own_calls_when_asked
  FROM infraguard_internal.report_tables('2001-01-01', '2001-01-02', true) t;
ROLLBACK;

-- server log events, wait profile and risks: counts per kind of the window
-- only (lost rows left out), shares of all active samples, the sequence
-- above the check's warning level, every text escaped
BEGIN;
INSERT INTO infraguard.log_event_history (taken_at, server_started, seq, logged_at, kind, sqlstate, level)
SELECT '2001-01-01 12:00', '2001-01-01', i, '2001-01-01 11:00'::timestamptz + i * interval '1 minute',
	   CASE WHEN i <= 3 THEN 'deadlock' WHEN i <= 4 THEN '<b>kind</b>' WHEN i <= 5 THEN 'lost' ELSE 'temp_file' END,
	   '40P01', 'ERROR'
  FROM generate_series(1, 12) i;
-- outside the window
INSERT INTO infraguard.log_event_history (taken_at, server_started, seq, logged_at, kind, sqlstate, level)
VALUES ('2001-01-03 12:00', '2001-01-01', 100, '2001-01-03 11:00', 'deadlock', '40P01', 'ERROR');
INSERT INTO infraguard.wait_profile_history VALUES
	('2001-01-01 12:00', 1, '2001-01-01 11:59', '2001-01-01 12:00', 600, NULL, NULL, NULL, 300),
	('2001-01-01 12:00', 1, '2001-01-01 11:59', '2001-01-01 12:00', 600, 'CPU', 'CPU', 7, 150),
	('2001-01-01 12:00', 1, '2001-01-01 11:59', '2001-01-01 12:00', 600, 'CPU', 'CPU', NULL, 30),
	('2001-01-01 12:00', 1, '2001-01-01 11:59', '2001-01-01 12:00', 600, 'Lock', 'transactionid', 8, 120),
	('2001-01-03 12:00', 2, '2001-01-03 11:59', '2001-01-03 12:00', 600, NULL, NULL, NULL, 600),
	('2001-01-03 12:00', 2, '2001-01-03 11:59', '2001-01-03 12:00', 600, 'IO', 'DataFileRead', NULL, 600);
SELECT * FROM infraguard_internal.report_log_event_counts('2001-01-01', '2001-01-02');
SELECT * FROM infraguard_internal.report_wait_profile('2001-01-01', '2001-01-02');
CREATE SEQUENCE fixture."<i>seq</i>" MAXVALUE 100;
SELECT setval('fixture."<i>seq</i>"', 95);
CREATE SEQUENCE fixture.roomy_seq MAXVALUE 100;
SELECT setval('fixture.roomy_seq', 10);
CREATE TEMP TABLE ev AS SELECT infraguard_internal.report_events('2001-01-01', '2001-01-02') AS html;
SELECT strpos(html, '<td>deadlock</td><td class="num">3</td>') > 0 AS deadlocks_counted,
	   strpos(html, '<td>temp_file</td><td class="num">7</td>') > 0 AS temp_files_counted,
	   strpos(html, '&lt;b&gt;kind&lt;/b&gt;') > 0 AND strpos(html, '<b>kind') = 0 AS kind_escaped,
	   strpos(html, '>lost<') = 0 AS lost_left_out,
	   strpos(html, '<td>CPU</td><td>CPU</td><td class="num">180</td><td class="num">60%</td><td class="num">0.3</td>') > 0 AS cpu_share,
	   strpos(html, '<td>Lock</td><td>transactionid</td><td class="num">120</td><td class="num">40%</td><td class="num">0.2</td>') > 0 AS lock_share,
	   strpos(html, 'DataFileRead') = 0 AS other_window_left_out,
	   strpos(html, 'fixture.&quot;&lt;i&gt;seq&lt;/i&gt;&quot;') > 0 AND strpos(html, '<i>seq') = 0 AS sequence_escaped,
	   strpos(html, 'roomy_seq') = 0 AS roomy_left_out,
	   strpos(html, '(75%)') > 0 AS level_shown,
	   strpos(html, 'id="risks"') > 0 AND strpos(html, 'What holds back VACUUM') > 0 AS risks_section
  FROM ev;
-- a disabled check lists no sequence, and says so
SELECT infraguard.disable_threshold('sequence_exhaustion');
SELECT strpos(t, '<i>seq') = 0 AND strpos(t, '&lt;i&gt;seq') = 0 AS none_listed, strpos(t, '(check or level disabled)') > 0 AS says_disabled
  FROM infraguard_internal.report_events('2001-01-01', '2001-01-02') t;
-- report() carries the three sections
SELECT strpos(r, 'id="log-events"') > 0 AS log_events, strpos(r, 'id="waits"') > 0 AS waits,
	   strpos(r, 'id="risks"') > 0 AS risks
  FROM infraguard.report('2001-01-01', '2001-01-02') r;
ROLLBACK;
