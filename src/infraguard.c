/*-------------------------------------------------------------------------
 *
 * infraguard.c
 *	  Module entry point: PG_MODULE_MAGIC, _PG_init and version().
 *
 * infraguard is meant to be loaded through shared_preload_libraries, where
 * _PG_init installs what needs the postmaster (shared memory, hooks, the
 * background worker).  Loaded any other way it still serves the diagnostics
 * that need nothing of that.
 *
 * Copyright (c) 2026, infraguard developers
 *
 * IDENTIFICATION
 *	  src/infraguard.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/guc.h"

#include "compat.h"
#include "infraguard.h"

IG_MODULE_MAGIC;

void		_PG_init(void);

bool		infraguard_track_latency = true;
bool		infraguard_track_utility = true;
int			infraguard_max_databases = 64;
bool		infraguard_enabled = true;
char	   *infraguard_database = NULL;
int			infraguard_snapshot_interval = 60;
int			infraguard_alert_log_level = WARNING;
char	   *infraguard_databases = NULL;
int			infraguard_collectors = 1;
int			infraguard_database_timeout = 10000;
int			infraguard_collector_test_delay = 0;
static int	infraguard_retention = 30 * 24 * 60;
static int	infraguard_top_statements = 50;
static int	infraguard_relation_refresh_batch = 500;
static int	infraguard_min_index_observation = 7 * 24 * 60 * 60;
static int	infraguard_forecast_min_history = 6 * 60 * 60;

static const struct config_enum_entry alert_log_level_options[] = {
	{"debug", DEBUG1, false},
	{"info", INFO, false},
	{"notice", NOTICE, false},
	{"log", LOG, false},
	{"warning", WARNING, false},
	{NULL, 0, false}
};

/*
 * Module load callback.
 *
 * Settings are defined however the library is loaded, so that a value set
 * in postgresql.conf is never left as an unchecked placeholder; shared
 * memory and hooks only come with shared_preload_libraries.
 */
void
_PG_init(void)
{
	DefineCustomBoolVariable("infraguard.track_latency",
							 "Times every top-level statement into the latency histograms.",
							 NULL,
							 &infraguard_track_latency,
							 true,
							 PGC_SUSET,
							 0,
							 NULL, NULL, NULL);
	DefineCustomBoolVariable("infraguard.track_utility",
							 "Also times utility statements (DDL, COPY, VACUUM, transaction control ...).",
							 NULL,
							 &infraguard_track_utility,
							 true,
							 PGC_SUSET,
							 0,
							 NULL, NULL, NULL);
	DefineCustomBoolVariable("infraguard.enabled",
							 "Lets the background worker record snapshots and evaluate alerts.",
							 NULL,
							 &infraguard_enabled,
							 true,
							 PGC_SIGHUP,
							 0,
							 NULL, NULL, NULL);
	DefineCustomIntVariable("infraguard.snapshot_interval",
							"Time between two snapshots of the background worker.",
							NULL,
							&infraguard_snapshot_interval,
							60, 1, 24 * 60 * 60,
							PGC_SIGHUP,
							GUC_UNIT_S,
							NULL, NULL, NULL);
	DefineCustomIntVariable("infraguard.retention",
							"How long history is kept.",
							"Older snapshots are pruned in bounded batches; open alerts are never pruned.",
							&infraguard_retention,
							30 * 24 * 60, 60, 100 * 365 * 24 * 60,
							PGC_SIGHUP,
							GUC_UNIT_MIN,
							NULL, NULL, NULL);
	DefineCustomEnumVariable("infraguard.alert_log_level",
							 "Server log level of new and escalated alerts.",
							 "Resolved and lowered alerts are logged at LOG.",
							 &infraguard_alert_log_level,
							 WARNING,
							 alert_log_level_options,
							 PGC_SIGHUP,
							 0,
							 NULL, NULL, NULL);
	DefineCustomIntVariable("infraguard.top_statements",
							"Statements recorded per snapshot (the top ones by execution time in the interval).",
							NULL,
							&infraguard_top_statements,
							50, 0, 10000,
							PGC_SIGHUP,
							0,
							NULL, NULL, NULL);
	DefineCustomIntVariable("infraguard.relation_refresh_batch",
							"Idle tables whose daily history row is refreshed per snapshot, at most.",
							NULL,
							&infraguard_relation_refresh_batch,
							500, 0, 1000000,
							PGC_SIGHUP,
							0,
							NULL, NULL, NULL);
	/* read by the SQL forecasts (capacity_forecast, table_growth, report) */
	DefineCustomIntVariable("infraguard.forecast_min_history",
							"History a growth rate or a date needs, at the least.",
							"A quarter of the window asked about is needed too. Below that, forecasts say how much history there is instead of extrapolating.",
							&infraguard_forecast_min_history,
							6 * 60 * 60, 0, INT_MAX,
							PGC_USERSET,
							GUC_UNIT_S,
							NULL, NULL, NULL);

	/*
	 * Read by unused_indexes() (SQL) only: below this window a zero scan
	 * count proves nothing (a weekly or monthly job may not have run yet),
	 * so no DROP is suggested.  Any user may set it: it changes what is
	 * reported, never what is run.
	 */
	DefineCustomIntVariable("infraguard.min_index_observation",
							"Statistics window unused_indexes() needs before it suggests dropping an index.",
							"Scans counted for a shorter time give a reason instead of a DROP statement; 0 disables the check.",
							&infraguard_min_index_observation,
							7 * 24 * 60 * 60, 0, 3650 * 24 * 60 * 60,
							PGC_USERSET,
							GUC_UNIT_S,
							NULL, NULL, NULL);

	/* the whole server: which databases the worker reads, and how (collector.c) */
	DefineCustomStringVariable("infraguard.databases",
							   "Databases the background worker reads besides its own.",
							   "'*' is every database that accepts connections (templates excluded); a comma-separated list names them; '!name' leaves one out; '' reads only infraguard.database.",
							   &infraguard_databases,
							   "*",
							   PGC_SIGHUP,
							   0,
							   NULL, NULL, NULL);
	DefineCustomIntVariable("infraguard.collectors",
							"Per-database collectors the worker runs at once.",
							"Each takes a max_worker_processes slot while it runs.",
							&infraguard_collectors,
							1, 1, 64,
							PGC_SIGHUP,
							0,
							NULL, NULL, NULL);
	DefineCustomIntVariable("infraguard.database_timeout",
							"Time limit of the worker's reading of one other database.",
							"The collector's statement_timeout; a database that takes longer is skipped in that snapshot.",
							&infraguard_database_timeout,
							10000, 100, 10 * 60 * 1000,
							PGC_SIGHUP,
							GUC_UNIT_MS,
							NULL, NULL, NULL);
	DefineCustomIntVariable("infraguard.collector_test_delay",
							"Keeps each collector connected this long before it reads (for tests only).",
							NULL,
							&infraguard_collector_test_delay,
							0, 0, 10 * 60 * 1000,
							PGC_SIGHUP,
							GUC_UNIT_MS | GUC_NO_SHOW_ALL | GUC_NOT_IN_SAMPLE,
							NULL, NULL, NULL);

	/* shared memory sizes and the worker's database are fixed at start */
	if (process_shared_preload_libraries_in_progress)
	{
		DefineCustomIntVariable("infraguard.max_databases",
								"Number of databases with latency totals of their own.",
								"Databases beyond this share one entry.",
								&infraguard_max_databases,
								64, 1, 10000,
								PGC_POSTMASTER,
								0,
								NULL, NULL, NULL);
		DefineCustomStringVariable("infraguard.database",
								   "Database the background worker connects to.",
								   "The extension must be created in it.",
								   &infraguard_database,
								   "postgres",
								   PGC_POSTMASTER,
								   0,
								   NULL, NULL, NULL);
		ig_log_events_define_gucs();
	}

	ig_wait_sampling_init();

	/*
	 * A typo such as infraguard.track_latncy in postgresql.conf is then
	 * reported instead of being kept as a silent placeholder.
	 */
	MarkGUCPrefixReserved("infraguard");

	if (!process_shared_preload_libraries_in_progress)
		return;

	ig_shmem_install_hooks();
	ig_latency_install_hooks();
	ig_log_events_install_hook();
	/* pg_upgrade's server must not be written to (pg_cron's rule) */
	if (!IsBinaryUpgrade)
		ig_worker_register();
}

/*
 * infraguard.version() returns the version the library was built as; the
 * regression suite compares it with the catalog's extversion.
 */
PG_FUNCTION_INFO_V1(infraguard_version);

Datum
infraguard_version(PG_FUNCTION_ARGS)
{
	PG_RETURN_TEXT_P(cstring_to_text(INFRAGUARD_VERSION));
}
