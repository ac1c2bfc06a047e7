/*-------------------------------------------------------------------------
 *
 * latency.c
 *	  Server-wide statement latency histograms from executor and utility
 *	  hooks, and the SQL functions that read them.
 *
 * What is timed, per top-level statement (never what runs inside one: a
 * function's queries, a function the planner folds to a constant):
 *	- whole statements (latency(), latency_histogram(), history): the
 *	  duration log_min_duration_statement logs, from the statement start
 *	  timestamp of the protocol message through parsing, planning, execution
 *	  and, in autocommit, the commit; one sample per Query message that ran
 *	  a statement (several statements in one message are one sample, like
 *	  one log line), one per Execute message plus the Parse and Bind
 *	  messages that prepared it.  Failed statements are not counted (the log
 *	  logs no duration for them).  Details at record_whole().
 *	- execution only (latency()'s exec_* columns): ExecutorRun +
 *	  ExecutorFinish of each planned statement, the intervals
 *	  pg_stat_statements counts as execution time; with
 *	  infraguard.track_utility, utility statements around ProcessUtility.
 * Parallel workers are not counted: their leader's statement is.
 *
 * Hot path: current_slot() gives the calling backend's own slot
 * (LatencySlot, indexed by PGPROC number).  No lock, no atomic
 * read-modify-write: one plain read of the shared reset generation and a
 * few stores into memory no other process writes.  Readers sum slots and the
 * per-database totals under the shared lock, which only excludes a backend
 * folding its slot into the totals at exit (so no count is seen twice or
 * lost), never a statement.
 *
 * Shared memory ("infraguard latency" in pg_shmem_allocations), owned by
 * this file: the LatencyShared header, then one LatencySlot per process
 * that can run statements (MaxBackends, indexed by PGPROC number), then
 * infraguard.max_databases + 1 LatencyDb totals; slots and totals hold two
 * histograms each.  With max_connections = 100 and the other defaults
 * (MaxBackends = 122 on 15) and max_databases = 64 that is
 *	  32 + 122 * 15416 + 65 * 15416 = 2,882,824 bytes.
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
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "commands/dbcommands.h"
#include "executor/executor.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "optimizer/planner.h"
#include "parser/analyze.h"
#include "port/atomics.h"
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
#include "tcop/dest.h"
#include "tcop/pquery.h"
#include "tcop/tcopprot.h"
#include "tcop/utility.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/portal.h"
#include "utils/timestamp.h"

#include "compat.h"
#include "ig_histogram.h"
#include "infraguard.h"

/*
 * One latency histogram per backend, written only by the backend that owns
 * it (indexed by its PGPROC number), so the executor hooks need no lock and
 * no atomic read-modify-write.  generation tags which reset the counts
 * belong to: after latency_reset() bumps the shared generation, readers
 * ignore a slot until its owner has zeroed it on its next statement.
 */
typedef struct LatencySlot
{
	Oid			dboid;			/* database of the owner; InvalidOid = free */
	uint32		generation;
	IgHistogram hist;			/* whole statements, as the server log times them */
	IgHistogram exec;			/* execution only (ExecutorRun + ExecutorFinish,
								 * or ProcessUtility) */
} LatencySlot;

/*
 * Per-database totals that exiting backends fold their slot into.  The last
 * entry collects databases beyond infraguard.max_databases.
 */
typedef struct LatencyDb
{
	Oid			dboid;			/* InvalidOid = unused */
	IgHistogram hist;			/* whole statements */
	IgHistogram exec;			/* execution only */
} LatencyDb;

typedef struct LatencyShared
{
	LWLock	   *lock;			/* protects dbs[] and folding slots into
								 * them; readers take it shared */
	pg_atomic_uint32 generation;	/* bumped by latency_reset() */
	TimestampTz since;			/* last reset or server start; under lock */
	int			nslots;
	int			ndbs;			/* max_databases + 1 (the overflow entry) */
	/* followed by nslots LatencySlot, then ndbs LatencyDb */
} LatencyShared;

/* NULL when the library is not preloaded (or before shmem startup) */
static LatencyShared *latency_shared = NULL;
static LatencySlot *latency_slots = NULL;
static LatencyDb *latency_dbs = NULL;

/*
 * Processes that can run statements: the regular backends, background
 * workers and WAL senders, whose PGPROC numbers are 0 .. MaxBackends - 1.
 * Auxiliary processes (numbered after them) run none, and there are many
 * of them from 18 on (I/O workers), so they get no slot; claim_slot()
 * refuses numbers beyond the array.
 */
static int
slot_count(void)
{
	return MaxBackends;
}

static Size
slots_offset(void)
{
	return MAXALIGN(sizeof(LatencyShared));
}

static Size
dbs_offset(int nslots)
{
	return add_size(slots_offset(), MAXALIGN(mul_size(nslots, sizeof(LatencySlot))));
}

/* Size of the latency shared memory; valid from shmem_request_hook on. */
Size
ig_latency_shmem_size(void)
{
	return add_size(dbs_offset(slot_count()),
					mul_size(infraguard_max_databases + 1, sizeof(LatencyDb)));
}

/*
 * Create or attach to the latency shared memory; called by the
 * shmem_startup hook with AddinShmemInitLock held.
 */
void
ig_latency_shmem_init(void)
{
	bool		found;
	Size		size = ig_latency_shmem_size();

	latency_shared = ShmemInitStruct("infraguard latency", size, &found);
	if (!found)
	{
		/* zeroing makes every slot free and every histogram empty */
		memset(latency_shared, 0, size);
		latency_shared->lock = &(GetNamedLWLockTranche(IG_LATENCY_TRANCHE))->lock;
		pg_atomic_init_u32(&latency_shared->generation, 1);
		latency_shared->since = GetCurrentTimestamp();
		latency_shared->nslots = slot_count();
		latency_shared->ndbs = infraguard_max_databases + 1;
	}
	latency_slots = (LatencySlot *) ((char *) latency_shared + slots_offset());
	latency_dbs = (LatencyDb *) ((char *) latency_shared + dbs_offset(latency_shared->nslots));
}

/*
 * Error out, pg_stat_statements style, when a function needs the shared
 * memory of a preloaded library and it is not there.
 */
static void
require_shared(const char *what)
{
	if (latency_shared == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("%s requires infraguard to be loaded via shared_preload_libraries", what),
				 errhint("Add infraguard to shared_preload_libraries in postgresql.conf and restart the server.")));
}

static post_parse_analyze_hook_type prev_post_parse_analyze = NULL;
static planner_hook_type prev_planner = NULL;
static ExecutorStart_hook_type prev_ExecutorStart = NULL;
static ExecutorRun_hook_type prev_ExecutorRun = NULL;
static ExecutorFinish_hook_type prev_ExecutorFinish = NULL;
static ExecutorEnd_hook_type prev_ExecutorEnd = NULL;
static ProcessUtility_hook_type prev_ProcessUtility = NULL;

/* this backend's slot, claimed on its first timed statement */
static LatencySlot *my_slot = NULL;

/* set by processes whose statements are not the workload (our worker) */
bool		ig_latency_exclude_backend = false;

/*
 * Nesting.  in_top is set while a top-level planner, executor or utility
 * call is on the stack: whatever runs inside it (a function's queries, a
 * function the planner folds to a constant, a DO block) is nested.  No
 * PG_TRY (a sigsetjmp per statement): a top-level call that ends in an
 * error leaves in_top set, and the error recovery that follows undoes it:
 * PostgresMain resets debug_query_string and then aborts the transaction
 * or, inside a savepoint, the subtransaction, and the abort callbacks
 * (abort_event) clear in_top when debug_query_string is unset.  An error
 * that a PL/pgSQL EXCEPTION block catches is nested (debug_query_string
 * still set), so it never touched in_top.
 */
static bool in_top = false;

/* top-level planning has parameter values (ig_planner) */
static bool planning_with_params = false;

#define is_nested()	(in_top)

/* Mark a top-level call as started; false if nested (then leave it be). */
static inline bool
enter_top(void)
{
	if (in_top)
		return false;
	in_top = true;
	return true;
}

#define MAX_TIMED_STATEMENTS 8

typedef struct TimedStatement
{
	QueryDesc  *queryDesc;
	uint64		ns;
} TimedStatement;

static TimedStatement timed[MAX_TIMED_STATEMENTS];
static int	n_timed = 0;

/*
 * Whether this backend's statements may be timed at all, decided on the
 * first statement: a parallel worker knows it is one (ParallelWorkerNumber)
 * and our worker sets ig_latency_exclude_backend before it connects, both
 * before their first statement.  Cached because latency_on() runs several
 * times per statement and each of those globals is a GOT load in a
 * shared library.
 */
static int8 backend_timed = 0;	/* 0: not decided yet, 1: yes, -1: no */

static pg_noinline bool
decide_backend_timed(void)
{
	if (latency_shared == NULL)
		return false;			/* not attached to shared memory (yet) */
	backend_timed = (IsParallelWorker() || ig_latency_exclude_backend) ? -1 : 1;
	return backend_timed > 0;
}

static inline bool
latency_on(void)
{
	if (!infraguard_track_latency)
		return false;
	if (likely(backend_timed > 0))
		return true;
	return backend_timed == 0 && decide_backend_timed();
}

/*
 * The monotonic clock (INSTR_TIME_SET_CURRENT) in nanoseconds, so that an
 * interval is one subtraction.  A static buffer, not a local: in 15
 * instr_time is a struct timespec whose address clock_gettime() takes,
 * which would cost each hook a stack-protector check.
 */
static instr_time monotonic_now;

static inline uint64
monotonic_ns(void)
{
	INSTR_TIME_SET_CURRENT(monotonic_now);
	return ig_instr_time_ns(monotonic_now);
}

/*
 * before_shmem_exit callback: fold this backend's counts into its
 * database's totals and free the slot, so nothing is lost when connections
 * come and go.
 */
static void
latency_fold_at_exit(int code, Datum arg)
{
	LatencySlot *slot = my_slot;
	LatencyDb *dbs;
	LatencyDb *target = NULL;
	int			i;

	if (slot == NULL || latency_shared == NULL)
		return;

	LWLockAcquire(latency_shared->lock, LW_EXCLUSIVE);
	if (slot->generation == pg_atomic_read_u32(&latency_shared->generation) &&
		(ig_hist_count(&slot->hist) > 0 || ig_hist_count(&slot->exec) > 0))
	{
		dbs = latency_dbs;
		/* the last entry is the overflow one; never claim it for a database */
		for (i = 0; i < latency_shared->ndbs - 1; i++)
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
			target = &dbs[latency_shared->ndbs - 1];
		ig_hist_merge(&target->hist, &slot->hist);
		ig_hist_merge(&target->exec, &slot->exec);
	}
	slot->dboid = InvalidOid;
	ig_hist_init(&slot->hist);
	ig_hist_init(&slot->exec);
	LWLockRelease(latency_shared->lock);
	my_slot = NULL;
}

static LatencySlot *
claim_slot(void)
{
	int			procno = ig_my_proc_number();
	LatencySlot *slot;

	if (MyDatabaseId == InvalidOid || procno < 0 || procno >= latency_shared->nslots)
		return NULL;
	slot = &latency_slots[procno];
	slot->generation = 0;		/* invisible to readers until zeroed below */
	pg_write_barrier();
	ig_hist_init(&slot->hist);
	ig_hist_init(&slot->exec);
	slot->dboid = MyDatabaseId;
	before_shmem_exit(latency_fold_at_exit, (Datum) 0);
	my_slot = slot;
	return slot;
}

/*
 * This backend's slot, current with the shared reset generation; NULL if
 * it has none.  The hot path: see the file header.
 */
static inline LatencySlot *
current_slot(void)
{
	LatencySlot *slot = my_slot;
	uint32		generation;

	if (unlikely(slot == NULL))
	{
		slot = claim_slot();
		if (slot == NULL)
			return NULL;
	}
	generation = pg_atomic_read_u32(&latency_shared->generation);
	if (unlikely(slot->generation != generation))
	{
		/* a reset happened: start over, then let readers see the slot again */
		ig_hist_init(&slot->hist);
		ig_hist_init(&slot->exec);
		pg_write_barrier();
		slot->generation = generation;
	}
	return slot;
}

/* ---------------------------------------------------------------------
 * Whole statements, as log_min_duration_statement times them
 *
 * The server log times each protocol message from its statement start
 * timestamp (set when the message arrives) to after the transaction
 * command is finished: for a simple Query message that includes parsing,
 * planning, execution and, in autocommit, the commit; several statements in
 * one Query message are one log line.  There is no hook at the end of a
 * message, so a message's sample is recorded at the first point where the
 * statement is complete (the end of a top-level ExecutorEnd or
 * ProcessUtility; the end of ExecutorRun for a portal run by an Execute
 * message, whose ExecutorEnd only comes with the next Sync), and corrected
 * in place (ig_hist_replace) at every later point of the same message: the
 * next statement of a multi-statement message, the commit.  The message is
 * recognised by its statement start timestamp.  Points reached with
 * debug_query_string unset are not part of a logged message (the Sync that
 * commits an extended-protocol transaction, error recovery) and change
 * nothing; a message that fails has no log line and its sample is taken
 * back.
 *
 * Extended protocol: the log times Parse, Bind and Execute messages
 * separately.  The time of Parse and Bind messages (measured from their
 * start to the end of the last hook they run: parse analysis, planning,
 * ExecutorStart of a SELECT portal) is added to the sample of the next
 * statement, which is the one they prepared.
 * ---------------------------------------------------------------------
 */

/* the message whose sample is in the histogram, and the value recorded */
static TimestampTz msg_start = 0;
static uint64 msg_ns = 0;
static uint64 msg_prep_ns = 0;	/* Parse/Bind time included in msg_ns */

/* Parse/Bind time not attributed yet: finished messages, and the last one */
static uint64 prep_done_ns = 0;
static TimestampTz prep_msg = 0;
static uint64 prep_msg_ns = 0;

/*
 * The end of a message, in nanoseconds since its start: the log's clock
 * (GetCurrentTimestamp(), gettimeofday(), whole microseconds).  Where
 * CLOCK_REALTIME exists, the same wall clock is read directly (Linux's
 * gettimeofday() is CLOCK_REALTIME truncated to the microsecond, which we
 * do too), without the two calls; into a static buffer, since a local
 * whose address is taken costs a stack-protector check on every call.
 */
static inline uint64
since_start_ns(TimestampTz start)
{
	TimestampTz now;

#ifdef CLOCK_REALTIME
	static struct timespec wall;

	clock_gettime(CLOCK_REALTIME, &wall);
	now = ((TimestampTz) wall.tv_sec -
		   ((POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * SECS_PER_DAY)) * USECS_PER_SEC +
		wall.tv_nsec / 1000;
#else
	now = GetCurrentTimestamp();
#endif
	return now > start ? (uint64) (now - start) * 1000 : 0;
}

/* A Parse or Bind message's hook ended: the message has lasted this long. */
static void
note_prep(void)
{
	TimestampTz start = GetCurrentStatementStartTimestamp();
	uint64		ns = since_start_ns(start);

	if (start != prep_msg)
	{
		prep_done_ns += prep_msg_ns;
		prep_msg = start;
	}
	prep_msg_ns = ns;
	if (unlikely(prep_msg == 0))
		prep_msg = 1;			/* 0 means "none"; 1 us off is harmless */
}

/*
 * The end of the transaction: TopTransactionContext is released at the very
 * end of a commit (or of a ROLLBACK), after everything the log's clock
 * covers but the command-complete message.  A callback on it (one static
 * struct, armed at most once per transaction) records the sample of the
 * message that ends the transaction (record_at_commit), or corrects it if
 * it was recorded already.
 */
static void txn_memory_released(void *arg);
static MemoryContextCallback txn_end_cb = {txn_memory_released, NULL, NULL};
static bool txn_end_armed = false;

/* a simple-protocol message in autocommit completed: record at its commit */
static bool record_at_commit = false;

static inline bool
arm_txn_end(void)
{
	if (!txn_end_armed && TopTransactionContext != NULL)
	{
		MemoryContextRegisterResetCallback(TopTransactionContext, &txn_end_cb);
		txn_end_armed = true;
	}
	return txn_end_armed;
}

/*
 * A statement of the current message is complete (new = true) or a later
 * point of a message already recorded is reached (new = false: only a
 * correction).  The caller has checked that debug_query_string is set (a
 * protocol message is running).  False if nothing was recorded.  Inline
 * in the transaction-end callback, the usual caller; out of line for the
 * hooks (record_whole).
 */
static pg_attribute_always_inline bool
record_whole_inline(bool new)
{
	TimestampTz start;
	LatencySlot *slot;
	uint64		ns;

	start = GetCurrentStatementStartTimestamp();
	if (start != msg_start && !new)
		return false;
	slot = current_slot();
	if (unlikely(slot == NULL))
		return false;
	ns = since_start_ns(start);
	if (start == msg_start)
	{
		ns += msg_prep_ns;
		ig_hist_replace(&slot->hist, msg_ns, ns);
	}
	else
	{
		/* Parse/Bind messages before this one prepared it */
		msg_prep_ns = 0;
		if (unlikely(prep_msg != 0))
		{
			msg_prep_ns = prep_done_ns + (prep_msg != start ? prep_msg_ns : 0);
			prep_done_ns = 0;
			prep_msg = 0;
			prep_msg_ns = 0;
			ns += msg_prep_ns;
		}
		ig_hist_add(&slot->hist, ns);
		msg_start = start;
	}
	msg_ns = ns;
	return true;
}

static pg_noinline bool
record_whole(bool new)
{
	return record_whole_inline(new);
}

/*
 * A top-level statement is complete.  extended: it ran in a portal of the
 * extended protocol (visible in pg_cursors, unlike the simple protocol's),
 * whose transaction ends with a later Sync, outside the log's duration.
 * In the simple protocol outside a transaction block, or for a COMMIT or
 * ROLLBACK (ends_block), the transaction ends in the same message:
 * recording then, once, is cheaper than recording now and correcting at
 * the commit.
 */
static inline void
statement_done(bool extended, bool ends_block)
{
	if (debug_query_string == NULL)
		return;
	if (!extended && (ends_block || !IsTransactionBlock()) && arm_txn_end())
	{
		record_at_commit = true;
		return;
	}
	/* recorded now; corrected if the message goes on (or commits) */
	if (record_whole(true))
		(void) arm_txn_end();
}

static inline bool
in_extended_portal(void)
{
	return ActivePortal != NULL && ActivePortal->visible;
}

static void
txn_memory_released(void *arg)
{
	bool		new = record_at_commit;

	record_at_commit = false;
	txn_end_armed = false;

	/*
	 * A statement completed while tracking was on is recorded even if it
	 * turned tracking off (SET infraguard.track_latency = off); it was
	 * completed in a protocol message (statement_done), which is still
	 * running.  A correction needs tracking on and a message running (not
	 * the Sync of the extended protocol).  (latency_on() and
	 * record_at_commit both imply latency_shared.)
	 */
	if (likely(!proc_exit_inprogress && !is_nested()) &&
		(new || (latency_on() && debug_query_string != NULL)))
		(void) record_whole_inline(new);
}

/*
 * Transaction and subtransaction callbacks, for aborts in error recovery
 * (debug_query_string is reset before them; inside a savepoint only the
 * subtransaction aborts): the message failed and has no log line, so take
 * its sample back, drop the Parse/Bind time waiting for a statement, and
 * end any top-level call the error interrupted.  Not at backend exit,
 * whose abort ends a transaction whose messages all succeeded.
 */
static void
abort_event(void)
{
	if (debug_query_string != NULL || proc_exit_inprogress)
		return;
	in_top = false;
	record_at_commit = false;
	n_timed = 0;
	prep_done_ns = 0;
	prep_msg = 0;
	prep_msg_ns = 0;
	if (msg_start != 0 && msg_start == GetCurrentStatementStartTimestamp() &&
		my_slot != NULL && latency_shared != NULL &&
		my_slot->generation == pg_atomic_read_u32(&latency_shared->generation))
		ig_hist_remove(&my_slot->hist, msg_ns);
	msg_start = 0;
}

static void
transaction_event(XactEvent event, void *arg)
{
	if (event == XACT_EVENT_ABORT)
		abort_event();
}

static void
subtransaction_event(SubXactEvent event, SubTransactionId mySubid,
					 SubTransactionId parentSubid, void *arg)
{
	if (event == SUBXACT_EVENT_ABORT_SUB)
		abort_event();
}

/* ---------------------------------------------------------------------
 * Execution only: ExecutorRun + ExecutorFinish of each top-level planned
 * statement (pg_stat_statements' exec time), ProcessUtility of each
 * top-level utility statement.
 * ---------------------------------------------------------------------
 */

/*
 * Top-level statements being executed, with the execution time they have
 * accumulated so far.  Usually one; more while cursors are open.  We time
 * ourselves rather than switch on queryDesc->totaltime: an Instrumentation
 * costs a palloc and buffer-usage bookkeeping on every statement, about
 * two thirds of what timing costs (bench/callgrind.sh).  An entry is made
 * by the statement's first ExecutorRun and removed by its ExecutorEnd;
 * the error recovery of a top-level statement empties the table (what
 * an error interrupts never reaches ExecutorEnd), and so does a full table
 * (its entries are then stale in all but pathological cases).
 */

static pg_noinline TimedStatement *
find_timed(QueryDesc *queryDesc)
{
	int			i;

	for (i = n_timed - 1; i >= 0; i--)
		if (timed[i].queryDesc == queryDesc)
			return &timed[i];
	return NULL;
}

static void
record_exec(uint64 ns)
{
	LatencySlot *slot = current_slot();

	if (likely(slot != NULL))
		ig_hist_add(&slot->exec, ns);
}

/* The statement's entry, made by its first ExecutorRun. */
static inline TimedStatement *
timed_entry(QueryDesc *queryDesc)
{
	TimedStatement *t;

	if (likely(n_timed == 0))
	{
		n_timed = 1;
		t = &timed[0];
	}
	else if ((t = find_timed(queryDesc)) != NULL)
		return t;
	else
	{
		if (unlikely(n_timed == MAX_TIMED_STATEMENTS))
			n_timed = 0;
		t = &timed[n_timed++];
	}
	t->queryDesc = queryDesc;
	t->ns = 0;
	return t;
}

/* ---------------------------------------------------------------------
 * The hooks
 * ---------------------------------------------------------------------
 */

/*
 * The hooks are written so that the common case (a top-level statement
 * with tracking on, or a nested one) costs few instructions: each checks
 * the nesting flag first, a nested call goes straight on to the next hook,
 * and the rare paths (Parse/Bind time, ExecutorFinish of a statement that
 * has work to finish) are out of line (bench/callgrind.sh counts them).
 */

#define call_prev_ExecutorRun() \
	do { \
		if (prev_ExecutorRun) \
			prev_ExecutorRun(IG_EXECUTOR_RUN_ARGS); \
		else \
			standard_ExecutorRun(IG_EXECUTOR_RUN_ARGS); \
	} while (0)

#define call_prev_ExecutorFinish(qd) \
	do { \
		if (prev_ExecutorFinish) \
			prev_ExecutorFinish(qd); \
		else \
			standard_ExecutorFinish(qd); \
	} while (0)

/*
 * post_parse_analyze hook: the end of parse analysis of a top-level
 * statement; in a Parse message, nearly the whole message.
 */
static pg_noinline void
parse_analysis_done(ParseState *pstate)
{
	/*
	 * Only a Parse message analyses with variable parameters at top level
	 * (the simple protocol has none): skip the clock read otherwise.
	 */
	if (pstate->p_paramref_hook != NULL && !is_nested() && latency_on() &&
		debug_query_string != NULL)
		note_prep();
}

static pg_noinline void
post_parse_analyze_chained(ParseState *pstate, Query *query, JumbleState *jstate)
{
	prev_post_parse_analyze(pstate, query, jstate);
	parse_analysis_done(pstate);
}

/* Without a previous hook, the usual case is two tests and no stack frame. */
static void
ig_post_parse_analyze(ParseState *pstate, Query *query, JumbleState *jstate)
{
	if (prev_post_parse_analyze)
		post_parse_analyze_chained(pstate, query, jstate);
	else if (unlikely(pstate->p_paramref_hook != NULL))
		parse_analysis_done(pstate);
}

/* The end of top-level planning with parameter values; returns result. */
static pg_noinline PlannedStmt *
planning_done(PlannedStmt *result)
{
	if (latency_on() && debug_query_string != NULL)
		note_prep();
	return result;
}

/*
 * planner hook: what the planner runs (functions folded to constants) is
 * nested; the end of top-level planning may be the end of a Bind message.
 */
static PlannedStmt *
ig_planner(Query *parse, const char *query_string, int cursorOptions,
		   ParamListInfo boundParams)
{
	PlannedStmt *result;

	if (in_top)
	{
		if (prev_planner)
			return prev_planner(parse, query_string, cursorOptions, boundParams);
		return standard_planner(parse, query_string, cursorOptions, boundParams);
	}
	/*
	 * Parameter values at top level come with a Bind message (custom plan)
	 * or an EXECUTE: only then may planning end a message of its own.  (A
	 * Bind without parameters is seen at its ExecutorStart, for a SELECT.)
	 * Noted in a static rather than kept across the call: no register to
	 * save.
	 */
	in_top = true;
	planning_with_params = boundParams != NULL;
	if (prev_planner)
		result = prev_planner(parse, query_string, cursorOptions, boundParams);
	else
		result = standard_planner(parse, query_string, cursorOptions, boundParams);
	in_top = false;
	if (unlikely(planning_with_params))
		return planning_done(result);
	return result;
}

/* ExecutorStart hook: nesting, and the end of a Bind message */
static void
ig_ExecutorStart(QueryDesc *queryDesc, int eflags)
{
	if (in_top)
	{
		if (prev_ExecutorStart)
			prev_ExecutorStart(queryDesc, eflags);
		else
			standard_ExecutorStart(queryDesc, eflags);
		return;
	}
	in_top = true;
	if (prev_ExecutorStart)
		prev_ExecutorStart(queryDesc, eflags);
	else
		standard_ExecutorStart(queryDesc, eflags);
	in_top = false;

	/*
	 * A portal of a Bind message (visible in pg_cursors, unlike the simple
	 * protocol's): the rest of the message is short.
	 */
	if (unlikely(in_extended_portal()) && debug_query_string != NULL && latency_on())
		note_prep();
}

/* ExecutorRun hook: track nesting, and time top-level runs */
static void
ig_ExecutorRun(IG_EXECUTOR_RUN_PARAMS)
{
	TimedStatement *t;

	if (in_top)
	{
		call_prev_ExecutorRun();
		return;
	}
	in_top = true;
	if (unlikely(!latency_on()))
	{
		call_prev_ExecutorRun();
		in_top = false;
		return;
	}
	/* ns -= start, ns += end: nothing to keep across the call but t */
	t = timed_entry(queryDesc);
	t->ns -= monotonic_ns();
	call_prev_ExecutorRun();
	in_top = false;
	t->ns += monotonic_ns();

	/*
	 * An Execute message ends with its ExecutorRun for a SELECT: the portal
	 * is closed only by a later message.
	 */
	if (unlikely(queryDesc->dest->mydest == DestRemoteExecute) && latency_on())
		statement_done(true, false);
}

/* ExecutorFinish of a top-level statement with work to finish */
static pg_noinline void
finish_top(QueryDesc *queryDesc)
{
	TimedStatement *t = n_timed > 0 ? find_timed(queryDesc) : NULL;
	uint64		start = 0;

	in_top = true;
	if (t)
		start = monotonic_ns();
	call_prev_ExecutorFinish(queryDesc);
	in_top = false;
	if (t)
		t->ns += monotonic_ns() - start;
}

/*
 * ExecutorFinish hook: time the work done here (AFTER triggers,
 * data-modifying CTEs) and track the nesting of what it runs.  A plain
 * SELECT has nothing to finish: it takes the short path, without a clock
 * read.
 */
static void
ig_ExecutorFinish(QueryDesc *queryDesc)
{
	if (likely(queryDesc->operation == CMD_SELECT &&
			   !queryDesc->plannedstmt->hasModifyingCTE) || in_top)
		call_prev_ExecutorFinish(queryDesc);
	else
		finish_top(queryDesc);
}

/*
 * ExecutorEnd hook: record the statement's execution time.  The entry is
 * usually the last one of the table.
 */
static void
ig_ExecutorEnd(QueryDesc *queryDesc)
{
	bool		whole = false;

	if (n_timed > 0 && !in_top)
	{
		TimedStatement *t;

		/* usually the only entry */
		if (likely(n_timed == 1 && timed[0].queryDesc == queryDesc))
			t = &timed[0];
		else
			t = find_timed(queryDesc);
		if (t)
		{
			uint64		ns = t->ns;

			/* remove it, keeping the others in order */
			if (unlikely(t != &timed[n_timed - 1]))
				memmove(t, t + 1, (char *) &timed[n_timed] - (char *) (t + 1));
			n_timed--;

			/*
			 * Timed: tracking was on when it started executing, so it is
			 * recorded even if it turned tracking off, like a SET.
			 */
			record_exec(ns);
			whole = true;
		}
	}

	if (prev_ExecutorEnd)
		prev_ExecutorEnd(queryDesc);
	else
		standard_ExecutorEnd(queryDesc);

	if (whole)
		statement_done(in_extended_portal(), false);
}

/*
 * ProcessUtility hook: time utility statements at top level.  EXECUTE is
 * not a level of its own: the statement it runs is top-level, and its
 * executor hooks time it (pg_stat_statements' rule).  PREPARE and
 * DEALLOCATE are bookkeeping, not execution time, but a message of their
 * own in the log, so they count as whole statements.
 */
static void
ig_ProcessUtility(PlannedStmt *pstmt, const char *queryString,
				  bool readOnlyTree, ProcessUtilityContext context,
				  ParamListInfo params, QueryEnvironment *queryEnv,
				  DestReceiver *dest, QueryCompletion *qc)
{
	Node	   *parsetree = pstmt->utilityStmt;
	bool		is_execute = IsA(parsetree, ExecuteStmt);
	bool		top = is_execute ? false : enter_top();
	bool		timed_here = top && infraguard_track_utility && latency_on();
	bool		exec_timed = timed_here && !IsA(parsetree, PrepareStmt) &&
		!IsA(parsetree, DeallocateStmt);
	bool		whole = timed_here || (is_execute && !is_nested() && latency_on());
	bool		ends_block;
	uint64		start = 0;

	/* read before the statement runs: it may free its parse tree */
	ends_block = IsA(parsetree, TransactionStmt) &&
		(((TransactionStmt *) parsetree)->kind == TRANS_STMT_COMMIT ||
		 ((TransactionStmt *) parsetree)->kind == TRANS_STMT_ROLLBACK);
	if (exec_timed)
		start = monotonic_ns();
	if (prev_ProcessUtility)
		prev_ProcessUtility(pstmt, queryString, readOnlyTree, context,
							params, queryEnv, dest, qc);
	else
		standard_ProcessUtility(pstmt, queryString, readOnlyTree, context,
								params, queryEnv, dest, qc);
	if (top)
		in_top = false;
	if (exec_timed)
		record_exec(monotonic_ns() - start);
	if (whole)
		statement_done(in_extended_portal(), ends_block);
}

void
ig_latency_install_hooks(void)
{
	prev_post_parse_analyze = post_parse_analyze_hook;
	post_parse_analyze_hook = ig_post_parse_analyze;
	prev_planner = planner_hook;
	planner_hook = ig_planner;
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
	RegisterXactCallback(transaction_event, NULL);
	RegisterSubXactCallback(subtransaction_event, NULL);
}

/* ---------------------------------------------------------------------
 * Reading
 * ---------------------------------------------------------------------
 */

typedef struct DbHistogram
{
	Oid			dboid;			/* InvalidOid: databases past max_databases */
	IgHistogram hist;			/* whole statements */
	IgHistogram exec;			/* execution only */
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
	ig_hist_init(&out[*n].exec);
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
	LatencySlot *slots = latency_slots;
	LatencyDb *dbs = latency_dbs;
	int			max_entries = per_database ? latency_shared->ndbs + latency_shared->nslots : 1;
	DbHistogram *out = palloc(sizeof(DbHistogram) * max_entries);
	uint32		generation;
	int			n = 0;
	int			i;

	LWLockAcquire(latency_shared->lock, LW_SHARED);
	generation = pg_atomic_read_u32(&latency_shared->generation);
	*since = latency_shared->since;
	for (i = 0; i < latency_shared->ndbs; i++)
	{
		bool		overflow = (i == latency_shared->ndbs - 1);

		DbHistogram *d;

		if (ig_hist_count(&dbs[i].hist) == 0 && ig_hist_count(&dbs[i].exec) == 0)
			continue;
		d = find_or_add(out, &n, per_database && !overflow ? dbs[i].dboid : InvalidOid);
		ig_hist_merge(&d->hist, &dbs[i].hist);
		ig_hist_merge(&d->exec, &dbs[i].exec);
	}
	for (i = 0; i < latency_shared->nslots; i++)
	{
		LatencySlot *slot = &slots[i];
		Oid			dboid = slot->dboid;
		DbHistogram *d;

		if (dboid == InvalidOid || slot->generation != generation)
			continue;
		pg_read_barrier();
		if (ig_hist_count(&slot->hist) == 0 && ig_hist_count(&slot->exec) == 0)
			continue;
		d = find_or_add(out, &n, per_database ? dboid : InvalidOid);
		ig_hist_merge(&d->hist, &slot->hist);
		ig_hist_merge(&d->exec, &slot->exec);
	}
	LWLockRelease(latency_shared->lock);

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
 *	  → dbname, calls, p50_ms, p90_ms, p95_ms, p99_ms, max_ms, mean_ms, since,
 *		exec_calls, exec_p50_ms, exec_p90_ms, exec_p95_ms, exec_p99_ms,
 *		exec_max_ms, exec_mean_ms
 *
 * Since the last latency_reset() (or the server start).  dbname is NULL for
 * the whole-server row (per_database = false), for databases beyond
 * infraguard.max_databases and for dropped databases.  calls and the
 * percentiles that follow are whole statements (the server log's
 * durations); exec_* are execution only (see the file header).
 * infraguard_latency is the 0.1 symbol: the first nine columns only, for a
 * catalog not yet updated.
 */
#define LATENCY_0_1_COLS	9
#define LATENCY_0_2_COLS	16

/*
 * Append calls, p50_ms, p90_ms, p95_ms, p99_ms, max_ms and mean_ms of one
 * histogram at values[*i]; the statistics are NULL when it is empty.
 */
static void
put_summary(Datum *values, bool *nulls, int *i, const IgHistogram *h)
{
	static const double qs[4] = {0.50, 0.90, 0.95, 0.99};
	bool		empty = (ig_hist_count(h) == 0);
	int			q;

	values[(*i)++] = Int64GetDatum((int64) ig_hist_count(h));
	for (q = 0; q < 4; q++)
	{
		if (empty)
			nulls[(*i)++] = true;
		else
			values[(*i)++] = Float8GetDatum(percentile_ms(h, qs[q]));
	}
	if (empty)
	{
		nulls[(*i)++] = true;
		nulls[(*i)++] = true;
	}
	else
	{
		values[(*i)++] = Float8GetDatum(h->max_ns / 1e6);
		values[(*i)++] = Float8GetDatum(ig_hist_mean_ns(h) / 1e6);
	}
}

static Datum
latency_rows(FunctionCallInfo fcinfo, bool with_exec)
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
	require_shared("infraguard.latency()");
	InitMaterializedSRF(fcinfo, 0);

	hists = collect_histograms(per_database, &n, &since);
	for (i = 0; i < n; i++)
	{
		IgHistogram *h = &hists[i].hist;
		Datum		values[LATENCY_0_2_COLS];
		bool		nulls[LATENCY_0_2_COLS] = {0};
		int			c = 0;

		if (!with_exec && ig_hist_count(h) == 0)
			continue;
		if (per_database)
		{
			values[c] = dbname_datum(hists[i].dboid, &nulls[c]);
			c++;
		}
		else
			nulls[c++] = true;
		put_summary(values, nulls, &c, h);
		values[c++] = TimestampTzGetDatum(since);
		Assert(c == LATENCY_0_1_COLS);
		if (with_exec)
		{
			put_summary(values, nulls, &c, &hists[i].exec);
			Assert(c == LATENCY_0_2_COLS);
		}
		if (rsinfo->setDesc->natts != c)
			elog(ERROR, "infraguard.latency() must return %d columns, the catalog declares %d",
				 c, rsinfo->setDesc->natts);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

PG_FUNCTION_INFO_V1(infraguard_latency);

Datum
infraguard_latency(PG_FUNCTION_ARGS)
{
	return latency_rows(fcinfo, false);
}

PG_FUNCTION_INFO_V1(infraguard_latency_0_2);

Datum
infraguard_latency_0_2(PG_FUNCTION_ARGS)
{
	return latency_rows(fcinfo, true);
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

#define LATENCY_HISTOGRAM_COLS	6

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
	require_shared("infraguard.latency_histogram()");
	InitMaterializedSRF(fcinfo, 0);

	hists = collect_histograms(per_database, &n, &since);
	for (i = 0; i < n; i++)
	{
		IgHistogram *h = &hists[i].hist;
		Datum	   *bucket_datums = palloc(sizeof(Datum) * IG_HIST_NBUCKETS);
		Datum	   *count_datums = palloc(sizeof(Datum) * IG_HIST_NBUCKETS);
		int			nonempty = 0;
		int			b;
		Datum		values[LATENCY_HISTOGRAM_COLS];
		bool		nulls[LATENCY_HISTOGRAM_COLS] = {0};
		int			c = 0;

		if (ig_hist_count(h) == 0)
			continue;
		for (b = 0; b < IG_HIST_NBUCKETS; b++)
		{
			if (h->counts[b] == 0)
				continue;
			bucket_datums[nonempty] = Int32GetDatum(b);
			count_datums[nonempty] = Int64GetDatum((int64) h->counts[b]);
			nonempty++;
		}
		if (per_database)
		{
			values[c] = dbname_datum(hists[i].dboid, &nulls[c]);
			c++;
		}
		else
			nulls[c++] = true;
		values[c++] = PointerGetDatum(construct_array(bucket_datums, nonempty, INT4OID,
													  sizeof(int32), true, TYPALIGN_INT));
		values[c++] = PointerGetDatum(construct_array(count_datums, nonempty, INT8OID,
													  sizeof(int64), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
		values[c++] = Float8GetDatum(h->sum_ns / 1e6);
		values[c++] = Float8GetDatum(h->max_ns / 1e6);
		values[c++] = TimestampTzGetDatum(since);
		Assert(c == LATENCY_HISTOGRAM_COLS);
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

#define LATENCY_BUCKETS_COLS	3

Datum
infraguard_latency_buckets(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	int			b;

	InitMaterializedSRF(fcinfo, 0);
	for (b = 0; b < IG_HIST_NBUCKETS; b++)
	{
		Datum		values[LATENCY_BUCKETS_COLS];
		bool		nulls[LATENCY_BUCKETS_COLS] = {0};
		int			c = 0;

		values[c++] = Int32GetDatum(b);
		values[c++] = Float8GetDatum(ig_hist_bucket_lower(b) / 1e6);
		if (b == IG_HIST_NBUCKETS - 1)
			nulls[c++] = true;
		else
			values[c++] = Float8GetDatum(ig_hist_bucket_upper(b) / 1e6);
		Assert(c == LATENCY_BUCKETS_COLS);
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
	LatencyDb *dbs;
	int			i;

	require_shared("infraguard.latency_reset()");
	LWLockAcquire(latency_shared->lock, LW_EXCLUSIVE);
	dbs = latency_dbs;
	for (i = 0; i < latency_shared->ndbs; i++)
	{
		dbs[i].dboid = InvalidOid;
		ig_hist_init(&dbs[i].hist);
		ig_hist_init(&dbs[i].exec);
	}
	pg_atomic_fetch_add_u32(&latency_shared->generation, 1);
	latency_shared->since = GetCurrentTimestamp();
	LWLockRelease(latency_shared->lock);
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
	uint64		total = 0;

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
		/*
		 * The total must fit the bigint calls column: counts add up in
		 * uint64 (no wrap: each is at most INT64_MAX and the running total is
		 * kept at most INT64_MAX), and a sum past INT64_MAX is refused.
		 */
		total += (uint64) c;
		if (total > (uint64) PG_INT64_MAX)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("histogram counts add up to more than " INT64_FORMAT, PG_INT64_MAX),
					 errhint("A latency histogram counts at most 9223372036854775807 statements; pass the counts latency_histogram() returned.")));
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

#define HISTOGRAM_STATS_COLS	6

Datum
infraguard_histogram_stats(PG_FUNCTION_ARGS)
{
	TupleDesc	tupdesc;
	IgHistogram *newer = palloc(sizeof(IgHistogram));
	IgHistogram *result = newer;
	Datum		values[HISTOGRAM_STATS_COLS];
	bool		nulls[HISTOGRAM_STATS_COLS] = {0};
	bool		reset = false;
	static const double qs[4] = {0.50, 0.90, 0.95, 0.99};
	int			q;
	int			i = 0;

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
	if (!PG_ARGISNULL(2) && !(PG_GETARG_FLOAT8(2) <= 9.2e12))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("max_ms must be a number of milliseconds below 9.2e12, not %g", PG_GETARG_FLOAT8(2)),
				 errhint("Pass the max_ms that latency_histogram() returned, or NULL.")));
	newer->max_ns = PG_ARGISNULL(2) || PG_GETARG_FLOAT8(2) <= 0 ? 0 :
		(uint64) (PG_GETARG_FLOAT8(2) * 1e6);

	if (!PG_ARGISNULL(3))
	{
		IgHistogram *older = palloc(sizeof(IgHistogram));

		histogram_from_arrays(PG_GETARG_ARRAYTYPE_P(3), PG_GETARG_ARRAYTYPE_P(4), older);
		result = palloc(sizeof(IgHistogram));
		reset = (ig_hist_diff(result, newer, older) == IG_ERANGE);
	}

	values[i++] = Int64GetDatum((int64) ig_hist_count(result));
	for (q = 0; q < 4; q++)
	{
		double		ns;

		if (ig_hist_percentile(result, qs[q], &ns) == IG_OK)
			values[i++] = Float8GetDatum(ns / 1e6);
		else
			nulls[i++] = true;
	}
	values[i++] = BoolGetDatum(reset);
	Assert(i == HISTOGRAM_STATS_COLS);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(tupdesc), values, nulls)));
}
