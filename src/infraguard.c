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

PG_MODULE_MAGIC;

void		_PG_init(void);

bool		infraguard_track_latency = true;
bool		infraguard_track_utility = true;
int			infraguard_max_databases = 64;

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
	/* sizes of shared memory can only be set at server start */
	if (process_shared_preload_libraries_in_progress)
		DefineCustomIntVariable("infraguard.max_databases",
								"Number of databases with latency totals of their own.",
								"Databases beyond this share one entry.",
								&infraguard_max_databases,
								64, 1, 10000,
								PGC_POSTMASTER,
								0,
								NULL, NULL, NULL);

	/*
	 * A typo such as infraguard.track_latncy in postgresql.conf is then
	 * reported instead of being kept as a silent placeholder.
	 */
	MarkGUCPrefixReserved("infraguard");

	if (!process_shared_preload_libraries_in_progress)
		return;

	ig_shmem_install_hooks();
	ig_latency_install_hooks();
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
