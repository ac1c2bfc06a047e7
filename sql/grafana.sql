--
-- metric_series(): the history on the snapshots' time axis, as the Grafana
-- dashboard plots it: zeros only where a missing row means zero, NULL where
-- nothing was measured and across gaps between snapshots, threshold levels
-- from infraguard.thresholds.
--
-- A history of its own, in 2001, out of the way of every other test: three
-- snapshots a minute apart, then none for eight minutes, then two more.
INSERT INTO infraguard.snapshots (taken_at, source)
SELECT timestamptz '2001-02-03 04:00:00+00' + m * interval '1 minute', 'manual'
  FROM unnest(ARRAY[0, 1, 2, 10, 11]) m;
INSERT INTO infraguard.metric_history (taken_at, snapshot_id, metric, value)
VALUES ('2001-02-03 04:00:00+00', 0, 'connections:active', 2),
	   ('2001-02-03 04:00:00+00', 0, 'connections:idle', 1),
	   ('2001-02-03 04:01:00+00', 0, 'connections:idle', 3),
	   -- 04:02: no client at all, so no connections row
	   ('2001-02-03 04:10:00+00', 0, 'connections:active', 1),
	   ('2001-02-03 04:11:00+00', 0, 'connections:active', 1),
	   ('2001-02-03 04:00:00+00', 0, 'replication_lag', 4),
	   ('2001-02-03 04:11:00+00', 0, 'replication_lag', 6),
	   ('2001-02-03 04:00:00+00', 0, 'inactive_slot_retained_wal', 2);
SET timezone = 'UTC';
SHOW infraguard.snapshot_interval;

-- connection states: 0 where the snapshot has no row, NULL at 04:06 (the
-- worker missed 04:03 to 04:09: no line across that)
SELECT * FROM infraguard.metric_series('connections:%', '2001-02-03 03:00+00', '2001-02-03 05:00+00', true);

-- grouped as Grafana groups it ($__timeGroupAlias, max), in 5-minute
-- buckets: the bucket of the gap is NULL, so the line breaks there
SELECT to_timestamp(floor(extract(epoch FROM time) / 300) * 300) AS bucket, metric, max(value)
  FROM infraguard.metric_series('connections:%', '2001-02-03 03:00+00', '2001-02-03 05:00+00', true)
 GROUP BY 1, 2 ORDER BY 1, 2;

-- a measurement that can be missing stays missing
SELECT * FROM infraguard.metric_series('replication_lag', '2001-02-03 03:00+00', '2001-02-03 05:00+00');

-- levels of infraguard.thresholds where there is a value; they follow set_threshold()
SELECT * FROM infraguard.metric_series('replication_lag', '2001-02-03 03:00+00', '2001-02-03 05:00+00',
									   levels_of => 'replication_lag')
 WHERE metric LIKE '% level';
SELECT infraguard.set_threshold('replication_lag', 45, 400);
SELECT DISTINCT metric, value
  FROM infraguard.metric_series('replication_lag', '2001-02-03 03:00+00', '2001-02-03 05:00+00',
								levels_of => 'replication_lag')
 WHERE metric LIKE '% level' ORDER BY 1;
SELECT infraguard.set_threshold('replication_lag', 30, 300);
-- a disabled check draws no level
SELECT infraguard.disable_threshold('replication_lag');
SELECT count(*) AS level_rows
  FROM infraguard.metric_series('replication_lag', '2001-02-03 03:00+00', '2001-02-03 05:00+00',
								levels_of => 'replication_lag')
 WHERE metric LIKE '% level';
SELECT infraguard.enable_threshold('replication_lag');

-- scale converts values and levels alike (MB to bytes)
SELECT DISTINCT metric, value
  FROM infraguard.metric_series('inactive_slot_retained_wal', '2001-02-03 03:00+00', '2001-02-03 05:00+00',
								levels_of => 'inactive_slot_retained_wal', scale => 1048576)
 WHERE value IS NOT NULL ORDER BY 1;

-- a window with no snapshot is empty, not an error
SELECT count(*) FROM infraguard.metric_series('%', '1999-01-01', '1999-01-02');

-- bad input
\set VERBOSITY sqlstate
SELECT * FROM infraguard.metric_series(NULL, '2001-02-03', '2001-02-04');
SELECT * FROM infraguard.metric_series('x', '2001-02-04', '2001-02-03');
SELECT * FROM infraguard.metric_series('x', '2001-02-03', '2001-02-04', scale => 'NaN');
\set VERBOSITY default
SELECT * FROM infraguard.metric_series('x', '2001-02-04', '2001-02-03');

DELETE FROM infraguard.metric_history WHERE taken_at < '2002-01-01';
DELETE FROM infraguard.snapshots WHERE taken_at < '2002-01-01';
RESET timezone;
