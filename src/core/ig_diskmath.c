/*-------------------------------------------------------------------------
 *
 * ig_diskmath.c
 *	  df-compatible file system usage arithmetic.
 *
 * Design notes:
 *	- Mirrors the "Use%" computation of GNU coreutils' df (src/df.c): with
 *	  used = f_blocks - f_bfree and avail = f_bavail, in blocks,
 *	  pct = u100 / nonroot_total rounded up, where u100 = used * 100 and
 *	  nonroot_total = used + avail.  Working in blocks rather than bytes
 *	  gives the same ratio and keeps the integer path free of overflow for
 *	  any real file system; like df, it falls back to floating point (with
 *	  ceil done by hand, as df does to avoid libm) only when used * 100 or
 *	  used + avail would not fit in 64 bits.
 *	- Negative used/avail values, which df can display on some BSD file
 *	  systems, cannot be represented by Linux statvfs and are rejected as
 *	  IG_ERANGE instead.
 *
 * IDENTIFICATION
 *	  src/core/ig_diskmath.c
 *
 *-------------------------------------------------------------------------
 */
#include "ig_diskmath.h"

/* *out = a * b, false on overflow */
static bool
mul_u64(uint64_t a, uint64_t b, uint64_t *out)
{
	if (a != 0 && b > UINT64_MAX / a)
		return false;
	*out = a * b;
	return true;
}

/* df's Use% for used and avail counts (in any common unit), 0 if both 0 */
static double
df_pct(uint64_t used, uint64_t avail)
{
	uint64_t	nonroot_total = used + avail;
	double		pct;
	double		ipct;

	if (used <= UINT64_MAX / 100 && nonroot_total >= used)
	{
		uint64_t	u100 = used * 100;

		if (nonroot_total == 0)
			return 0.0;
		return (double) (u100 / nonroot_total +
						 (u100 % nonroot_total != 0 ? 1 : 0));
	}

	/* huge values: nonroot_total > 0 here since used > 0 */
	pct = (double) used * 100.0 / ((double) used + (double) avail);
	ipct = (double) (int64_t) pct;
	if (ipct - 1 < pct && pct <= ipct + 1)
		pct = ipct + (ipct < pct ? 1 : 0);
	return pct;
}

IgStatus
ig_disk_usage(uint64_t f_blocks, uint64_t f_bfree, uint64_t f_bavail,
			  uint64_t f_frsize, IgDiskUsage *out)
{
	uint64_t	used_blocks;

	if (f_blocks == 0)
		return IG_ENODATA;
	if (f_bfree > f_blocks || f_bavail > f_bfree || f_frsize == 0)
		return IG_ERANGE;

	used_blocks = f_blocks - f_bfree;

	/* used and free are at most total, so only total can overflow */
	if (!mul_u64(f_blocks, f_frsize, &out->total_bytes))
		return IG_EOVERFLOW;
	out->used_bytes = used_blocks * f_frsize;
	out->free_bytes = f_bavail * f_frsize;
	out->used_pct = df_pct(used_blocks, f_bavail);

	/* df shows "-" here: nothing used, nothing available to users */
	if (used_blocks == 0 && f_bavail == 0)
		return IG_ENODATA;
	return IG_OK;
}
