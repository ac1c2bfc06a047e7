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

/*
 * Module load callback.
 */
void
_PG_init(void)
{
	/*
	 * Reserve our GUC prefix even before we define any variable, so that a
	 * typo such as infraguard.snaphot_interval in postgresql.conf is reported
	 * instead of being kept as a silent placeholder.
	 */
	MarkGUCPrefixReserved("infraguard");
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
