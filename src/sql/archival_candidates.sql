/*
 * Archival candidates: tables nobody read or wrote for a long time.
 */

/*
 * archival_candidates(idle): tables of this database whose scans (seq_scan +
 * idx_scan) and row writes (inserts, updates, deletes) have not moved since
 * a table_history row at least idle old, largest first.  idle_since is the
 * oldest history row from which the counters stayed as they are now (the
 * table may have been idle longer: history starts when it was first
 * recorded, and is kept infraguard.retention).  On 16 and later,
 * last_seq_scan and last_idx_scan (pg_stat_user_tables) are shown too, and
 * a table read after idle_since by their account is left out.  A
 * statistics reset (counters below the history's) makes a table unknown:
 * left out, never guessed idle.
 */
CREATE OR REPLACE FUNCTION infraguard.archival_candidates(idle interval DEFAULT interval '30 days')
RETURNS TABLE (schema_name name, table_name name, total_size text, total_bytes bigint, live_rows bigint,
			   idle_since timestamptz, idle_days float8, last_seq_scan timestamptz, last_idx_scan timestamptz)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
BEGIN
	IF idle IS NULL OR idle <= interval '0' THEN
		RAISE EXCEPTION 'idle must be a positive interval'
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'Pass how long a table must have been untouched, e.g. interval ''30 days''.';
	END IF;
	/* the one version seam: last_seq_scan / last_idx_scan exist from 16 on */
	RETURN QUERY EXECUTE format($q$
		WITH cur AS (
			SELECT s.relid, s.schemaname, s.relname, s.n_live_tup,
				   coalesce(s.seq_scan, 0) + coalesce(s.idx_scan, 0) AS reads,
				   s.n_tup_ins + s.n_tup_upd + s.n_tup_del AS writes,
				   %s AS last_seq, %s AS last_idx
			  FROM pg_stat_user_tables s
			 WHERE s.schemaname <> 'infraguard'
		), judged AS (
			SELECT c.*,
				   /* the last history row whose counters differ from now: activity after it */
				   (SELECT max(h.taken_at) FROM infraguard.table_history h
					 WHERE h.relid = c.relid AND h.database_name = current_database()
					   AND (coalesce(h.seq_scans, 0) + coalesce(h.idx_scans, 0) <> c.reads
							OR h.inserts + h.updates + h.deletes <> c.writes)) AS changed_at,
				   (SELECT bool_or(coalesce(h.seq_scans, 0) + coalesce(h.idx_scans, 0) > c.reads
								   OR h.inserts + h.updates + h.deletes > c.writes)
					  FROM infraguard.table_history h WHERE h.relid = c.relid AND h.database_name = current_database()) AS went_back
			  FROM cur c
		), since AS (
			SELECT j.*,
				   (SELECT min(h.taken_at) FROM infraguard.table_history h
					 WHERE h.relid = j.relid AND h.database_name = current_database() AND h.taken_at > coalesce(j.changed_at, '-infinity')) AS idle_from
			  FROM judged j
			 WHERE NOT coalesce(j.went_back, false)
		)
		SELECT s.schemaname, s.relname, pg_size_pretty(t.b), t.b, s.n_live_tup,
			   s.idle_from, round((extract(epoch FROM now() - s.idle_from) / 86400)::numeric, 1)::float8,
			   s.last_seq, s.last_idx
		  FROM since s
		 CROSS JOIN LATERAL (SELECT infraguard.total_relation_size(s.relid) AS b) t
		 WHERE s.idle_from <= now() - $1
		   AND coalesce(greatest(s.last_seq, s.last_idx), '-infinity') < s.idle_from
		 ORDER BY t.b DESC NULLS LAST, s.schemaname, s.relname$q$,
		CASE WHEN current_setting('server_version_num')::integer >= 160000 THEN 's.last_seq_scan' ELSE 'NULL::timestamptz' END,
		CASE WHEN current_setting('server_version_num')::integer >= 160000 THEN 's.last_idx_scan' ELSE 'NULL::timestamptz' END)
	USING idle;
END;
$$;
COMMENT ON FUNCTION infraguard.archival_candidates(interval) IS
	'Tables neither read nor written for at least idle (table history; last_seq_scan/last_idx_scan on 16+), largest first';
REVOKE ALL ON FUNCTION infraguard.archival_candidates(interval) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION infraguard.archival_candidates(interval) TO pg_monitor;
