/*-------------------------------------------------------------------------
 *
 * diag_disk.c
 *	  disk_usage(): capacity of the file systems PostgreSQL writes to.
 *
 * One row for the data directory, one for the WAL directory (pg_wal, which
 * statvfs() follows when it is a symlink to another file system), and one
 * per tablespace (the targets of the pg_tblspc symlinks).  The df-compatible
 * arithmetic lives in src/core/ig_diskmath.c.
 *
 * Copyright (c) 2026, infraguard developers
 *
 * IDENTIFICATION
 *	  src/diag_disk.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <sys/statvfs.h>
#include <unistd.h>

#include "catalog/pg_authid.h"
#include "catalog/pg_tablespace.h"
#include "commands/tablespace.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "storage/fd.h"
#include "utils/acl.h"
#include "utils/builtins.h"

#include "ig_diskmath.h"

/*
 * Append one row.  A file system that cannot be examined still gets a row,
 * with NULL numbers, and a WARNING saying why: a DBA must not mistake a
 * missing tablespace for a healthy one.
 */
#define DISK_USAGE_COLS	10

static void
add_row(ReturnSetInfo *rsinfo, const char *kind, const char *name,
		const char *path, bool show_path)
{
	struct statvfs st;
	IgDiskUsage usage;
	IgStatus	status = IG_ENODATA;
	Datum		values[DISK_USAGE_COLS];
	bool		nulls[DISK_USAGE_COLS] = {0};
	int			i = 0;

	if (statvfs(path, &st) != 0)
		ereport(WARNING,
				(errcode_for_file_access(),
				 errmsg("could not get file system statistics for \"%s\": %m", path)));
	else
		status = ig_disk_usage(st.f_blocks, st.f_bfree, st.f_bavail,
							   st.f_frsize ? st.f_frsize : st.f_bsize, &usage);

	values[i++] = CStringGetTextDatum(kind);
	values[i++] = CStringGetTextDatum(name);
	if (show_path)
		values[i++] = CStringGetTextDatum(path);
	else
		nulls[i++] = true;
	if (status == IG_OK)
	{
		values[i++] = Int64GetDatum((int64) usage.total_bytes);
		values[i++] = Int64GetDatum((int64) usage.used_bytes);
		values[i++] = Int64GetDatum((int64) usage.free_bytes);
		values[i++] = Float8GetDatum(usage.used_pct);
		values[i++] = DirectFunctionCall1(pg_size_pretty, Int64GetDatum((int64) usage.total_bytes));
		values[i++] = DirectFunctionCall1(pg_size_pretty, Int64GetDatum((int64) usage.used_bytes));
		values[i++] = DirectFunctionCall1(pg_size_pretty, Int64GetDatum((int64) usage.free_bytes));
	}
	else
	{
		/* the numbers and sizes */
		while (i < DISK_USAGE_COLS)
			nulls[i++] = true;
	}
	Assert(i == DISK_USAGE_COLS);
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
}

/*
 * infraguard.disk_usage()
 *	  → kind, name, path, total_bytes, used_bytes, free_bytes, used_pct,
 *		total_size, used_size, free_size
 *
 * Paths reveal the server's layout, so they are shown to superusers and
 * members of pg_read_all_settings only (the roles that may read
 * data_directory); others get the numbers with path NULL.
 */
PG_FUNCTION_INFO_V1(infraguard_disk_usage);

Datum
infraguard_disk_usage(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	bool		show_path = has_privs_of_role(GetUserId(), ROLE_PG_READ_ALL_SETTINGS);
	char		wal_path[MAXPGPATH];
	DIR		   *dir;
	struct dirent *de;

	InitMaterializedSRF(fcinfo, 0);

	add_row(rsinfo, "data", "data_directory", DataDir, show_path);
	snprintf(wal_path, sizeof(wal_path), "%s/pg_wal", DataDir);
	add_row(rsinfo, "wal", "pg_wal", wal_path, show_path);

	/* tablespaces other than pg_default and pg_global live in pg_tblspc */
	dir = AllocateDir("pg_tblspc");
	while ((de = ReadDir(dir, "pg_tblspc")) != NULL)
	{
		char		link[MAXPGPATH];
		char		target[MAXPGPATH];
		ssize_t		len;
		Oid			spcoid;
		char	   *spcname;

		if (strspn(de->d_name, "0123456789") != strlen(de->d_name))
			continue;
		spcoid = atooid(de->d_name);
		spcname = get_tablespace_name(spcoid);
		if (spcname == NULL)
			continue;			/* being dropped */
		snprintf(link, sizeof(link), "pg_tblspc/%s", de->d_name);
		len = readlink(link, target, sizeof(target) - 1);
		if (len < 0)
		{
			/* in-place tablespaces (allow_in_place_tablespaces) are directories */
			snprintf(target, sizeof(target), "%s/%s", DataDir, link);
		}
		else
			target[len] = '\0';
		add_row(rsinfo, "tablespace", spcname, target, show_path);
	}
	FreeDir(dir);

	return (Datum) 0;
}
