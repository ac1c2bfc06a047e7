/*-------------------------------------------------------------------------
 *
 * ig_histogram.c
 *	  Log-linear latency histogram: bucketing, merge, diff, percentiles.
 *
 * Design notes:
 *	- ig_hist_add() runs in executor hooks for every statement, so the
 *	  bucket computation is a count-leading-zeros, one shift, one add and a
 *	  min: no division, no floating point, no loop over buckets.  The trick
 *	  is to OR the value with 2^13 before taking its log2: values below 2^13
 *	  then use the "octave 13" shift of 8, and since they are below 2^13 the
 *	  shifted value is 0..31, which is exactly the 32 linear 256 ns buckets,
 *	  while real octave-13 values give 32..63.  Every later octave adds 32.
 *	  One formula covers both regions, and the overflow bucket is a clamp.
 *	- Nothing here allocates or keeps state: the histogram may live in
 *	  shared memory, and the caller decides who writes it.
 *	- The bounds of a bucket are computed, not tabulated, so there is no
 *	  table to initialise in each process.
 *
 * IDENTIFICATION
 *	  src/core/ig_histogram.c
 *
 *-------------------------------------------------------------------------
 */
#include "ig_histogram.h"

/* The "OR with 2^13" trick above needs the linear width to match octave 13. */
typedef char ig_hist_layout_check[(IG_HIST_LINEAR_SHIFT ==
								   IG_HIST_LOG_MIN_BIT - IG_HIST_SUB_BITS &&
								   IG_HIST_NBUCKETS <= 1024) ? 1 : -1];

/* One implementation of the bucketing: the inline one of the header. */
static inline int
bucket_of(uint64_t ns)
{
	return ig_hist_bucket_of(ns);
}

static inline uint64_t
sat_add(uint64_t a, uint64_t b)
{
	uint64_t	s = a + b;

	return s < a ? UINT64_MAX : s;
}

int
ig_hist_bucket_index(uint64_t ns)
{
	return bucket_of(ns);
}

uint64_t
ig_hist_bucket_lower(int idx)
{
	int			octave;
	int			sub;

	if (idx < 0 || idx >= IG_HIST_NBUCKETS)
		return 0;
	if (idx < IG_HIST_SUB_BUCKETS)
		return (uint64_t) idx << IG_HIST_LINEAR_SHIFT;

	/*
	 * Inverse of bucket_of(): octave o >= 1 holds [2^(o+12), 2^(o+13)) with
	 * sub-buckets 2^(o+7) wide.  For the overflow index this yields 2^42.
	 */
	octave = idx >> IG_HIST_SUB_BITS;
	sub = idx & (IG_HIST_SUB_BUCKETS - 1);
	return (uint64_t) (IG_HIST_SUB_BUCKETS + sub) <<
		(octave + IG_HIST_LINEAR_SHIFT - 1);
}

uint64_t
ig_hist_bucket_upper(int idx)
{
	if (idx < 0 || idx >= IG_HIST_NBUCKETS)
		return 0;
	if (idx == IG_HIST_OVERFLOW_INDEX)
		return UINT64_MAX;
	return ig_hist_bucket_lower(idx + 1);
}

void
ig_hist_init(IgHistogram *h)
{
	int			i;

	for (i = 0; i < IG_HIST_NBUCKETS; i++)
		h->counts[i] = 0;
	h->sum_ns = 0;
	h->max_ns = 0;
}

void
ig_hist_replace(IgHistogram *h, uint64_t old_ns, uint64_t new_ns)
{
	int			ob = bucket_of(old_ns);
	int			nb = bucket_of(new_ns);
	uint64_t	max = h->max_ns;

	if (h->counts[ob] == 0)
	{
		ig_hist_add(h, new_ns);
		return;
	}
	h->max_ns = new_ns > max ? new_ns : max;
	/* saturated sums stay saturated; else sum - old + new, floored at 0 */
	if (h->sum_ns != UINT64_MAX)
	{
		uint64_t	s = h->sum_ns >= old_ns ? h->sum_ns - old_ns : 0;

		h->sum_ns = sat_add(s, new_ns);
	}
	if (ob != nb)
	{
		h->counts[nb]++;
		h->counts[ob]--;
	}
}

void
ig_hist_remove(IgHistogram *h, uint64_t ns)
{
	int			b = bucket_of(ns);

	if (h->counts[b] == 0)
		return;
	h->counts[b]--;
	if (h->sum_ns != UINT64_MAX)
		h->sum_ns = h->sum_ns >= ns ? h->sum_ns - ns : 0;
}

void
ig_hist_merge(IgHistogram *dst, const IgHistogram *src)
{
	int			i;

	for (i = 0; i < IG_HIST_NBUCKETS; i++)
		dst->counts[i] = sat_add(dst->counts[i], src->counts[i]);
	dst->sum_ns = sat_add(dst->sum_ns, src->sum_ns);
	if (src->max_ns > dst->max_ns)
		dst->max_ns = src->max_ns;
}

IgStatus
ig_hist_diff(IgHistogram *out, const IgHistogram *newer,
			 const IgHistogram *older)
{
	/* read scalars first: out may alias newer or older */
	uint64_t	newer_sum = newer->sum_ns;
	uint64_t	newer_max = newer->max_ns;
	uint64_t	older_sum = older->sum_ns;
	bool		backwards = newer_sum < older_sum;
	int			top = -1;
	int			i;

	/* check everything before writing, so a failed diff is a clean copy */
	for (i = 0; i < IG_HIST_NBUCKETS && !backwards; i++)
		if (newer->counts[i] < older->counts[i])
			backwards = true;

	if (backwards)
	{
		if (out != newer)
			*out = *newer;
		return IG_ERANGE;
	}

	for (i = 0; i < IG_HIST_NBUCKETS; i++)
	{
		uint64_t	n = newer->counts[i];
		uint64_t	o = older->counts[i];

		/* re-tested in case a live struct changed since the check above */
		out->counts[i] = n > o ? n - o : 0;
		if (out->counts[i] != 0)
			top = i;
	}
	out->sum_ns = newer_sum - older_sum;

	if (top < 0)
		out->max_ns = 0;
	else
	{
		uint64_t	bound = ig_hist_bucket_upper(top) - 1;

		out->max_ns = (newer_max != 0 && newer_max < bound) ? newer_max : bound;
	}
	return IG_OK;
}

uint64_t
ig_hist_count(const IgHistogram *h)
{
	uint64_t	n = 0;
	int			i;

	for (i = 0; i < IG_HIST_NBUCKETS; i++)
		n = sat_add(n, h->counts[i]);
	return n;
}

/*
 * ceil(q * n) clamped to [1, n].  q * n carries the rounding error of q's
 * binary representation (0.07 * 100 = 7.000000000000001), which a plain
 * ceil would turn into the next rank; fractions below 1e-11 relative are
 * taken as such noise.
 */
static uint64_t
rank_for(double q, uint64_t n)
{
	double		x = q * (double) n;
	uint64_t	r;

	if (x >= (double) n)
		return n;
	r = (uint64_t) x;
	if (x - (double) r > x * 1e-11)
		r++;
	return r < 1 ? 1 : r;
}

IgStatus
ig_hist_percentile(const IgHistogram *h, double q, double *out_ns)
{
	uint64_t	n;
	uint64_t	rank;
	uint64_t	cum = 0;
	uint64_t	lower;
	uint64_t	mid;
	uint64_t	max = h->max_ns;
	int			found = -1;
	int			i;

	/* written this way so that NaN is rejected too */
	if (!(q >= 0.0 && q <= 1.0))
		return IG_ERANGE;
	n = ig_hist_count(h);
	if (n == 0)
		return IG_ENODATA;
	rank = rank_for(q, n);

	for (i = 0; i < IG_HIST_NBUCKETS; i++)
	{
		uint64_t	c = h->counts[i];

		if (c == 0)
			continue;
		found = i;
		cum = sat_add(cum, c);
		if (cum >= rank)
			break;
	}

	/*
	 * Only a live struct whose counts shrank between the two passes can end
	 * the loop short of rank; then the highest non-empty bucket is the best
	 * answer.
	 */
	if (found < 0)
		return IG_ENODATA;

	lower = ig_hist_bucket_lower(found);
	if (found == IG_HIST_OVERFLOW_INDEX)
	{
		*out_ns = (double) (max > lower ? max : lower);
		return IG_OK;
	}
	mid = lower + (ig_hist_bucket_upper(found) - lower) / 2;
	*out_ns = (double) ((max >= lower && max < mid) ? max : mid);
	return IG_OK;
}

double
ig_hist_mean_ns(const IgHistogram *h)
{
	uint64_t	n = ig_hist_count(h);

	if (n == 0)
		return 0.0;
	return (double) h->sum_ns / (double) n;
}
