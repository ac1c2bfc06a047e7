--
-- connections() and connection_usage().
--
SELECT backend_group, state, count >= 1 AS present,
	   avg_duration_seconds <= max_duration_seconds AS avg_le_max
  FROM infraguard.connections()
 WHERE (backend_group, state) IN (('client', 'active'), ('background', 'checkpointer'))
 ORDER BY backend_group;
SELECT count(*) = 0 AS no_client_state_null
  FROM infraguard.connections() WHERE state IS NULL;

SELECT client_backends >= 1 AS sees_us,
	   max_connections = current_setting('max_connections')::int AS max_ok,
	   reserved_connections = current_setting('superuser_reserved_connections')::int AS reserved_ok,
	   usable_connections = max_connections - reserved_connections AS usable_ok,
	   used_pct = round((100.0 * client_backends / usable_connections)::numeric, 2) AS pct_ok
  FROM infraguard.connection_usage();
