/*-------------------------------------------------------------------------
 *
 * infraguard.h
 *	  Declarations shared by infraguard's backend glue files: settings,
 *	  the shared memory layout and the entry points each file exports.
 *
 * src/infraguard.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef INFRAGUARD_INFRAGUARD_H
#define INFRAGUARD_INFRAGUARD_H

#include "port/atomics.h"
#include "storage/lwlock.h"
#include "storage/spin.h"
#include "utils/timestamp.h"

#include "ig_histogram.h"
#include "ig_procfs.h"

#ifndef INFRAGUARD_VERSION
#error "INFRAGUARD_VERSION must be defined by the Makefile from infraguard.control"
#endif

/*
 * Variables read by the hooks on every statement are hidden from the
 * library's dynamic symbol table, so that the hooks reach them directly
 * rather than through the GOT (bench/callgrind.sh).  Nothing outside the
 * library refers to them by name.
 */
#if defined(__GNUC__) && !defined(WIN32)
#define IG_HOT_VARIABLE __attribute__((visibility("hidden")))
#else
#define IG_HOT_VARIABLE
#endif

/* settings (infraguard.c) */
extern IG_HOT_VARIABLE bool infraguard_track_latency;
extern IG_HOT_VARIABLE bool infraguard_track_utility;
extern int	infraguard_max_databases;
extern bool infraguard_enabled;
extern char *infraguard_database;
extern int	infraguard_snapshot_interval;
extern int	infraguard_alert_log_level;

/*
 * One latency histogram per backend, written only by the backend that owns
 * it (indexed by its PGPROC number), so the executor hooks need no lock and
 * no atomic read-modify-write.  generation tags which reset the counts
 * belong to: after latency_reset() bumps the shared generation, readers
 * ignore a slot until its owner has zeroed it on its next statement.
 */
typedef struct IgLatencySlot
{
	Oid			dboid;			/* database of the owner; InvalidOid = free */
	uint32		generation;
	IgHistogram hist;			/* whole statements, as the server log times them */
	IgHistogram exec;			/* execution only (ExecutorRun + ExecutorFinish,
								 * or ProcessUtility) */
} IgLatencySlot;

/*
 * Per-database totals that exiting backends fold their slot into.  The last
 * entry collects databases beyond infraguard.max_databases.
 */
typedef struct IgLatencyDb
{
	Oid			dboid;			/* InvalidOid = unused */
	IgHistogram hist;			/* whole statements */
	IgHistogram exec;			/* execution only */
} IgLatencyDb;

/* The previous /proc/stat reading, so cpu_pct covers the time since then. */
typedef struct IgCpuSample
{
	bool		valid;
	TimestampTz taken_at;
	IgCpuTimes	times;
	bool		has_pct;		/* last_pct was computed over a real interval */
	double		last_pct;
	double		last_interval_s;
} IgCpuSample;

typedef struct IgSharedState
{
	LWLock	   *lock;			/* protects dbs[] and folding slots into
								 * them; readers take it shared */
	pg_atomic_uint32 latency_generation;
	TimestampTz latency_since;	/* under lock */
	slock_t		cpu_mutex;		/* protects cpu and worker_cpu */
	IgCpuSample cpu;			/* the previous interactive reading */
	IgCpuSample worker_cpu;		/* the worker's previous snapshot's reading */
	slock_t		worker_mutex;	/* protects the two fields below */
	bool		worker_connecting;	/* set while the worker connects: still
									 * set on restart means it failed */
	int			worker_connect_failures;
	int			nslots;
	int			ndbs;			/* max_databases + 1 (the overflow entry) */
	/* followed by nslots IgLatencySlot, then ndbs IgLatencyDb */
} IgSharedState;

/* shmem.c */
extern IG_HOT_VARIABLE IgSharedState *ig_shared;
extern void ig_shmem_install_hooks(void);
extern Size ig_shmem_size(void);
extern IgLatencySlot *ig_latency_slots(void);
extern IgLatencyDb *ig_latency_dbs(void);
extern void ig_require_shared(const char *what);

/* latency.c */
extern IG_HOT_VARIABLE bool ig_latency_exclude_backend;
extern void ig_latency_install_hooks(void);

/* wait_sampling.c */
extern int	infraguard_wait_sampling_hz;
extern void ig_wait_sampling_init(void);
extern void ig_wait_sampling_shmem_request(void);
extern void ig_wait_sampling_shmem_startup(void);

/* worker.c */
extern bool ig_in_worker;		/* true in the infraguard worker process */
extern void ig_worker_register(void);

#endif							/* INFRAGUARD_INFRAGUARD_H */
