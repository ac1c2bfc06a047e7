/*-------------------------------------------------------------------------
 *
 * ig_logclass.c
 *	  Classification of server log messages into events (see ig_logclass.h).
 *
 * The format strings are PostgreSQL's msgids, untranslated, as 15 to 18
 * write them; a message whose wording changes in a later major version
 * stops being counted rather than being miscounted, and check_logclass.c
 * lists every string relied on.
 *
 * IDENTIFICATION
 *	  src/core/ig_logclass.c
 *
 *-------------------------------------------------------------------------
 */
#include "ig_logclass.h"

#include <string.h>

static const char *const kind_names[IG_LOG_NKINDS] = {
	[IG_LOG_NONE] = "none",
	[IG_LOG_DEADLOCK] = "deadlock",
	[IG_LOG_LOCK_WAIT] = "lock_wait",
	[IG_LOG_TEMP_FILE] = "temp_file",
	[IG_LOG_CHECKPOINT] = "checkpoint",
	[IG_LOG_AUTOVACUUM] = "autovacuum",
	[IG_LOG_AUTOANALYZE] = "autoanalyze",
	[IG_LOG_STATEMENT_TIMEOUT] = "statement_timeout",
	[IG_LOG_LOCK_TIMEOUT] = "lock_timeout",
	[IG_LOG_SESSION_TIMEOUT] = "session_timeout",
	[IG_LOG_RECOVERY_CONFLICT] = "recovery_conflict",
	[IG_LOG_DISK_FULL] = "disk_full",
	[IG_LOG_OUT_OF_MEMORY] = "out_of_memory",
	[IG_LOG_TOO_MANY_CONNECTIONS] = "too_many_connections",
	[IG_LOG_AUTH_FAILURE] = "auth_failure",
};

static bool
starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static IgLogKind
classify_log(const char *id, bool autovacuum_worker, bool analyze_prefix)
{
	/* one character decides which compare, if any, is worth making */
	switch (id[0])
	{
		case 'p':
			/* proc.c, log_lock_waits; not "acquired", "avoided", "detected" */
			if (starts_with(id, "process %d still waiting for "))
				return IG_LOG_LOCK_WAIT;
			break;
		case 't':
			/* fd.c ReportTemporaryFileUsage */
			if (starts_with(id, "temporary file: path "))
				return IG_LOG_TEMP_FILE;
			break;
		case 'c':
			/* xlog.c LogCheckpointEnd: one line per completed checkpoint */
			if (starts_with(id, "checkpoint complete: "))
				return IG_LOG_CHECKPOINT;
			break;
		case 'r':
			/* the same on a standby */
			if (starts_with(id, "restartpoint complete: "))
				return IG_LOG_CHECKPOINT;
			break;
		case '%':
			/*
			 * vacuumlazy.c and analyze.c build their report in a buffer and
			 * log it with errmsg_internal("%s"); in an autovacuum worker no
			 * other LOG message is so built.
			 */
			if (autovacuum_worker && strcmp(id, "%s") == 0)
				return analyze_prefix ? IG_LOG_AUTOANALYZE : IG_LOG_AUTOVACUUM;
			break;
		default:
			break;
	}
	return IG_LOG_NONE;
}

static IgLogKind
classify_error(int code, IgLogLevel level, const char *id)
{
	switch (code)
	{
		case IG_SQLSTATE('4', '0', 'P', '0', '1'):
			return IG_LOG_DEADLOCK;
		case IG_SQLSTATE('5', '3', '1', '0', '0'):
			return IG_LOG_DISK_FULL;
		case IG_SQLSTATE('5', '3', '2', '0', '0'):
			return IG_LOG_OUT_OF_MEMORY;
		case IG_SQLSTATE('5', '3', '3', '0', '0'):
			return IG_LOG_TOO_MANY_CONNECTIONS;
		case IG_SQLSTATE('2', '5', 'P', '0', '3'):	/* idle_in_transaction_session_timeout */
		case IG_SQLSTATE('5', '7', 'P', '0', '5'):	/* idle_session_timeout */
		case IG_SQLSTATE('2', '5', 'P', '0', '4'):	/* transaction_timeout (17) */
			return IG_LOG_SESSION_TIMEOUT;
		case IG_SQLSTATE('5', '7', '0', '1', '4'):	/* query_canceled: which cancel? */
			if (id && strcmp(id, "canceling statement due to statement timeout") == 0)
				return IG_LOG_STATEMENT_TIMEOUT;
			return IG_LOG_NONE;
		case IG_SQLSTATE('5', '5', 'P', '0', '3'):	/* lock_not_available */
			if (id && strcmp(id, "canceling statement due to lock timeout") == 0)
				return IG_LOG_LOCK_TIMEOUT;
			return IG_LOG_NONE;
		case IG_SQLSTATE('4', '0', '0', '0', '1'):	/* serialization_failure */
		case IG_SQLSTATE('5', '7', 'P', '0', '4'):	/* database_dropped */
		case IG_SQLSTATE('5', '7', 'P', '0', '1'):	/* admin_shutdown */
			if (id && (strcmp(id, "canceling statement due to conflict with recovery") == 0 ||
					   strcmp(id, "terminating connection due to conflict with recovery") == 0))
				return IG_LOG_RECOVERY_CONFLICT;
			return IG_LOG_NONE;
		default:
			break;
	}
	/* invalid_authorization_specification, invalid_password: a refused login */
	if (level == IG_LEVEL_FATAL && IG_SQLSTATE_CLASS(code) == IG_SQLSTATE_CLASS(IG_SQLSTATE('2', '8', '0', '0', '0')))
		return IG_LOG_AUTH_FAILURE;
	return IG_LOG_NONE;
}

IgLogKind
ig_logclass(int sqlerrcode, IgLogLevel level, const char *message_id,
			bool autovacuum_worker, bool analyze_prefix)
{
	switch (level)
	{
		case IG_LEVEL_LOG:
			if (message_id == NULL)
				return IG_LOG_NONE;
			return classify_log(message_id, autovacuum_worker, analyze_prefix);
		case IG_LEVEL_ERROR:
		case IG_LEVEL_FATAL:
			return classify_error(sqlerrcode, level, message_id);
		default:
			return IG_LOG_NONE;
	}
}

const char *
ig_log_kind_name(IgLogKind kind)
{
	if ((int) kind < 0 || kind >= IG_LOG_NKINDS)
		return NULL;
	return kind_names[kind];
}

IgLogKind
ig_log_kind_from_name(const char *name)
{
	if (name == NULL)
		return IG_LOG_NONE;
	for (int k = 1; k < IG_LOG_NKINDS; k++)
		if (strcmp(name, kind_names[k]) == 0)
			return (IgLogKind) k;
	return IG_LOG_NONE;
}

size_t
ig_log_excerpt(char *dst, size_t dstsize, const char *src)
{
	size_t		n = 0;

	if (dstsize == 0)
		return 0;
	if (src != NULL)
	{
		/* a bounded copy, then line breaks found by the library's fast scan */
		n = strnlen(src, dstsize - 1);
		memcpy(dst, src, n);

		/*
		 * Cut short: do not end inside a UTF-8 sequence (back off over
		 * continuation bytes to before their lead byte).
		 */
		if (src[n] != '\0' && ((unsigned char) src[n] & 0xC0) == 0x80)
		{
			while (n > 0 && ((unsigned char) dst[n - 1] & 0xC0) == 0x80)
				n--;
			if (n > 0 && ((unsigned char) dst[n - 1] & 0xC0) == 0xC0)
				n--;
		}
	}
	dst[n] = '\0';
	for (char *p = dst; (p = strpbrk(p, "\n\r\t")) != NULL; p++)
		*p = ' ';
	return n;
}
