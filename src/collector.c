/*-------------------------------------------------------------------------
 *
 * collector.c
 *	  Short-lived per-database collectors: how the worker, connected to one
 *	  database for its life, reads the catalogs and statistics of the others.
 *
 * A background worker connects to one database for its life, so the
 * worker (the "writer", connected to infraguard.database) starts, each
 * cycle, one dynamic background worker per other watched database, as the
 * autovacuum launcher does with its workers.  The extension is not
 * installed in those databases, so what a collector runs ships as data:
 * the writer reads the query texts from infraguard_internal.collector_queries()
 * and puts them in a dynamic shared memory segment with a shared memory
 * queue (shm_mq); the collector connects to its database by OID, runs each
 * query in one read-only transaction (statement_timeout =
 * infraguard.database_timeout, lock_timeout 500 ms) and sends back each
 * query's one text row as "kind\0text", then "$done".  The writer gathers
 * the rows into one JSON object, {"db": {"kind": json, ...}, ...}, which
 * src/sql/whole_server.sql records.
 *
 * Bounds and failure modes:
 *	- at most infraguard.collectors collectors at once (default 1): each
 *	  takes a max_worker_processes slot while it runs (not a
 *	  max_connections one); with no free slot, the rest of the cycle's
 *	  databases are skipped with one log line and tried next cycle;
 *	- a collector that does not finish within infraguard.database_timeout
 *	  (plus 10 s to start) is terminated and its database skipped;
 *	- a database that cannot be connected (dropped mid-cycle, too many
 *	  connections, an error) ends its collector before "$done": one log
 *	  line from the writer, and the database is tried again next cycle;
 *	- DROP DATABASE ... WITH (FORCE) and pg_terminate_backend() send
 *	  SIGTERM: the collector exits through die() at its next
 *	  CHECK_FOR_INTERRUPTS(); a plain DROP DATABASE waits (5 s at most)
 *	  for it to finish its few queries and disconnect.
 *	- the writer waits on its latch with WL_EXIT_ON_PM_DEATH and checks
 *	  for interrupts, so its own SIGTERM and statement_timeout work here.
 *
 * Copyright (c) 2026, infraguard developers
 *
 * IDENTIFICATION
 *	  src/collector.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "storage/dsm.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/proc.h"
#include "storage/shm_mq.h"
#include "storage/shm_toc.h"
#include "tcop/tcopprot.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/json.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/timeout.h"
#include "utils/timestamp.h"

#include "infraguard.h"

PGDLLEXPORT void infraguard_collector_main(Datum main_arg);

#define IG_COLLECTOR_MAGIC	0x49474331	/* "IGC1" */
#define KEY_HEADER			1
#define KEY_QUERIES			2
#define KEY_QUEUE			3
#define QUEUE_SIZE			(64 * 1024)
#define START_GRACE_MS		10000
#define DONE_KIND			"$done"

/* What the writer tells a collector, at the start of its segment. */
typedef struct CollectorHeader
{
	Oid			dboid;
	int			timeout_ms;		/* statement_timeout of its transaction */
	int			test_delay_ms;	/* infraguard.collector_test_delay */
	int			nqueries;
	char		dbname[NAMEDATALEN];
	/* KEY_QUERIES: nqueries times "kind\0query\0" */
} CollectorHeader;

/* One running collector, seen from the writer. */
typedef struct CollectorSlot
{
	bool		active;
	const IgCollectTarget *target;
	dsm_segment *seg;
	BackgroundWorkerHandle *handle;
	shm_mq_handle *mqh;
	TimestampTz deadline;
	bool		done;
	StringInfoData json;		/* {"kind": json, ...} of this database */
	int			nkinds;
} CollectorSlot;

/*
 * Start a collector for one database; false (with one log line) when no
 * background worker slot is free.
 */
static bool
start_collector(CollectorSlot *slot, const IgCollectTarget *target,
				const IgCollectQuery *queries, int nqueries)
{
	Size		qlen = 0;
	Size		size;
	shm_toc_estimator e;
	shm_toc    *toc;
	CollectorHeader *hdr;
	char	   *qbuf;
	shm_mq	   *mq;
	BackgroundWorker worker;
	int			i;

	for (i = 0; i < nqueries; i++)
		qlen += strlen(queries[i].kind) + 1 + strlen(queries[i].query) + 1;

	shm_toc_initialize_estimator(&e);
	shm_toc_estimate_chunk(&e, sizeof(CollectorHeader));
	shm_toc_estimate_chunk(&e, qlen);
	shm_toc_estimate_chunk(&e, QUEUE_SIZE);
	shm_toc_estimate_keys(&e, 3);
	size = shm_toc_estimate(&e);

	/* owned by the cycle's transaction: an error detaches it */
	slot->seg = dsm_create(size, 0);
	toc = shm_toc_create(IG_COLLECTOR_MAGIC, dsm_segment_address(slot->seg), size);

	hdr = shm_toc_allocate(toc, sizeof(CollectorHeader));
	memset(hdr, 0, sizeof(*hdr));
	hdr->dboid = target->dboid;
	hdr->timeout_ms = infraguard_database_timeout;
	hdr->test_delay_ms = infraguard_collector_test_delay;
	hdr->nqueries = nqueries;
	strlcpy(hdr->dbname, target->name, NAMEDATALEN);
	shm_toc_insert(toc, KEY_HEADER, hdr);

	qbuf = shm_toc_allocate(toc, qlen);
	shm_toc_insert(toc, KEY_QUERIES, qbuf);
	for (i = 0; i < nqueries; i++)
	{
		Size		l = strlen(queries[i].kind) + 1;

		memcpy(qbuf, queries[i].kind, l);
		qbuf += l;
		l = strlen(queries[i].query) + 1;
		memcpy(qbuf, queries[i].query, l);
		qbuf += l;
	}

	mq = shm_mq_create(shm_toc_allocate(toc, QUEUE_SIZE), QUEUE_SIZE);
	shm_toc_insert(toc, KEY_QUEUE, mq);
	shm_mq_set_receiver(mq, MyProc);

	memset(&worker, 0, sizeof(worker));
	worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
	worker.bgw_start_time = BgWorkerStart_ConsistentState;
	worker.bgw_restart_time = BGW_NEVER_RESTART;
	snprintf(worker.bgw_library_name, BGW_MAXLEN, "infraguard");
	snprintf(worker.bgw_function_name, BGW_MAXLEN, "infraguard_collector_main");
	snprintf(worker.bgw_name, BGW_MAXLEN, "infraguard collector");
	snprintf(worker.bgw_type, BGW_MAXLEN, "infraguard collector");
	worker.bgw_main_arg = UInt32GetDatum(dsm_segment_handle(slot->seg));
	worker.bgw_notify_pid = MyProcPid;

	if (!RegisterDynamicBackgroundWorker(&worker, &slot->handle))
	{
		dsm_detach(slot->seg);
		slot->seg = NULL;
		ereport(LOG,
				(errmsg("infraguard worker skipped database \"%s\" and the databases after it in this snapshot: no background worker slot is free",
						target->name),
				 errhint("Raise max_worker_processes (it counts the infraguard worker, its collectors, parallel workers and logical replication workers), or lower infraguard.collectors. They are tried again next snapshot.")));
		return false;
	}

	slot->mqh = shm_mq_attach(mq, slot->seg, slot->handle);
	slot->target = target;
	slot->active = true;
	slot->done = false;
	slot->nkinds = 0;
	initStringInfo(&slot->json);
	appendStringInfoChar(&slot->json, '{');
	slot->deadline = TimestampTzPlusMilliseconds(GetCurrentTimestamp(),
												 infraguard_database_timeout + START_GRACE_MS);
	return true;
}

/*
 * End a slot: wait for its collector to exit (so that "one at a time" holds
 * and a DROP DATABASE that follows does not see it), then add its database
 * to out if it finished, else log why it was skipped.
 */
static void
finish_collector(CollectorSlot *slot, StringInfo out, int *ndone, const char *why)
{
	pid_t		pid;

	if (why != NULL && GetBackgroundWorkerPid(slot->handle, &pid) == BGWH_STARTED)
		TerminateBackgroundWorker(slot->handle);
	(void) WaitForBackgroundWorkerShutdown(slot->handle);

	if (slot->done)
	{
		appendStringInfoChar(&slot->json, '}');
		appendStringInfoString(out, *ndone > 0 ? ", " : "");
		escape_json(out, slot->target->name);
		appendStringInfoString(out, ": ");
		appendBinaryStringInfo(out, slot->json.data, slot->json.len);
		(*ndone)++;
	}
	else
		ereport(LOG,
				(errmsg("infraguard worker skipped database \"%s\" in this snapshot: %s",
						slot->target->name,
						why ? why : "its collector ended before finishing (a log line above says why)"),
				 errhint("It is tried again next snapshot; infraguard.databases can leave it out.")));

	dsm_detach(slot->seg);
	pfree(slot->json.data);
	slot->seg = NULL;
	slot->active = false;
}

/*
 * Read what a slot's collector has sent so far.  Returns true if the slot
 * made progress (a message, or its end).
 */
static bool
poll_collector(CollectorSlot *slot, StringInfo out, int *ndone)
{
	Size		nbytes;
	void	   *data;
	shm_mq_result res;

	res = shm_mq_receive(slot->mqh, &nbytes, &data, true);
	if (res == SHM_MQ_SUCCESS)
	{
		const char *kind = data;
		Size		klen = strnlen(kind, nbytes);

		if (klen >= nbytes)
			elog(ERROR, "malformed message from an infraguard collector");
		if (strcmp(kind, DONE_KIND) == 0)
			slot->done = true;
		else
		{
			appendStringInfoString(&slot->json, slot->nkinds > 0 ? ", " : "");
			escape_json(&slot->json, kind);
			appendStringInfoString(&slot->json, ": ");
			appendBinaryStringInfo(&slot->json, (char *) data + klen + 1, nbytes - klen - 1);
			slot->nkinds++;
		}
		return true;
	}
	if (res == SHM_MQ_DETACHED)
	{
		finish_collector(slot, out, ndone, NULL);
		return true;
	}
	if (GetCurrentTimestamp() >= slot->deadline)
	{
		char	   *why = psprintf("its collector did not finish within %d ms (infraguard.database_timeout) and was stopped",
								   infraguard_database_timeout);

		finish_collector(slot, out, ndone, why);
		return true;
	}
	return false;
}

/*
 * Collect from each target, at most infraguard.collectors at once.
 * Returns a JSON object {"db": {"kind": json, ...}, ...} of the databases
 * whose collector finished (palloc'd in the caller's context), or NULL if
 * none did.  Called by the worker inside its cycle's transaction.
 */
char *
ig_collect_databases(const IgCollectTarget *targets, int ntargets,
					 const IgCollectQuery *queries, int nqueries)
{
	StringInfoData out;
	CollectorSlot *slots;
	int			nslots = Max(1, infraguard_collectors);
	int			next = 0;
	int			ndone = 0;
	bool		no_slot = false;

	initStringInfo(&out);
	appendStringInfoChar(&out, '{');
	slots = palloc0(sizeof(CollectorSlot) * nslots);

	for (;;)
	{
		bool		progress = false;
		int			nactive = 0;
		int			i;

		for (i = 0; i < nslots; i++)
		{
			if (!slots[i].active && next < ntargets && !no_slot)
			{
				if (start_collector(&slots[i], &targets[next], queries, nqueries))
				{
					pgstat_report_activity(STATE_RUNNING, psprintf("infraguard: collecting from database %s",
																   targets[next].name));
					progress = true;
				}
				else
					no_slot = true;
				next++;
			}
			if (slots[i].active)
			{
				while (slots[i].active && poll_collector(&slots[i], &out, &ndone))
					progress = true;
				if (slots[i].active)
					nactive++;
			}
		}
		if (nactive == 0 && (next >= ntargets || no_slot))
			break;
		if (!progress)
		{
			(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
							 100, PG_WAIT_EXTENSION);
			ResetLatch(MyLatch);
			CHECK_FOR_INTERRUPTS();
		}
	}
	appendStringInfoChar(&out, '}');
	pfree(slots);
	if (ndone == 0)
	{
		pfree(out.data);
		return NULL;
	}
	return out.data;
}

/* Send one message "kind\0text"; false if the writer is gone. */
static bool
send_message(shm_mq_handle *mqh, const char *kind, const char *text)
{
	shm_mq_iovec iov[2];

	iov[0].data = kind;
	iov[0].len = strlen(kind) + 1;
	iov[1].data = text;
	iov[1].len = strlen(text);
	return shm_mq_sendv(mqh, iov, 2, false, true) == SHM_MQ_SUCCESS;
}

/*
 * Entry point of a collector: connect to the database named in the
 * segment, run the queries in one read-only transaction, send the rows.
 */
void
infraguard_collector_main(Datum main_arg)
{
	dsm_segment *seg;
	shm_toc    *toc;
	CollectorHeader *hdr;
	const char *q;
	shm_mq	   *mq;
	shm_mq_handle *mqh;
	char		settings[256];
	int			i;

	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();
	ig_in_worker = true;
	ig_latency_exclude_backend = true;

	/* no resource owner: the mapping lasts until the process exits */
	seg = dsm_attach(DatumGetUInt32(main_arg));
	if (seg == NULL)
		proc_exit(0);			/* the writer has given up on us already */
	toc = shm_toc_attach(IG_COLLECTOR_MAGIC, dsm_segment_address(seg));
	if (toc == NULL)
		elog(ERROR, "infraguard collector: bad magic number in dynamic shared memory segment");
	hdr = shm_toc_lookup(toc, KEY_HEADER, false);
	q = shm_toc_lookup(toc, KEY_QUERIES, false);
	mq = shm_toc_lookup(toc, KEY_QUEUE, false);
	shm_mq_set_sender(mq, MyProc);
	mqh = shm_mq_attach(mq, seg, NULL);

	/* FATAL if the database was dropped or is full: the writer logs the skip */
	BackgroundWorkerInitializeConnectionByOid(hdr->dboid, InvalidOid, 0);
	SetConfigOption("pg_stat_statements.track", "none", PGC_SUSET, PGC_S_SESSION);
	pgstat_report_appname("infraguard collector");

	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	SPI_connect();
	PushActiveSnapshot(GetTransactionSnapshot());
	pgstat_report_activity(STATE_RUNNING, "infraguard: collecting");

	/* read-only: the shipped queries cannot write, whatever they say */
	snprintf(settings, sizeof(settings),
			 "SET LOCAL statement_timeout = %d; SET LOCAL lock_timeout = '500ms'; "
			 "SET LOCAL search_path = pg_catalog, pg_temp; SET LOCAL transaction_read_only = on",
			 hdr->timeout_ms);
	if (SPI_execute(settings, false, 0) != SPI_OK_UTILITY)
		elog(ERROR, "could not set the collector's timeouts");
	/* as in the worker: SPI never arms statement_timeout itself */
	enable_timeout_after(STATEMENT_TIMEOUT, hdr->timeout_ms);

	/*
	 * Tests hold a collector connected here (a DROP DATABASE meanwhile);
	 * statement_timeout bounds the delay as it bounds the queries.
	 */
	if (hdr->test_delay_ms > 0)
	{
		TimestampTz until = TimestampTzPlusMilliseconds(GetCurrentTimestamp(), hdr->test_delay_ms);
		long		left;

		pgstat_report_activity(STATE_RUNNING, "infraguard: collector test delay");
		while ((left = TimestampDifferenceMilliseconds(GetCurrentTimestamp(), until)) > 0)
		{
			(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
							 Min(left, 1000), PG_WAIT_EXTENSION);
			ResetLatch(MyLatch);
			CHECK_FOR_INTERRUPTS();
		}
	}

	for (i = 0; i < hdr->nqueries; i++)
	{
		const char *kind = q;
		const char *query = kind + strlen(kind) + 1;
		uint64		j;

		q = query + strlen(query) + 1;
		if (SPI_execute(query, true, 0) != SPI_OK_SELECT)
			elog(ERROR, "infraguard collector: query \"%s\" is not a SELECT", kind);
		for (j = 0; j < SPI_processed; j++)
		{
			char	   *text = SPI_getvalue(SPI_tuptable->vals[j], SPI_tuptable->tupdesc, 1);

			if (text != NULL && !send_message(mqh, kind, text))
				proc_exit(0);	/* the writer is gone: nothing to do */
		}
		SPI_freetuptable(SPI_tuptable);
	}
	if (!send_message(mqh, DONE_KIND, ""))
		proc_exit(0);

	disable_all_timeouts(false);
	SPI_finish();
	PopActiveSnapshot();
	CommitTransactionCommand();
	pgstat_report_activity(STATE_IDLE, NULL);
	proc_exit(0);
}
