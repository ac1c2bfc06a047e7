/*-------------------------------------------------------------------------
 *
 * worker.c
 *	  The infraguard background worker: a snapshot every
 *	  infraguard.snapshot_interval, in the database infraguard.database.
 *
 * Each cycle is one transaction with statement_timeout and lock_timeout set,
 * holding a share lock on the extension itself, taken first (so that DROP
 * EXTENSION waits for the cycle instead of deadlocking with it),
 * running infraguard.snapshot_cycle('worker') (src/sql/history.sql),
 * which takes the readings, records history and prunes, then evaluates
 * alerts from the readings, the two in separate subtransactions.  On a hot
 * standby it writes nothing: it evaluates the readings by the same alert
 * rules (ig_alert_step) in its own memory and logs the transitions.
 *
 * Before the snapshot, the other watched databases (infraguard.databases)
 * are read by short-lived collectors, one at a time by default
 * (src/collector.c); their findings are stored before snapshot_cycle() so
 * that its alerts judge them, and their tables and indexes are recorded in
 * the same snapshot after it (src/sql/whole_server.sql).
 *
 * Alerting survives failing history: when recording fails (disk full, a
 * renamed column, a lock timeout) the alerts are still evaluated, and the
 * failure is logged once, not every cycle, with one more line when
 * recording works again.  When the alerts themselves cannot be written,
 * the cycle's readings are evaluated in memory as on a standby, and every
 * transition is still logged and sent with NOTIFY.
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
#include "catalog/pg_extension.h"
#include "catalog/pg_type.h"
#include "commands/extension.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/lmgr.h"
#include "storage/lock.h"
#include "storage/shmem.h"
#include "storage/spin.h"
#include "tcop/tcopprot.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/inval.h"
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

bool		ig_in_worker = false;

/*
 * The worker's shared memory ("infraguard worker" in pg_shmem_allocations):
 * what survives a restart of the worker process, so that a failed connect
 * is known to the next incarnation (connect_with_backoff()).
 */
typedef struct WorkerShared
{
	slock_t		mutex;			/* protects the fields below */
	bool		connecting;		/* set while the worker connects: still set
								 * on restart means it failed */
	int			connect_failures;
} WorkerShared;

static WorkerShared *worker_shared = NULL;

/* Size of the worker's shared memory. */
Size
ig_worker_shmem_size(void)
{
	return sizeof(WorkerShared);
}

/*
 * Create or attach to the worker's shared memory; called by the
 * shmem_startup hook with AddinShmemInitLock held.
 */
void
ig_worker_shmem_init(void)
{
	bool		found;

	worker_shared = ShmemInitStruct("infraguard worker", sizeof(WorkerShared), &found);
	if (!found)
	{
		memset(worker_shared, 0, sizeof(WorkerShared));
		SpinLockInit(&worker_shared->mutex);
	}
}

/*
 * Alert state kept in this process's memory, where alerts cannot be
 * written to a table (a standby, or alert tables that fail on a primary).
 */
typedef struct MemAlert
{
	char		metric[NAMEDATALEN];
	IgAlertState state;
} MemAlert;

static MemAlert mem_alerts[MAX_TRACKED_METRICS];
static int	n_mem_alerts = 0;

/*
 * A part of the cycle that can fail on its own (history, alerts): its
 * failure is logged when it starts or its error changes, and once more
 * when it works again, never every cycle.
 */
typedef struct FailureReport
{
	const char *what;			/* "record history" */
	const char *meanwhile;		/* errdetail while it fails */
	char	   *last_error;		/* in TopMemoryContext; NULL = working */
	int			failures;		/* consecutive failed cycles */
} FailureReport;

static FailureReport history_report = {
	"record history",
	"Alerts are still evaluated from this snapshot's readings, and still logged and sent with NOTIFY.",
	NULL, 0
};
static FailureReport alerts_report = {
	"store alerts",
	"Alert transitions are evaluated in memory, logged and sent with NOTIFY, but not stored in infraguard.alerts.",
	NULL, 0
};

/* set while the extension is missing, so that it is logged once */
static bool extension_missing = false;
static char refused_version[NAMEDATALEN];	/* "" = not installed */

/* databases refusing connections, already logged ("name\n" each) */
static char *refused_databases = NULL;

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

/*
 * The one backoff rule: base_ms doubled for each consecutive failure, up to
 * ten minutes (never below base_ms, even when base_ms is above the cap).
 */
static long
backoff_delay_ms(long base_ms, int failures)
{
	long		ms = base_ms;
	int			i;

	for (i = 0; i < failures && ms < MAX_BACKOFF_MS; i++)
		ms *= 2;
	return Max(Min(ms, MAX_BACKOFF_MS), base_ms);
}

/* The snapshot interval, backed off after failed cycles. */
static long
backoff_ms(int failures)
{
	return backoff_delay_ms(infraguard_snapshot_interval * 1000L, failures);
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

	SpinLockAcquire(&worker_shared->mutex);
	was_connecting = worker_shared->connecting;
	if (was_connecting)
		worker_shared->connect_failures++;
	failures = worker_shared->connect_failures;
	SpinLockRelease(&worker_shared->mutex);

	if (was_connecting)
	{
		long		delay = backoff_delay_ms(10000L, failures);

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

	SpinLockAcquire(&worker_shared->mutex);
	worker_shared->connecting = true;
	SpinLockRelease(&worker_shared->mutex);

	/* FATAL here if the database is missing; the flag stays set */
	BackgroundWorkerInitializeConnection(infraguard_database, NULL, 0);

	SpinLockAcquire(&worker_shared->mutex);
	worker_shared->connecting = false;
	worker_shared->connect_failures = 0;
	SpinLockRelease(&worker_shared->mutex);
	if (was_connecting)
		ereport(LOG,
				(errmsg("infraguard worker connected to database \"%s\"", infraguard_database)));
}

/*
 * Take a share lock on the extension itself (the lock DROP EXTENSION takes
 * in AccessExclusiveLock mode before anything else), without waiting.
 * Returns false when someone holds it (DROP EXTENSION, ALTER EXTENSION ...
 * SET SCHEMA): this cycle is skipped.
 *
 * Why: DROP EXTENSION locks the extension, then every member object in
 * dependency order (backup_registry, ..., thresholds, ...), each in
 * AccessExclusiveLock, while a cycle locks the same tables in the order its
 * queries read them.  lock_timeout below deadlock_timeout does not stop a
 * deadlock: it only bounds each single wait of the worker.  When a part of
 * the cycle (history, alerts: subtransactions) gives up on a lock, the locks
 * the enclosing transaction took before (thresholds, read by the readings)
 * stay held, and the next part waits again, on another table DROP EXTENSION
 * already holds.  DROP EXTENSION runs its deadlock check once, deadlock_timeout
 * after it began waiting; if the worker is waiting at that moment (even for
 * 100 ms only) the check finds the cycle and aborts the process running it:
 * DROP EXTENSION, "deadlock detected" (seen in test/t/004_worker.pl under
 * load, right after "could not store alerts: lock timeout").
 *
 * With this lock, taken first in every cycle and held to its end, the two
 * take their locks in the same order: the extension, then its objects.  If
 * the worker has it, DROP EXTENSION waits for it holding nothing of the
 * extension's, so the worker never waits for DROP EXTENSION (it finishes its
 * cycle, bounded by statement_timeout, and DROP EXTENSION goes on).  If DROP
 * EXTENSION has it, the worker does not wait at all: it skips the cycle
 * holding nothing DROP EXTENSION needs (an AccessShareLock on the catalog
 * pg_extension, which DROP EXTENSION's RowExclusiveLock does not conflict
 * with).  No wait-for cycle can form, so DROP EXTENSION is never the victim.
 */
static bool
lock_extension(Oid extoid)
{
	LOCKTAG		tag;
	LockAcquireResult res;

	SET_LOCKTAG_OBJECT(tag, MyDatabaseId, ExtensionRelationId, extoid, 0);
	res = LockAcquire(&tag, AccessShareLock, false, true);
	if (res == LOCKACQUIRE_NOT_AVAIL)
		return false;
	/* as LockDatabaseObject(): see what its holder committed before us */
	if (res != LOCKACQUIRE_ALREADY_CLEAR)
		AcceptInvalidationMessages();
	return true;
}

/* set when the extension is locked by another session (lock_extension()) */
static bool extension_busy = false;

/*
 * Is the extension created in our database, at the library's version?
 * Logs a change of that answer once, with what to do.  When it is there,
 * it is locked (lock_extension()) until the end of the cycle's transaction;
 * when it is locked by someone else, returns false with extension_busy set.
 */
static bool
extension_present(void)
{
	char	   *version = NULL;
	bool		usable;
	Oid			extoid;
	Oid			argtypes[1] = {OIDOID};
	Datum		args[1];

	extension_busy = false;
	extoid = get_extension_oid("infraguard", true);
	if (OidIsValid(extoid) && !lock_extension(extoid))
	{
		extension_busy = true;
		ereport(DEBUG1,
				(errmsg("infraguard worker skips a snapshot: extension \"infraguard\" is locked by another session")));
		return false;
	}

	/*
	 * With a new snapshot (read_only = false), taken after the lock: a DROP
	 * EXTENSION that held it has committed, and the row is gone.
	 */
	args[0] = ObjectIdGetDatum(extoid);
	if (SPI_execute_with_args("SELECT extversion FROM pg_catalog.pg_extension WHERE oid = $1",
							  1, argtypes, args, NULL, false, 1) != SPI_OK_SELECT)
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

static double
seconds_to_us(double s)
{
	return s * 1000000.0;
}

/*
 * Evaluate readings (jsonb text; NULL: read them now) by the alert rules in
 * this process's memory, and log each transition; on a primary also send
 * it with NOTIFY.  On a standby the levels start from none, so that it
 * reports what it sees itself; on a primary whose alert tables fail they
 * start from the open alerts, so that an alert already open is not
 * announced again.
 */
static void
evaluate_in_memory(const char *readings, bool standby)
{
	Oid			argtypes[1] = {TEXTOID};
	Datum		args[1];
	char		argnulls[1];
	const char *prefix = standby ? "infraguard (standby)" : "infraguard (alert not stored)";
	TimestampTz now = GetCurrentTimestamp();
	uint64		i;
	SPITupleTable *tuptable;
	uint64		nrows;

	args[0] = readings ? CStringGetTextDatum(readings) : (Datum) 0;
	argnulls[0] = readings ? ' ' : 'n';
	if (SPI_execute_with_args("SELECT r.check_name, r.status, r.value, r.unit, r.warning, r.critical, "
							  "r.action, r.direction, extract(epoch FROM r.hold)::float8, r.clear_margin, "
							  "extract(epoch FROM r.clear_hold)::float8, extract(epoch FROM r.max_gap)::float8, "
							  "(SELECT al.level FROM infraguard.alerts al "
							  "  WHERE al.metric = r.check_name AND al.resolved_at IS NULL LIMIT 1) "
							  "FROM infraguard_internal.judge_rules(coalesce($1::jsonb, "
							  "  (SELECT jsonb_agg(m) FROM infraguard.current_metrics() m))) r",
							  1, argtypes, args, argnulls, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not evaluate the alert rules");
	tuptable = SPI_tuptable;
	nrows = SPI_processed;

	for (i = 0; i < nrows; i++)
	{
		HeapTuple	tup = tuptable->vals[i];
		TupleDesc	desc = tuptable->tupdesc;
		char	   *metric = SPI_getvalue(tup, desc, 1);
		char	   *value = SPI_getvalue(tup, desc, 3);
		char	   *unit = SPI_getvalue(tup, desc, 4);
		char	   *action = SPI_getvalue(tup, desc, 7);
		char	   *direction = SPI_getvalue(tup, desc, 8);
		char	   *open_level = SPI_getvalue(tup, desc, 13);
		bool		isnull;
		Datum		d;
		IgAlertRule rule;
		IgAlertStep step;
		MemAlert   *slot = NULL;
		double		v = 0;
		bool		has_v;
		double		thr;
		const char *level_name;
		char	   *message;
		int			j;

		if (metric == NULL)
			continue;
		for (j = 0; j < n_mem_alerts; j++)
			if (strcmp(mem_alerts[j].metric, metric) == 0)
				slot = &mem_alerts[j];
		if (slot == NULL)
		{
			if (n_mem_alerts >= MAX_TRACKED_METRICS)
				continue;
			slot = &mem_alerts[n_mem_alerts++];
			memset(slot, 0, sizeof(*slot));
			strlcpy(slot->metric, metric, NAMEDATALEN);
			slot->state.level = IG_LEVEL_OK;
			if (!standby && open_level != NULL)
				(void) ig_level_parse(open_level, &slot->state.level);
		}

		memset(&rule, 0, sizeof(rule));
		d = SPI_getbinval(tup, desc, 5, &isnull);
		rule.has_warning = !isnull;
		rule.warning = isnull ? 0 : DatumGetFloat8(d);
		d = SPI_getbinval(tup, desc, 6, &isnull);
		rule.has_critical = !isnull;
		rule.critical = isnull ? 0 : DatumGetFloat8(d);
		if (direction == NULL || !ig_direction_parse(direction, &rule.dir))
			continue;
		d = SPI_getbinval(tup, desc, 9, &isnull);
		rule.hold_us = isnull ? 0 : (int64) seconds_to_us(DatumGetFloat8(d));
		d = SPI_getbinval(tup, desc, 10, &isnull);
		rule.clear_margin = isnull ? 0 : DatumGetFloat8(d);
		d = SPI_getbinval(tup, desc, 11, &isnull);
		rule.clear_hold_us = isnull ? 0 : (int64) seconds_to_us(DatumGetFloat8(d));
		d = SPI_getbinval(tup, desc, 12, &isnull);
		rule.max_gap_us = isnull ? 0 : (int64) seconds_to_us(DatumGetFloat8(d));
		if (!ig_alert_rule_valid(&rule))
			continue;
		d = SPI_getbinval(tup, desc, 3, &isnull);
		has_v = !isnull;
		if (has_v)
			v = DatumGetFloat8(d);

		(void) ig_alert_step(&rule, &slot->state, v, has_v, (int64) now, &step);
		if (step.action == IG_ALERT_NONE || step.action == IG_ALERT_UPDATE)
			continue;

		level_name = ig_level_name(step.level);
		thr = step.level == IG_LEVEL_CRITICAL ? rule.critical : rule.warning;
		switch (step.action)
		{
			case IG_ALERT_OPEN:
				message = psprintf("%s: %s is %s: %s %s (%s threshold %g %s)", prefix, metric,
								   level_name, value ? value : "", unit ? unit : "",
								   level_name, thr, unit ? unit : "");
				break;
			case IG_ALERT_ESCALATE:
			case IG_ALERT_DEESCALATE:
				message = psprintf("%s: %s %s to %s: %s %s (%s threshold %g %s)", prefix, metric,
								   step.action == IG_ALERT_ESCALATE ? "escalated" : "lowered",
								   level_name, value ? value : "", unit ? unit : "",
								   level_name, thr, unit ? unit : "");
				break;
			default:
				message = psprintf("%s: %s resolved: %s %s", prefix, metric,
								   value ? value : "", unit ? unit : "");
				break;
		}
		ereport(step.action == IG_ALERT_OPEN || step.action == IG_ALERT_ESCALATE ? alert_elevel() : LOG,
				(errmsg("%s", message),
				 step.has_peak ? errdetail("event=%s metric=%s level=%s value=%s peak_value=%g stored=false",
										   ig_alert_action_name(step.action), metric, level_name,
										   value ? value : "", step.peak_value) : 0,
				 action && (step.action == IG_ALERT_OPEN || step.action == IG_ALERT_ESCALATE) ?
				 errhint("%s", action) : 0));

		/* a standby cannot NOTIFY; a primary can, even when its tables fail */
		if (!standby)
		{
			Oid			ntypes[6] = {TEXTOID, TEXTOID, TEXTOID, FLOAT8OID, FLOAT8OID, TEXTOID};
			Datum		nargs[6];
			char		nnulls[6] = {' ', ' ', ' ', ' ', ' ', ' '};

			nargs[0] = CStringGetTextDatum(ig_alert_action_name(step.action));
			nargs[1] = CStringGetTextDatum(metric);
			nargs[2] = CStringGetTextDatum(level_name);
			nargs[3] = Float8GetDatum(v);
			nnulls[3] = has_v ? ' ' : 'n';
			nargs[4] = Float8GetDatum(step.peak_value);
			nnulls[4] = step.has_peak ? ' ' : 'n';
			nargs[5] = CStringGetTextDatum(message);
			if (SPI_execute_with_args("SELECT pg_catalog.pg_notify('infraguard_alerts', "
									  "pg_catalog.json_build_object('event', $1, 'alert_id', NULL, 'metric', $2, "
									  "'level', $3, 'value', $4, 'peak_value', $5, 'message', $6, "
									  "'stored', false, 'at', pg_catalog.now())::text)",
									  6, ntypes, nargs, nnulls, false, 0) != SPI_OK_SELECT)
				elog(ERROR, "could not send an alert with NOTIFY");
		}
	}
}

/* Log a part of the cycle failing (once per distinct error) or working again. */
static void
report_outcome(FailureReport *r, const char *error)
{
	if (error == NULL)
	{
		if (r->last_error != NULL)
		{
			ereport(LOG,
					(errmsg("infraguard worker can %s again, after %d failed snapshots",
							r->what, r->failures)));
			pfree(r->last_error);
			r->last_error = NULL;
		}
		r->failures = 0;
		return;
	}
	r->failures++;
	if (r->last_error == NULL || strcmp(r->last_error, error) != 0)
	{
		ereport(WARNING,
				(errmsg("infraguard worker could not %s: %s", r->what, error),
				 errdetail("%s", r->meanwhile),
				 errhint("This is logged once while the error stays the same; the worker logs again when it can %s.",
						 r->what)));
		if (r->last_error != NULL)
			pfree(r->last_error);
		r->last_error = MemoryContextStrdup(TopMemoryContext, error);
	}
	else
		ereport(DEBUG1,
				(errmsg("infraguard worker still cannot %s (%d snapshots): %s",
						r->what, r->failures, error)));
}

/*
 * The other watched databases (infraguard.databases), read by collectors
 * (src/collector.c) with the queries of infraguard_internal.collector_queries().
 * Returns their findings as a JSON object {"db": {"kind": json}}, or NULL
 * when there is no other database or none could be read.  A database that
 * does not accept connections is logged once, when it is first seen so.
 */
static char *
collect_other_databases(void)
{
	IgCollectTarget *targets;
	IgCollectQuery *queries;
	int			ntargets;
	int			nqueries;
	uint64		i;
	StringInfoData refused;

	if (SPI_execute("SELECT database_name, database_oid, watched, reason "
					"FROM infraguard.watched_databases() "
					"WHERE database_name <> current_database() AND reason LIKE 'does not accept%' "
					"   OR (watched AND database_name <> current_database())",
					true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not list the databases to read");
	targets = palloc0(sizeof(IgCollectTarget) * Max(SPI_processed, 1));
	ntargets = 0;
	initStringInfo(&refused);
	for (i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		char	   *name = SPI_getvalue(tup, desc, 1);
		bool		isnull;
		bool		watched = DatumGetBool(SPI_getbinval(tup, desc, 3, &isnull));

		if (!watched)
		{
			/* "name\n" entries: logged once, until it accepts them again */
			char	   *entry = psprintf("%s\n", name);

			appendStringInfoString(&refused, entry);
			if (refused_databases == NULL || strstr(refused_databases, entry) == NULL)
				ereport(LOG,
						(errmsg("infraguard worker skips database \"%s\": it does not accept connections (datallowconn = false)",
								name),
						 errdetail("It is read again once it accepts connections; this is logged once.")));
			continue;
		}
		targets[ntargets].dboid = DatumGetObjectId(SPI_getbinval(tup, desc, 2, &isnull));
		strlcpy(targets[ntargets].name, name, NAMEDATALEN);
		ntargets++;
	}
	if (refused_databases != NULL)
		pfree(refused_databases);
	refused_databases = MemoryContextStrdup(TopMemoryContext, refused.data);
	if (ntargets == 0)
		return NULL;

	if (SPI_execute("SELECT kind, query FROM infraguard_internal.collector_queries()", true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read the collectors' queries");
	nqueries = (int) SPI_processed;
	queries = palloc0(sizeof(IgCollectQuery) * Max(nqueries, 1));
	for (i = 0; i < SPI_processed; i++)
	{
		queries[i].kind = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1);
		queries[i].query = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2);
		if (queries[i].kind == NULL || queries[i].query == NULL)
			elog(ERROR, "infraguard_internal.collector_queries() returned a NULL");
	}
	return ig_collect_databases(targets, ntargets, queries, nqueries);
}

/*
 * On a primary: the snapshot cycle, with its failures reported once and
 * the alerts evaluated in memory when they cannot be stored.  collected:
 * the other databases' findings (collect_other_databases()), stored before
 * the snapshot so that its alerts judge them, and recorded in its history.
 */
static void
primary_cycle(const char *collected, double collect_ms)
{
	char	   *history_error;
	char	   *alerts_error;
	char	   *readings;
	Datum		snapshot_id;
	bool		no_snapshot;
	Oid			argtypes[3] = {INT8OID, JSONBOID, FLOAT8OID};
	Datum		args[3];
	char		nulls[3] = {' ', ' ', ' '};

	if (collected != NULL)
	{
		/* parsed once, for both calls (a few MB with thousands of tables) */
		args[1] = DirectFunctionCall1(jsonb_in, CStringGetDatum(collected));
		if (SPI_execute_with_args("SELECT infraguard_internal.store_database_findings($1)",
								  1, &argtypes[1], &args[1], &nulls[1], false, 0) != SPI_OK_SELECT)
			elog(ERROR, "could not store the other databases' findings");
	}
	else if (SPI_execute("SELECT infraguard_internal.store_database_findings(NULL)", false, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not store the other databases' findings");

	if (SPI_execute("SELECT history_error, alerts_error, readings::text, snapshot_id "
					"FROM infraguard_internal.snapshot_cycle('worker')", false, 1) != SPI_OK_SELECT ||
		SPI_processed != 1)
		elog(ERROR, "could not run the snapshot cycle");
	history_error = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
	alerts_error = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2);
	readings = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 3);
	snapshot_id = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 4, &no_snapshot);

	/* the other databases' tables and indexes, in the same snapshot */
	if (collected != NULL && !no_snapshot)
	{
		args[0] = snapshot_id;
		args[2] = Float8GetDatum(collect_ms);
		if (SPI_execute_with_args("SELECT error FROM infraguard_internal.record_database_history($1, $2, $3)",
								  3, argtypes, args, nulls, false, 1) != SPI_OK_SELECT ||
			SPI_processed != 1)
			elog(ERROR, "could not record the other databases' history");
		if (history_error == NULL)
			history_error = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
	}

	report_outcome(&history_report, history_error);
	report_outcome(&alerts_report, alerts_error);
	if (alerts_error != NULL)
		evaluate_in_memory(readings, false);
	else
		n_mem_alerts = 0;		/* the tables hold the state again */
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
	 * so a DBA's DDL on one table (ALTER TABLE) never waits long for the
	 * worker: the worker gives up, the cycle is logged as failed and the
	 * next one retries.  That alone does not keep DROP EXTENSION, which
	 * locks many objects, out of a deadlock: the lock of the extension
	 * itself does (lock_extension()).
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
	 * we arm it ourselves, below, for the whole snapshot.
	 */
	if (extension_present())
	{
		/* a snapshot taken after the extension's lock, for what follows */
		PopActiveSnapshot();
		PushActiveSnapshot(GetTransactionSnapshot());
		if (RecoveryInProgress())
		{
			enable_timeout_after(STATEMENT_TIMEOUT, timeout_s * 1000);
			evaluate_in_memory(NULL, true);
		}
		else
		{
			char	   *collected = NULL;
			TimestampTz started = GetCurrentTimestamp();

			/*
			 * The other databases first, before the timeout is armed: each
			 * is bounded by infraguard.database_timeout on its own (in the
			 * collector, and here by a deadline), so that their number does
			 * not eat the snapshot's time.
			 */
			if (infraguard_databases != NULL && infraguard_databases[0] != '\0')
				collected = collect_other_databases();
			enable_timeout_after(STATEMENT_TIMEOUT, timeout_s * 1000);
			primary_cycle(collected,
						  (double) TimestampDifferenceMilliseconds(started, GetCurrentTimestamp()));
		}
		did_work = true;
	}
	else if (extension_busy)
		did_work = true;		/* not a failure: no backoff, retry next interval */

	/*
	 * A timeout that fires after the work but before this point must not
	 * surface as a cancel at the next CHECK_FOR_INTERRUPTS() of the main
	 * loop, outside PG_TRY, where an ERROR would end the worker: forget it
	 * (the autovacuum launcher's rule).
	 */
	disable_all_timeouts(false);
	QueryCancelPending = false;
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
	ig_in_worker = true;

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
			disable_all_timeouts(false);
			QueryCancelPending = false;	/* a late timeout is not a new error */
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
