--
-- wraparound(): every database, then the oldest tables of this one.
--
\set SHOW_CONTEXT never
-- wraparound: every database, then at most 20 tables of this one
SELECT kind, count(*) > 0 AS present, bool_and(pct_of_limit >= 0 AND pct_of_limit < 100) AS pct_ok,
	   bool_and(to_freeze_max_age = freeze_max_age - xid_age) AS distance_ok
  FROM infraguard.wraparound() GROUP BY kind ORDER BY kind;
SELECT count(*) <= 20 AS at_most_20 FROM infraguard.wraparound() WHERE kind = 'table';
SELECT bool_and(xid_age >= coalesce(next_age, 0)) AS oldest_first
  FROM (SELECT xid_age, lead(xid_age) OVER () AS next_age
		  FROM infraguard.wraparound() WHERE kind = 'table') t;
