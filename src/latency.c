/*-------------------------------------------------------------------------
 *
 * latency.c
 *	  Server-wide statement latency histograms from executor and utility
 *	  hooks, and the SQL functions that read them.
 *
 * What is timed: every top-level statement (nesting level 0): the time
 * spent in ExecutorRun and ExecutorFinish, the same intervals
 * pg_stat_statements counts as execution time, so the numbers are
 * comparable with its exec times; with
 * infraguard.track_utility, utility statements are timed around
 * ProcessUtility.  Statements inside functions are nested and not counted
 * again.  Parallel workers are not counted: their leader's statement is.
 *
 * Hot path: ig_latency_record() writes the calling backend's own slot
 * (IgLatencySlot, indexed by PGPROC number).  No lock, no atomic
 * read-modify-write: one plain read of the shared reset generation and a
 * few stores into memory no other process writes.  Readers sum slots and the
 * per-database totals under the shared lock, which only excludes a backend
 * folding its slot into the totals at exit (so no count is seen twice or
 * lost), never a statement.
 *
 * Copyright (c) 2026, infraguard developers
 *
 * IDENTIFICATION
 *	  src/latency.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "access/parallel.h"
#include "catalog/pg_type.h"
#include "commands/dbcommands.h"
#include "executor/executor.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "storage/ipc.h"
#include "tcop/utility.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

#include "compat.h"
#include "infraguard.h"

static ExecutorStart_hook_type prev_ExecutorStart = NULL;
static ExecutorRun_hook_type prev_ExecutorRun = NULL;
static ExecutorFinish_hook_type prev_ExecutorFinish = NULL;
static ExecutorEnd_hook_type prev_ExecutorEnd = NULL;
static ProcessUtility_hook_type prev_ProcessUtility = NULL;

/* how deep we are in executor or utility calls; 0 = top level */
static int	nesting_level = 0;

/* this backend's slot, claimed on its first timed statement */
static IgLatencySlot *my_slot = NULL;

/* set by processes whose statements are not the workload (our worker) */
bool		ig_latency_exclude_backend = false;

static bool
latency_enabled(void)
{
	return ig_shared != NULL && infraguard_track_latency &&
		nesting_level == 0 && !IsParallelWorker() && !ig_latency_exclude_backend;
}

/*
 * before_shmem_exit callback: fold this backend's counts into its
 * database's totals and free the slot, so nothing is lost when connections
 * come and go.
 */
static void
latency_fold_at_exit(int code, Datum arg)
{
	IgLatencySlot *slot = my_slot;
	IgLatencyDb *dbs;
	IgLatencyDb *target = NULL;
	int			i;

	if (slot == NULL || ig_shared == NULL)
		return;

	LWLockAcquire(ig_shared->lock, LW_EXCLUSIVE);
	if (slot->generation == pg_atomic_read_u32(&ig_shared->latency_generation) &&
		ig_hist_count(&slot->hist) > 0)
	{
		dbs = ig_latency_dbs();
		/* the last entry is the overflow one; never claim it for a database */
		for (i = 0; i < ig_shared->ndbs - 1; i++)
		{
			if (dbs[i].dboid == slot->dboid)
			{
				target = &dbs[i];
				break;
			}
			if (dbs[i].dboid == InvalidOid)
			{
				target = &dbs[i];
				target->dboid = slot->dboid;
				break;
			}
		}
		if (target == NULL)
			target = &dbs[ig_shared->ndbs - 1];
		ig_hist_merge(&target->hist, &slot->hist);
	}
	slot->dboid = InvalidOid;
	ig_hist_init(&slot->hist);
	LWLockRelease(ig_shared->lock);
	my_slot = NULL;
}

static IgLatencySlot *
claim_slot(void)
{
	int			procno = ig_my_proc_number();
	IgLatencySlot *slot;

	if (MyDatabaseId == InvalidOid || procno < 0 || procno >= ig_shared->nslots)
		return NULL;
	slot = &ig_latency_slots()[procno];
	slot->generation = 0;		/* invisible to readers until zeroed below */
	pg_write_barrier();
	ig_hist_init(&slot->hist);
	slot->dboid = MyDatabaseId;
	before_shmem_exit(latency_fold_at_exit, (Datum) 0);
	my_slot = slot;
	return slot;
}

/*
 * Record one statement's duration.  The hot path: see the file header.
 */
static void
ig_latency_record(uint64 ns)
{
	IgLatencySlot *slot = my_slot;
	uint32		generation;

	if (unlikely(slot == NULL))
	{
		slot = claim_slot();
		if (slot == NULL)
			return;
	}
	generation = pg_atomic_read_u32(&ig_shared->latency_generation);
	if (unlikely(slot->generation != generation))
	{
		/* a reset happened: start over, then let readers see the slot again */
		ig_hist_init(&slot->hist);
		pg_write_barrier();
		slot->generation = generation;
	}
	ig_hist_add(&slot->hist, ns);
}

/*
 * Top-level statements being executed, with the execution time they have
 * accumulated so far.  Usually one; more while cursors are open.  We time
 * ourselves rather than switch on queryDesc->totaltime: an Instrumentation
 * costs a palloc and buffer-usage bookkeeping on every statement, about
 * two thirds of what timing costs (bench/callgrind.sh).  Entries of
 * statements that ended in an error are never removed by ExecutorEnd; a new
 * statement at the same address replaces its stale twin, and a full table
 * is emptied (such entries are stale in all but pathological cases).
 */
#define MAX_TIMED_STATEMENTS 8

typedef struct TimedStatement
{
	QueryDesc  *queryDesc;
	uint64		ns;
} TimedStatement;

static TimedStatement timed[MAX_TIMED_STATEMENTS];
static int	n_timed = 0;

static TimedStatement *
find_timed(QueryDesc *queryDesc)
{
	int			i;

	for (i = n_timed - 1; i >= 0; i--)
		if (timed[i].queryDesc == queryDesc)
			return &timed[i];
	return NULL;
}

/* Add the time since start to a statement's execution time. */
static inline void
add_elapsed(TimedStatement *t, instr_time start)
{
	instr_time	duration;

	INSTR_TIME_SET_CURRENT(duration);
	INSTR_TIME_SUBTRACT(duration, start);
	t->ns += ig_instr_time_ns(duration);
}

/* ExecutorStart hook: start timing a top-level statement */
static void
ig_ExecutorStart(QueryDesc *queryDesc, int eflags)
{
	if (prev_ExecutorStart)
		prev_ExecutorStart(queryDesc, eflags);
	else
		standard_ExecutorStart(queryDesc, eflags);

	if (latency_enabled() && (eflags & EXEC_FLAG_EXPLAIN_ONLY) == 0)
	{
		TimedStatement *t = find_timed(queryDesc);

		if (t == NULL)
		{
			if (n_timed == MAX_TIMED_STATEMENTS)
				n_timed = 0;
			t = &timed[n_timed++];
			t->queryDesc = queryDesc;
		}
		t->ns = 0;
	}
}

/* ExecutorRun hook: track nesting depth, and time top-level runs */
static void
ig_ExecutorRun(IG_EXECUTOR_RUN_PARAMS)
{
	TimedStatement *t = nesting_level == 0 ? find_timed(queryDesc) : NULL;
	instr_time	start;

	if (t)
		INSTR_TIME_SET_CURRENT(start);
	nesting_level++;
	PG_TRY();
	{
		if (prev_ExecutorRun)
			prev_ExecutorRun(IG_EXECUTOR_RUN_ARGS);
		else
			standard_ExecutorRun(IG_EXECUTOR_RUN_ARGS);
	}
	PG_FINALLY();
	{
		nesting_level--;
	}
	PG_END_TRY();
	if (t)
		add_elapsed(t, start);
}

/*
 * ExecutorFinish hook: time the work done here (AFTER triggers,
 * data-modifying CTEs) and track the nesting of what it runs.  A plain
 * SELECT has nothing to finish: it takes the short path, without a clock
 * read or PG_TRY.
 */
static void
ig_ExecutorFinish(QueryDesc *queryDesc)
{
	TimedStatement *t;
	instr_time	start;

	if (queryDesc->operation == CMD_SELECT && !queryDesc->plannedstmt->hasModifyingCTE)
	{
		if (prev_ExecutorFinish)
			prev_ExecutorFinish(queryDesc);
		else
			standard_ExecutorFinish(queryDesc);
		return;
	}

	t = nesting_level == 0 ? find_timed(queryDesc) : NULL;
	if (t)
		INSTR_TIME_SET_CURRENT(start);
	nesting_level++;
	PG_TRY();
	{
		if (prev_ExecutorFinish)
			prev_ExecutorFinish(queryDesc);
		else
			standard_ExecutorFinish(queryDesc);
	}
	PG_FINALLY();
	{
		nesting_level--;
	}
	PG_END_TRY();
	if (t)
		add_elapsed(t, start);
}

/* ExecutorEnd hook: record the statement's execution time */
static void
ig_ExecutorEnd(QueryDesc *queryDesc)
{
	TimedStatement *t = nesting_level == 0 ? find_timed(queryDesc) : NULL;

	if (t)
	{
		uint64		ns = t->ns;

		/* remove it, keeping the others in order (usually it is the last) */
		if (t != &timed[n_timed - 1])
			memmove(t, t + 1, (char *) &timed[n_timed] - (char *) (t + 1));
		n_timed--;
		if (latency_enabled())
			ig_latency_record(ns);
	}

	if (prev_ExecutorEnd)
		prev_ExecutorEnd(queryDesc);
	else
		standard_ExecutorEnd(queryDesc);
}

/*
 * ProcessUtility hook: time utility statements at top level.  EXECUTE is
 * timed by the executor hooks of the statement it runs, and PREPARE and
 * DEALLOCATE are bookkeeping (pg_stat_statements' rule).
 */
static void
ig_ProcessUtility(PlannedStmt *pstmt, const char *queryString,
				  bool readOnlyTree, ProcessUtilityContext context,
				  ParamListInfo params, QueryEnvironment *queryEnv,
				  DestReceiver *dest, QueryCompletion *qc)
{
	Node	   *parsetree = pstmt->utilityStmt;

	if (infraguard_track_utility && latency_enabled() &&
		!IsA(parsetree, ExecuteStmt) &&
		!IsA(parsetree, PrepareStmt) &&
		!IsA(parsetree, DeallocateStmt))
	{
		instr_time	start;
		instr_time	duration;

		INSTR_TIME_SET_CURRENT(start);
		nesting_level++;
		PG_TRY();
		{
			if (prev_ProcessUtility)
				prev_ProcessUtility(pstmt, queryString, readOnlyTree, context,
									params, queryEnv, dest, qc);
			else
				standard_ProcessUtility(pstmt, queryString, readOnlyTree, context,
										params, queryEnv, dest, qc);
		}
		PG_FINALLY();
		{
			nesting_level--;
		}
		PG_END_TRY();
		INSTR_TIME_SET_CURRENT(duration);
		INSTR_TIME_SUBTRACT(duration, start);
		ig_latency_record(ig_instr_time_ns(duration));
	}
	else
	{
		if (prev_ProcessUtility)
			prev_ProcessUtility(pstmt, queryString, readOnlyTree, context,
								params, queryEnv, dest, qc);
		else
			standard_ProcessUtility(pstmt, queryString, readOnlyTree, context,
									params, queryEnv, dest, qc);
	}
}

void
ig_latency_install_hooks(void)
{
	prev_ExecutorStart = ExecutorStart_hook;
	ExecutorStart_hook = ig_ExecutorStart;
	prev_ExecutorRun = ExecutorRun_hook;
	ExecutorRun_hook = ig_ExecutorRun;
	prev_ExecutorFinish = ExecutorFinish_hook;
	ExecutorFinish_hook = ig_ExecutorFinish;
	prev_ExecutorEnd = ExecutorEnd_hook;
	ExecutorEnd_hook = ig_ExecutorEnd;
	prev_ProcessUtility = ProcessUtility_hook;
	ProcessUtility_hook = ig_ProcessUtility;
}

/* ---------------------------------------------------------------------
 * Reading
 * ---------------------------------------------------------------------
 */

typedef struct DbHistogram
{
	Oid			dboid;			/* InvalidOid: databases past max_databases */
	IgHistogram hist;
} DbHistogram;

static DbHistogram *
find_or_add(DbHistogram *out, int *n, Oid dboid)
{
	int			i;

	for (i = 0; i < *n; i++)
		if (out[i].dboid == dboid)
			return &out[i];
	out[*n].dboid = dboid;
	ig_hist_init(&out[*n].hist);
	return &out[(*n)++];
}

/*
 * Copy every database's histogram (folded totals plus live slots) into
 * palloc'd memory; with per_database = false, one entry for the server.
 * Holds the lock shared only while copying.
 */
static DbHistogram *
collect_histograms(bool per_database, int *nout, TimestampTz *since)
{
	IgLatencySlot *slots = ig_latency_slots();
	IgLatencyDb *dbs = ig_latency_dbs();
	int			max_entries = per_database ? ig_shared->ndbs + ig_shared->nslots : 1;
	DbHistogram *out = palloc(sizeof(DbHistogram) * max_entries);
	uint32		generation;
	int			n = 0;
	int			i;

	LWLockAcquire(ig_shared->lock, LW_SHARED);
	generation = pg_atomic_read_u32(&ig_shared->latency_generation);
	*since = ig_shared->latency_since;
	for (i = 0; i < ig_shared->ndbs; i++)
	{
		bool		overflow = (i == ig_shared->ndbs - 1);

		if (ig_hist_count(&dbs[i].hist) == 0)
			continue;
		ig_hist_merge(&find_or_add(out, &n, per_database && !overflow ? dbs[i].dboid : InvalidOid)->hist,
					  &dbs[i].hist);
	}
	for (i = 0; i < ig_shared->nslots; i++)
	{
		IgLatencySlot *slot = &slots[i];
		Oid			dboid = slot->dboid;

		if (dboid == InvalidOid || slot->generation != generation)
			continue;
		pg_read_barrier();
		if (ig_hist_count(&slot->hist) == 0)
			continue;
		ig_hist_merge(&find_or_add(out, &n, per_database ? dboid : InvalidOid)->hist,
					  &slot->hist);
	}
	LWLockRelease(ig_shared->lock);

	*nout = n;
	return out;
}

static Datum
dbname_datum(Oid dboid, bool *isnull)
{
	char	   *name = OidIsValid(dboid) ? get_database_name(dboid) : NULL;

	*isnull = (name == NULL);
	return name ? CStringGetDatum(name) : (Datum) 0;
}

static double
percentile_ms(const IgHistogram *h, double q)
{
	double		ns = 0;

	(void) ig_hist_percentile(h, q, &ns);
	return ns / 1e6;
}

/*
 * infraguard.latency(per_database boolean DEFAULT true)
 *	  → dbname, calls, p50_ms, p90_ms, p95_ms, p99_ms, max_ms, mean_ms, since
 *
 * Since the last latency_reset() (or the server start).  dbname is NULL for
 * the whole-server row (per_database = false), for databases beyond
 * infraguard.max_databases and for dropped databases.
 */
PG_FUNCTION_INFO_V1(infraguard_latency);

Datum
infraguard_latency(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	bool		per_database;
	DbHistogram *hists;
	TimestampTz since;
	int			n;
	int			i;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("per_database must not be NULL")));
	per_database = PG_GETARG_BOOL(0);
	ig_require_shared("infraguard.latency()");
	InitMaterializedSRF(fcinfo, 0);

	hists = collect_histograms(per_database, &n, &since);
	for (i = 0; i < n; i++)
	{
		IgHistogram *h = &hists[i].hist;
		Datum		values[9];
		bool		nulls[9] = {0};

		values[0] = per_database ? dbname_datum(hists[i].dboid, &nulls[0]) : (Datum) 0;
		nulls[0] = nulls[0] || !per_database;
		values[1] = Int64GetDatum((int64) ig_hist_count(h));
		values[2] = Float8GetDatum(percentile_ms(h, 0.50));
		values[3] = Float8GetDatum(percentile_ms(h, 0.90));
		values[4] = Float8GetDatum(percentile_ms(h, 0.95));
		values[5] = Float8GetDatum(percentile_ms(h, 0.99));
		values[6] = Float8GetDatum(h->max_ns / 1e6);
		values[7] = Float8GetDatum(ig_hist_mean_ns(h) / 1e6);
		values[8] = TimestampTzGetDatum(since);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

/*
 * infraguard.latency_histogram(per_database boolean DEFAULT false)
 *	  → dbname, buckets int[], counts bigint[], sum_ms, max_ms, since
 *
 * The raw cumulative counts of the non-empty buckets (sparse), so that the
 * activity of an interval is the difference of two readings.  Bucket bounds
 * come from latency_buckets().
 */
PG_FUNCTION_INFO_V1(infraguard_latency_histogram);

Datum
infraguard_latency_histogram(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	bool		per_database;
	DbHistogram *hists;
	TimestampTz since;
	int			n;
	int			i;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("per_database must not be NULL")));
	per_database = PG_GETARG_BOOL(0);
	ig_require_shared("infraguard.latency_histogram()");
	InitMaterializedSRF(fcinfo, 0);

	hists = collect_histograms(per_database, &n, &since);
	for (i = 0; i < n; i++)
	{
		IgHistogram *h = &hists[i].hist;
		Datum	   *bucket_datums = palloc(sizeof(Datum) * IG_HIST_NBUCKETS);
		Datum	   *count_datums = palloc(sizeof(Datum) * IG_HIST_NBUCKETS);
		int			nonempty = 0;
		int			b;
		Datum		values[6];
		bool		nulls[6] = {0};

		for (b = 0; b < IG_HIST_NBUCKETS; b++)
		{
			if (h->counts[b] == 0)
				continue;
			bucket_datums[nonempty] = Int32GetDatum(b);
			count_datums[nonempty] = Int64GetDatum((int64) h->counts[b]);
			nonempty++;
		}
		values[0] = per_database ? dbname_datum(hists[i].dboid, &nulls[0]) : (Datum) 0;
		nulls[0] = nulls[0] || !per_database;
		values[1] = PointerGetDatum(construct_array(bucket_datums, nonempty, INT4OID,
													sizeof(int32), true, TYPALIGN_INT));
		values[2] = PointerGetDatum(construct_array(count_datums, nonempty, INT8OID,
													sizeof(int64), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
		values[3] = Float8GetDatum(h->sum_ns / 1e6);
		values[4] = Float8GetDatum(h->max_ns / 1e6);
		values[5] = TimestampTzGetDatum(since);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

/*
 * infraguard.latency_buckets() → bucket, lower_ms, upper_ms
 *
 * The fixed bucket layout; upper_ms is NULL for the overflow bucket.
 */
PG_FUNCTION_INFO_V1(infraguard_latency_buckets);

Datum
infraguard_latency_buckets(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	int			b;

	InitMaterializedSRF(fcinfo, 0);
	for (b = 0; b < IG_HIST_NBUCKETS; b++)
	{
		Datum		values[3];
		bool		nulls[3] = {0};

		values[0] = Int32GetDatum(b);
		values[1] = Float8GetDatum(ig_hist_bucket_lower(b) / 1e6);
		if (b == IG_HIST_NBUCKETS - 1)
			nulls[2] = true;
		else
			values[2] = Float8GetDatum(ig_hist_bucket_upper(b) / 1e6);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

/*
 * infraguard.latency_reset(): forget every count, server-wide.
 *
 * Totals are zeroed under the lock; live slots are zeroed by their owners
 * on their next statement (the generation tells them), and ignored by
 * readers until then.
 */
PG_FUNCTION_INFO_V1(infraguard_latency_reset);

Datum
infraguard_latency_reset(PG_FUNCTION_ARGS)
{
	IgLatencyDb *dbs;
	int			i;

	ig_require_shared("infraguard.latency_reset()");
	LWLockAcquire(ig_shared->lock, LW_EXCLUSIVE);
	dbs = ig_latency_dbs();
	for (i = 0; i < ig_shared->ndbs; i++)
	{
		dbs[i].dboid = InvalidOid;
		ig_hist_init(&dbs[i].hist);
	}
	pg_atomic_fetch_add_u32(&ig_shared->latency_generation, 1);
	ig_shared->latency_since = GetCurrentTimestamp();
	LWLockRelease(ig_shared->lock);
	PG_RETURN_VOID();
}

/*
 * Build a histogram from the sparse (buckets, counts) arrays that
 * latency_histogram() returns and latency_snapshots stores.
 */
static void
histogram_from_arrays(ArrayType *buckets, ArrayType *counts, IgHistogram *h)
{
	Datum	   *bdat;
	Datum	   *cdat;
	bool	   *bnull;
	bool	   *cnull;
	int			nb;
	int			nc;
	int			i;

	if (ARR_NDIM(buckets) > 1 || ARR_NDIM(counts) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("histogram arrays must be one-dimensional")));
	deconstruct_array(buckets, INT4OID, sizeof(int32), true, TYPALIGN_INT, &bdat, &bnull, &nb);
	deconstruct_array(counts, INT8OID, sizeof(int64), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE,
					  &cdat, &cnull, &nc);
	if (nb != nc)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("buckets and counts must have the same length (%d and %d)", nb, nc)));
	ig_hist_init(h);
	for (i = 0; i < nb; i++)
	{
		int32		b;
		int64		c;

		if (bnull[i] || cnull[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("histogram arrays must not contain NULLs")));
		b = DatumGetInt32(bdat[i]);
		c = DatumGetInt64(cdat[i]);
		if (b < 0 || b >= IG_HIST_NBUCKETS || c < 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid histogram entry: bucket %d, count " INT64_FORMAT, b, c),
					 errhint("Buckets are 0 to %d (see infraguard.latency_buckets()); counts are not negative.",
							 IG_HIST_NBUCKETS - 1)));
		h->counts[b] += (uint64) c;
	}
}

/*
 * infraguard.histogram_stats(buckets, counts, max_ms, older_buckets,
 *							  older_counts)
 *	  → calls, p50_ms, p90_ms, p95_ms, p99_ms, reset
 *
 * Percentiles of one cumulative reading, or, given an older reading, of the
 * interval between the two.  If the newer reading is below the older one
 * anywhere (counters reset), the newer one is taken whole and reset is true.
 * Percentiles are NULL for an empty histogram.
 */
PG_FUNCTION_INFO_V1(infraguard_histogram_stats);

Datum
infraguard_histogram_stats(PG_FUNCTION_ARGS)
{
	TupleDesc	tupdesc;
	IgHistogram *newer = palloc(sizeof(IgHistogram));
	IgHistogram *result = newer;
	Datum		values[6];
	bool		nulls[6] = {0};
	bool		reset = false;
	static const double qs[4] = {0.50, 0.90, 0.95, 0.99};
	int			i;

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("buckets and counts must not be NULL")));
	if (PG_ARGISNULL(3) != PG_ARGISNULL(4))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("older_buckets and older_counts must both be given or both be NULL")));

	histogram_from_arrays(PG_GETARG_ARRAYTYPE_P(0), PG_GETARG_ARRAYTYPE_P(1), newer);
	/* sum_ns is not stored in the sparse form; max bounds the percentiles */
	newer->max_ns = PG_ARGISNULL(2) || PG_GETARG_FLOAT8(2) <= 0 ? 0 :
		(uint64) (PG_GETARG_FLOAT8(2) * 1e6);

	if (!PG_ARGISNULL(3))
	{
		IgHistogram *older = palloc(sizeof(IgHistogram));

		histogram_from_arrays(PG_GETARG_ARRAYTYPE_P(3), PG_GETARG_ARRAYTYPE_P(4), older);
		result = palloc(sizeof(IgHistogram));
		reset = (ig_hist_diff(result, newer, older) == IG_ERANGE);
	}

	values[0] = Int64GetDatum((int64) ig_hist_count(result));
	for (i = 0; i < 4; i++)
	{
		double		ns;

		if (ig_hist_percentile(result, qs[i], &ns) == IG_OK)
			values[1 + i] = Float8GetDatum(ns / 1e6);
		else
			nulls[1 + i] = true;
	}
	values[5] = BoolGetDatum(reset);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(tupdesc), values, nulls)));
}
