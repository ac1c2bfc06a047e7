/*-------------------------------------------------------------------------
 *
 * diag_system.c
 *	  system_stats(): the host's CPU, load and memory, from Linux /proc.
 *
 * cpu_pct is the busy share of all CPUs of the host (every process, not
 * only PostgreSQL's) since the previous reading, which is kept in shared
 * memory.  The background worker has a previous reading of its own, so its
 * figure is always the CPU use over the whole snapshot interval: interactive
 * calls (health() by a DBA) cannot shorten its window, and it never alerts
 * on a sub-second sample: without a usable previous reading of its own
 * (first snapshot, a reading older than two intervals) it reports no value,
 * and the alert rules treat that as missing data.  Interactive calls use
 * the shared interactive reading; when there is no usable one (first call,
 * a reading older than ten minutes, counters that went backwards, no shared
 * memory) they sample over a short interval themselves.
 * The previous readings are this file's shared memory ("infraguard cpu" in
 * pg_shmem_allocations), guarded by a spinlock: a few dozen bytes copied.
 * Parsing lives in src/core/ig_procfs.c.
 *
 * Copyright (c) 2026, infraguard developers
 *
 * IDENTIFICATION
 *	  src/diag_system.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <fcntl.h>
#include <math.h>
#include <unistd.h>

#include "funcapi.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "storage/fd.h"
#include "storage/latch.h"
#include "storage/shmem.h"
#include "storage/spin.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

#include "infraguard.h"
#include "ig_procfs.h"

/* readings closer than this are too noisy: reuse the last result */
#define MIN_INTERVAL_MS		1000
/* older readings say nothing about "now": sample afresh */
#define MAX_INTERVAL_MS		(10 * 60 * 1000)
/* the short interval of a fresh sample */
#define SAMPLE_MS			250
/* /proc/stat carries per-CPU and interrupt lines: allow for big machines */
#define PROC_READ_LIMIT		(4 * 1024 * 1024)

/* The previous /proc/stat reading, so cpu_pct covers the time since then. */
typedef struct CpuSample
{
	bool		valid;
	TimestampTz taken_at;
	IgCpuTimes	times;
	double		last_pct;		/* computed over a real interval */
	double		last_interval_s;	/* 0: no figure yet (the worker's baseline) */
} CpuSample;

typedef struct CpuShared
{
	slock_t		mutex;			/* protects both samples */
	CpuSample	interactive;	/* the previous interactive reading */
	CpuSample	worker;			/* the worker's previous snapshot's reading */
} CpuShared;

/* NULL when the library is not preloaded: then every call samples afresh */
static CpuShared *cpu_shared = NULL;

/* Size of the CPU readings' shared memory. */
Size
ig_cpu_shmem_size(void)
{
	return sizeof(CpuShared);
}

/*
 * Create or attach to the CPU readings' shared memory; called by the
 * shmem_startup hook with AddinShmemInitLock held.
 */
void
ig_cpu_shmem_init(void)
{
	bool		found;

	cpu_shared = ShmemInitStruct("infraguard cpu", sizeof(CpuShared), &found);
	if (!found)
	{
		memset(cpu_shared, 0, sizeof(CpuShared));
		SpinLockInit(&cpu_shared->mutex);
	}
}

/*
 * Read a /proc file into a palloc'd NUL-terminated buffer; NULL (errno
 * set) if it cannot be opened.  /proc files report size 0, so read until EOF.
 */
static char *
read_proc_file(const char *path)
{
	int			fd;
	Size		cap = 8192;
	Size		len = 0;
	char	   *buf;

	fd = OpenTransientFile(path, O_RDONLY | PG_BINARY);
	if (fd < 0)
		return NULL;
	buf = palloc(cap);
	for (;;)
	{
		ssize_t		n;

		if (len + 1 >= cap)
		{
			if (cap >= PROC_READ_LIMIT)
				break;			/* what we need comes first; keep what we have */
			cap *= 2;
			buf = repalloc(buf, cap);
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0)
		{
			if (errno == EINTR)
				continue;
			CloseTransientFile(fd);
			ereport(ERROR,
					(errcode_for_file_access(),
					 errmsg("could not read file \"%s\": %m", path)));
		}
		if (n == 0)
			break;
		len += n;
	}
	CloseTransientFile(fd);
	buf[len] = '\0';
	return buf;
}

static bool
read_cpu(IgCpuTimes *times, int *ncpus)
{
	char	   *buf = read_proc_file("/proc/stat");
	bool		ok;

	if (buf == NULL)
		return false;
	ok = (ig_procfs_parse_stat(buf, times) == IG_OK);
	if (ok && ncpus)
		*ncpus = ig_procfs_count_cpus(buf);
	pfree(buf);
	return ok;
}

/* Sleep for ms, waking for interrupts (query cancel, shutdown). */
static void
sleep_ms(long ms)
{
	TimestampTz end = TimestampTzPlusMilliseconds(GetCurrentTimestamp(), ms);

	for (;;)
	{
		long		left = TimestampDifferenceMilliseconds(GetCurrentTimestamp(), end);

		if (left <= 0)
			break;
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 left, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
		CHECK_FOR_INTERRUPTS();
	}
}

/*
 * The previous reading this process compares with: the worker's own, or the
 * shared interactive one.  Caller holds the mutex.
 */
static CpuSample *
cpu_slot(void)
{
	return ig_in_worker ? &cpu_shared->worker : &cpu_shared->interactive;
}

/*
 * Keep this reading as the next call's previous one, with the figure it
 * gave (interval_s 0: none, a baseline only).
 */
static void
remember(const IgCpuTimes *times, TimestampTz at, double pct, double interval_s)
{
	CpuSample  *slot;

	if (cpu_shared == NULL)
		return;
	SpinLockAcquire(&cpu_shared->mutex);
	slot = cpu_slot();
	slot->valid = true;
	slot->taken_at = at;
	slot->times = *times;
	slot->last_pct = pct;
	slot->last_interval_s = interval_s;
	SpinLockRelease(&cpu_shared->mutex);
}

/*
 * CPU busy percentage and the interval it covers; false if /proc/stat
 * cannot be read or parsed, or (in the worker) when there is no previous
 * reading of its own to measure from yet.
 */
static bool
cpu_busy(const IgCpuTimes *now_times, TimestampTz now, double *pct, double *interval_s)
{
	CpuSample	prev = {0};
	IgCpuTimes	later;
	TimestampTz later_at;
	long		max_ms = MAX_INTERVAL_MS;
	long		min_ms = MIN_INTERVAL_MS;

	if (cpu_shared != NULL)
	{
		SpinLockAcquire(&cpu_shared->mutex);
		prev = *cpu_slot();
		SpinLockRelease(&cpu_shared->mutex);
	}
	if (ig_in_worker)
	{
		/*
		 * The worker's window is its interval: a second reading within the
		 * same cycle reuses the figure, a reading of the next cycle (whose
		 * timer may fire a few ms early) measures.
		 */
		max_ms = Max((long) MAX_INTERVAL_MS, 2000L * infraguard_snapshot_interval);
		min_ms = 500L * infraguard_snapshot_interval;
	}
	if (prev.valid)
	{
		long		age_ms = TimestampDifferenceMilliseconds(prev.taken_at, now);

		if (age_ms < min_ms && prev.last_interval_s > 0)
		{
			/* a second call in the same cycle: the same figure */
			*pct = prev.last_pct;
			*interval_s = prev.last_interval_s;
			return true;
		}
		if (age_ms < min_ms && ig_in_worker)
			return false;		/* keep the baseline; the next snapshot measures */
		if (age_ms >= min_ms && age_ms <= max_ms &&
			ig_cpu_busy_pct(&prev.times, now_times, pct) == IG_OK)
		{
			*interval_s = age_ms / 1000.0;
			remember(now_times, now, *pct, *interval_s);
			return true;
		}
	}

	if (ig_in_worker)
	{
		/* never a short sample for alerting: start the window here */
		remember(now_times, now, 0, 0);
		return false;
	}

	/* no usable previous reading: measure over a short interval */
	sleep_ms(SAMPLE_MS);
	later_at = GetCurrentTimestamp();
	if (!read_cpu(&later, NULL) || ig_cpu_busy_pct(now_times, &later, pct) != IG_OK)
		return false;
	*interval_s = TimestampDifferenceMilliseconds(now, later_at) / 1000.0;
	remember(&later, later_at, *pct, *interval_s);
	return true;
}

/*
 * infraguard.system_stats()
 *	  → cpu_count, load1, load5, load15, cpu_pct, cpu_interval_seconds,
 *		mem_total_bytes, mem_available_bytes, mem_used_pct, swap_total_bytes,
 *		swap_used_bytes, mem_total_size, mem_available_size
 *
 * One row.  Where /proc is missing (not Linux) every value is NULL and a
 * NOTICE says why: never an error, so health() keeps working.
 */
PG_FUNCTION_INFO_V1(infraguard_system_stats);

#define SYSTEM_STATS_COLS	13

Datum
infraguard_system_stats(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Datum		values[SYSTEM_STATS_COLS];
	bool		nulls[SYSTEM_STATS_COLS];
	IgCpuTimes	times;
	int			ncpus = 0;
	bool		have_cpu_pct = false;
	double		cpu_pct = 0;
	double		cpu_interval_s = 0;
	bool		have_load = false;
	double		load[3];
	bool		have_mem = false;
	IgMemInfo	mem;
	bool		have_mem_pct = false;
	double		mem_pct = 0;
	TimestampTz now = GetCurrentTimestamp();
	char	   *buf;
	int			i = 0;

	InitMaterializedSRF(fcinfo, 0);
	memset(nulls, true, sizeof(nulls));

	if (access("/proc/stat", R_OK) != 0)
	{
		ereport(NOTICE,
				(errmsg("host CPU and memory statistics are not available on this platform"),
				 errdetail("infraguard reads them from /proc, which this system does not have.")));
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		return (Datum) 0;
	}

	/* CPU first: a fresh sample waits SAMPLE_MS, and load and memory are "now" */
	if (read_cpu(&times, &ncpus))
		have_cpu_pct = cpu_busy(&times, now, &cpu_pct, &cpu_interval_s);
	buf = read_proc_file("/proc/loadavg");
	have_load = (buf != NULL && ig_procfs_parse_loadavg(buf, load) == IG_OK);
	buf = read_proc_file("/proc/meminfo");
	have_mem = (buf != NULL && ig_procfs_parse_meminfo(buf, &mem) == IG_OK);
	have_mem_pct = (have_mem && ig_mem_used_pct(&mem, &mem_pct) == IG_OK);

	memset(nulls, false, sizeof(nulls));
	if (ncpus > 0)
		values[i++] = Int32GetDatum(ncpus);
	else
		nulls[i++] = true;
	for (int l = 0; l < 3; l++)
	{
		if (have_load)
			values[i++] = Float8GetDatum(load[l]);
		else
			nulls[i++] = true;
	}
	if (have_cpu_pct)
	{
		values[i++] = Float8GetDatum(round(cpu_pct * 100) / 100);
		values[i++] = Float8GetDatum(cpu_interval_s);
	}
	else
	{
		nulls[i++] = true;
		nulls[i++] = true;
	}
	if (have_mem)
	{
		values[i++] = Int64GetDatum((int64) mem.total_bytes);
		values[i++] = Int64GetDatum((int64) mem.available_bytes);
	}
	else
	{
		nulls[i++] = true;
		nulls[i++] = true;
	}
	if (have_mem_pct)
		values[i++] = Float8GetDatum(round(mem_pct * 100) / 100);
	else
		nulls[i++] = true;
	if (have_mem)
	{
		values[i++] = Int64GetDatum((int64) mem.swap_total_bytes);
		values[i++] = Int64GetDatum((int64) (mem.swap_total_bytes - Min(mem.swap_free_bytes, mem.swap_total_bytes)));
		values[i++] = DirectFunctionCall1(pg_size_pretty, Int64GetDatum((int64) mem.total_bytes));
		values[i++] = DirectFunctionCall1(pg_size_pretty, Int64GetDatum((int64) mem.available_bytes));
	}
	else
	{
		while (i < SYSTEM_STATS_COLS)
			nulls[i++] = true;
	}
	Assert(i == SYSTEM_STATS_COLS);

	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	return (Datum) 0;
}
