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
 * Building blocks, each usable on its own:
 *	- report_series() reads metric_history into JSON series, one point per
 *	  sample, downsampled by equal-count buckets above max_points;
 *	- svg_line_chart() and svg_alert_timeline() draw them;
 *	- html_table() renders rows of JSON cells, escaping each;
 *	- report_health(), report_charts(), report_size_chart() and
 *	  report_tables() are the page's sections; report() validates the window
 *	  and assembles them with the header and the style sheet.
 * All of them only read: they are granted to pg_monitor.
 */

CREATE OR REPLACE FUNCTION infraguard_internal.html_escape(value text)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT replace(replace(replace(replace(replace(coalesce(value, ''),
		'&', '&amp;'), '<', '&lt;'), '>', '&gt;'), '"', '&quot;'), '''', '&#39;')
$$;
COMMENT ON FUNCTION infraguard_internal.html_escape(text) IS
	'Internal: text made safe for HTML content and quoted attributes (& < > " '' escaped); NULL gives an empty string';
REVOKE ALL ON FUNCTION infraguard_internal.html_escape(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION infraguard_internal.html_escape(text) TO pg_monitor;

/*
 * A value with its unit, as the legends and tables show it: sizes through
 * pg_size_pretty, other values with at most two decimals.
 */
CREATE OR REPLACE FUNCTION infraguard_internal.report_format_value(value float8, unit text)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT CASE
		WHEN value IS NULL THEN NULL
		WHEN value = 'NaN' OR abs(value) = 'Infinity' THEN value::text
		/* numeric: a float8 size may exceed bigint */
		WHEN unit = 'bytes' THEN pg_size_pretty(round(value::numeric))
		WHEN unit = '%' THEN trim_scale(round(value::numeric, 1))::text || '%'
		WHEN coalesce(unit, '') IN ('', 'sessions') THEN trim_scale(round(value::numeric, 2))::text
		ELSE trim_scale(round(value::numeric, 2))::text || ' ' || unit
	END
$$;
COMMENT ON FUNCTION infraguard_internal.report_format_value(float8, text) IS
	'Internal: a value with its unit for report(): sizes pretty-printed, others rounded to two decimals';
REVOKE ALL ON FUNCTION infraguard_internal.report_format_value(float8, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION infraguard_internal.report_format_value(float8, text) TO pg_monitor;

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
 * Ticks of a value axis covering lo..hi: four or five "nice" steps (1, 2,
 * 2.5 or 5 times a power of ten) in the display unit, so that every label is
 * exact.  Sizes are shown in the largest binary unit below the top of the
 * axis; sessions take whole steps.  A flat series gets some room around it.
 */
CREATE OR REPLACE FUNCTION infraguard_internal.report_value_ticks(lo float8, hi float8, unit text)
RETURNS TABLE (tick float8, label text)
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	size_units constant text[] := ARRAY['bytes', 'kB', 'MB', 'GB', 'TB', 'PB'];
	divisor float8 := 1;
	suffix text;
	k integer;
	raw float8;
	base float8;
	step float8;
	first_tick float8;
	n integer;
	decimals integer;
	magnitude float8;
BEGIN
	IF lo IS NULL OR hi IS NULL OR lo = 'NaN' OR hi = 'NaN'
	   OR abs(lo) = 'Infinity' OR abs(hi) = 'Infinity' THEN
		RETURN;
	END IF;
	IF lo > hi THEN
		RAISE EXCEPTION 'lo (%) must not be greater than hi (%)', lo, hi
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	/* an axis needs a span, and a label a number people can read */
	magnitude := greatest(abs(lo), abs(hi)) / CASE WHEN unit = 'bytes' THEN 1024.0 ^ 5 ELSE 1 END;
	IF magnitude > 1e15 THEN
		RAISE EXCEPTION 'axis values of magnitude % cannot be labelled', greatest(abs(lo), abs(hi))
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'Values on a chart axis must lie within -1e15 .. 1e15 of their unit.';
	END IF;
	IF hi - lo <= greatest(abs(lo), abs(hi)) * 1e-9 THEN
		/* flat (or too flat to tell apart at the labels' precision): some room around it */
		IF hi = 0 AND lo = 0 THEN
			hi := 1;
		ELSE
			lo := lo - abs(lo) * 0.1;
			hi := hi + abs(hi) * 0.1;
		END IF;
	END IF;
	IF hi - lo < 1e-6 THEN
		RAISE EXCEPTION 'axis span % is too small to label', hi - lo
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'Show such values in a smaller unit.';
	END IF;

	IF unit = 'bytes' THEN
		k := least(greatest(floor(ln(greatest(abs(lo), abs(hi), 1)) / ln(1024))::integer, 0), 5);
		divisor := power(1024::float8, k);
		suffix := ' ' || size_units[k + 1];
	ELSE
		suffix := CASE WHEN unit = '%' THEN '%'
					   WHEN coalesce(unit, '') IN ('', 'sessions') THEN ''
					   ELSE ' ' || unit END;
	END IF;

	raw := (hi - lo) / divisor / 4;
	base := power(10::float8, floor(log(raw)));
	SELECT base * m INTO step
	  FROM unnest(CASE WHEN unit = 'sessions' THEN ARRAY[1, 2, 5, 10]::float8[]
					   ELSE ARRAY[1, 2, 2.5, 5, 10]::float8[] END) m
	 WHERE base * m >= raw * (1 - 1e-9)
	 ORDER BY m
	 LIMIT 1;
	IF unit = 'sessions' THEN
		step := greatest(step, 1);
	END IF;

	first_tick := floor(lo / divisor / step) * step;
	n := ceil(hi / divisor / step - 1e-9)::integer - floor(lo / divisor / step)::integer;
	SELECT coalesce(min(d), 8) INTO decimals
	  FROM generate_series(0, 8) d
	 WHERE abs(round(step::numeric, d) - step::numeric) <= step::numeric * 1e-6;

	RETURN QUERY
	SELECT (first_tick + i * step) * divisor,
		   trim_scale(round((first_tick + i * step)::numeric, decimals))::text || suffix
	  FROM generate_series(0, n) i;
END;
$$;
COMMENT ON FUNCTION infraguard_internal.report_value_ticks(float8, float8, text) IS
	'Internal: labelled ticks of a chart''s value axis covering lo..hi in the unit given';
REVOKE ALL ON FUNCTION infraguard_internal.report_value_ticks(float8, float8, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION infraguard_internal.report_value_ticks(float8, float8, text) TO pg_monitor;

/*
 * Ticks of a time axis: the smallest round step (1 s ... 1 year) that gives
 * at most seven ticks, aligned on the local day, week or month of the
 * session's TimeZone, labelled as precisely as the step needs.
 */
CREATE OR REPLACE FUNCTION infraguard_internal.report_time_ticks(x_from timestamptz, x_to timestamptz)
RETURNS TABLE (tick timestamptz, label text)
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	steps constant interval[] := ARRAY['1 second', '2 seconds', '5 seconds', '10 seconds', '15 seconds',
									   '30 seconds', '1 minute', '2 minutes', '5 minutes', '10 minutes',
									   '15 minutes', '30 minutes', '1 hour', '2 hours', '3 hours', '6 hours',
									   '12 hours', '1 day', '2 days', '7 days', '14 days', '1 month',
									   '2 months', '3 months', '6 months', '1 year'];
	/* from the epochs: subtracting far-apart timestamps overflows an interval */
	span float8 := extract(epoch FROM x_to) - extract(epoch FROM x_from);
	step interval;
	first_tick timestamptz;
	fmt text;
BEGIN
	IF x_from IS NULL OR x_to IS NULL OR NOT isfinite(x_from) OR NOT isfinite(x_to) THEN
		RAISE EXCEPTION 'a time axis needs finite bounds, not % and %',
						coalesce(x_from::text, 'NULL'), coalesce(x_to::text, 'NULL')
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF span <= 0 THEN
		RAISE EXCEPTION 'a time axis needs x_from (%) earlier than x_to (%)', x_from, x_to
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	SELECT s INTO step
	  FROM unnest(steps) WITH ORDINALITY u(s, o)
	 WHERE span / extract(epoch FROM u.s) <= 6
	 ORDER BY u.o
	 LIMIT 1;
	step := coalesce(step, interval '1 year' * ceil(span / (6 * 365.25 * 86400)));

	IF step < interval '1 day' THEN
		first_tick := date_trunc('day', x_from)
					  + step * ceil(extract(epoch FROM x_from - date_trunc('day', x_from)) / extract(epoch FROM step));
	ELSIF step < interval '7 days' THEN
		first_tick := date_trunc('day', x_from);
	ELSIF step < interval '1 month' THEN
		first_tick := date_trunc('week', x_from);
	ELSIF step < interval '1 year' THEN
		first_tick := date_trunc('month', x_from);
	ELSE
		first_tick := date_trunc('year', x_from);
	END IF;

	/* steps of years: whole years counted as numbers (timestamps would overflow past 294276) */
	IF step >= interval '1 year' THEN
		RETURN QUERY
		SELECT make_timestamptz(y::integer, 1, 1, 0, 0, 0), to_char(make_timestamptz(y::integer, 1, 1, 0, 0, 0), 'YYYY')
		  FROM generate_series(ceil(extract(year FROM x_from) / (extract(epoch FROM step) / 31557600))
							   * round(extract(epoch FROM step) / 31557600),
							   extract(year FROM x_to), round(extract(epoch FROM step) / 31557600)) y
		 WHERE y <> 0
		   AND make_timestamptz(y::integer, 1, 1, 0, 0, 0) BETWEEN x_from AND x_to;
		RETURN;
	END IF;

	fmt := CASE WHEN step < interval '1 minute' THEN 'HH24:MI:SS'
				WHEN step < interval '1 day' AND span > 86400 THEN 'Mon DD HH24:MI'
				WHEN step < interval '1 day' THEN 'HH24:MI'
				WHEN step < interval '1 month' THEN 'Mon DD'
				ELSE 'Mon YYYY' END;
	RETURN QUERY
	SELECT t, to_char(t, fmt)
	  FROM generate_series(first_tick, x_to, step) t
	 WHERE t >= x_from;
END;
$$;
COMMENT ON FUNCTION infraguard_internal.report_time_ticks(timestamptz, timestamptz) IS
	'Internal: labelled ticks of a chart''s time axis, in the session''s time zone';
REVOKE ALL ON FUNCTION infraguard_internal.report_time_ticks(timestamptz, timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION infraguard_internal.report_time_ticks(timestamptz, timestamptz) TO pg_monitor;

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
 * A line chart as an HTML <figure>: title, inline SVG with labelled axes
 * (time on x over x_range, unit on y), one polyline per series with a
 * marker per point, and a legend; or a "no data in this window" note when no
 * series has a point.  series is report_series()' shape; a series may carry
 * "projection": [[epoch, value], ...], drawn dashed in its colour (forecasts;
 * not counted as points).  forecast_from shades the part of the time axis
 * after it.  Percentages are drawn on 0..100; other values from zero when
 * y_from_zero, else from near their minimum.  For tests, each series' <g> has
 * data-points = its point count, and each marker is <circle class="pt">.
 */
CREATE OR REPLACE FUNCTION infraguard_internal.svg_line_chart(title text, unit text, x_range tstzrange, series jsonb,
										  y_from_zero boolean DEFAULT true,
										  forecast_from timestamptz DEFAULT NULL,
										  notes text[] DEFAULT NULL)
RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	palette constant text[] := ARRAY['#2f6fde', '#e8772e', '#d03b3b', '#3a9b5c', '#8a5cc2',
									 '#1b9aaa', '#c2497f', '#8c6d46', '#6b7280', '#b59b00'];
	width constant float8 := 640;
	height constant float8 := 236;
	pad_left constant float8 := 64;
	pad_right constant float8 := 14;
	pad_top constant float8 := 10;
	pad_bottom constant float8 := 26;
	plot_w constant float8 := width - pad_left - pad_right;
	plot_h constant float8 := height - pad_top - pad_bottom;
	x_from timestamptz := lower(x_range);
	x_to timestamptz := upper(x_range);
	x0 float8 := extract(epoch FROM x_from);
	x1 float8 := extract(epoch FROM x_to);
	slug text := 'chart-' || trim(BOTH '-' FROM lower(regexp_replace(title, '[^A-Za-z0-9]+', '-', 'g')));
	samples bigint;
	most_points bigint;
	lo float8;
	hi float8;
	radius float8;
	svg text;
	legend text := '';
	note_html text := '';
	y_ticks float8[];
	y_labels text[];
	fx float8;
	fy float8;
	t record;
	s record;
BEGIN
	SELECT coalesce(string_agg('<p class="note">' || infraguard_internal.html_escape(n) || '</p>', '' ORDER BY i), '')
	  INTO note_html
	  FROM unnest(notes) WITH ORDINALITY u(n, i)
	 WHERE n IS NOT NULL;

	SELECT coalesce(sum(jsonb_array_length(e.e->'points')), 0), coalesce(max(jsonb_array_length(e.e->'points')), 0)
	  INTO samples, most_points
	  FROM jsonb_array_elements(coalesce(series, '[]'::jsonb)) e(e);
	IF samples = 0 OR x0 IS NULL OR x1 IS NULL OR x1 <= x0 THEN
		RETURN format('<figure class="chart" id="%s"><figcaption>%s</figcaption>'
					  '<p class="nodata">no data in this window</p>%s</figure>',
					  infraguard_internal.html_escape(slug), infraguard_internal.html_escape(title), note_html);
	END IF;

	/*
	 * Points are [epoch, value] pairs of numbers (report_series() gives
	 * nothing else): a NULL or a string ("NaN") would reach the axis
	 * arithmetic as NULL.
	 */
	IF EXISTS (SELECT 1
				 FROM jsonb_array_elements(series) e(e),
					  LATERAL (SELECT q.q FROM jsonb_array_elements(e.e->'points') q(q)
							   UNION ALL
							   SELECT q.q FROM jsonb_array_elements(coalesce(e.e->'projection', '[]'::jsonb)) q(q)) pp(p)
				WHERE jsonb_typeof(p) IS DISTINCT FROM 'array' OR jsonb_array_length(p) <> 2
				   OR jsonb_typeof(p->0) IS DISTINCT FROM 'number' OR jsonb_typeof(p->1) IS DISTINCT FROM 'number') THEN
		RAISE EXCEPTION 'chart points must be [epoch, value] pairs of numbers'
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'Leave out the samples that have no value, as report_series() does.';
	END IF;

	/* the value axis covers every point and projection */
	SELECT min((p->>1)::float8), max((p->>1)::float8)
	  INTO lo, hi
	  FROM jsonb_array_elements(series) e(e),
		   LATERAL (SELECT q.q FROM jsonb_array_elements(e.e->'points') q(q)
					UNION ALL
					SELECT q.q FROM jsonb_array_elements(coalesce(e.e->'projection', '[]'::jsonb)) q(q)) pp(p);
	IF unit = '%' THEN
		lo := least(lo, 0);
		hi := greatest(hi, 100);
	ELSIF y_from_zero THEN
		lo := least(lo, 0);
	END IF;

	svg := format('<svg class="plot" viewBox="0 0 %s %s" width="%s" height="%s" role="img" aria-label="%s" data-samples="%s">',
				  width, height, width, height, infraguard_internal.html_escape(title), samples);

	/* forecast area, behind everything */
	IF forecast_from IS NOT NULL AND forecast_from > x_from AND forecast_from < x_to THEN
		fx := round((pad_left + (extract(epoch FROM forecast_from) - x0) / (x1 - x0) * plot_w)::numeric, 1);
		svg := svg || format('<rect class="forecast-area" x="%s" y="%s" width="%s" height="%s" fill="#f3f4f6"/>'
							 '<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="#9ca3af" stroke-dasharray="3 3"/>'
							 '<text x="%s" y="%s" font-size="10" fill="#6b7280">forecast</text>',
							 fx, pad_top, round((pad_left + plot_w - fx)::numeric, 1), plot_h,
							 fx, pad_top, fx, pad_top + plot_h, fx + 4, pad_top + 11);
	END IF;

	/* value axis: grid lines and labels; the outer ticks are the axis' extent */
	SELECT array_agg(v.tick ORDER BY v.tick), array_agg(v.label ORDER BY v.tick)
	  INTO y_ticks, y_labels
	  FROM infraguard_internal.report_value_ticks(lo, hi, unit) v;
	lo := y_ticks[1];
	hi := y_ticks[array_upper(y_ticks, 1)];
	FOR i IN 1 .. array_upper(y_ticks, 1) LOOP
		fy := round((pad_top + plot_h - (y_ticks[i] - lo) / (hi - lo) * plot_h)::numeric, 1);
		svg := svg || format('<line class="grid" x1="%1$s" y1="%2$s" x2="%3$s" y2="%2$s" stroke="#e5e7eb"/>'
							 '<text class="ylabel" x="%4$s" y="%5$s" font-size="11" fill="#57606a" text-anchor="end">%6$s</text>',
							 pad_left, fy, pad_left + plot_w, pad_left - 6, fy + 4,
							 infraguard_internal.html_escape(y_labels[i]));
	END LOOP;

	/* time axis */
	FOR t IN SELECT tt.tick, tt.label FROM infraguard_internal.report_time_ticks(x_from, x_to) tt ORDER BY tt.tick LOOP
		fx := round((pad_left + (extract(epoch FROM t.tick) - x0) / (x1 - x0) * plot_w)::numeric, 1);
		svg := svg || format('<line x1="%1$s" y1="%2$s" x2="%1$s" y2="%3$s" stroke="#8c959f"/>'
							 '<text class="xlabel" x="%1$s" y="%4$s" font-size="11" fill="#57606a" text-anchor="middle">%5$s</text>',
							 fx, pad_top + plot_h, pad_top + plot_h + 4, pad_top + plot_h + 17,
							 infraguard_internal.html_escape(t.label));
	END LOOP;
	svg := svg || format('<line class="axis" x1="%1$s" y1="%2$s" x2="%1$s" y2="%3$s" stroke="#8c959f"/>'
						 '<line class="axis" x1="%1$s" y1="%3$s" x2="%4$s" y2="%3$s" stroke="#8c959f"/>',
						 pad_left, pad_top, pad_top + plot_h, pad_left + plot_w);

	/*
	 * The series: fewer, bigger markers when there are few points.  Each
	 * series is drawn a little thinner than the one before, so that where it
	 * runs over an earlier one, the earlier one still shows as an edge; a
	 * series hidden whole under a later one (p95 = p99 when calls are few)
	 * says so in the legend.
	 */
	radius := CASE WHEN most_points <= 60 THEN 2.8 WHEN most_points <= 200 THEN 2.0 ELSE 1.3 END;
	FOR s IN
		SELECT e.ord, e.s->>'name' AS name, palette[(e.ord - 1) % 10 + 1] AS colour,
			   2.4 - 0.4 * least(e.ord - 1, 3) AS stroke,
			   pts.n, pts.line, pts.dots, proj.line AS projection,
			   first_value(e.s->>'name') OVER (PARTITION BY pts.line ORDER BY e.ord DESC) AS drawn_over_by
		  FROM jsonb_array_elements(series) WITH ORDINALITY e(s, ord)
		 CROSS JOIN LATERAL (
				SELECT count(*) AS n,
					   string_agg(c.cx || ',' || c.cy, ' ' ORDER BY c.k) AS line,
					   string_agg('<circle class="pt" cx="' || c.cx || '" cy="' || c.cy || '" r="'
								  || round((radius * (1 - 0.15 * least(e.ord - 1, 3)))::numeric, 1) || '"/>',
								  '' ORDER BY c.k) AS dots
				  FROM (SELECT p.k,
							   round((pad_left + ((p.pt->>0)::float8 - x0) / (x1 - x0) * plot_w)::numeric, 1) AS cx,
							   round((pad_top + plot_h - ((p.pt->>1)::float8 - lo) / (hi - lo) * plot_h)::numeric, 1) AS cy
						  FROM jsonb_array_elements(e.s->'points') WITH ORDINALITY p(pt, k)) c) pts
		 CROSS JOIN LATERAL (
				SELECT string_agg(round((pad_left + ((p.pt->>0)::float8 - x0) / (x1 - x0) * plot_w)::numeric, 1)
								  || ',' ||
								  round((pad_top + plot_h - ((p.pt->>1)::float8 - lo) / (hi - lo) * plot_h)::numeric, 1),
								  ' ' ORDER BY p.k) AS line
				  FROM jsonb_array_elements(coalesce(e.s->'projection', '[]'::jsonb)) WITH ORDINALITY p(pt, k)) proj
		 ORDER BY e.ord
	LOOP
		CONTINUE WHEN s.n = 0;
		svg := svg || format('<g class="series" data-series="%1$s" data-points="%2$s" fill="%3$s">'
							 '<polyline fill="none" stroke="%3$s" stroke-width="%4$s" stroke-linejoin="round" points="%5$s"/>'
							 '%6$s%7$s</g>',
							 infraguard_internal.html_escape(s.name), s.n, s.colour, s.stroke, s.line,
							 CASE WHEN s.projection IS NOT NULL
								  THEN format('<polyline class="projection" fill="none" stroke="%s" stroke-width="%s" stroke-dasharray="6 4" points="%s"/>',
											  s.colour, s.stroke, s.projection)
								  ELSE '' END,
							 s.dots);
		legend := legend || format('<li><span class="swatch" style="background:%s"></span>%s</li>',
								   s.colour,
								   infraguard_internal.html_escape(s.name || CASE WHEN s.drawn_over_by IS DISTINCT FROM s.name
																		 THEN ' (same as ' || s.drawn_over_by || ')'
																		 ELSE '' END));
	END LOOP;
	IF EXISTS (SELECT 1 FROM jsonb_array_elements(series) e(e)
				WHERE jsonb_array_length(coalesce(e.e->'projection', '[]'::jsonb)) > 0) THEN
		legend := legend || '<li><span class="swatch dashed"></span>forecast (least-squares trend)</li>';
	END IF;

	RETURN format('<figure class="chart" id="%s"><figcaption>%s</figcaption>%s</svg><ul class="legend">%s</ul>%s</figure>',
				  infraguard_internal.html_escape(slug), infraguard_internal.html_escape(title), svg, legend, note_html);
END;
$$;
COMMENT ON FUNCTION infraguard_internal.svg_line_chart(text, text, tstzrange, jsonb, boolean, timestamptz, text[]) IS
	'Internal: an HTML figure with an inline SVG line chart of JSON series, or a no-data note';
REVOKE ALL ON FUNCTION infraguard_internal.svg_line_chart(text, text, tstzrange, jsonb, boolean, timestamptz, text[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION infraguard_internal.svg_line_chart(text, text, tstzrange, jsonb, boolean, timestamptz, text[]) TO pg_monitor;

/*
 * The alerts open at some time in since..until, one lane per metric (at
 * most 12, first opened first), each alert a bar from its opening (or
 * since) to its resolution (or until), coloured by level, with its message
 * as tooltip; or a "no alerts in this window" note.  Each bar is
 * <rect class="alert" data-level=...>.
 */
CREATE OR REPLACE FUNCTION infraguard_internal.svg_alert_timeline(since timestamptz, until timestamptz)
RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	max_lanes constant integer := 12;
	width constant float8 := 1280;
	pad_left constant float8 := 180;
	pad_right constant float8 := 14;
	pad_top constant float8 := 6;
	pad_bottom constant float8 := 26;
	lane_h constant float8 := 26;
	plot_w constant float8 := width - pad_left - pad_right;
	x0 float8 := extract(epoch FROM since);
	x1 float8 := extract(epoch FROM until);
	lanes integer;
	plot_h float8;
	svg text;
	fx float8;
	bar_x float8;
	lane_y float8;
	prev_lane bigint := 0;
	t record;
BEGIN
	PERFORM infraguard_internal.report_check_window(since, until);
	SELECT least(count(DISTINCT al.metric), max_lanes) INTO lanes
	  FROM infraguard.alerts al
	 WHERE al.opened_at <= until AND (al.resolved_at IS NULL OR al.resolved_at >= since);
	IF lanes = 0 THEN
		RETURN '<figure class="chart wide" id="chart-alerts"><figcaption>Alerts</figcaption>'
			   '<p class="nodata">no alerts in this window</p></figure>';
	END IF;
	plot_h := lanes * lane_h;

	svg := format('<svg class="timeline" viewBox="0 0 %1$s %2$s" width="%1$s" height="%2$s" role="img" aria-label="Alerts">',
				  width, pad_top + plot_h + pad_bottom);
	FOR t IN SELECT tt.tick, tt.label FROM infraguard_internal.report_time_ticks(since, until) tt ORDER BY tt.tick LOOP
		fx := round((pad_left + (extract(epoch FROM t.tick) - x0) / (x1 - x0) * plot_w)::numeric, 1);
		svg := svg || format('<line class="grid" x1="%1$s" y1="%2$s" x2="%1$s" y2="%3$s" stroke="#e5e7eb"/>'
							 '<text class="xlabel" x="%1$s" y="%4$s" font-size="11" fill="#57606a" text-anchor="middle">%5$s</text>',
							 fx, pad_top, pad_top + plot_h + 4, pad_top + plot_h + 17,
							 infraguard_internal.html_escape(t.label));
	END LOOP;

	/*
	 * One bar per level an alert went through (from alert_events: opened,
	 * escalated, lowered), so that an alert that opened critical and was
	 * lowered later shows red, then yellow; an alert without events (one
	 * written by hand) is one bar at its level.
	 */
	FOR t IN
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
		SELECT l.lane, s.metric, s.seg_level AS level, s.message, s.opened_at, s.resolved_at,
			   s.opened_value, s.peak_value, s.peak_level,
			   greatest(s.s0, since) AS t0,
			   least(coalesce(s.s1, s.resolved_at, until), until) AS t1
		  FROM seg s JOIN l ON l.metric = s.metric
		 WHERE l.lane <= max_lanes
		   AND s.s0 <= until AND coalesce(s.s1, s.resolved_at, until) >= since
		 ORDER BY l.lane, t0
	LOOP
		lane_y := pad_top + (t.lane - 1) * lane_h;
		IF t.lane <> prev_lane THEN
			svg := svg || format('<rect x="%s" y="%s" width="%s" height="%s" fill="%s"/>'
								 '<text class="lane" x="%s" y="%s" font-size="12" fill="#1f2328" text-anchor="end">%s</text>',
								 pad_left, lane_y, plot_w, lane_h,
								 CASE WHEN t.lane % 2 = 1 THEN '#f6f8fa' ELSE '#ffffff' END,
								 pad_left - 8, lane_y + lane_h / 2 + 4,
								 infraguard_internal.html_escape(CASE WHEN length(t.metric) > 26
															 THEN left(t.metric, 25) || '...' ELSE t.metric END));
			prev_lane := t.lane;
		END IF;
		bar_x := pad_left + (extract(epoch FROM t.t0) - x0) / (x1 - x0) * plot_w;
		svg := svg || format('<rect class="alert" data-level="%s" x="%s" y="%s" width="%s" height="%s" rx="3" fill="%s">'
							 '<title>%s</title></rect>',
							 infraguard_internal.html_escape(t.level), round(bar_x::numeric, 1), lane_y + 5,
							 round(greatest((extract(epoch FROM t.t1) - extract(epoch FROM t.t0)) / (x1 - x0) * plot_w, 3)::numeric, 1),
							 lane_h - 10,
							 CASE t.level WHEN 'critical' THEN '#cf222e' ELSE '#d4a72c' END,
							 infraguard_internal.html_escape(format('%s: %s (opened %s, %s)%s', t.level, t.message,
														   to_char(t.opened_at, 'YYYY-MM-DD HH24:MI:SS'),
														   coalesce('resolved ' || to_char(t.resolved_at, 'YYYY-MM-DD HH24:MI:SS'),
																	'still open'),
														   CASE WHEN t.peak_value IS NOT NULL
																THEN format('; value at opening %s, peak %s (%s)',
																			t.opened_value, t.peak_value,
																			coalesce(t.peak_level, t.level))
																ELSE '' END)));
	END LOOP;
	svg := svg || format('<line class="axis" x1="%1$s" y1="%2$s" x2="%3$s" y2="%2$s" stroke="#8c959f"/>',
						 pad_left, pad_top + plot_h, pad_left + plot_w);

	RETURN '<figure class="chart wide" id="chart-alerts"><figcaption>Alerts</figcaption>' || svg || '</svg>'
		   '<ul class="legend"><li><span class="swatch bar" style="background:#d4a72c"></span>warning</li>'
		   '<li><span class="swatch bar" style="background:#cf222e"></span>critical</li></ul></figure>';
END;
$$;
COMMENT ON FUNCTION infraguard_internal.svg_alert_timeline(timestamptz, timestamptz) IS
	'Internal: an HTML figure with the alerts of a window as bars on a timeline, or a no-alerts note';
REVOKE ALL ON FUNCTION infraguard_internal.svg_alert_timeline(timestamptz, timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION infraguard_internal.svg_alert_timeline(timestamptz, timestamptz) TO pg_monitor;

/*
 * An HTML table.  body_rows is a JSON array of rows, each an array of cells;
 * a cell is a scalar, or {"text": ..., "class": ...} to give that cell a
 * class of its own (status colours).  column_classes gives each column a
 * class ("num" right-aligns).  Every text and class is escaped here, so no
 * caller ever passes HTML.  No row: empty_note as a paragraph instead.
 */
CREATE OR REPLACE FUNCTION infraguard_internal.html_table(headings text[], body_rows jsonb,
									  column_classes text[] DEFAULT NULL,
									  empty_note text DEFAULT 'none')
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT CASE
		WHEN coalesce(jsonb_array_length(body_rows), 0) = 0
		THEN '<p class="empty">' || infraguard_internal.html_escape(empty_note) || '</p>'
		ELSE '<table><thead><tr>'
			 || (SELECT string_agg('<th' || CASE WHEN column_classes[h.i] IS NOT NULL
												 THEN ' class="' || infraguard_internal.html_escape(column_classes[h.i]) || '"'
												 ELSE '' END
								   || '>' || infraguard_internal.html_escape(h.heading) || '</th>', '' ORDER BY h.i)
				   FROM unnest(headings) WITH ORDINALITY h(heading, i))
			 || '</tr></thead><tbody>'
			 || (SELECT string_agg('<tr>' || (
						SELECT string_agg('<td'
										  || CASE WHEN c.cls IS NOT NULL
												  THEN ' class="' || infraguard_internal.html_escape(c.cls) || '"'
												  ELSE '' END
										  || '>'
										  || infraguard_internal.html_escape(CASE WHEN jsonb_typeof(c.cell) = 'object'
																		 THEN c.cell->>'text'
																		 ELSE c.cell #>> '{}' END)
										  || '</td>', '' ORDER BY c.j)
						  FROM (SELECT x.cell, x.j,
									   coalesce(CASE WHEN jsonb_typeof(x.cell) = 'object' THEN x.cell->>'class' END,
												column_classes[x.j]) AS cls
								  FROM jsonb_array_elements(r.cells) WITH ORDINALITY x(cell, j)) c) || '</tr>',
								   '' ORDER BY r.i)
				   FROM jsonb_array_elements(body_rows) WITH ORDINALITY r(cells, i))
			 || '</tbody></table>'
	END
$$;
COMMENT ON FUNCTION infraguard_internal.html_table(text[], jsonb, text[], text) IS
	'Internal: an HTML table of JSON rows, every cell and class escaped; a note when there is no row';
REVOKE ALL ON FUNCTION infraguard_internal.html_table(text[], jsonb, text[], text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION infraguard_internal.html_table(text[], jsonb, text[], text) TO pg_monitor;

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
				d.datname, q.calls,
				infraguard_internal.report_format_value(q.total_ms, 'ms'),
				infraguard_internal.report_format_value(q.total_ms / nullif(q.calls, 0), 'ms'),
				q.rows,
				infraguard_internal.report_format_value(100.0 * q.hit / nullif(q.hit + q.read, 0), '%'),
				CASE WHEN length(t.query) > max_query_chars THEN left(t.query, max_query_chars) || ' ...'
					 ELSE coalesce(t.query, '(text not recorded)') END)
			ORDER BY q.total_ms DESC, q.queryid)
	  INTO body_rows
	  FROM (SELECT h.dbid, h.queryid, sum(h.calls) AS calls, sum(h.total_exec_ms) AS total_ms,
				   sum(h.rows) AS rows, sum(h.shared_blks_hit) AS hit, sum(h.shared_blks_read) AS read
			  FROM infraguard.statement_history h
			  LEFT JOIN infraguard.statement_texts ht ON ht.dbid = h.dbid AND ht.queryid = h.queryid
			 WHERE h.taken_at > since AND h.taken_at <= until
			   /* the DBA's own health() calls are not the workload */
			   AND (include_infraguard OR NOT infraguard_internal.calls_infraguard(ht.query))
			 GROUP BY h.dbid, h.queryid
			 ORDER BY sum(h.total_exec_ms) DESC, h.queryid
			 LIMIT 10) q
	  LEFT JOIN infraguard.statement_texts t ON t.dbid = q.dbid AND t.queryid = q.queryid
	  LEFT JOIN pg_database d ON d.oid = q.dbid;
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
	style constant text := $css$
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; padding: 24px 28px 32px; background: #f6f8fa; color: #1f2328;
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", "Liberation Sans", sans-serif; }
header, section { background: #fff; border: 1px solid #d0d7de; border-radius: 8px; padding: 16px 20px; margin: 0 0 18px; }
h1 { font-size: 22px; margin: 0 0 10px; font-weight: 600; }
h1 .brand { color: #2f6fde; }
h2 { font-size: 17px; margin: 0 0 12px; font-weight: 600; }
dl.meta { display: grid; grid-template-columns: max-content minmax(0, 1fr) max-content minmax(0, 1fr); gap: 4px 16px; margin: 0; }
dl.meta dt { color: #57606a; }
dl.meta dd { margin: 0; font-weight: 500; overflow-wrap: anywhere; }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(520px, 1fr)); gap: 16px; }
figure.chart { margin: 0; padding: 10px 12px 8px; border: 1px solid #eaeef2; border-radius: 6px; min-width: 0; }
figure.chart.wide { grid-column: 1 / -1; }
figcaption { font-weight: 600; margin: 0 0 6px; }
svg { display: block; width: 100%; height: auto; }
.legend { list-style: none; margin: 6px 0 0; padding: 0; display: flex; flex-wrap: wrap; gap: 2px 16px; font-size: 12px; color: #424a53; }
.swatch { display: inline-block; width: 16px; height: 3px; margin-right: 6px; vertical-align: middle; border-radius: 2px; }
.swatch.bar { height: 10px; width: 12px; }
.swatch.dashed { height: 0; border-top: 2px dashed #57606a; border-radius: 0; }
.note { margin: 4px 0 0; font-size: 12px; color: #424a53; }
.nodata { margin: 0; padding: 48px 0; text-align: center; color: #57606a; font-style: italic; background: #f6f8fa; border-radius: 4px; }
.empty { margin: 0; color: #57606a; font-style: italic; }
table { width: 100%; border-collapse: collapse; font-size: 13px; }
th, td { padding: 6px 8px; text-align: left; vertical-align: top; border-bottom: 1px solid #eaeef2; }
th { background: #f6f8fa; color: #424a53; font-weight: 600; white-space: nowrap; }
td.num, th.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
td.sql { font: 12px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace; white-space: pre-wrap; overflow-wrap: anywhere; }
td.status { font-weight: 600; white-space: nowrap; }
td.status::before { content: ""; display: inline-block; width: 9px; height: 9px; margin-right: 7px; border-radius: 50%; background: currentColor; }
.summary { margin: 0 0 12px; }
.pill { display: inline-block; padding: 2px 10px; border-radius: 999px; font-size: 12px; font-weight: 600; margin-right: 4px; }
.st-ok { color: #1a7f37; }
.st-warning { color: #9a6700; }
.st-critical { color: #cf222e; }
.st-unknown { color: #6e7781; }
.pill.st-ok { background: #dafbe1; }
.pill.st-warning { background: #fff8c5; }
.pill.st-critical { background: #ffebe9; }
.pill.st-unknown { background: #eaeef2; }
footer { color: #57606a; font-size: 12px; }
$css$;
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
		|| '<style>' || style || '</style></head>' || E'\n<body>\n'
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
