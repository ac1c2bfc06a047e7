/*-------------------------------------------------------------------------
 *
 * shmem.c
 *	  infraguard's shared memory: requested once at postmaster start, fixed
 *	  in size.
 *
 * Layout: the IgSharedState header, then one IgLatencySlot per process that
 * can run queries (MaxBackends of them, indexed by PGPROC number), then
 * infraguard.max_databases + 1 IgLatencyDb totals; each holds two
 * histograms (whole statements and execution only).  With max_connections
 * = 100 and the other defaults (MaxBackends = 122 on 15) and max_databases
 * = 64 that is
 *	  256 + 122 * 15416 + 65 * 15416 = 2,883,048 bytes,
 * visible as the "infraguard" row of pg_shmem_allocations.
 *
 * Copyright (c) 2026, infraguard developers
 *
 * IDENTIFICATION
 *	  src/shmem.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"
#include "storage/ipc.h"
#include "storage/proc.h"
#include "storage/shmem.h"

#include "infraguard.h"

IgSharedState *ig_shared = NULL;

static shmem_request_hook_type prev_shmem_request_hook = NULL;
static shmem_startup_hook_type prev_shmem_startup_hook = NULL;

/*
 * Processes that can run statements: the regular backends, background
 * workers and WAL senders, whose PGPROC numbers are 0 .. MaxBackends - 1.
 * Auxiliary processes (numbered after them) run none, and there are many
 * of them from 18 on (I/O workers), so they get no slot; claim_slot()
 * refuses numbers beyond the array.
 */
static int
slot_count(void)
{
	return MaxBackends;
}

static Size
slots_offset(void)
{
	return MAXALIGN(sizeof(IgSharedState));
}

static Size
dbs_offset(int nslots)
{
	return add_size(slots_offset(), MAXALIGN(mul_size(nslots, sizeof(IgLatencySlot))));
}

/*
 * Total size; valid once MaxBackends is known (from shmem_request_hook on).
 */
Size
ig_shmem_size(void)
{
	return add_size(dbs_offset(slot_count()),
					mul_size(infraguard_max_databases + 1, sizeof(IgLatencyDb)));
}

IgLatencySlot *
ig_latency_slots(void)
{
	return (IgLatencySlot *) ((char *) ig_shared + slots_offset());
}

IgLatencyDb *
ig_latency_dbs(void)
{
	return (IgLatencyDb *) ((char *) ig_shared + dbs_offset(ig_shared->nslots));
}

/*
 * Error out, pg_stat_statements style, when a function needs the shared
 * memory of a preloaded library and it is not there.
 */
void
ig_require_shared(const char *what)
{
	if (ig_shared == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("%s requires infraguard to be loaded via shared_preload_libraries", what),
				 errhint("Add infraguard to shared_preload_libraries in postgresql.conf and restart the server.")));
}

static void
ig_shmem_request(void)
{
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
	RequestAddinShmemSpace(ig_shmem_size());
	RequestNamedLWLockTranche("infraguard", 1);
	ig_wait_sampling_shmem_request();
}

static void
ig_shmem_startup(void)
{
	bool		found;

	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();

	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	ig_shared = ShmemInitStruct("infraguard", ig_shmem_size(), &found);
	if (!found)
	{
		/* zeroing makes every slot free and every histogram empty */
		memset(ig_shared, 0, ig_shmem_size());
		ig_shared->lock = &(GetNamedLWLockTranche("infraguard"))->lock;
		pg_atomic_init_u32(&ig_shared->latency_generation, 1);
		ig_shared->latency_since = GetCurrentTimestamp();
		SpinLockInit(&ig_shared->cpu_mutex);
		SpinLockInit(&ig_shared->worker_mutex);
		ig_shared->nslots = slot_count();
		ig_shared->ndbs = infraguard_max_databases + 1;
	}
	LWLockRelease(AddinShmemInitLock);
	ig_wait_sampling_shmem_startup();
}

void
ig_shmem_install_hooks(void)
{
	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = ig_shmem_request;
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = ig_shmem_startup;
}
