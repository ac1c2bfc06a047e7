--
-- maintenance_plan(): suggestions only, never run.
--
\set SHOW_CONTEXT never
-- the maintenance plan: suggestions only, destructive ones commented out
SELECT kind, object_name, statement
  FROM infraguard.maintenance_plan()
 WHERE object_name LIKE 'fixture.%'
 ORDER BY kind, object_name;
SELECT bool_and(statement LIKE '-- DROP INDEX CONCURRENTLY %') AS drops_commented_out
  FROM infraguard.maintenance_plan() WHERE kind LIKE 'drop%';
SELECT bool_and(priority = rn) AS numbered
  FROM (SELECT priority, row_number() OVER (ORDER BY priority) AS rn FROM infraguard.maintenance_plan()) p;
