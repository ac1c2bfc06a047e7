/*
 * report(), presentation: the HTML and SVG building blocks (escaping, value
 * formatting, axis ticks, the line chart, the alert timeline, tables, the
 * style sheet).  They take data (JSON series, rows of report_data.sql's
 * functions) and return markup; none queries a table itself.  Internal
 * (schema infraguard_internal), granted to pg_monitor for report().
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
	lanes := infraguard_internal.report_alert_lanes(since, until, max_lanes);
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

	/* one bar per level an alert went through (report_alert_segments()) */
	FOR t IN
		SELECT * FROM infraguard_internal.report_alert_segments(since, until, max_lanes)
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
 * The report's style sheet: one place for its look, inlined by report()
 * (the page carries no external asset).
 */
CREATE OR REPLACE FUNCTION infraguard_internal.report_style()
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $css$ SELECT $style$
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; padding: 24px 28px 32px; background: #f6f8fa; color: #1f2328;
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", "Liberation Sans", sans-serif; }
header, section { background: #fff; border: 1px solid #d0d7de; border-radius: 8px; padding: 16px 20px; margin: 0 0 18px; }
h1 { font-size: 22px; margin: 0 0 10px; font-weight: 600; }
h1 .brand { color: #2f6fde; }
h2 { font-size: 17px; margin: 0 0 12px; font-weight: 600; }
h3 { font-size: 15px; margin: 14px 0 8px; font-weight: 600; }
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
$style$::text $css$;
COMMENT ON FUNCTION infraguard_internal.report_style() IS
	'Internal: the style sheet report() inlines';
REVOKE ALL ON FUNCTION infraguard_internal.report_style() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION infraguard_internal.report_style() TO pg_monitor;
