/*-------------------------------------------------------------------------
 *
 * ig_histogram.h
 *	  Log-linear latency histogram with a fixed number of buckets.
 *
 * Values are durations in nanoseconds.  Bucket layout (HDR-like):
 *
 *	  [0, 2^13)		32 linear buckets, 256 ns wide (indexes 0..31)
 *	  [2^k, 2^(k+1))	for k = 13..41: 32 linear sub-buckets, 2^(k-5) ns wide
 *						(indexes 32..959)
 *	  [2^42, inf)		one overflow bucket that still counts (index 960)
 *
 * Accuracy bound: in the log region a bucket is at most 1/32 of its lower
 * bound wide, so its midpoint is within 1/64 (1.5625%) of any value in it.
 * In the linear region the midpoint is within 128 ns of any value in it,
 * which is <= 2% from 6.4 us up.  So every percentile of values between
 * 6.4 us and 2^42 ns (about 73.3 minutes) is reported within 1.5625%
 * relative of the true order statistic (2% below 8.192 us).  Values at or
 * above 2^42 ns land in the overflow bucket, whose percentiles are reported
 * as max_ns.
 *
 * There is no separate total-count field: the total is the sum of counts,
 * so it can never disagree with the buckets.  Concurrency: the struct may
 * live in shared memory written by a single owner and read by others
 * without a lock.  Readers may then see a sample counted but not yet
 * reflected in sum_ns/max_ns (or the reverse); results are approximate but
 * always safe to compute.  Readers should copy the struct before calling
 * ig_hist_percentile() or ig_hist_diff() so that one snapshot is used.
 *
 * IDENTIFICATION
 *	  src/core/ig_histogram.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef INFRAGUARD_IG_HISTOGRAM_H
#define INFRAGUARD_IG_HISTOGRAM_H

#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>

#include "ig_status.h"

/* log2 of the width of a linear-region bucket, and of the sub-bucket count */
#define IG_HIST_LINEAR_SHIFT	8
#define IG_HIST_SUB_BITS		5
#define IG_HIST_SUB_BUCKETS		(1 << IG_HIST_SUB_BITS)		/* 32 */

/* first value of the log region, and first value of the overflow bucket */
#define IG_HIST_LOG_MIN_BIT		13
#define IG_HIST_OVERFLOW_BIT	42
#define IG_HIST_LOG_MIN_NS		(UINT64_C(1) << IG_HIST_LOG_MIN_BIT)
#define IG_HIST_OVERFLOW_NS		(UINT64_C(1) << IG_HIST_OVERFLOW_BIT)

/* 32 linear + 29 octaves * 32 + 1 overflow = 961 */
#define IG_HIST_OVERFLOW_INDEX	\
	(IG_HIST_SUB_BUCKETS * (1 + IG_HIST_OVERFLOW_BIT - IG_HIST_LOG_MIN_BIT))
#define IG_HIST_NBUCKETS		(IG_HIST_OVERFLOW_INDEX + 1)

typedef struct IgHistogram
{
	uint64_t	counts[IG_HIST_NBUCKETS];
	uint64_t	sum_ns;			/* saturates at UINT64_MAX */
	uint64_t	max_ns;			/* exact for ig_hist_add/merge; an upper
								 * bound after ig_hist_diff */
} IgHistogram;

/* Bucket index (0..IG_HIST_NBUCKETS-1) for a duration; never fails. */
extern int	ig_hist_bucket_index(uint64_t ns);

/*
 * Inclusive lower and exclusive upper bound of a bucket, in ns.  The
 * overflow bucket's upper bound is UINT64_MAX.  An index outside
 * 0..IG_HIST_NBUCKETS-1 gives 0 for both.
 */
extern uint64_t ig_hist_bucket_lower(int idx);
extern uint64_t ig_hist_bucket_upper(int idx);

/* Zero everything. */
extern void ig_hist_init(IgHistogram *h);

/*
 * Bucket index of a duration (the body of ig_hist_bucket_index), inline for
 * the hot path.  The trick: OR the value with 2^13 before taking its log2
 * k, so values below 2^13 use the "octave 13" shift of 8 and land in the 32
 * linear 256 ns buckets (0..31), while octave-13 values give 32..63; every
 * later octave adds 32, and the overflow bucket is a clamp.  The index is
 * (k - 13) * 32 + (ns >> (k - 5)), computed in 64-bit unsigned arithmetic
 * as k * 32 + (ns >> (k - 5)) - 13 * 32 (k * 32 >= 416, so no wrap), which
 * spares the hot path a sign extension; 63 ^ clz is the bit-scan result
 * itself.
 */
static inline uint64_t
ig_hist_bucket_of_u64(uint64_t ns)
{
	uint64_t	v = ns | IG_HIST_LOG_MIN_NS;
	unsigned int k;
	uint64_t	idx;

#ifdef __GNUC__
	k = 63 ^ (unsigned int) __builtin_clzll((unsigned long long) v);
#else
	k = 0;
	while ((v >> 1) != 0)
	{
		v >>= 1;
		k++;
	}
#endif
	idx = ((uint64_t) k << IG_HIST_SUB_BITS) + (ns >> (k - IG_HIST_SUB_BITS)) -
		((uint64_t) IG_HIST_LOG_MIN_BIT << IG_HIST_SUB_BITS);
	return idx < IG_HIST_OVERFLOW_INDEX ? idx : IG_HIST_OVERFLOW_INDEX;
}

static inline int
ig_hist_bucket_of(uint64_t ns)
{
	return (int) ig_hist_bucket_of_u64(ns);
}

/*
 * Record one duration.  Hot path, inline: no division, no floating point,
 * no loop.  max and sum before the count: a lock-free reader that already
 * sees the new count is then less likely to clamp a percentile to a stale
 * max.  Only a hint (no barrier); readers treat the fields as approximate.
 * max_ns is only written when it grows; the sum saturates at UINT64_MAX.
 */
static inline void
ig_hist_add(IgHistogram *h, uint64_t ns)
{
	uint64_t	sum;

	if (ns > h->max_ns)
		h->max_ns = ns;
#ifdef __GNUC__
	if (__builtin_add_overflow(h->sum_ns, ns, &sum))
		sum = UINT64_MAX;
#else
	sum = h->sum_ns + ns;
	if (sum < ns)
		sum = UINT64_MAX;
#endif
	h->sum_ns = sum;
	h->counts[ig_hist_bucket_of_u64(ns)]++;
}

/*
 * Correct a sample recorded earlier: old_ns becomes new_ns (a statement
 * whose end moved later after it was first recorded).  The new bucket is
 * counted before the old one is uncounted, so a lock-free reader may see
 * the sample twice for an instant, never zero times.  If the old bucket is
 * empty (the histogram was reset in between) this is ig_hist_add(new_ns).
 * Hot path: no loop, no division.
 */
extern void ig_hist_replace(IgHistogram *h, uint64_t old_ns, uint64_t new_ns);

/*
 * Uncount a sample recorded earlier (a statement that then failed).  Does
 * nothing to an empty bucket.  max_ns is left as it is, so it stays an
 * upper bound of the remaining samples (no longer necessarily exact).
 */
extern void ig_hist_remove(IgHistogram *h, uint64_t ns);

/* dst += src; max_ns is the larger of both; counts and sum_ns saturate. */
extern void ig_hist_merge(IgHistogram *dst, const IgHistogram *src);

/*
 * out = newer - older, bucket by bucket (the activity between two snapshots
 * of a cumulative histogram).  out may alias newer or older.
 *
 * If any bucket or sum_ns of newer is below older (counters were reset, or
 * the snapshots are from different histograms), returns IG_ERANGE and makes
 * out a copy of newer, to be used as the new baseline.
 *
 * The maximum of the interval cannot be known, so out->max_ns is set to the
 * largest value the highest non-empty bucket of out can hold (its upper
 * bound - 1), clamped by newer->max_ns when that is non-zero; 0 when out is
 * empty.  It is therefore an upper bound of the true maximum, within one
 * bucket of it (exact when the largest sample of newer falls in the
 * interval).
 */
extern IgStatus ig_hist_diff(IgHistogram *out, const IgHistogram *newer,
							 const IgHistogram *older);

/* Total number of samples (sum of counts, saturating). */
extern uint64_t ig_hist_count(const IgHistogram *h);

/*
 * q-quantile, q in [0,1] (IG_ERANGE otherwise, including NaN); IG_ENODATA
 * when empty.  rank = ceil(q * n), at least 1 (floating-point noise in q * n
 * below 1e-11 relative is not rounded up).  The result is the midpoint of the
 * bucket where the cumulative count reaches rank, lowered to max_ns when
 * max_ns lies in that bucket below the midpoint; in the overflow bucket it
 * is max_ns.  Since max_ns is never below the true maximum, the clamp never
 * moves the result away from the true value.  A max_ns below the bucket
 * (a torn read of live memory) is ignored rather than trusted.  So with a
 * single sample every percentile is that sample exactly when it lies in the
 * lower half of its bucket, else the bucket midpoint (within 1/64 of it).
 * *out_ns is written only on IG_OK.
 */
extern IgStatus ig_hist_percentile(const IgHistogram *h, double q,
								   double *out_ns);

/* sum_ns / count, 0 when empty. */
extern double ig_hist_mean_ns(const IgHistogram *h);

#endif							/* INFRAGUARD_IG_HISTOGRAM_H */
