/*-------------------------------------------------------------------------
 *
 * ig_diskmath.h
 *	  df-compatible file system usage from statvfs(3) fields.
 *
 * The glue calls statvfs() and passes the fields; this module only does
 * the arithmetic, so that it can be checked against GNU df's output.
 *
 * IDENTIFICATION
 *	  src/core/ig_diskmath.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef INFRAGUARD_IG_DISKMATH_H
#define INFRAGUARD_IG_DISKMATH_H

#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>

#include "ig_status.h"

typedef struct IgDiskUsage
{
	uint64_t	total_bytes;	/* f_blocks * f_frsize (df "Size") */
	uint64_t	used_bytes;		/* (f_blocks - f_bfree) * f_frsize (df
								 * "Used") */
	uint64_t	free_bytes;		/* f_bavail * f_frsize: what an unprivileged
								 * user can still write (df "Avail") */
	double		used_pct;		/* df "Use%": ceil(100 * used / (used +
								 * avail)), a whole number 0..100 */
} IgDiskUsage;

/*
 * Compute usage as GNU df does.  used_pct counts root-reserved blocks as
 * used (the denominator is used + avail, not the size), and is rounded up,
 * so a file system is only reported at 0% when nothing is used and at 100%
 * when nothing is available to unprivileged users.
 *
 * f_frsize must be the fragment size; pass f_bsize instead when f_frsize is
 * 0 (df's rule for old systems).
 *
 * Returns IG_ENODATA when f_blocks is 0 (pseudo file systems such as /proc),
 * and also when used + avail is 0 (everything free but all of it reserved,
 * where df prints "-"); in that second case the byte fields of out are
 * filled and used_pct is 0.  IG_ERANGE when f_bfree > f_blocks,
 * f_bavail > f_bfree or f_frsize is 0; IG_EOVERFLOW when a byte count does
 * not fit in 64 bits.
 */
extern IgStatus ig_disk_usage(uint64_t f_blocks, uint64_t f_bfree,
							  uint64_t f_bavail, uint64_t f_frsize,
							  IgDiskUsage *out);

#endif							/* INFRAGUARD_IG_DISKMATH_H */
