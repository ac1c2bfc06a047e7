/*-------------------------------------------------------------------------
 *
 * ig_logclass.h
 *	  Which server log messages are events worth counting (issue 15).
 *
 * The glue's emit_log_hook passes each message's SQLSTATE, level and
 * untranslated format string (edata->message_id: the same whatever
 * lc_messages is); ig_logclass() says which kind of event it is, if any.
 * It never looks at the translated text.  It runs for every message the
 * server logs, so it is a few integer compares and, for the few candidate
 * messages, one string compare.
 *
 * IDENTIFICATION
 *	  src/core/ig_logclass.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef INFRAGUARD_IG_LOGCLASS_H
#define INFRAGUARD_IG_LOGCLASS_H

#include <stdbool.h>
#include <stddef.h>

/* PostgreSQL's SQLSTATE packing (utils/elog.h MAKE_SQLSTATE), checked by the glue */
#define IG_SIXBIT(ch) (((ch) - '0') & 0x3F)
#define IG_SQLSTATE(c1, c2, c3, c4, c5) \
	(IG_SIXBIT(c1) + (IG_SIXBIT(c2) << 6) + (IG_SIXBIT(c3) << 12) + \
	 (IG_SIXBIT(c4) << 18) + (IG_SIXBIT(c5) << 24))
/* the class (first two characters) of a packed SQLSTATE */
#define IG_SQLSTATE_CLASS(code) ((code) & ((1 << 12) - 1))

typedef enum IgLogKind
{
	IG_LOG_NONE = 0,			/* not an event */
	IG_LOG_DEADLOCK,			/* 40P01 */
	IG_LOG_LOCK_WAIT,			/* log_lock_waits: "still waiting for" */
	IG_LOG_TEMP_FILE,			/* log_temp_files */
	IG_LOG_CHECKPOINT,			/* log_checkpoints: checkpoint/restartpoint complete */
	IG_LOG_AUTOVACUUM,			/* log_autovacuum_min_duration: a vacuum */
	IG_LOG_AUTOANALYZE,			/* ... an analyze */
	IG_LOG_STATEMENT_TIMEOUT,	/* statement_timeout */
	IG_LOG_LOCK_TIMEOUT,		/* lock_timeout */
	IG_LOG_SESSION_TIMEOUT,		/* idle_in_transaction_session_timeout,
								 * idle_session_timeout, transaction_timeout */
	IG_LOG_RECOVERY_CONFLICT,	/* a standby cancels or terminates for replay */
	IG_LOG_DISK_FULL,			/* 53100 */
	IG_LOG_OUT_OF_MEMORY,		/* 53200 */
	IG_LOG_TOO_MANY_CONNECTIONS,	/* 53300 */
	IG_LOG_AUTH_FAILURE,		/* class 28 at FATAL: a refused login */
	IG_LOG_NKINDS
} IgLogKind;

/* the levels that matter, mapped by the glue from elog.h's */
typedef enum IgLogLevel
{
	IG_LEVEL_OTHER = 0,			/* DEBUG, INFO, NOTICE, WARNING */
	IG_LEVEL_LOG,				/* LOG, LOG_SERVER_ONLY */
	IG_LEVEL_ERROR,				/* ERROR */
	IG_LEVEL_FATAL				/* FATAL, PANIC */
} IgLogLevel;

/*
 * The kind of event a message is.  message_id may be NULL (a message
 * without errmsg()); autovacuum_worker says whether the process is an
 * autovacuum worker, whose outcome reports are built at run time and
 * logged as errmsg_internal("%s"); analyze_prefix, for those, says whether
 * the text starts as the server's own (translated) "automatic analyze"
 * prefix does: the glue compares it with the same translation, so that the
 * decision does not depend on lc_messages either.
 */
extern IgLogKind ig_logclass(int sqlerrcode, IgLogLevel level, const char *message_id,
							 bool autovacuum_worker, bool analyze_prefix);

/* "deadlock", "lock_wait", ...; "none" for IG_LOG_NONE, NULL out of range */
extern const char *ig_log_kind_name(IgLogKind kind);

/* the kind of a name, IG_LOG_NONE if unknown */
extern IgLogKind ig_log_kind_from_name(const char *name);

/*
 * Copy at most dstsize - 1 bytes of src into dst, NUL-terminated, with
 * line breaks and tabs turned into spaces (one line per excerpt), and not
 * cutting a UTF-8 sequence in two.  Returns the length written.  dst of
 * size 0 is left alone; NULL src gives "".
 */
extern size_t ig_log_excerpt(char *dst, size_t dstsize, const char *src);

#endif							/* INFRAGUARD_IG_LOGCLASS_H */
