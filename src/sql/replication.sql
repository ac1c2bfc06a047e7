/*
 * Replication: standbys (lag in bytes and time) and replication slots.
 * Catalogs and statistics only.
 */

/*
 * On a primary, one row per standby (lags in bytes from the current WAL
 * position, and the times the walsender measured); on a standby, one row
 * for itself (replay behind receive, and time since the last message from
 * the primary).
 */
CREATE OR REPLACE FUNCTION infraguard.replication()
RETURNS TABLE (role text, application_name text, client_addr inet, state text,
			   sync_state text, write_lag_bytes bigint, flush_lag_bytes bigint,
			   replay_lag_bytes bigint, write_lag_seconds float8, flush_lag_seconds float8,
			   replay_lag_seconds float8, last_message_seconds float8)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF pg_is_in_recovery() THEN
		RETURN QUERY
		SELECT 'standby', NULL::text, NULL::inet,
			   coalesce((SELECT w.status FROM pg_stat_wal_receiver w), 'not streaming'),
			   NULL::text, NULL::bigint, NULL::bigint,
			   pg_wal_lsn_diff(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn())::bigint,
			   NULL::float8, NULL::float8,
			   CASE WHEN pg_last_wal_receive_lsn() IS NOT DISTINCT FROM pg_last_wal_replay_lsn() THEN 0
					ELSE round(extract(epoch FROM now() - pg_last_xact_replay_timestamp())::numeric, 3)::float8 END,
			   (SELECT round(extract(epoch FROM now() - w.last_msg_receipt_time)::numeric, 3)::float8
				  FROM pg_stat_wal_receiver w);
	ELSE
		RETURN QUERY
		SELECT 'primary', r.application_name, r.client_addr, r.state, r.sync_state,
			   pg_wal_lsn_diff(pg_current_wal_lsn(), r.write_lsn)::bigint,
			   pg_wal_lsn_diff(pg_current_wal_lsn(), r.flush_lsn)::bigint,
			   pg_wal_lsn_diff(pg_current_wal_lsn(), r.replay_lsn)::bigint,
			   extract(epoch FROM r.write_lag)::float8,
			   extract(epoch FROM r.flush_lag)::float8,
			   extract(epoch FROM r.replay_lag)::float8,
			   round(extract(epoch FROM now() - r.reply_time)::numeric, 3)::float8
		  FROM pg_stat_replication r
		 ORDER BY r.application_name, r.pid;
	END IF;
END;
$$;
COMMENT ON FUNCTION infraguard.replication() IS
	'Replication lag per standby (on a primary) or of this standby';
REVOKE ALL ON FUNCTION infraguard.replication() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION infraguard.replication() TO pg_monitor;

/*
 * Slots: how much WAL each one keeps (from the current position, or on a
 * standby the replay position) and whether it holds back the xmin horizon
 * (its xmin or catalog_xmin keeps VACUUM from removing dead rows).
 */
CREATE OR REPLACE FUNCTION infraguard.replication_slots()
RETURNS TABLE (slot_name name, slot_type text, dbname name, active boolean,
			   active_pid integer, wal_status text, retained_wal_bytes bigint,
			   retained_wal text, safe_wal_bytes bigint, holds_xmin boolean,
			   xmin_age integer)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT s.slot_name, s.slot_type, s.database, s.active, s.active_pid, s.wal_status,
		   w.bytes, pg_size_pretty(w.bytes), s.safe_wal_size,
		   s.xmin IS NOT NULL OR s.catalog_xmin IS NOT NULL,
		   greatest(age(s.xmin), age(s.catalog_xmin))
	  FROM pg_replication_slots s
	  CROSS JOIN LATERAL (
			SELECT pg_wal_lsn_diff(CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn()
										ELSE pg_current_wal_lsn() END,
								   s.restart_lsn)::bigint AS bytes) w
	 ORDER BY w.bytes DESC NULLS LAST, s.slot_name
$$;
COMMENT ON FUNCTION infraguard.replication_slots() IS
	'Replication slots: WAL retained, status, and whether they hold back the xmin horizon';
REVOKE ALL ON FUNCTION infraguard.replication_slots() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION infraguard.replication_slots() TO pg_monitor;
