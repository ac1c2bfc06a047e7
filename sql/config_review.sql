--
-- config_review(): risks read from pg_settings (the suite's server runs with
-- autovacuum = off), and the change log's baseline.  (Changes, pending
-- restarts and an executed suggestion: test/t/054_config_review.pl.)
--
\set SHOW_CONTEXT never
SELECT kind, name, value, suggestion
  FROM infraguard.config_review() WHERE kind IN ('risk', 'waste') AND name IN ('autovacuum', 'fsync', 'full_page_writes')
 ORDER BY name;
SELECT name, setting FROM pg_settings WHERE name IN ('autovacuum', 'fsync', 'full_page_writes') ORDER BY name;
-- nothing waits for a restart here
SELECT count(*) AS pending FROM infraguard.config_review() WHERE kind = 'pending restart';
-- a snapshot keeps the server-wide values, never this session's
SET work_mem = '7MB';
SELECT infraguard.take_snapshot() IS NOT NULL AS snapped;
SELECT count(*) > 100 AS baseline FROM infraguard.setting_state;
SELECT value AS autovacuum FROM infraguard.setting_state WHERE name = 'autovacuum';
-- (work_mem: the server's value, if an earlier snapshot saw it, never this session's 7MB)
SELECT bool_and(st.value = s.reset_val) AS server_values,
	   bool_or(s.name = 'work_mem' AND st.value = s.setting) AS session_value_kept
  FROM infraguard.setting_state st JOIN pg_settings s USING (name)
 WHERE st.name IN ('autovacuum', 'work_mem', 'shared_buffers');
RESET work_mem;
SELECT * FROM infraguard.config_review(NULL);
