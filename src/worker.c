/*-------------------------------------------------------------------------
 *
 * worker.c
 *	  The infraguard background worker: a snapshot every
 *	  infraguard.snapshot_interval, in the database infraguard.database.
 *
 * Each cycle is one transaction with statement_timeout and lock_timeout set,
 * running infraguard.record_snapshot('worker') (src/sql/70_history.sql),
 * which records history, evaluates alerts and prunes.  On a hot standby it
 * writes nothing: it evaluates health() and logs threshold crossings,
 * remembering levels in its own memory.
 *
 * Failure modes handled here, each seen in monitoring workers in the field:
 *	- an error in a cycle is logged and the next cycle goes on (the
 *	  autovacuum launcher's recovery block), with no crash loop;
 *	- SIGTERM (pg_terminate_backend, shutdown) exits through die() with code
 *	  1, so the postmaster restarts the worker after bgw_restart_time; a
 *	  worker exiting with 0 would never come back;
 *	- every wait is WaitLatch + CHECK_FOR_INTERRUPTS, so procsignal barriers
 *	  (DROP DATABASE, ALTER TABLESPACE) are absorbed promptly;
 *	- the target database missing: the connection fails (FATAL) and the
 *	  worker is restarted; the next incarnation sees in shared memory that
 *	  the previous attempt failed, logs one line with a HINT and waits with
 *	  exponential backoff before trying again;
 *	- the extension missing or dropped: one log line with a HINT, then
 *	  checks with backoff until it is created.
 *
 * Copyright (c) 2026, infraguard developers
 *
 * IDENTIFICATION
 *	  src/worker.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "access/xlog.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "tcop/tcopprot.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/timeout.h"
#include "utils/timestamp.h"

#include "infraguard.h"
#include "ig_alert.h"
#include "ig_threshold.h"

PGDLLEXPORT void infraguard_worker_main(Datum main_arg);

#define MAX_BACKOFF_MS		(10 * 60 * 1000)
#define MAX_TRACKED_METRICS 64

/* levels seen on a standby, where alerts cannot be written to a table */
typedef struct StandbyLevel
{
	char		metric[NAMEDATALEN];
	IgLevel		level;
} StandbyLevel;

static StandbyLevel standby_levels[MAX_TRACKED_METRICS];
static int	n_standby_levels = 0;

/* set while the extension is missing, so that it is logged once */
static bool extension_missing = false;
static char refused_version[NAMEDATALEN];	/* "" = not installed */

/*
 * Register the worker; called from _PG_init under shared_preload_libraries.
 */
void
ig_worker_register(void)
{
	BackgroundWorker worker;

	memset(&worker, 0, sizeof(worker));
	worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
	/* consistent state, not recovery finished: it must run on standbys too */
	worker.bgw_start_time = BgWorkerStart_ConsistentState;
	worker.bgw_restart_time = 10;
	snprintf(worker.bgw_library_name, BGW_MAXLEN, "infraguard");
	snprintf(worker.bgw_function_name, BGW_MAXLEN, "infraguard_worker_main");
	snprintf(worker.bgw_name, BGW_MAXLEN, "infraguard worker");
	snprintf(worker.bgw_type, BGW_MAXLEN, "infraguard worker");
	RegisterBackgroundWorker(&worker);
}

/* Sleep up to ms, waking for interrupts and configuration reloads. */
static void
wait_ms(long ms)
{
	(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
					 Max(ms, 1), PG_WAIT_EXTENSION);
	ResetLatch(MyLatch);
	CHECK_FOR_INTERRUPTS();
	if (ConfigReloadPending)
	{
		ConfigReloadPending = false;
		ProcessConfigFile(PGC_SIGHUP);
	}
}

/* The interval, doubled for each consecutive failure, up to ten minutes. */
static long
backoff_ms(int failures)
{
	long		ms = infraguard_snapshot_interval * 1000L;
	int			i;

	for (i = 0; i < failures && ms < MAX_BACKOFF_MS; i++)
		ms *= 2;
	return Max(Min(ms, MAX_BACKOFF_MS), infraguard_snapshot_interval * 1000L);
}

/*
 * Connect to infraguard.database.  If the previous incarnation died while
 * connecting (the database does not exist, or does not allow connections),
 * say so once, with a hint, and wait before trying again: the postmaster
 * would otherwise restart us every bgw_restart_time and fill the log.
 */
static void
connect_with_backoff(void)
{
	int			failures;
	bool		was_connecting;

	SpinLockAcquire(&ig_shared->worker_mutex);
	was_connecting = ig_shared->worker_connecting;
	if (was_connecting)
		ig_shared->worker_connect_failures++;
	failures = ig_shared->worker_connect_failures;
	SpinLockRelease(&ig_shared->worker_mutex);

	if (was_connecting)
	{
		long		delay = Min(10000L << Min(failures, 16), (long) MAX_BACKOFF_MS);

		ereport(LOG,
				(errmsg("infraguard worker could not connect to database \"%s\"; retrying in %ld s",
						infraguard_database, delay / 1000),
				 errhint("Create the database, or set infraguard.database to an existing database and restart the server.")));
		pgstat_report_activity(STATE_IDLE, "waiting to retry the connection");
		{
			TimestampTz until = TimestampTzPlusMilliseconds(GetCurrentTimestamp(), delay);
			long		left;

			while ((left = TimestampDifferenceMilliseconds(GetCurrentTimestamp(), until)) > 0)
				wait_ms(left);
		}
	}

	SpinLockAcquire(&ig_shared->worker_mutex);
	ig_shared->worker_connecting = true;
	SpinLockRelease(&ig_shared->worker_mutex);

	/* FATAL here if the database is missing; the flag stays set */
	BackgroundWorkerInitializeConnection(infraguard_database, NULL, 0);

	SpinLockAcquire(&ig_shared->worker_mutex);
	ig_shared->worker_connecting = false;
	ig_shared->worker_connect_failures = 0;
	SpinLockRelease(&ig_shared->worker_mutex);
	if (was_connecting)
		ereport(LOG,
				(errmsg("infraguard worker connected to database \"%s\"", infraguard_database)));
}

/*
 * Is the extension created in our database, at the library's version?
 * Logs a change of that answer once, with what to do.
 */
static bool
extension_present(void)
{
	char	   *version = NULL;
	bool		usable;

	if (SPI_execute("SELECT extversion FROM pg_catalog.pg_extension WHERE extname = 'infraguard'",
					true, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not look up the infraguard extension");
	if (SPI_processed == 1)
		version = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
	usable = (version != NULL && strcmp(version, INFRAGUARD_VERSION) == 0);

	/*
	 * Log each new reason once: "not installed" and "installed at another
	 * version" are different problems with different fixes.
	 */
	if (!usable && (!extension_missing ||
					strcmp(version ? version : "", refused_version) != 0))
	{
		strlcpy(refused_version, version ? version : "", sizeof(refused_version));
		if (version == NULL)
			ereport(LOG,
					(errmsg("infraguard worker is idle: extension \"infraguard\" is not installed in database \"%s\"",
							infraguard_database),
					 errhint("Run CREATE EXTENSION infraguard; in database \"%s\", or set infraguard.enabled = off.",
							 infraguard_database)));
		else
			ereport(LOG,
					(errmsg("infraguard worker is idle: extension \"infraguard\" is at version %s but the library is %s",
							version, INFRAGUARD_VERSION),
					 errhint("Run ALTER EXTENSION infraguard UPDATE; in database \"%s\".",
							 infraguard_database)));
	}
	else if (usable && extension_missing)
		ereport(LOG,
				(errmsg("infraguard worker found extension \"infraguard\" in database \"%s\"; resuming",
						infraguard_database)));
	extension_missing = !usable;
	return usable;
}

static int
alert_elevel(void)
{
	return infraguard_alert_log_level;
}

/*
 * On a standby: classify every check and log threshold crossings, keeping
 * the levels in this process's memory (nothing can be written).
 */
static void
evaluate_on_standby(void)
{
	uint64		i;

	if (SPI_execute("SELECT check_name, status, value, unit, warning, critical, action "
					"FROM infraguard.health()", true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not evaluate infraguard.health()");

	for (i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		char	   *metric = SPI_getvalue(tup, desc, 1);
		char	   *status = SPI_getvalue(tup, desc, 2);
		char	   *value = SPI_getvalue(tup, desc, 3);
		char	   *unit = SPI_getvalue(tup, desc, 4);
		char	   *action = SPI_getvalue(tup, desc, 7);
		IgLevel		level = IG_LEVEL_UNKNOWN;
		StandbyLevel *slot = NULL;
		int			j;

		(void) ig_level_parse(status, &level);
		for (j = 0; j < n_standby_levels; j++)
			if (strcmp(standby_levels[j].metric, metric) == 0)
				slot = &standby_levels[j];
		if (slot == NULL)
		{
			if (n_standby_levels >= MAX_TRACKED_METRICS)
				continue;
			slot = &standby_levels[n_standby_levels++];
			strlcpy(slot->metric, metric, NAMEDATALEN);
			slot->level = IG_LEVEL_OK;
		}

		switch (ig_alert_next(slot->level, level))
		{
			case IG_ALERT_OPEN:
			case IG_ALERT_ESCALATE:
				ereport(alert_elevel(),
						(errmsg("infraguard (standby): %s is %s: %s %s",
								metric, status, value ? value : "", unit ? unit : ""),
						 action ? errhint("%s", action) : 0));
				slot->level = level;
				break;
			case IG_ALERT_DEESCALATE:
				ereport(LOG,
						(errmsg("infraguard (standby): %s lowered to %s: %s %s",
								metric, status, value ? value : "", unit ? unit : "")));
				slot->level = level;
				break;
			case IG_ALERT_RESOLVE:
				ereport(LOG,
						(errmsg("infraguard (standby): %s resolved: %s %s",
								metric, value ? value : "", unit ? unit : "")));
				slot->level = IG_LEVEL_OK;
				break;
			case IG_ALERT_UPDATE:
			case IG_ALERT_NONE:
				break;
		}
	}
}

/*
 * One cycle in one transaction.  Returns false when there was nothing to
 * do (extension missing), so the caller backs off.
 */
static bool
run_cycle(void)
{
	char		timeouts[128];
	bool		did_work = false;
	int			timeout_s;

	/*
	 * statement_timeout, for the whole cycle: bounded, but never shorter
	 * than what a big database needs (set here for what reads the setting,
	 * armed below).  lock_timeout: below the default deadlock_timeout (1 s),
	 * so in a lock conflict with a DBA's DDL (DROP EXTENSION, ALTER TABLE) it
	 * is the worker that gives up, never the DBA's statement; the cycle is
	 * logged as failed and the next one retries.
	 */
	timeout_s = Max(10, Min(infraguard_snapshot_interval, 300));
	snprintf(timeouts, sizeof(timeouts),
			 "SET LOCAL statement_timeout = '%ds'; SET LOCAL lock_timeout = '500ms'; "
			 "SET LOCAL search_path = pg_catalog, pg_temp",
			 timeout_s);

	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	SPI_connect();
	PushActiveSnapshot(GetTransactionSnapshot());
	pgstat_report_activity(STATE_RUNNING, "infraguard: snapshot");

	if (SPI_execute(timeouts, false, 0) != SPI_OK_UTILITY)
		elog(ERROR, "could not set the worker's timeouts");

	/*
	 * statement_timeout is armed by the protocol loop of ordinary backends
	 * (start_xact_command), which SPI in a background worker never runs:
	 * arm it ourselves, for the whole cycle.
	 */
	enable_timeout_after(STATEMENT_TIMEOUT, timeout_s * 1000);

	if (extension_present())
	{
		if (RecoveryInProgress())
			evaluate_on_standby();
		else if (SPI_execute("SELECT infraguard.record_snapshot('worker')", false, 1) != SPI_OK_SELECT)
			elog(ERROR, "could not record a snapshot");
		did_work = true;
	}

	disable_timeout(STATEMENT_TIMEOUT, false);
	SPI_finish();
	PopActiveSnapshot();
	CommitTransactionCommand();
	pgstat_report_stat(true);
	pgstat_report_activity(STATE_IDLE, NULL);
	return did_work;
}

void
infraguard_worker_main(Datum main_arg)
{
	MemoryContext cycle_cxt;
	TimestampTz last_run;
	volatile int failures = 0;	/* survives the longjmp of PG_CATCH */

	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();

	/*
	 * Our own queries are not the workload: keep them out of our latency
	 * histograms, and out of pg_stat_statements, where they would fill the
	 * top of statement_history (a session-level setting outranks
	 * postgresql.conf, so a reload does not undo it; if pg_stat_statements
	 * is not loaded this only makes a harmless placeholder).
	 */
	ig_latency_exclude_backend = true;

	connect_with_backoff();
	SetConfigOption("pg_stat_statements.track", "none", PGC_SUSET, PGC_S_SESSION);
	pgstat_report_appname("infraguard worker");
	ereport(LOG,
			(errmsg("infraguard worker started in database \"%s\", snapshot every %d s",
					infraguard_database, infraguard_snapshot_interval)));

	cycle_cxt = AllocSetContextCreate(TopMemoryContext, "infraguard worker cycle",
									  ALLOCSET_DEFAULT_SIZES);
	last_run = 0;

	for (;;)
	{
		long		delay;

		/*
		 * Recomputed on every wakeup, so a reload that shortens the interval
		 * takes effect at once.  After errors or while the extension is
		 * missing, the interval doubles, up to ten minutes.
		 */
		delay = failures > 0 ? backoff_ms(failures) : infraguard_snapshot_interval * 1000L;
		if (last_run != 0)
		{
			long		left = TimestampDifferenceMilliseconds(GetCurrentTimestamp(),
															   TimestampTzPlusMilliseconds(last_run, delay));

			if (left > 0)
			{
				wait_ms(left);
				continue;
			}
		}
		last_run = GetCurrentTimestamp();
		if (!infraguard_enabled)
			continue;

		MemoryContextSwitchTo(cycle_cxt);
		PG_TRY();
		{
			failures = run_cycle() ? 0 : failures + 1;
		}
		PG_CATCH();
		{
			/*
			 * The autovacuum launcher's recovery: report, abort, clean up,
			 * and go on with the next cycle.  FATAL (SIGTERM) never gets
			 * here, so shutdown still works.
			 */
			HOLD_INTERRUPTS();
			disable_timeout(STATEMENT_TIMEOUT, false);
			EmitErrorReport();
			AbortCurrentTransaction();
			MemoryContextSwitchTo(TopMemoryContext);
			FlushErrorState();
			RESUME_INTERRUPTS();
			pgstat_report_activity(STATE_IDLE, NULL);
			failures++;
		}
		PG_END_TRY();
		MemoryContextSwitchTo(TopMemoryContext);
		MemoryContextReset(cycle_cxt);
	}
}
