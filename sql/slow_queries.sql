--
-- slow_queries(): pg_stat_statements, read wherever it is installed.
--
SELECT pg_stat_statements_reset() IS NOT NULL AS reset;
SELECT   count(*)
  FROM   fixture.churn
 WHERE   grp = 3;
SELECT   count(*)
  FROM   fixture.churn
 WHERE   grp = 3;
SELECT   count(*)
  FROM   fixture.churn
 WHERE   grp = 3;

-- whitespace collapsed, counted, and the share of time is a share
SELECT query, calls, rows, total_seconds >= 0 AS timed, mean_ms <= max_ms AS mean_le_max
  FROM infraguard.slow_queries(100, 'calls')
 WHERE query LIKE '%fixture.churn%grp%';
SELECT sum(pct_of_total_time) BETWEEN 99 AND 101 AS shares_add_up
  FROM infraguard.slow_queries(1000);
SELECT count(*) <= 2 AS top_limits FROM infraguard.slow_queries(2, 'mean_time');

-- every order works and orders
SELECT o, (SELECT count(*) FROM infraguard.slow_queries(5, o)) > 0 AS has_rows
  FROM unnest(ARRAY['total_time', 'mean_time', 'calls', 'max_time']) o;
SELECT bool_and(max_ms >= next_max) AS ordered_by_max
  FROM (SELECT max_ms, lead(max_ms, 1, 0::float8) OVER () AS next_max
		  FROM infraguard.slow_queries(50, 'max_time')) t;

-- texts never exceed 200 characters
SELECT 1 AS long_statement_col_01, 2 AS long_statement_col_02, 3 AS long_statement_col_03,
	   4 AS long_statement_col_04, 5 AS long_statement_col_05, 6 AS long_statement_col_06,
	   7 AS long_statement_col_07, 8 AS long_statement_col_08, 9 AS long_statement_col_09,
	   10 AS long_statement_col_10;
SELECT length(query) AS cut_length, query LIKE 'SELECT $1 AS long_statement_col_01, $2 AS%' AS collapsed
  FROM infraguard.slow_queries(1000) WHERE query LIKE '%long_statement_col_01%' AND query NOT LIKE '%slow_queries%';
SELECT max(length(query)) <= 200 AS short_texts FROM infraguard.slow_queries(1000);

-- infraguard's own calls (every slow_queries() above) are not the workload:
-- left out unless asked for
SELECT count(*) AS own_calls_listed
  FROM infraguard.slow_queries(1000) WHERE query ~* 'infraguard\.';
SELECT count(*) > 0 AS listed_when_asked
  FROM infraguard.slow_queries(1000, 'calls', true) WHERE query ~* 'infraguard\.';
SELECT q, infraguard_internal.calls_infraguard(q) AS calls_infraguard
  FROM unnest(ARRAY['SELECT * FROM infraguard.health()', 'select * from "infraguard" . thresholds',
					'SELECT x FROM infraguard_app.t', 'SELECT myinfraguard.f()',
					'SELECT $1 AS infraguard', NULL]) q;
SELECT * FROM infraguard.slow_queries(5, 'calls', NULL);

-- pg_stat_statements may live in any schema
\set SHOW_CONTEXT never
CREATE SCHEMA "Stats Schema";
DROP EXTENSION pg_stat_statements;
SELECT * FROM infraguard.slow_queries();
CREATE EXTENSION pg_stat_statements SCHEMA "Stats Schema";
SELECT count(*) > 0 AS works_elsewhere FROM infraguard.slow_queries();
DROP EXTENSION pg_stat_statements;
DROP SCHEMA "Stats Schema";
CREATE EXTENSION pg_stat_statements;
