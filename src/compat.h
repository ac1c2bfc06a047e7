/*-------------------------------------------------------------------------
 *
 * compat.h
 *	  PostgreSQL version shims, collected in one place (pg_wait_sampling style).
 *
 * Tested on PostgreSQL 15, 17 and 18 (test/matrix.sh).  Anything that
 * differs between major versions is wrapped here as a static inline function
 * or macro so the rest of the code has no #if.
 *
 * src/compat.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef INFRAGUARD_COMPAT_H
#define INFRAGUARD_COMPAT_H

#include "executor/executor.h"
#include "miscadmin.h"
#include "postmaster/autovacuum.h"
#include "portability/instr_time.h"
#include "storage/proc.h"
#include "utils/backend_status.h"

#if PG_VERSION_NUM < 150000
#error "infraguard requires PostgreSQL 15 or later"
#endif

/* This backend's index into per-process arrays. */
static inline int
ig_my_proc_number(void)
{
#if PG_VERSION_NUM >= 170000
	return MyProcNumber;
#else
	return MyProc->pgprocno;
#endif
}

/* Is this process an autovacuum worker? (17 renamed the test.) */
static inline bool
ig_am_autovacuum_worker(void)
{
#if PG_VERSION_NUM >= 170000
	return AmAutoVacuumWorkerProcess();
#else
	return IsAutoVacuumWorkerProcess();
#endif
}

/* An instr_time interval in nanoseconds (INSTR_TIME_GET_NANOSEC is 16+). */
static inline uint64
ig_instr_time_ns(instr_time t)
{
#if PG_VERSION_NUM >= 160000
	return INSTR_TIME_GET_NANOSEC(t);
#else
	return (uint64) t.tv_sec * UINT64CONST(1000000000) + (uint64) t.tv_nsec;
#endif
}

/*
 * The module magic block: 18 adds PG_MODULE_MAGIC_EXT, which names the
 * library and its version in pg_get_loaded_modules().  Used once, in
 * infraguard.c.
 */
#if PG_VERSION_NUM >= 180000
#define IG_MODULE_MAGIC \
	PG_MODULE_MAGIC_EXT(.name = "infraguard", .version = INFRAGUARD_VERSION)
#else
#define IG_MODULE_MAGIC PG_MODULE_MAGIC
#endif

/*
 * ExecutorRun hook arguments: 18 dropped execute_once.  A hook is declared
 * as  f(IG_EXECUTOR_RUN_PARAMS)  and passes them on with
 * IG_EXECUTOR_RUN_ARGS; the parameter names are fixed by these macros.
 */
#if PG_VERSION_NUM >= 180000
#define IG_EXECUTOR_RUN_PARAMS \
	QueryDesc *queryDesc, ScanDirection direction, uint64 count
#define IG_EXECUTOR_RUN_ARGS queryDesc, direction, count
#else
#define IG_EXECUTOR_RUN_PARAMS \
	QueryDesc *queryDesc, ScanDirection direction, uint64 count, bool execute_once
#define IG_EXECUTOR_RUN_ARGS queryDesc, direction, count, execute_once
#endif

/*
 * The server's backend status array (static in backend_status.c), as the
 * wait sampler finds it by name: its size, which ShmemInitStruct checks,
 * and the entry of the process with PGPROC number procno.  Up to 16 the
 * array has MaxBackends + NUM_AUXPROCTYPES entries and a backend's is
 * indexed by its BackendId; from 17 it is indexed by PGPROC number, with
 * one entry per auxiliary PGPROC.
 */
#if PG_VERSION_NUM >= 170000
#define IG_NUM_BACKEND_STATUS_SLOTS (MaxBackends + NUM_AUXILIARY_PROCS)
#else
#define IG_NUM_BACKEND_STATUS_SLOTS (MaxBackends + NUM_AUXPROCTYPES)
#endif

static inline volatile PgBackendStatus *
ig_backend_status_entry(PgBackendStatus *array, PGPROC *proc, int procno)
{
#if PG_VERSION_NUM >= 170000
	return &array[procno];
#else
	BackendId	id = *((volatile BackendId *) &proc->backendId);

	if (id < 1 || id > MaxBackends)
		return NULL;
	return &array[id - 1];
#endif
}

#endif							/* INFRAGUARD_COMPAT_H */
