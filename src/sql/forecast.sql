/*
 * Capacity forecasts: least-squares growth over a window of snapshots (the
 * regression lives in src/core/ig_forecast.c), and the rules that decide
 * when that growth may be extrapolated to a date (ig_forecast_judge()):
 *	- the samples cover at least infraguard.forecast_min_history (6 hours by
 *	  default) and a quarter of the window asked about;
 *	- at least 6 samples;
 *	- a slope whose 99 % confidence interval excludes zero (else the growth
 *	  is reported as 0: noise is not growth);
 *	- R-squared >= 0.5 before a date is given.
 * Otherwise the growth and the days are NULL and the note says why ("2
 * minutes of history, need 6 hours").
 */

CREATE OR REPLACE FUNCTION infraguard.forecast(x_epoch float8[], y float8[], y_now float8,
									warning_target float8, critical_target float8,
									window_seconds float8 DEFAULT 0,
									min_history_seconds float8 DEFAULT 21600,
									OUT growth_per_day float8, OUT growth_margin_per_day float8,
									OUT days_to_warning float8, OUT days_to_critical float8,
									OUT points integer, OUT history_seconds float8,
									OUT r2 float8, OUT residual_sd float8,
									OUT trusted boolean, OUT note text)
AS 'MODULE_PATHNAME', 'infraguard_forecast_0_2'
LANGUAGE C CALLED ON NULL INPUT IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION infraguard.forecast(float8[], float8[], float8, float8, float8, float8, float8) IS
	'Least-squares growth per day of y over x (epoch seconds), its 99 % margin and fit quality, and days from y_now until each target when the trend can be trusted; note says why not';
REVOKE ALL ON FUNCTION infraguard.forecast(float8[], float8[], float8, float8, float8, float8, float8) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION infraguard.forecast(float8[], float8[], float8, float8, float8, float8, float8) TO pg_monitor;

CREATE OR REPLACE FUNCTION infraguard.duration_text(seconds float8)
RETURNS text
AS 'MODULE_PATHNAME', 'infraguard_duration_text'
LANGUAGE C STRICT IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION infraguard.duration_text(float8) IS
	'A duration for people, as the forecasts write it: "45 seconds", "2 minutes", "6 hours", "1.5 days"';
REVOKE ALL ON FUNCTION infraguard.duration_text(float8) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION infraguard.duration_text(float8) TO pg_monitor;

/*
 * infraguard.forecast_min_history in seconds: the setting when the library
 * defined it (or postgresql.conf set it), else its default of 6 hours.
 */
CREATE OR REPLACE FUNCTION infraguard_internal.forecast_min_history_seconds()
RETURNS float8
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT extract(epoch FROM infraguard_internal.setting('infraguard.forecast_min_history')::interval)::float8
$$;
COMMENT ON FUNCTION infraguard_internal.forecast_min_history_seconds() IS
	'Internal: infraguard.forecast_min_history in seconds (6 hours unless set)';
REVOKE ALL ON FUNCTION infraguard_internal.forecast_min_history_seconds() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION infraguard_internal.forecast_min_history_seconds() TO pg_monitor;

/*
 * Per database (size) and per file system (used bytes): current value,
 * growth per day with its 99 % margin, and days until storage_used_percent's
 * warning and critical levels.  A database's headroom is that of the file
 * system holding the data directory.  growth_per_day_bytes is NULL until the
 * history is long enough, 0 when no trend stands out of the noise; the days
 * only when trusted.  history, r2 and residual_bytes (the spread of the
 * samples around the line) say how good the fit is; note says why there is
 * no date.
 */
CREATE OR REPLACE FUNCTION infraguard.capacity_forecast(window_length interval DEFAULT '7 days')
RETURNS TABLE (kind text, name text, current_bytes bigint, current_size text,
			   growth_per_day_bytes float8, growth_margin_per_day_bytes float8,
			   days_to_warning float8, days_to_critical float8, points integer,
			   history interval, r2 float8, residual_bytes float8, trusted boolean, note text)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
	warn_pct float8;
	crit_pct float8;
	window_s float8;
	min_history_s float8 := infraguard_internal.forecast_min_history_seconds();
BEGIN
	IF window_length IS NULL OR window_length <= interval '0' OR window_length > interval '100 years' THEN
		RAISE EXCEPTION 'window must be a positive interval of at most 100 years, not %',
						coalesce(window_length::text, 'NULL')
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'For example: SELECT * FROM infraguard.capacity_forecast(''30 days'');';
	END IF;
	window_s := extract(epoch FROM window_length);
	SELECT t.warning, t.critical INTO warn_pct, crit_pct
	  FROM infraguard.thresholds t WHERE t.metric = 'storage_used_percent';

	RETURN QUERY
	WITH series AS (
		SELECT h.metric,
			   array_agg(extract(epoch FROM h.taken_at)::float8 ORDER BY h.taken_at) AS xs,
			   array_agg(h.value ORDER BY h.taken_at) AS ys,
			   (array_agg(h.value ORDER BY h.taken_at DESC))[1] AS latest
		  FROM infraguard.metric_history h
		 WHERE h.taken_at > now() - window_length
		   AND (h.metric LIKE 'database_size_bytes:%' OR h.metric LIKE 'disk_used_bytes:%'
				OR h.metric LIKE 'disk_free_bytes:%')
		 GROUP BY h.metric
	), fs AS (
		SELECT substr(u.metric, length('disk_used_bytes:') + 1) AS fs_name,
			   u.xs, u.ys, u.latest AS used, f.latest AS free
		  FROM series u
		  JOIN series f ON f.metric = 'disk_free_bytes:' || substr(u.metric, length('disk_used_bytes:') + 1)
		 WHERE u.metric LIKE 'disk_used_bytes:%'
	), data_fs AS (
		SELECT fs.used, fs.used + fs.free AS capacity FROM fs WHERE fs.fs_name LIKE 'data:%' LIMIT 1
	), forecasts AS (
		SELECT 'database' AS kind, substr(s.metric, length('database_size_bytes:') + 1) AS name,
			   s.latest, fc.*
		  FROM series s
		  LEFT JOIN data_fs d ON true
		  CROSS JOIN LATERAL infraguard.forecast(s.xs, s.ys, s.latest,
												 s.latest + warn_pct / 100 * d.capacity - d.used,
												 s.latest + crit_pct / 100 * d.capacity - d.used,
												 window_s, min_history_s) fc
		 WHERE s.metric LIKE 'database_size_bytes:%'
		UNION ALL
		SELECT 'filesystem', fs.fs_name, fs.used, fc.*
		  FROM fs
		  CROSS JOIN LATERAL infraguard.forecast(fs.xs, fs.ys, fs.used,
												 warn_pct / 100 * (fs.used + fs.free),
												 crit_pct / 100 * (fs.used + fs.free),
												 window_s, min_history_s) fc
	)
	SELECT f.kind, f.name, f.latest::bigint, pg_size_pretty(f.latest::bigint),
		   f.growth_per_day, f.growth_margin_per_day, f.days_to_warning, f.days_to_critical, f.points,
		   justify_hours(make_interval(secs => round(f.history_seconds))),
		   round(f.r2::numeric, 4)::float8, round(f.residual_sd)::float8, f.trusted,
		   f.note || CASE
				WHEN f.trusted AND f.growth_per_day > 0
				THEN format('; growing %s a day (+- %s)', pg_size_pretty(round(f.growth_per_day)::bigint),
							pg_size_pretty(round(f.growth_margin_per_day)::bigint))
				WHEN f.trusted
				THEN format('; shrinking %s a day (+- %s)', pg_size_pretty(round(-f.growth_per_day)::bigint),
							pg_size_pretty(round(f.growth_margin_per_day)::bigint))
				WHEN f.growth_per_day = 0
				THEN format(' (growth within +- %s a day)', pg_size_pretty(round(f.growth_margin_per_day)::bigint))
				ELSE '' END
	  FROM forecasts f
	 ORDER BY 1, 2;
END;
$$;
COMMENT ON FUNCTION infraguard.capacity_forecast(interval) IS
	'Growth per day, fit quality and, when the trend can be trusted, days until the storage thresholds, per database and file system, from history';
REVOKE ALL ON FUNCTION infraguard.capacity_forecast(interval) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION infraguard.capacity_forecast(interval) TO pg_monitor;
