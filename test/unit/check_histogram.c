/*-------------------------------------------------------------------------
 *
 * check_histogram.c
 *	  Check unit tests for src/core/ig_histogram.c.
 *
 * Accuracy tests compare reported percentiles with the true order statistic
 * of the same samples (rank = ceil(q * n)), so they test the contract, not
 * the implementation.  Random inputs use a fixed-seed splitmix64, not
 * rand(), so every platform sees the same values.
 *
 * IDENTIFICATION
 *	  test/unit/check_histogram.c
 *
 *-------------------------------------------------------------------------
 */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ig_histogram.h"
#include "ig_status.h"

#define NS_PER_US	UINT64_C(1000)
#define NS_PER_MS	UINT64_C(1000000)
#define NS_PER_S	UINT64_C(1000000000)

/* the documented bound: half a bucket of 1/32 relative width */
#define LOG_REGION_BOUND	(1.0 / 64.0)
#define REQUIRED_BOUND		0.02

static uint64_t
splitmix64(uint64_t *state)
{
	uint64_t	z = (*state += UINT64_C(0x9E3779B97F4A7C15));

	z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
	return z ^ (z >> 31);
}

/* log-uniform value in [lo, hi) */
static uint64_t
random_log_uniform(uint64_t *state, double lo, double hi)
{
	double		u = (double) (splitmix64(state) >> 11) / 9007199254740992.0;

	return (uint64_t) exp(log(lo) + u * (log(hi) - log(lo)));
}

static double
bucket_mid(int idx)
{
	uint64_t	lo = ig_hist_bucket_lower(idx);

	return (double) lo + (double) (ig_hist_bucket_upper(idx) - lo) / 2.0;
}

static double
rel_err(double got, double want)
{
	return fabs(got - want) / want;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t	x = *(const uint64_t *) a;
	uint64_t	y = *(const uint64_t *) b;

	return (x > y) - (x < y);
}

/* true order statistic with the same rank rule as ig_hist_percentile */
static uint64_t
true_quantile(const uint64_t *sorted, size_t n, double q)
{
	size_t		rank = (size_t) ceil(q * (double) n - 1e-9);

	if (rank < 1)
		rank = 1;
	if (rank > n)
		rank = n;
	return sorted[rank - 1];
}

/* heap-allocated: IgHistogram is ~7.5 kB, keep test stacks small */
static IgHistogram *
new_hist(void)
{
	IgHistogram *h = malloc(sizeof(IgHistogram));

	ck_assert_ptr_nonnull(h);
	ig_hist_init(h);
	return h;
}

START_TEST(test_layout_constants)
{
	ck_assert_int_eq(IG_HIST_NBUCKETS, 961);
	ck_assert_int_le(IG_HIST_NBUCKETS, 1024);
	ck_assert_uint_eq(sizeof(IgHistogram),
					  (IG_HIST_NBUCKETS + 2) * sizeof(uint64_t));
	ck_assert_uint_eq(ig_hist_bucket_lower(0), 0);
	ck_assert_uint_eq(ig_hist_bucket_upper(0), 256);
	ck_assert_uint_eq(ig_hist_bucket_lower(32), 8192);
	ck_assert_uint_eq(ig_hist_bucket_lower(IG_HIST_NBUCKETS - 1),
					  UINT64_C(1) << 42);
	ck_assert_uint_eq(ig_hist_bucket_upper(IG_HIST_NBUCKETS - 1), UINT64_MAX);
	/* out-of-range indexes */
	ck_assert_uint_eq(ig_hist_bucket_lower(-1), 0);
	ck_assert_uint_eq(ig_hist_bucket_upper(-1), 0);
	ck_assert_uint_eq(ig_hist_bucket_lower(IG_HIST_NBUCKETS), 0);
	ck_assert_uint_eq(ig_hist_bucket_upper(IG_HIST_NBUCKETS), 0);
}
END_TEST

START_TEST(test_boundaries_contiguous_monotone)
{
	int			i;

	for (i = 0; i < IG_HIST_NBUCKETS; i++)
	{
		uint64_t	lo = ig_hist_bucket_lower(i);
		uint64_t	hi = ig_hist_bucket_upper(i);

		ck_assert_msg(lo < hi, "bucket %d: lower %llu >= upper %llu", i,
					  (unsigned long long) lo, (unsigned long long) hi);
		if (i + 1 < IG_HIST_NBUCKETS)
			ck_assert_msg(hi == ig_hist_bucket_lower(i + 1),
						  "gap or overlap after bucket %d", i);
		/* both ends of the bucket map back to it */
		ck_assert_int_eq(ig_hist_bucket_index(lo), i);
		ck_assert_int_eq(ig_hist_bucket_index(hi - 1), i);
		if (lo > 0)
			ck_assert_int_eq(ig_hist_bucket_index(lo - 1), i - 1);
		/* log region: width <= lower / 32 */
		if (i >= 32 && i < IG_HIST_NBUCKETS - 1)
			ck_assert_msg((hi - lo) * 32 <= lo, "bucket %d too wide", i);
		else if (i < 32)
			ck_assert_uint_eq(hi - lo, 256);
	}
}
END_TEST

START_TEST(test_index_edges)
{
	ck_assert_int_eq(ig_hist_bucket_index(0), 0);
	ck_assert_int_eq(ig_hist_bucket_index(255), 0);
	ck_assert_int_eq(ig_hist_bucket_index(256), 1);
	ck_assert_int_eq(ig_hist_bucket_index(8191), 31);
	ck_assert_int_eq(ig_hist_bucket_index(8192), 32);
	ck_assert_int_eq(ig_hist_bucket_index(16383), 63);
	ck_assert_int_eq(ig_hist_bucket_index(16384), 64);
	ck_assert_int_eq(ig_hist_bucket_index((UINT64_C(1) << 42) - 1),
					 IG_HIST_NBUCKETS - 2);
	ck_assert_int_eq(ig_hist_bucket_index(UINT64_C(1) << 42),
					 IG_HIST_NBUCKETS - 1);
	ck_assert_int_eq(ig_hist_bucket_index(UINT64_C(1) << 63),
					 IG_HIST_NBUCKETS - 1);
	ck_assert_int_eq(ig_hist_bucket_index(UINT64_MAX), IG_HIST_NBUCKETS - 1);
}
END_TEST

/* every power of two and its neighbours, through all 64 bits */
START_TEST(test_index_all_bit_widths)
{
	int			b;

	for (b = 0; b < 64; b++)
	{
		uint64_t	p = UINT64_C(1) << b;
		uint64_t	vals[3] = {p - 1, p, p + 1};
		int			j;

		for (j = 0; j < 3; j++)
		{
			int			idx = ig_hist_bucket_index(vals[j]);

			ck_assert_int_ge(idx, 0);
			ck_assert_int_lt(idx, IG_HIST_NBUCKETS);
			ck_assert(ig_hist_bucket_lower(idx) <= vals[j]);
			ck_assert(idx == IG_HIST_NBUCKETS - 1 ||
					  vals[j] < ig_hist_bucket_upper(idx));
		}
	}
}
END_TEST

/* 10 us .. 1 h in steps of 0.1%: each value's bucket midpoint is close */
START_TEST(test_sweep_geometric)
{
	double		v;
	double		worst = 0.0;
	long		steps = 0;

	for (v = 10.0 * NS_PER_US; v <= 3600.0 * NS_PER_S; v *= 1.001)
	{
		uint64_t	ns = (uint64_t) v;
		int			idx = ig_hist_bucket_index(ns);
		double		err;

		ck_assert(ig_hist_bucket_lower(idx) <= ns);
		ck_assert(ns < ig_hist_bucket_upper(idx));
		err = rel_err(bucket_mid(idx), (double) ns);
		if (err > worst)
			worst = err;
		steps++;
	}
	ck_assert_int_gt(steps, 19000);
	ck_assert_msg(worst <= LOG_REGION_BOUND, "worst relative error %g", worst);
}
END_TEST

START_TEST(test_sweep_random)
{
	uint64_t	seed = 20240601;
	double		worst = 0.0;
	int			i;

	for (i = 0; i < 1000000; i++)
	{
		uint64_t	ns = random_log_uniform(&seed, 10.0 * NS_PER_US,
											3600.0 * NS_PER_S);
		int			idx = ig_hist_bucket_index(ns);
		double		err;

		ck_assert(ig_hist_bucket_lower(idx) <= ns);
		ck_assert(ns < ig_hist_bucket_upper(idx));
		err = rel_err(bucket_mid(idx), (double) ns);
		if (err > worst)
			worst = err;
	}
	ck_assert_msg(worst <= LOG_REGION_BOUND, "worst relative error %g", worst);
}
END_TEST

/* the linear region meets the 2% bound from 6.4 us, as documented */
START_TEST(test_linear_region_bound)
{
	uint64_t	ns;

	for (ns = 6400; ns < 8192; ns++)
		ck_assert(rel_err(bucket_mid(ig_hist_bucket_index(ns)), (double) ns)
				  <= REQUIRED_BOUND);
}
END_TEST

START_TEST(test_empty)
{
	IgHistogram *h = new_hist();
	double		v = -1.0;

	ck_assert_uint_eq(ig_hist_count(h), 0);
	ck_assert_int_eq(ig_hist_percentile(h, 0.5, &v), IG_ENODATA);
	ck_assert_double_eq(v, -1.0);	/* untouched */
	ck_assert_double_eq(ig_hist_mean_ns(h), 0.0);
	ck_assert_uint_eq(h->sum_ns, 0);
	ck_assert_uint_eq(h->max_ns, 0);
	free(h);
}
END_TEST

START_TEST(test_add_updates_fields)
{
	IgHistogram *h = new_hist();

	ig_hist_add(h, 12345);
	ig_hist_add(h, 12345);
	ig_hist_add(h, 5 * NS_PER_MS);
	ck_assert_uint_eq(h->counts[ig_hist_bucket_index(12345)], 2);
	ck_assert_uint_eq(h->counts[ig_hist_bucket_index(5 * NS_PER_MS)], 1);
	ck_assert_uint_eq(ig_hist_count(h), 3);
	ck_assert_uint_eq(h->sum_ns, 2 * 12345 + 5 * NS_PER_MS);
	ck_assert_uint_eq(h->max_ns, 5 * NS_PER_MS);
	ck_assert_double_eq_tol(ig_hist_mean_ns(h),
							(2.0 * 12345 + 5.0 * NS_PER_MS) / 3.0, 1e-6);
	free(h);
}
END_TEST

/*
 * One sample: every percentile is within the bound and never above the
 * sample (the max clamp), and exact whenever the sample lies below its
 * bucket's midpoint.
 */
START_TEST(test_one_sample)
{
	static const uint64_t samples[] = {
		0, 1, 300, 10 * NS_PER_US, 123456, 10 * NS_PER_MS,
		10 * NS_PER_MS + 150000, 3 * NS_PER_S, 3599 * NS_PER_S
	};
	static const double qs[] = {0.0, 0.01, 0.5, 0.95, 0.99, 1.0};
	size_t		i;
	size_t		j;

	for (i = 0; i < sizeof(samples) / sizeof(samples[0]); i++)
	{
		IgHistogram *h = new_hist();
		uint64_t	s = samples[i];
		int			idx = ig_hist_bucket_index(s);

		ig_hist_add(h, s);
		for (j = 0; j < sizeof(qs) / sizeof(qs[0]); j++)
		{
			double		v;

			ck_assert_int_eq(ig_hist_percentile(h, qs[j], &v), IG_OK);
			ck_assert(v <= (double) s);
			if ((double) s <= bucket_mid(idx))
				ck_assert_double_eq(v, (double) s);
			else
				ck_assert_double_eq(v, bucket_mid(idx));
			if (s >= 10 * NS_PER_US)
				ck_assert(rel_err(v, (double) s) <= LOG_REGION_BOUND);
		}
		ck_assert_double_eq(ig_hist_mean_ns(h), (double) s);
		free(h);
	}
}
END_TEST

/* 95 samples of 10 ms and 5 of 200 ms */
START_TEST(test_known_distribution)
{
	IgHistogram *h = new_hist();
	double		v;
	int			i;

	for (i = 0; i < 95; i++)
		ig_hist_add(h, 10 * NS_PER_MS);
	for (i = 0; i < 5; i++)
		ig_hist_add(h, 200 * NS_PER_MS);

	ck_assert_uint_eq(ig_hist_count(h), 100);
	ck_assert_int_eq(ig_hist_percentile(h, 0.50, &v), IG_OK);
	ck_assert(rel_err(v, 10e6) <= REQUIRED_BOUND);
	ck_assert_int_eq(ig_hist_percentile(h, 0.95, &v), IG_OK);
	ck_assert(rel_err(v, 10e6) <= REQUIRED_BOUND);	/* rank 95 */
	ck_assert_int_eq(ig_hist_percentile(h, 0.951, &v), IG_OK);
	ck_assert(rel_err(v, 200e6) <= REQUIRED_BOUND);	/* rank 96 */
	ck_assert_int_eq(ig_hist_percentile(h, 0.99, &v), IG_OK);
	ck_assert(rel_err(v, 200e6) <= REQUIRED_BOUND);
	ck_assert_int_eq(ig_hist_percentile(h, 1.0, &v), IG_OK);
	ck_assert(rel_err(v, 200e6) <= REQUIRED_BOUND);
	ck_assert(v <= 200e6);
	ck_assert_double_eq(ig_hist_mean_ns(h), 19.5e6);
	free(h);
}
END_TEST

/* q * n carrying binary noise must not skip to the next rank */
START_TEST(test_rank_rounding)
{
	IgHistogram *h = new_hist();
	double		v;
	int			i;

	/* 100 samples, 1..100 ms, each in its own bucket */
	for (i = 1; i <= 100; i++)
		ig_hist_add(h, (uint64_t) i * NS_PER_MS);

	ck_assert_int_eq(ig_hist_percentile(h, 0.07, &v), IG_OK);
	ck_assert(rel_err(v, 7e6) <= LOG_REGION_BOUND);
	ck_assert_int_eq(ig_hist_percentile(h, 0.071, &v), IG_OK);
	ck_assert(rel_err(v, 8e6) <= LOG_REGION_BOUND);
	ck_assert_int_eq(ig_hist_percentile(h, 0.0, &v), IG_OK);
	ck_assert(rel_err(v, 1e6) <= LOG_REGION_BOUND);	/* rank at least 1 */
	ck_assert_int_eq(ig_hist_percentile(h, 0.57, &v), IG_OK);
	ck_assert(rel_err(v, 57e6) <= LOG_REGION_BOUND);
	ck_assert_int_eq(ig_hist_percentile(h, 0.29, &v), IG_OK);
	ck_assert(rel_err(v, 29e6) <= LOG_REGION_BOUND);
	free(h);
}
END_TEST

/* many random samples: each percentile within the bound of the truth */
START_TEST(test_percentiles_vs_truth)
{
	static const double qs[] = {
		0.0, 0.001, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 0.9999, 1.0
	};
	const size_t n = 200000;
	uint64_t   *samples = malloc(n * sizeof(uint64_t));
	IgHistogram *h = new_hist();
	uint64_t	seed = 7;
	double		prev = 0.0;
	size_t		i;

	ck_assert_ptr_nonnull(samples);
	for (i = 0; i < n; i++)
	{
		/* a body around 1 ms and a long tail up to an hour */
		if (splitmix64(&seed) % 10 == 0)
			samples[i] = random_log_uniform(&seed, 10e3, 3600e9);
		else
			samples[i] = random_log_uniform(&seed, 0.5e6, 2e6);
		ig_hist_add(h, samples[i]);
	}
	qsort(samples, n, sizeof(uint64_t), cmp_u64);

	for (i = 0; i < sizeof(qs) / sizeof(qs[0]); i++)
	{
		double		v;
		double		truth = (double) true_quantile(samples, n, qs[i]);

		ck_assert_int_eq(ig_hist_percentile(h, qs[i], &v), IG_OK);
		ck_assert_msg(rel_err(v, truth) <= LOG_REGION_BOUND,
					  "q=%g got %f want %f", qs[i], v, truth);
		ck_assert(v >= prev);	/* monotone in q */
		prev = v;
	}
	free(samples);
	free(h);
}
END_TEST

START_TEST(test_overflow_bucket)
{
	IgHistogram *h = new_hist();
	const uint64_t two_hours = 7200 * NS_PER_S;
	double		v;
	int			i;

	ig_hist_add(h, two_hours);
	ck_assert_int_eq(ig_hist_bucket_index(two_hours), IG_HIST_NBUCKETS - 1);
	ck_assert_uint_eq(ig_hist_count(h), 1);
	ck_assert_int_eq(ig_hist_percentile(h, 1.0, &v), IG_OK);
	ck_assert_double_eq(v, (double) two_hours);
	ck_assert_int_eq(ig_hist_percentile(h, 0.5, &v), IG_OK);
	ck_assert_double_eq(v, (double) two_hours);

	/* the overflow sample does not disturb the others */
	for (i = 0; i < 99; i++)
		ig_hist_add(h, NS_PER_MS);
	ck_assert_uint_eq(ig_hist_count(h), 100);
	ck_assert_int_eq(ig_hist_percentile(h, 0.99, &v), IG_OK);
	ck_assert(rel_err(v, 1e6) <= LOG_REGION_BOUND);
	ck_assert_int_eq(ig_hist_percentile(h, 1.0, &v), IG_OK);
	ck_assert_double_eq(v, (double) two_hours);

	/* the largest representable duration also counts */
	ig_hist_add(h, UINT64_MAX);
	ck_assert_uint_eq(h->counts[IG_HIST_NBUCKETS - 1], 2);
	ck_assert_int_eq(ig_hist_percentile(h, 1.0, &v), IG_OK);
	ck_assert_double_eq(v, (double) UINT64_MAX);
	free(h);
}
END_TEST

START_TEST(test_q_out_of_range)
{
	IgHistogram *h = new_hist();
	double		v = -1.0;

	ig_hist_add(h, NS_PER_MS);
	ck_assert_int_eq(ig_hist_percentile(h, -0.01, &v), IG_ERANGE);
	ck_assert_int_eq(ig_hist_percentile(h, 1.0001, &v), IG_ERANGE);
	ck_assert_int_eq(ig_hist_percentile(h, NAN, &v), IG_ERANGE);
	ck_assert_int_eq(ig_hist_percentile(h, INFINITY, &v), IG_ERANGE);
	ck_assert_int_eq(ig_hist_percentile(h, -INFINITY, &v), IG_ERANGE);
	ck_assert_double_eq(v, -1.0);
	ck_assert_int_eq(ig_hist_percentile(h, 0.0, &v), IG_OK);
	ck_assert_int_eq(ig_hist_percentile(h, 1.0, &v), IG_OK);
	/* range is checked before emptiness */
	ig_hist_init(h);
	ck_assert_int_eq(ig_hist_percentile(h, 2.0, &v), IG_ERANGE);
	free(h);
}
END_TEST

START_TEST(test_saturating_sum)
{
	IgHistogram *a = new_hist();
	IgHistogram *b = new_hist();

	ig_hist_add(a, UINT64_MAX - 10);
	ck_assert_uint_eq(a->sum_ns, UINT64_MAX - 10);
	ig_hist_add(a, 100);
	ck_assert_uint_eq(a->sum_ns, UINT64_MAX);
	ig_hist_add(a, 1);
	ck_assert_uint_eq(a->sum_ns, UINT64_MAX);
	ck_assert_uint_eq(ig_hist_count(a), 3);
	ck_assert_uint_eq(a->max_ns, UINT64_MAX - 10);

	ig_hist_add(b, UINT64_MAX / 2 + 1);
	ig_hist_merge(b, a);
	ck_assert_uint_eq(b->sum_ns, UINT64_MAX);
	ck_assert_uint_eq(ig_hist_count(b), 4);
	free(a);
	free(b);
}
END_TEST

/*
 * The bucket formula written out plainly (a loop for the log2, signed
 * arithmetic), to check the hot path's inline version (ig_hist_add,
 * ig_hist_bucket_index) against: the same index for every value tried.
 */
static int
reference_bucket(uint64_t ns)
{
	uint64_t	v = ns | (UINT64_C(1) << 13);
	int			k = 0;
	long long	idx;

	while ((v >> 1) != 0)
	{
		v >>= 1;
		k++;
	}
	idx = (long long) (k - 13) * 32 + (long long) (ns >> (k - 5));
	return idx < 960 ? (int) idx : 960;
}

/*
 * ig_hist_add puts each sample in the bucket of the reference formula
 * (every power of two and its neighbours, and random values), adds it to
 * the sum exactly, and raises max_ns only when the sample is larger.
 */
START_TEST(test_add_bucket_and_fields)
{
	IgHistogram *h = new_hist();
	uint64_t	state = 42;
	int			b;
	int			i;

	for (b = 0; b < 64; b++)
	{
		uint64_t	p = UINT64_C(1) << b;
		uint64_t	vals[3] = {p - 1, p, p + 1};
		int			j;

		for (j = 0; j < 3; j++)
		{
			int			want = reference_bucket(vals[j]);

			ig_hist_init(h);
			ig_hist_add(h, vals[j]);
			ck_assert_int_eq(ig_hist_bucket_index(vals[j]), want);
			ck_assert_int_eq(ig_hist_bucket_of(vals[j]), want);
			ck_assert_uint_eq(h->counts[want], 1);
			ck_assert_uint_eq(ig_hist_count(h), 1);
			ck_assert_uint_eq(h->sum_ns, vals[j]);
			ck_assert_uint_eq(h->max_ns, vals[j]);
		}
	}
	ck_assert_int_eq(reference_bucket(UINT64_MAX), IG_HIST_NBUCKETS - 1);
	for (i = 0; i < 100000; i++)
	{
		/* values up to 2^43: both regions and the overflow bucket */
		uint64_t	v = splitmix64(&state) >> (21 + i % 43);

		ck_assert_int_eq(ig_hist_bucket_index(v), reference_bucket(v));
	}

	/* max_ns only grows; the sum is exact below saturation */
	ig_hist_init(h);
	ig_hist_add(h, 5 * NS_PER_MS);
	ig_hist_add(h, NS_PER_MS);
	ig_hist_add(h, 0);
	ck_assert_uint_eq(h->max_ns, 5 * NS_PER_MS);
	ck_assert_uint_eq(h->sum_ns, 6 * NS_PER_MS);
	ck_assert_uint_eq(ig_hist_count(h), 3);
	ck_assert_uint_eq(h->counts[0], 1);

	/* a sum that lands exactly on UINT64_MAX is not an overflow */
	ig_hist_init(h);
	ig_hist_add(h, UINT64_C(1) << 63);
	ig_hist_add(h, (UINT64_C(1) << 63) - 1);
	ck_assert_uint_eq(h->sum_ns, UINT64_MAX);
	/* one past it would wrap to a small number: it saturates */
	ig_hist_init(h);
	ig_hist_add(h, UINT64_MAX);
	ig_hist_add(h, 5);
	ck_assert_uint_eq(h->sum_ns, UINT64_MAX);
	ck_assert_uint_eq(h->max_ns, UINT64_MAX);
	free(h);
}
END_TEST

/* a corrected sample moves between buckets; the total never changes */
START_TEST(test_replace_remove)
{
	IgHistogram *h = new_hist();

	ig_hist_add(h, 1000);
	ig_hist_add(h, 20000);
	ig_hist_replace(h, 20000, 5000000);
	ck_assert_uint_eq(ig_hist_count(h), 2);
	ck_assert_uint_eq(h->counts[ig_hist_bucket_index(20000)], 0);
	ck_assert_uint_eq(h->counts[ig_hist_bucket_index(5000000)], 1);
	ck_assert_uint_eq(h->sum_ns, 5001000);
	ck_assert_uint_eq(h->max_ns, 5000000);
	/* same bucket: only sum and max move */
	ig_hist_replace(h, 1000, 1010);
	ck_assert_uint_eq(h->counts[ig_hist_bucket_index(1000)], 1);
	ck_assert_uint_eq(h->sum_ns, 5001010);
	/* the old sample is gone (reset in between): counted as new */
	ig_hist_replace(h, 123456789, 7000);
	ck_assert_uint_eq(ig_hist_count(h), 3);
	ck_assert_uint_eq(h->sum_ns, 5008010);
	ig_hist_remove(h, 5000000);
	ck_assert_uint_eq(ig_hist_count(h), 2);
	ck_assert_uint_eq(h->sum_ns, 8010);
	ck_assert_uint_eq(h->max_ns, 5000000);	/* an upper bound now */
	/* removing from an empty bucket changes nothing, and never wraps */
	ig_hist_remove(h, 5000000);
	ck_assert_uint_eq(ig_hist_count(h), 2);
	ig_hist_remove(h, 1010);
	ig_hist_remove(h, 7000);
	ck_assert_uint_eq(ig_hist_count(h), 0);
	ck_assert_uint_eq(h->sum_ns, 0);
	/* a saturated sum stays saturated */
	ig_hist_add(h, UINT64_MAX);
	ig_hist_add(h, 5);
	ig_hist_replace(h, 5, 9);
	ck_assert_uint_eq(h->sum_ns, UINT64_MAX);
	free(h);
}
END_TEST

START_TEST(test_merge)
{
	IgHistogram *a = new_hist();
	IgHistogram *b = new_hist();
	IgHistogram *all = new_hist();
	IgHistogram *empty = new_hist();
	uint64_t	seed = 99;
	int			i;

	for (i = 0; i < 5000; i++)
	{
		uint64_t	v = random_log_uniform(&seed, 1e3, 1e11);

		ig_hist_add(i % 3 == 0 ? a : b, v);
		ig_hist_add(all, v);
	}
	ig_hist_add(b, 420 * NS_PER_S);
	ig_hist_add(all, 420 * NS_PER_S);

	ig_hist_merge(a, b);
	ck_assert_int_eq(memcmp(a, all, sizeof(IgHistogram)), 0);
	ck_assert_uint_eq(a->max_ns, 420 * NS_PER_S);
	ck_assert_uint_eq(ig_hist_count(a), 5001);

	/* merging an empty histogram changes nothing, and into one copies */
	ig_hist_merge(a, empty);
	ck_assert_int_eq(memcmp(a, all, sizeof(IgHistogram)), 0);
	ig_hist_merge(empty, all);
	ck_assert_int_eq(memcmp(empty, all, sizeof(IgHistogram)), 0);
	free(a);
	free(b);
	free(all);
	free(empty);
}
END_TEST

/* older = A, newer = A + B: the diff is exactly B's buckets and sum */
START_TEST(test_diff)
{
	IgHistogram *older = new_hist();
	IgHistogram *newer = new_hist();
	IgHistogram *only_b = new_hist();
	IgHistogram *out = new_hist();
	uint64_t	seed = 12345;
	int			top;
	double		v;
	int			i;

	for (i = 0; i < 3000; i++)
	{
		uint64_t	x = random_log_uniform(&seed, 1e4, 1e9);

		ig_hist_add(older, x);
		ig_hist_add(newer, x);
	}
	ig_hist_add(older, 30 * NS_PER_S);	/* all-time max, before the interval */
	ig_hist_add(newer, 30 * NS_PER_S);
	for (i = 0; i < 1000; i++)
	{
		uint64_t	x = random_log_uniform(&seed, 1e5, 1e8);

		ig_hist_add(newer, x);
		ig_hist_add(only_b, x);
	}

	ck_assert_int_eq(ig_hist_diff(out, newer, older), IG_OK);
	ck_assert_int_eq(memcmp(out->counts, only_b->counts,
							sizeof(out->counts)), 0);
	ck_assert_uint_eq(out->sum_ns, only_b->sum_ns);
	ck_assert_uint_eq(ig_hist_count(out), 1000);

	/* max: highest bucket's largest value, an upper bound within a bucket */
	top = ig_hist_bucket_index(only_b->max_ns);
	ck_assert_uint_eq(out->max_ns, ig_hist_bucket_upper(top) - 1);
	ck_assert(out->max_ns >= only_b->max_ns);

	/* percentiles of the diff stay within the bound */
	ck_assert_int_eq(ig_hist_percentile(out, 1.0, &v), IG_OK);
	ck_assert(rel_err(v, (double) only_b->max_ns) <= LOG_REGION_BOUND);

	/* when the interval holds the overall max, diff's max is exact */
	ig_hist_add(newer, 50 * NS_PER_S);
	ck_assert_int_eq(ig_hist_diff(out, newer, older), IG_OK);
	ck_assert_uint_eq(out->max_ns, 50 * NS_PER_S);
	ck_assert_int_eq(ig_hist_percentile(out, 1.0, &v), IG_OK);
	ck_assert(v <= 50e9 && rel_err(v, 50e9) <= LOG_REGION_BOUND);

	/* identical snapshots: empty diff */
	ck_assert_int_eq(ig_hist_diff(out, older, older), IG_OK);
	ck_assert_uint_eq(ig_hist_count(out), 0);
	ck_assert_uint_eq(out->max_ns, 0);
	ck_assert_uint_eq(out->sum_ns, 0);
	ck_assert_int_eq(ig_hist_percentile(out, 0.5, &v), IG_ENODATA);
	free(older);
	free(newer);
	free(only_b);
	free(out);
}
END_TEST

START_TEST(test_diff_backwards)
{
	IgHistogram *older = new_hist();
	IgHistogram *newer = new_hist();
	IgHistogram *out = new_hist();

	/* counter reset: newer was restarted and has fewer samples */
	ig_hist_add(older, NS_PER_MS);
	ig_hist_add(older, NS_PER_MS);
	ig_hist_add(newer, NS_PER_MS);
	ig_hist_add(newer, 5 * NS_PER_MS);
	ig_hist_add(out, 777);		/* garbage that must be overwritten */

	ck_assert_int_eq(ig_hist_diff(out, newer, older), IG_ERANGE);
	ck_assert_int_eq(memcmp(out, newer, sizeof(IgHistogram)), 0);

	/* buckets fine but sum went backwards: also a reset */
	ig_hist_init(older);
	ig_hist_init(newer);
	ig_hist_add(older, 5 * NS_PER_MS);
	ig_hist_add(newer, 5 * NS_PER_MS);
	older->sum_ns += 1000;
	ck_assert_int_eq(ig_hist_diff(out, newer, older), IG_ERANGE);
	ck_assert_int_eq(memcmp(out, newer, sizeof(IgHistogram)), 0);

	/* only the last bucket went backwards */
	ig_hist_init(older);
	ig_hist_init(newer);
	ig_hist_add(older, UINT64_C(1) << 50);
	ig_hist_add(newer, NS_PER_MS);
	ig_hist_add(newer, NS_PER_MS);
	ck_assert_int_eq(ig_hist_diff(out, newer, older), IG_ERANGE);
	free(older);
	free(newer);
	free(out);
}
END_TEST

/* out may be the same struct as newer or older */
START_TEST(test_diff_aliasing)
{
	IgHistogram *older = new_hist();
	IgHistogram *newer = new_hist();
	IgHistogram *expect = new_hist();
	IgHistogram *work = new_hist();

	ig_hist_add(older, 2 * NS_PER_MS);
	*newer = *older;
	ig_hist_add(newer, 3 * NS_PER_MS);
	ig_hist_add(newer, 9 * NS_PER_MS);
	ck_assert_int_eq(ig_hist_diff(expect, newer, older), IG_OK);

	*work = *newer;
	ck_assert_int_eq(ig_hist_diff(work, work, older), IG_OK);
	ck_assert_int_eq(memcmp(work, expect, sizeof(IgHistogram)), 0);

	*work = *older;
	ck_assert_int_eq(ig_hist_diff(work, newer, work), IG_OK);
	ck_assert_int_eq(memcmp(work, expect, sizeof(IgHistogram)), 0);

	/* failing diff in place keeps newer as is */
	*work = *older;
	ck_assert_int_eq(ig_hist_diff(work, work, newer), IG_ERANGE);
	ck_assert_int_eq(memcmp(work, older, sizeof(IgHistogram)), 0);
	free(older);
	free(newer);
	free(expect);
	free(work);
}
END_TEST

/* a max_ns inconsistent with the buckets (torn read) is not trusted */
START_TEST(test_inconsistent_max)
{
	IgHistogram *h = new_hist();
	double		v;

	ig_hist_add(h, 10 * NS_PER_MS);
	h->max_ns = 5 * NS_PER_MS;	/* as if the max store were not visible */
	ck_assert_int_eq(ig_hist_percentile(h, 0.5, &v), IG_OK);
	ck_assert(rel_err(v, 10e6) <= LOG_REGION_BOUND);

	ig_hist_init(h);
	h->counts[IG_HIST_NBUCKETS - 1] = 1;	/* count without max */
	ck_assert_int_eq(ig_hist_percentile(h, 1.0, &v), IG_OK);
	ck_assert_double_eq(v, (double) (UINT64_C(1) << 42));
	free(h);
}
END_TEST

static Suite *
histogram_suite(void)
{
	Suite	   *s = suite_create("ig_histogram");
	TCase	   *layout = tcase_create("layout");
	TCase	   *stats = tcase_create("statistics");
	TCase	   *combine = tcase_create("merge_diff");

	tcase_add_test(layout, test_layout_constants);
	tcase_add_test(layout, test_boundaries_contiguous_monotone);
	tcase_add_test(layout, test_index_edges);
	tcase_add_test(layout, test_index_all_bit_widths);
	tcase_add_test(layout, test_sweep_geometric);
	tcase_add_test(layout, test_sweep_random);
	tcase_add_test(layout, test_linear_region_bound);
	suite_add_tcase(s, layout);

	tcase_add_test(stats, test_empty);
	tcase_add_test(stats, test_add_updates_fields);
	tcase_add_test(stats, test_one_sample);
	tcase_add_test(stats, test_known_distribution);
	tcase_add_test(stats, test_rank_rounding);
	tcase_add_test(stats, test_percentiles_vs_truth);
	tcase_add_test(stats, test_overflow_bucket);
	tcase_add_test(stats, test_q_out_of_range);
	tcase_add_test(stats, test_saturating_sum);
	tcase_add_test(stats, test_add_bucket_and_fields);
	tcase_add_test(stats, test_inconsistent_max);
	/* generous: the random sweeps run slowly under sanitizers */
	tcase_set_timeout(layout, 60);
	tcase_set_timeout(stats, 60);
	suite_add_tcase(s, stats);

	tcase_add_test(combine, test_replace_remove);
	tcase_add_test(combine, test_merge);
	tcase_add_test(combine, test_diff);
	tcase_add_test(combine, test_diff_backwards);
	tcase_add_test(combine, test_diff_aliasing);
	suite_add_tcase(s, combine);
	return s;
}

int
main(void)
{
	SRunner    *sr = srunner_create(histogram_suite());
	int			failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
