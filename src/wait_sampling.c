/*-------------------------------------------------------------------------
 *
 * wait_sampling.c
 *	  Wait-event sampling ("where the time goes"): a dedicated background
 *	  worker, the sampler, looks at every backend infraguard.wait_sampling_hz
 *	  times a second and counts what each active one is waiting on, by
 *	  (wait event, query id), in a bounded table in shared memory.
 *
 * What a sample is: for each process with a PGPROC numbered below
 * MaxBackends (client backends, autovacuum workers, background and
 * parallel workers, WAL senders; not the auxiliary processes), whose
 * backend status says "active" (STATE_RUNNING or STATE_FASTPATH, what
 * pg_stat_activity shows as active), its PGPROC's wait_event_info (0: not
 * waiting, shown as "CPU") and the query id its status entry shows
 * (st_query_id, which needs compute_query_id, on by default with
 * pg_stat_statements).  Waits of class Activity ("idle in the main loop",
 * e.g. a streaming WAL sender's WalSenderMain) are not active time and are
 * skipped.  The sampler does not sample itself.
 *
 * Reading without locks, as pg_wait_sampling does: wait_event_info is one
 * aligned 32-bit word its owner stores; st_state, st_procpid and
 * st_query_id are single aligned words too.  No lock and no changecount
 * loop: a sample may combine a state and a wait event a few nanoseconds
 * apart, which sampling tolerates by nature.  The backend status array is
 * static in the server; the sampler finds it once by its shared memory
 * name, with the size the server registered (compat.h).
 *
 * Aggregation: the sampler collects one round into local memory, then takes
 * the table's LWLock exclusively once per round to count it
 * (ig_waits_add_round): a few microseconds, never while reading backends.
 * Readers: wait_events() copies the table under the lock shared;
 * wait_sampling_drain() (called by the snapshot, src/sql/wait_sampling.sql)
 * copies it and subtracts that copy under the lock exclusive, so each
 * sample is returned by exactly one drain.  Where nothing drains (a hot
 * standby, infraguard.enabled off, a worker that cannot connect) the
 * sampler starts a new period itself once the pending one is older than
 * twice infraguard.snapshot_interval, so the live view stays recent.
 *
 * Shared memory: one WaitSamplingShared, 49,240 bytes (header 16 +
 * IgWaitTable 49,224, see ig_waits.h), whatever max_connections is,
 * requested and created by shmem.c's hooks through
 * ig_wait_sampling_shmem_size/init, and a tranche of one LWLock; the
 * sampler's round buffer is local (16 bytes per PGPROC).
 *
 * Copyright (c) 2026, infraguard developers
 *
 * IDENTIFICATION
 *	  src/wait_sampling.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "funcapi.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "portability/instr_time.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/lwlock.h"
#include "storage/proc.h"
#include "storage/shmem.h"
#include "tcop/tcopprot.h"
#include "utils/backend_status.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/timestamp.h"
#include "utils/wait_event.h"

#include "compat.h"
#include "infraguard.h"
#include "ig_waits.h"

PGDLLEXPORT void infraguard_wait_sampler_main(Datum main_arg);

/*
 * Default frequency, chosen by measurement (bench/wait_sampling.sh,
 * docs/measurements.md, "Wait sampler"): at 100 Hz with 100 active connections the sampler
 * used 0.39 % of one core (38.5 us a round) on a loaded 2-core VM, under the
 * 1 % target with room to spare, and 10 ms resolution catches the lock and
 * I/O waits that 1 Hz sampling (pgsentinel) misses.
 */
#define WAIT_SAMPLING_DEFAULT_HZ 100

/* Wait events of this class mean "idle in the main loop". */
#define WAIT_CLASS_MASK		0xFF000000U

int			infraguard_wait_sampling_hz = WAIT_SAMPLING_DEFAULT_HZ;

typedef struct WaitSamplingShared
{
	LWLock	   *lock;			/* protects table */
	int			pad;
	IgWaitTable table;			/* since is a TimestampTz */
} WaitSamplingShared;

static WaitSamplingShared *wss = NULL;

/* the server's backend status array, found by the sampler at start */
static PgBackendStatus *status_array = NULL;

/* Its part of shmem.c's request hook: the size to ask for. */
Size
ig_wait_sampling_shmem_size(void)
{
	return MAXALIGN(sizeof(WaitSamplingShared));
}

/* Its part of shmem.c's startup hook, under AddinShmemInitLock. */
void
ig_wait_sampling_shmem_init(void)
{
	bool		found;

	wss = ShmemInitStruct("infraguard wait sampling", ig_wait_sampling_shmem_size(), &found);
	if (!found)
	{
		memset(wss, 0, ig_wait_sampling_shmem_size());
		wss->lock = &(GetNamedLWLockTranche(IG_WAIT_SAMPLING_TRANCHE))->lock;
		ig_waits_init(&wss->table, GetCurrentTimestamp());
	}
}

/*
 * _PG_init part: the setting always (so it is checked in postgresql.conf),
 * the sampler only when preloaded and not under pg_upgrade.
 */
void
ig_wait_sampling_init(void)
{
	BackgroundWorker worker;

	DefineCustomIntVariable("infraguard.wait_sampling_hz",
							"How many times a second the wait-event sampler looks at every backend.",
							"0 stops sampling.",
							&infraguard_wait_sampling_hz,
							WAIT_SAMPLING_DEFAULT_HZ, 0, 1000,
							PGC_SIGHUP,
							0,
							NULL, NULL, NULL);

	if (!process_shared_preload_libraries_in_progress || IsBinaryUpgrade)
		return;

	memset(&worker, 0, sizeof(worker));
	/* a connection (to no database) puts it in pg_stat_activity */
	worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
	/* consistent state: it samples on hot standbys too */
	worker.bgw_start_time = BgWorkerStart_ConsistentState;
	worker.bgw_restart_time = 2;
	snprintf(worker.bgw_library_name, BGW_MAXLEN, "infraguard");
	snprintf(worker.bgw_function_name, BGW_MAXLEN, "infraguard_wait_sampler_main");
	snprintf(worker.bgw_name, BGW_MAXLEN, "infraguard wait sampler");
	snprintf(worker.bgw_type, BGW_MAXLEN, "infraguard wait sampler");
	RegisterBackgroundWorker(&worker);
}

static int64
monotonic_us(void)
{
	instr_time	now;

	INSTR_TIME_SET_CURRENT(now);
	return (int64) (ig_instr_time_ns(now) / 1000);
}

/*
 * One round: read every backend without locks into samples[], then count
 * the round under the table's lock.
 */
static void
sample_round(IgWaitSample *samples)
{
	int			n = 0;
	int			i;
	TimestampTz now;
	int64		stale_us;

	for (i = 0; i < MaxBackends; i++)
	{
		PGPROC	   *proc = &ProcGlobal->allProcs[i];
		int			pid = *((volatile int *) &proc->pid);
		volatile PgBackendStatus *be;
		BackendState state;
		uint32		event;

		if (pid == 0 || pid == MyProcPid)
			continue;
		be = ig_backend_status_entry(status_array, proc, i);
		if (be == NULL || be->st_procpid != pid)
			continue;
		state = be->st_state;
		if (state != STATE_RUNNING && state != STATE_FASTPATH)
			continue;
		event = *((volatile uint32 *) &proc->wait_event_info);
		if ((event & WAIT_CLASS_MASK) == PG_WAIT_ACTIVITY)
			continue;
		samples[n].event = event;
		samples[n].queryid = be->st_query_id;
		n++;
	}

	now = GetCurrentTimestamp();
	stale_us = (int64) infraguard_snapshot_interval * 2 * USECS_PER_SEC;
	LWLockAcquire(wss->lock, LW_EXCLUSIVE);
	/* nothing drained the table for two snapshot intervals: a new period */
	if (now - wss->table.since > stale_us)
		ig_waits_init(&wss->table, now);
	ig_waits_add_round(&wss->table, samples, n);
	LWLockRelease(wss->lock);
}

/*
 * Find the server's backend status array.  ShmemInitStruct returns the
 * existing segment when the name and size match; it errors out on a size
 * mismatch (a server whose layout compat.h does not know), which then stops
 * the sampler for good instead of restarting it in a loop.
 */
static void
attach_status_array(void)
{
	bool		found = false;
	MemoryContext oldcxt = CurrentMemoryContext;

	PG_TRY();
	{
		status_array = (PgBackendStatus *)
			ShmemInitStruct("Backend Status Array",
							mul_size(sizeof(PgBackendStatus), IG_NUM_BACKEND_STATUS_SLOTS),
							&found);
	}
	PG_CATCH();
	{
		MemoryContextSwitchTo(oldcxt);
		EmitErrorReport();
		FlushErrorState();
		found = false;
	}
	PG_END_TRY();

	if (!found)
	{
		ereport(LOG,
				(errmsg("infraguard wait sampler: the backend status array was not found, wait sampling is off"),
				 errhint("This server version is not supported by infraguard's wait sampling.")));
		proc_exit(0);			/* 0: not restarted */
	}
}

/*
 * The sampler's main loop.  SIGTERM (pg_terminate_backend, shutdown) exits
 * through die() with code 1, so the postmaster starts it again after
 * bgw_restart_time; SIGHUP rereads the frequency.
 */
void
infraguard_wait_sampler_main(Datum main_arg)
{
	IgWaitSample *samples;
	int			hz = -1;
	int64		period = 0;
	int64		deadline = 0;

	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();
	BackgroundWorkerInitializeConnection(NULL, NULL, 0);
	pgstat_report_appname("infraguard wait sampler");

	if (wss == NULL)
		proc_exit(0);
	attach_status_array();
	samples = (IgWaitSample *) MemoryContextAlloc(TopMemoryContext,
												  sizeof(IgWaitSample) * MaxBackends);

	for (;;)
	{
		int64		now;

		CHECK_FOR_INTERRUPTS();
		if (ConfigReloadPending)
		{
			ConfigReloadPending = false;
			ProcessConfigFile(PGC_SIGHUP);
		}
		if (infraguard_wait_sampling_hz != hz)
		{
			hz = infraguard_wait_sampling_hz;
			if (hz > 0)
			{
				period = ig_waits_period_us(hz);
				deadline = monotonic_us();
			}
		}
		if (hz == 0)
		{
			/* off: wait for a reload (or shutdown) */
			(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_EXIT_ON_PM_DEATH, -1L, PG_WAIT_EXTENSION);
			ResetLatch(MyLatch);
			continue;
		}

		now = monotonic_us();
		if (now < deadline)
		{
			long		ms = (long) ((deadline - now + 999) / 1000);

			(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
							 ms, PG_WAIT_EXTENSION);
			ResetLatch(MyLatch);
			continue;
		}
		sample_round(samples);
		deadline = ig_waits_next_deadline(deadline, now, period);
	}
}

static void
require_wait_sampling(void)
{
	if (wss == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("wait sampling requires infraguard to be loaded via shared_preload_libraries"),
				 errhint("Add infraguard to shared_preload_libraries in postgresql.conf and restart the server.")));
}

/* The event's type and name; "CPU" for a sample that was not waiting. */
static void
event_names(uint32 event, Datum *type, Datum *name)
{
	const char *t = event == 0 ? "CPU" : pgstat_get_wait_event_type(event);
	const char *n = event == 0 ? "CPU" : pgstat_get_wait_event(event);

	*type = CStringGetTextDatum(t ? t : "???");
	*name = CStringGetTextDatum(n ? n : "???");
}

/*
 * infraguard.wait_events(): the samples counted since the last drain (or
 * the sampler's own new period), one row per (wait event, query id), with
 * each row's share of the active samples and the average number of
 * backends in that state.  Copies the table under the lock shared.
 */
PG_FUNCTION_INFO_V1(infraguard_wait_events);

Datum
infraguard_wait_events(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	IgWaitTable *copy;
	int			k;

	require_wait_sampling();
	InitMaterializedSRF(fcinfo, 0);

	copy = (IgWaitTable *) palloc(sizeof(IgWaitTable));
	LWLockAcquire(wss->lock, LW_SHARED);
	memcpy(copy, &wss->table, sizeof(IgWaitTable));
	LWLockRelease(wss->lock);

	for (k = -1; k < IG_WAITS_NENTRIES; k++)
	{
		const IgWaitEntry *e = k < 0 ? &copy->overflow : &copy->entries[k];
		Datum		values[8];
		bool		nulls[8] = {0};

		if (e->count == 0)
			continue;
		if (k < 0)
		{
			/* keys that found no room in the table */
			values[0] = CStringGetTextDatum("Overflow");
			values[1] = CStringGetTextDatum("Overflow");
			nulls[2] = true;
		}
		else
		{
			event_names(e->event, &values[0], &values[1]);
			values[2] = Int64GetDatum((int64) e->queryid);
			nulls[2] = (e->queryid == 0);
		}
		values[3] = Int64GetDatum((int64) e->count);
		/* rounded as wait_profile() rounds */
		values[4] = Float8GetDatum(rint(ig_waits_share_pct(e->count, copy->samples) * 100.0) / 100.0);
		values[5] = Float8GetDatum(rint(ig_waits_avg_sessions(e->count, copy->ticks) * 1000.0) / 1000.0);
		values[6] = TimestampTzGetDatum((TimestampTz) copy->since);
		values[7] = Int64GetDatum((int64) copy->ticks);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

/*
 * infraguard_internal.wait_sampling_drain(): for the snapshot.  Returns the pending
 * period's totals (since, until = now, rounds, active samples, overflowed)
 * on every row, one row per (wait event, query id), and one row with NULL
 * event fields that carries the totals alone (so an idle period still
 * records its rounds); then subtracts exactly what it returned, under the
 * lock exclusive, so concurrent drains never return a sample twice.  A
 * transaction that fails after the drain loses that period's samples.
 */
PG_FUNCTION_INFO_V1(infraguard_wait_sampling_drain);

Datum
infraguard_wait_sampling_drain(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	IgWaitTable *copy;
	TimestampTz now;
	int			k;

	require_wait_sampling();
	InitMaterializedSRF(fcinfo, 0);

	copy = (IgWaitTable *) palloc(sizeof(IgWaitTable));
	now = GetCurrentTimestamp();
	LWLockAcquire(wss->lock, LW_EXCLUSIVE);
	memcpy(copy, &wss->table, sizeof(IgWaitTable));
	(void) ig_waits_subtract(&wss->table, copy, now);
	LWLockRelease(wss->lock);

	for (k = -2; k < IG_WAITS_NENTRIES; k++)
	{
		const IgWaitEntry *e = NULL;
		Datum		values[9];
		bool		nulls[9] = {0};

		values[0] = TimestampTzGetDatum((TimestampTz) copy->since);
		values[1] = TimestampTzGetDatum(now);
		values[2] = Int64GetDatum((int64) copy->ticks);
		values[3] = Int64GetDatum((int64) copy->samples);
		values[4] = Int64GetDatum((int64) copy->overflowed);
		if (k == -2)
		{
			/* the totals row */
			nulls[5] = nulls[6] = nulls[7] = true;
			values[8] = Int64GetDatum((int64) copy->samples);
		}
		else
		{
			e = k < 0 ? &copy->overflow : &copy->entries[k];
			if (e->count == 0)
				continue;
			if (k < 0)
			{
				values[5] = CStringGetTextDatum("Overflow");
				values[6] = CStringGetTextDatum("Overflow");
				nulls[7] = true;
			}
			else
			{
				event_names(e->event, &values[5], &values[6]);
				values[7] = Int64GetDatum((int64) e->queryid);
				nulls[7] = (e->queryid == 0);
			}
			values[8] = Int64GetDatum((int64) e->count);
		}
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}
