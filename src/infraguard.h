/*-------------------------------------------------------------------------
 *
 * infraguard.h
 *	  Declarations shared by infraguard's backend glue files: settings and
 *	  the entry points each file exports (shared memory stays private to
 *	  the file that owns it).
 *
 * src/infraguard.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef INFRAGUARD_INFRAGUARD_H
#define INFRAGUARD_INFRAGUARD_H

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
 * Shared memory: each subsystem owns a static struct in its own file and
 * exports the pair its part of the request and startup hooks (shmem.c)
 * calls: *_shmem_size() while requesting, *_shmem_init() under
 * AddinShmemInitLock at startup.  Nothing else about a subsystem's shared
 * memory is visible outside its file.
 */

/* shmem.c */
extern void ig_shmem_install_hooks(void);

/* latency.c */
#define IG_LATENCY_TRANCHE	"infraguard"	/* its LWLock's tranche */
extern IG_HOT_VARIABLE bool ig_latency_exclude_backend;
extern Size ig_latency_shmem_size(void);
extern void ig_latency_shmem_init(void);
extern void ig_latency_install_hooks(void);

/* diag_system.c */
extern Size ig_cpu_shmem_size(void);
extern void ig_cpu_shmem_init(void);

/* log_events.c: server log events (issue 15) */
extern int	infraguard_log_events_max;
extern void ig_log_events_define_gucs(void);
extern Size ig_log_events_shmem_size(void);
extern void ig_log_events_shmem_init(void);
extern void ig_log_events_install_hook(void);

/* wait_sampling.c */
#define IG_WAIT_SAMPLING_TRANCHE "infraguard wait sampling"	/* its LWLock's tranche */
extern int	infraguard_wait_sampling_hz;
extern void ig_wait_sampling_init(void);
extern Size ig_wait_sampling_shmem_size(void);
extern void ig_wait_sampling_shmem_init(void);

/* worker.c */
extern bool ig_in_worker;		/* true in the infraguard worker process */
extern Size ig_worker_shmem_size(void);
extern void ig_worker_shmem_init(void);
extern void ig_worker_register(void);

/* collector.c: the worker's per-database collectors */
extern char *infraguard_databases;
extern int	infraguard_collectors;
extern int	infraguard_database_timeout;
extern int	infraguard_collector_test_delay;

typedef struct IgCollectTarget
{
	Oid			dboid;
	char		name[NAMEDATALEN];
} IgCollectTarget;

typedef struct IgCollectQuery
{
	char	   *kind;
	char	   *query;
} IgCollectQuery;

extern char *ig_collect_databases(const IgCollectTarget *targets, int ntargets,
								  const IgCollectQuery *queries, int nqueries);

#endif							/* INFRAGUARD_INFRAGUARD_H */
