/*-------------------------------------------------------------------------
 *
 * ig_procfs.h
 *	  Parsers for Linux /proc/stat, /proc/meminfo and /proc/loadavg text.
 *
 * The caller reads the whole file into a NUL-terminated buffer and passes
 * it in; the parsers never read past the terminating NUL, never allocate,
 * and accept any byte sequence (a NULL buffer is treated like an empty
 * one).  Numbers that do not fit in 64 bits give IG_EOVERFLOW; anything
 * else that does not look like the expected file gives IG_EPARSE.  On a
 * status other than IG_OK the output is unspecified (loadavg: untouched).
 *
 * Truncation: /proc files end with a newline, and every number used must be
 * followed by a blank or a newline, so a read that stops inside a number is
 * IG_EPARSE rather than a wrong value.  For meminfo the whole buffer must end
 * with a newline (see below).  A number is ASCII digits only: no sign, no
 * "0x", no locale.
 *
 * IDENTIFICATION
 *	  src/core/ig_procfs.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef INFRAGUARD_IG_PROCFS_H
#define INFRAGUARD_IG_PROCFS_H

#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>

#include "ig_status.h"

/* Aggregate CPU time counters, in USER_HZ ticks (normally 1/100 s). */
typedef struct IgCpuTimes
{
	uint64_t	user;			/* includes guest time */
	uint64_t	nice;			/* includes guest_nice time */
	uint64_t	system;
	uint64_t	idle;
	uint64_t	iowait;			/* Linux 2.5.41+, else 0 */
	uint64_t	irq;			/* Linux 2.6.0+, else 0 */
	uint64_t	softirq;		/* Linux 2.6.0+, else 0 */
	uint64_t	steal;			/* Linux 2.6.11+, else 0 */
} IgCpuTimes;

typedef struct IgMemInfo
{
	uint64_t	total_bytes;
	uint64_t	available_bytes;
	uint64_t	swap_total_bytes;
	uint64_t	swap_free_bytes;
	bool		available_estimated;	/* no MemAvailable (Linux < 3.14):
										 * MemFree + Buffers + Cached */
} IgMemInfo;

/*
 * Parse the aggregate "cpu " line of /proc/stat (not the per-CPU "cpuN"
 * lines).  At least 4 numeric fields are required; fields 5..8 default to
 * 0 when absent, and guest/guest_nice (fields 9 and 10, already counted in
 * user and nice) and any later fields are checked but ignored.
 */
extern IgStatus ig_procfs_parse_stat(const char *buf, IgCpuTimes *out);

/* Number of per-CPU "cpuN" lines in /proc/stat text (0 if none). */
extern int	ig_procfs_count_cpus(const char *buf);

/*
 * Busy share of the interval between two samples, as a percentage 0..100:
 * 100 * (1 - (d_idle + d_iowait) / d_total), d_total being the sum of the
 * deltas of all eight fields.
 *
 * Returns IG_ERANGE when a counter went backwards (counter reset, or samples
 * from different boots).  idle and iowait are the exception: on tickless
 * kernels the idle period in progress is attributed to one or the other
 * depending on whether a task currently waits for I/O, so either may
 * decrease a little between samples (proc_stat(5): iowait "may decrease in
 * certain conditions").  Only their sum must not go backwards.
 * IG_ENODATA when d_total is 0 (samples too close together); IG_EOVERFLOW
 * if d_total does not fit in 64 bits (garbage input).
 */
extern IgStatus ig_cpu_busy_pct(const IgCpuTimes *prev, const IgCpuTimes *cur,
								double *pct);

/*
 * Parse /proc/meminfo.  Values are in kB in the file and converted to bytes.
 * MemTotal is required.  When MemAvailable is missing, available_bytes is
 * MemFree + Buffers + Cached (MemFree then required; the others default to
 * 0), capped at MemTotal, and available_estimated is set.  Missing
 * SwapTotal/SwapFree give 0.  Only the lines used are validated: a used line
 * with a bad number or a unit other than "kB" gives IG_EPARSE; the first
 * occurrence of a key wins.  The buffer must end with a newline (IG_EPARSE
 * otherwise): a read cut at a line boundary before MemAvailable would
 * otherwise pass for an old kernel and give an estimate.
 */
extern IgStatus ig_procfs_parse_meminfo(const char *buf, IgMemInfo *out);

/*
 * 100 * (total - available) / total, clamped to 0..100.  IG_ENODATA when
 * total is 0.
 */
extern IgStatus ig_mem_used_pct(const IgMemInfo *m, double *pct);

/*
 * Parse the 1, 5 and 15 minute load averages at the start of /proc/loadavg
 * ("0.52 0.58 0.59 2/1234 5678"), locale-independently.  Each must be
 * followed by a blank or newline; the rest of the line is not needed and
 * not checked.  load[] is written only on IG_OK.
 */
extern IgStatus ig_procfs_parse_loadavg(const char *buf, double load[3]);

#endif							/* INFRAGUARD_IG_PROCFS_H */
