/*-------------------------------------------------------------------------
 *
 * log_events.c
 *	  Server log events as rows (issue 15, part 1): an emit_log_hook that
 *	  counts the messages a DBA greps the log for (src/core/ig_logclass.c
 *	  decides which) into a shared-memory ring, read by SQL and drained
 *	  into history by the snapshot (infraguard_internal.drain_log_events()).
 *
 * The hook runs in every process for every message that goes to the
 * server log, so:
 *	- ordinary statements do not pay: it is only called when a message is
 *	  logged, and a message that is no event costs a few compares;
 *	- it never ereports, allocates or takes a lock: an event is one atomic
 *	  increment to claim a slot, a bounded copy into it, and a release
 *	  store of the slot's sequence number (a seqlock per slot), so a reader
 *	  skips a slot being written;
 *	- it is not re-entered: a message logged from inside it (there should
 *	  be none) is passed to the previous hook only;
 *	- it calls the previous hook FIRST, so that a hook which filters the
 *	  log (sets output_to_server = false) filters our counts too: what is
 *	  counted is what the server log shows.
 * What is kept of a message: its kind, SQLSTATE, level, time, pid,
 * database, user, client address, query id and an excerpt of at most
 * IG_LOG_EXCERPT - 1 bytes of the primary message (for a deadlock, of the
 * detail, which is the lock cycle without the statements: those are in
 * the log-only detail, which is never read).  The kinds counted carry
 * identifiers, numbers and file names in their messages, not row values.
 *
 * Shared memory: a header and infraguard.log_events_max slots of
 * sizeof(IgLogEvent) = 512 bytes; the default 256 slots are 131,208
 * bytes (the "infraguard log events" row of pg_shmem_allocations).
 *
 * Copyright (c) 2026, infraguard developers
 *
 * IDENTIFICATION
 *	  src/log_events.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "funcapi.h"
/*
 * Port (MyProcPort) without the GSSAPI headers, which the server's build
 * used but a machine building extensions may lack: Port holds only a
 * pointer to the GSSAPI state, declared either way "to keep struct offsets
 * the same (for extension ABI compatibility)" (libpq-be.h), and nothing
 * here touches it.
 */
#undef ENABLE_GSS
#include "libpq/libpq-be.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "port/atomics.h"
#include "postmaster/postmaster.h"
#include "storage/ipc.h"
#include "storage/shmem.h"
#include "utils/backend_status.h"
#include "utils/builtins.h"
#include "utils/elog.h"
#include "utils/guc.h"
#include "utils/timestamp.h"

#include "compat.h"
#include "infraguard.h"
#include "ig_logclass.h"

#define IG_LOG_EXCERPT 280
#define IG_LOG_CLIENT 64

/* the core's packing is PostgreSQL's */
StaticAssertDecl(IG_SQLSTATE('4', '0', 'P', '0', '1') == ERRCODE_T_R_DEADLOCK_DETECTED,
				 "ig_logclass.h packs SQLSTATEs as elog.h does");
StaticAssertDecl(IG_SQLSTATE('2', '8', 'P', '0', '1') == ERRCODE_INVALID_PASSWORD,
				 "ig_logclass.h packs SQLSTATEs as elog.h does");

typedef struct IgLogEvent
{
	pg_atomic_uint64 seq;		/* 0: empty or being written */
	TimestampTz at;
	int64		query_id;
	int32		pid;
	int32		sqlerrcode;
	Oid			dboid;
	int16		kind;			/* IgLogKind */
	int16		elevel;
	char		dbname[NAMEDATALEN];
	char		username[NAMEDATALEN];
	char		client[IG_LOG_CLIENT];
	char		excerpt[IG_LOG_EXCERPT];
} IgLogEvent;

StaticAssertDecl(sizeof(IgLogEvent) == 512, "a log event is 512 bytes, as the setting's description says");

typedef struct IgLogRing
{
	pg_atomic_uint64 next_seq;	/* last sequence number handed out */
	pg_atomic_uint64 totals[IG_LOG_NKINDS]; /* since the server started */
	int			nslots;
	IgLogEvent	slots[FLEXIBLE_ARRAY_MEMBER];
} IgLogRing;

int			infraguard_log_events_max = 256;

static IgLogRing *ring = NULL;
static emit_log_hook_type prev_emit_log_hook = NULL;
static bool in_hook = false;

Size
ig_log_events_shmem_size(void)
{
	return add_size(offsetof(IgLogRing, slots),
					mul_size(infraguard_log_events_max, sizeof(IgLogEvent)));
}

/* the setting; called from _PG_init while preloading */
void
ig_log_events_define_gucs(void)
{
	DefineCustomIntVariable("infraguard.log_events_max",
							"Log events kept in shared memory until the worker records them.",
							"512 bytes each: the default 256 take 128 kB. Older events are overwritten (and counted as lost) when more are logged between two snapshots.",
							&infraguard_log_events_max,
							256, 16, 1000000,
							PGC_POSTMASTER,
							0,
							NULL, NULL, NULL);
}

/* under AddinShmemInitLock, from shmem.c's startup hook */
void
ig_log_events_shmem_init(void)
{
	bool		found;

	ring = ShmemInitStruct("infraguard log events", ig_log_events_shmem_size(), &found);
	if (!found)
	{
		memset(ring, 0, ig_log_events_shmem_size());
		pg_atomic_init_u64(&ring->next_seq, 0);
		for (int k = 0; k < IG_LOG_NKINDS; k++)
			pg_atomic_init_u64(&ring->totals[k], 0);
		ring->nslots = infraguard_log_events_max;
		for (int i = 0; i < ring->nslots; i++)
			pg_atomic_init_u64(&ring->slots[i].seq, 0);
	}
}

static IgLogLevel
level_of(int elevel)
{
	if (elevel == LOG || elevel == LOG_SERVER_ONLY)
		return IG_LEVEL_LOG;
	if (elevel == ERROR)
		return IG_LEVEL_ERROR;
	if (elevel >= FATAL)
		return IG_LEVEL_FATAL;
	return IG_LEVEL_OTHER;
}

/*
 * An autovacuum worker's report: does it start as the server's own
 * "automatic analyze" report does, in the language it was written in?
 * (The same msgid through the same translation: independent of
 * lc_messages.)  Only the part before the first conversion is compared.
 */
static bool
is_analyze_report(const char *message)
{
	const char *fmt = _("automatic analyze of table \"%s.%s.%s\"\n");
	const char *pct = strchr(fmt, '%');
	size_t		n = pct ? (size_t) (pct - fmt) : strlen(fmt);

	return message != NULL && n > 0 && strncmp(message, fmt, n) == 0;
}

static void
record_event(ErrorData *edata, IgLogKind kind)
{
	uint64		seq;
	IgLogEvent *ev;

	pg_atomic_fetch_add_u64(&ring->totals[kind], 1);
	seq = pg_atomic_add_fetch_u64(&ring->next_seq, 1);
	ev = &ring->slots[(seq - 1) % ring->nslots];

	/* readers skip the slot until its new sequence number is stored */
	pg_atomic_write_u64(&ev->seq, 0);
	pg_write_barrier();
	ev->at = GetCurrentTimestamp();
	ev->query_id = (int64) pgstat_get_my_query_id();
	ev->pid = MyProcPid;
	ev->sqlerrcode = edata->sqlerrcode;
	ev->dboid = MyDatabaseId;
	ev->kind = (int16) kind;
	ev->elevel = (int16) edata->elevel;
	ig_log_excerpt(ev->dbname, sizeof(ev->dbname),
				   MyProcPort ? MyProcPort->database_name : NULL);
	ig_log_excerpt(ev->username, sizeof(ev->username),
				   MyProcPort ? MyProcPort->user_name : NULL);
	ig_log_excerpt(ev->client, sizeof(ev->client),
				   MyProcPort ? MyProcPort->remote_host : NULL);
	/* a deadlock's detail is its lock cycle (the statements are in detail_log) */
	ig_log_excerpt(ev->excerpt, sizeof(ev->excerpt),
				   kind == IG_LOG_DEADLOCK && edata->detail ? edata->detail : edata->message);
	pg_write_barrier();
	pg_atomic_write_u64(&ev->seq, seq);
}

static void
ig_emit_log(ErrorData *edata)
{
	IgLogLevel	level;
	IgLogKind	kind;
	bool		autovacuum;

	if (prev_emit_log_hook)
		prev_emit_log_hook(edata);

	/*
	 * Not the postmaster (which must not depend on shared memory it could
	 * find corrupted; a single-user backend is no postmaster and counts),
	 * not a message the log will not show, not from inside ourselves.
	 */
	if (in_hook || ring == NULL || !edata->output_to_server ||
		(IsPostmasterEnvironment && !IsUnderPostmaster))
		return;
	level = level_of(edata->elevel);
	if (level == IG_LEVEL_OTHER)
		return;
	in_hook = true;
	autovacuum = level == IG_LEVEL_LOG && ig_am_autovacuum_worker();
	kind = ig_logclass(edata->sqlerrcode, level, edata->message_id, autovacuum,
					   autovacuum && is_analyze_report(edata->message));
	if (kind != IG_LOG_NONE)
		record_event(edata, kind);
	in_hook = false;
}

void
ig_log_events_install_hook(void)
{
	prev_emit_log_hook = emit_log_hook;
	emit_log_hook = ig_emit_log;
}

/*
 * Text read from shared memory: names from a startup packet and messages
 * in whatever encoding they were written; anything that is not valid in
 * the database's encoding becomes '?' rather than an error.
 */
static Datum
safe_text(const char *s)
{
	int			len = strnlen(s, IG_LOG_EXCERPT);
	char	   *copy;

	if (pg_verifymbstr(s, len, true))
		return PointerGetDatum(cstring_to_text_with_len(s, len));
	copy = pnstrdup(s, len);
	for (int i = 0; i < len; i++)
		if ((unsigned char) copy[i] >= 0x80)
			copy[i] = '?';
	return PointerGetDatum(cstring_to_text_with_len(copy, len));
}

static const char *
level_name(int elevel)
{
	if (elevel == ERROR)
		return "ERROR";
	if (elevel == FATAL)
		return "FATAL";
	if (elevel == PANIC)
		return "PANIC";
	return "LOG";
}

/*
 * infraguard_internal.log_events_memory(): the events still in shared memory, in
 * order; (server_started, seq) identifies one across the history.
 */
PG_FUNCTION_INFO_V1(infraguard_log_events_memory);

Datum
infraguard_log_events_memory(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	uint64		last;
	uint64		first;
	IgLogEvent *copy;

	if (ring == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("infraguard_internal.log_events_memory() requires infraguard to be loaded via shared_preload_libraries"),
				 errhint("Add infraguard to shared_preload_libraries in postgresql.conf and restart the server.")));
	InitMaterializedSRF(fcinfo, 0);
	if (rsinfo->setDesc->natts != 13)
		elog(ERROR, "infraguard_internal.log_events_memory() must return 13 columns, the catalog declares %d",
			 rsinfo->setDesc->natts);

	copy = palloc(sizeof(IgLogEvent));
	last = pg_atomic_read_u64(&ring->next_seq);
	first = last > (uint64) ring->nslots ? last - ring->nslots + 1 : 1;
	for (uint64 seq = first; seq <= last; seq++)
	{
		IgLogEvent *ev = &ring->slots[(seq - 1) % ring->nslots];
		Datum		values[13];
		bool		nulls[13] = {0};
		char		sqlstate[6];

		/* a consistent copy, or none: the slot was rewritten meanwhile */
		if (pg_atomic_read_u64(&ev->seq) != seq)
			continue;
		pg_read_barrier();
		memcpy(copy, ev, sizeof(IgLogEvent));
		pg_read_barrier();
		if (pg_atomic_read_u64(&ev->seq) != seq)
			continue;
		if (copy->kind <= IG_LOG_NONE || copy->kind >= IG_LOG_NKINDS)
			continue;
		copy->dbname[NAMEDATALEN - 1] = copy->username[NAMEDATALEN - 1] = '\0';
		copy->client[IG_LOG_CLIENT - 1] = copy->excerpt[IG_LOG_EXCERPT - 1] = '\0';

		strlcpy(sqlstate, unpack_sql_state(copy->sqlerrcode), sizeof(sqlstate));
		values[0] = TimestampTzGetDatum(PgStartTime);
		values[1] = Int64GetDatum((int64) seq);
		values[2] = TimestampTzGetDatum(copy->at);
		values[3] = CStringGetTextDatum(ig_log_kind_name((IgLogKind) copy->kind));
		values[4] = CStringGetTextDatum(sqlstate);
		values[5] = CStringGetTextDatum(level_name(copy->elevel));
		values[6] = Int32GetDatum(copy->pid);
		values[7] = ObjectIdGetDatum(copy->dboid);
		nulls[7] = !OidIsValid(copy->dboid);
		values[8] = safe_text(copy->dbname);
		nulls[8] = copy->dbname[0] == '\0';
		values[9] = safe_text(copy->username);
		nulls[9] = copy->username[0] == '\0';
		values[10] = safe_text(copy->client);
		nulls[10] = copy->client[0] == '\0';
		values[11] = Int64GetDatum(copy->query_id);
		nulls[11] = copy->query_id == 0;
		values[12] = safe_text(copy->excerpt);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

/*
 * infraguard.log_event_totals(): events of each kind since the server
 * started, exact even when the ring overwrote some before they were
 * recorded, with the ring's size.
 */
PG_FUNCTION_INFO_V1(infraguard_log_event_totals);

Datum
infraguard_log_event_totals(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;

	if (ring == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("infraguard.log_event_totals() requires infraguard to be loaded via shared_preload_libraries"),
				 errhint("Add infraguard to shared_preload_libraries in postgresql.conf and restart the server.")));
	InitMaterializedSRF(fcinfo, 0);
	if (rsinfo->setDesc->natts != 4)
		elog(ERROR, "infraguard.log_event_totals() must return 4 columns, the catalog declares %d",
			 rsinfo->setDesc->natts);
	for (int k = 1; k < IG_LOG_NKINDS; k++)
	{
		Datum		values[4];
		bool		nulls[4] = {0};

		values[0] = CStringGetTextDatum(ig_log_kind_name((IgLogKind) k));
		values[1] = Int64GetDatum((int64) pg_atomic_read_u64(&ring->totals[k]));
		values[2] = TimestampTzGetDatum(PgStartTime);
		values[3] = Int32GetDatum(ring->nslots);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}
