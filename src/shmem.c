/*-------------------------------------------------------------------------
 *
 * shmem.c
 *	  The shared memory request and startup hooks: one call per subsystem,
 *	  each of which owns its struct (pg_stat_statements' and autoprewarm's
 *	  pattern).  Requested once at postmaster start, fixed in size.
 *
 * Subsystems and their pg_shmem_allocations rows:
 *	- latency.c, "infraguard latency": a per-backend histogram slot for
 *	  each of MaxBackends processes, per-database totals and the lock that
 *	  guards folding slots into them (the size formula is in latency.c);
 *	- diag_system.c, "infraguard cpu": the previous /proc/stat readings
 *	  that cpu_pct is measured from;
 *	- worker.c, "infraguard worker": whether the worker's last attempt to
 *	  connect failed, for its backoff;
 *	- log_events.c, "infraguard log events": the ring of server log events
 *	  (infraguard.log_events_max of 512 bytes, and a header);
 *	- wait_sampling.c, "infraguard wait sampling": the wait-event sampler's
 *	  bounded (wait event, query id) table, 49,240 bytes, and its lock.
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
#include "storage/lwlock.h"
#include "storage/shmem.h"

#include "infraguard.h"

static shmem_request_hook_type prev_shmem_request_hook = NULL;
static shmem_startup_hook_type prev_shmem_startup_hook = NULL;

/* shmem_request hook: ask for every subsystem's size (MaxBackends is known) */
static void
ig_shmem_request(void)
{
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();

	RequestAddinShmemSpace(ig_latency_shmem_size());
	RequestNamedLWLockTranche(IG_LATENCY_TRANCHE, 1);
	RequestAddinShmemSpace(ig_cpu_shmem_size());
	RequestAddinShmemSpace(ig_worker_shmem_size());
	RequestAddinShmemSpace(ig_log_events_shmem_size());
	RequestAddinShmemSpace(ig_wait_sampling_shmem_size());
	RequestNamedLWLockTranche(IG_WAIT_SAMPLING_TRANCHE, 1);
}

/* shmem_startup hook: every subsystem creates or attaches to its struct */
static void
ig_shmem_startup(void)
{
	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();

	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	ig_latency_shmem_init();
	ig_cpu_shmem_init();
	ig_worker_shmem_init();
	ig_log_events_shmem_init();
	ig_wait_sampling_shmem_init();
	LWLockRelease(AddinShmemInitLock);
}

void
ig_shmem_install_hooks(void)
{
	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = ig_shmem_request;
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = ig_shmem_startup;
}
