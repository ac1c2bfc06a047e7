/*
 * check_logclass.c
 *	  Check suite for src/core/ig_logclass.c: every format string and
 *	  SQLSTATE the classification relies on, and what must not match.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "ig_logclass.h"

#define S(a, b, c, d, e) IG_SQLSTATE(a, b, c, d, e)
#define LOG_OK S('0', '0', '0', '0', '0')

START_TEST(sqlstate_packing)
{
	/* utils/elog.h: MAKE_SQLSTATE('4','0','P','0','1'), computed by hand */
	int			expected = (('4' - '0') & 0x3F) + ((('0' - '0') & 0x3F) << 6) +
		((('P' - '0') & 0x3F) << 12) + ((('0' - '0') & 0x3F) << 18) +
		((('1' - '0') & 0x3F) << 24);

	ck_assert_int_eq(S('4', '0', 'P', '0', '1'), expected);
	ck_assert_int_eq(IG_SQLSTATE_CLASS(S('2', '8', 'P', '0', '1')), IG_SQLSTATE_CLASS(S('2', '8', '0', '0', '0')));
	ck_assert_int_ne(IG_SQLSTATE_CLASS(S('2', '5', 'P', '0', '1')), IG_SQLSTATE_CLASS(S('2', '8', '0', '0', '0')));
}
END_TEST

START_TEST(errors_by_sqlstate)
{
	ck_assert_int_eq(ig_logclass(S('4', '0', 'P', '0', '1'), IG_LEVEL_ERROR, "deadlock detected", false, false), IG_LOG_DEADLOCK);
	ck_assert_int_eq(ig_logclass(S('5', '3', '1', '0', '0'), IG_LEVEL_ERROR, "could not extend file \"%s\": %m", false, false), IG_LOG_DISK_FULL);
	/* a WAL write failing for space is a PANIC */
	ck_assert_int_eq(ig_logclass(S('5', '3', '1', '0', '0'), IG_LEVEL_FATAL, "could not write to file \"%s\": %m", false, false), IG_LOG_DISK_FULL);
	ck_assert_int_eq(ig_logclass(S('5', '3', '2', '0', '0'), IG_LEVEL_ERROR, "out of memory", false, false), IG_LOG_OUT_OF_MEMORY);
	ck_assert_int_eq(ig_logclass(S('5', '3', '3', '0', '0'), IG_LEVEL_FATAL, "sorry, too many clients already", false, false), IG_LOG_TOO_MANY_CONNECTIONS);
	ck_assert_int_eq(ig_logclass(S('5', '3', '3', '0', '0'), IG_LEVEL_FATAL, "too many connections for role \"%s\"", false, false), IG_LOG_TOO_MANY_CONNECTIONS);
	ck_assert_int_eq(ig_logclass(S('2', '5', 'P', '0', '3'), IG_LEVEL_FATAL, "terminating connection due to idle-in-transaction timeout", false, false), IG_LOG_SESSION_TIMEOUT);
	ck_assert_int_eq(ig_logclass(S('5', '7', 'P', '0', '5'), IG_LEVEL_FATAL, "terminating connection due to idle-session timeout", false, false), IG_LOG_SESSION_TIMEOUT);
	/* the message does not matter for these: a NULL one too */
	ck_assert_int_eq(ig_logclass(S('4', '0', 'P', '0', '1'), IG_LEVEL_ERROR, NULL, false, false), IG_LOG_DEADLOCK);
}
END_TEST

START_TEST(cancels_by_message_id)
{
	ck_assert_int_eq(ig_logclass(S('5', '7', '0', '1', '4'), IG_LEVEL_ERROR, "canceling statement due to statement timeout", false, false), IG_LOG_STATEMENT_TIMEOUT);
	/* a user's cancel is not a timeout */
	ck_assert_int_eq(ig_logclass(S('5', '7', '0', '1', '4'), IG_LEVEL_ERROR, "canceling statement due to user request", false, false), IG_LOG_NONE);
	ck_assert_int_eq(ig_logclass(S('5', '7', '0', '1', '4'), IG_LEVEL_ERROR, "canceling autovacuum task", false, false), IG_LOG_NONE);
	ck_assert_int_eq(ig_logclass(S('5', '7', '0', '1', '4'), IG_LEVEL_ERROR, NULL, false, false), IG_LOG_NONE);
	ck_assert_int_eq(ig_logclass(S('5', '5', 'P', '0', '3'), IG_LEVEL_ERROR, "canceling statement due to lock timeout", false, false), IG_LOG_LOCK_TIMEOUT);
	/* NOWAIT is the same SQLSTATE, not a timeout */
	ck_assert_int_eq(ig_logclass(S('5', '5', 'P', '0', '3'), IG_LEVEL_ERROR, "could not obtain lock on row in relation \"%s\"", false, false), IG_LOG_NONE);
	ck_assert_int_eq(ig_logclass(S('4', '0', '0', '0', '1'), IG_LEVEL_ERROR, "canceling statement due to conflict with recovery", false, false), IG_LOG_RECOVERY_CONFLICT);
	ck_assert_int_eq(ig_logclass(S('4', '0', '0', '0', '1'), IG_LEVEL_FATAL, "terminating connection due to conflict with recovery", false, false), IG_LOG_RECOVERY_CONFLICT);
	ck_assert_int_eq(ig_logclass(S('5', '7', 'P', '0', '4'), IG_LEVEL_FATAL, "terminating connection due to conflict with recovery", false, false), IG_LOG_RECOVERY_CONFLICT);
	/* an ordinary serialization failure is not a conflict with recovery */
	ck_assert_int_eq(ig_logclass(S('4', '0', '0', '0', '1'), IG_LEVEL_ERROR, "could not serialize access due to concurrent update", false, false), IG_LOG_NONE);
}
END_TEST

START_TEST(auth_failures)
{
	ck_assert_int_eq(ig_logclass(S('2', '8', 'P', '0', '1'), IG_LEVEL_FATAL, "password authentication failed for user \"%s\"", false, false), IG_LOG_AUTH_FAILURE);
	ck_assert_int_eq(ig_logclass(S('2', '8', '0', '0', '0'), IG_LEVEL_FATAL, "no pg_hba.conf entry for host \"%s\", user \"%s\", database \"%s\", %s", false, false), IG_LOG_AUTH_FAILURE);
	ck_assert_int_eq(ig_logclass(S('2', '8', '0', '0', '0'), IG_LEVEL_FATAL, "role \"%s\" does not exist", false, false), IG_LOG_AUTH_FAILURE);
	/* class 28 below FATAL is not a refused login */
	ck_assert_int_eq(ig_logclass(S('2', '8', '0', '0', '0'), IG_LEVEL_ERROR, "x", false, false), IG_LOG_NONE);
}
END_TEST

START_TEST(log_messages_by_message_id)
{
	ck_assert_int_eq(ig_logclass(LOG_OK, IG_LEVEL_LOG, "process %d still waiting for %s on %s after %ld.%03d ms", false, false), IG_LOG_LOCK_WAIT);
	ck_assert_int_eq(ig_logclass(LOG_OK, IG_LEVEL_LOG, "process %d acquired %s on %s after %ld.%03d ms", false, false), IG_LOG_NONE);
	ck_assert_int_eq(ig_logclass(LOG_OK, IG_LEVEL_LOG, "temporary file: path \"%s\", size %lu", false, false), IG_LOG_TEMP_FILE);
	ck_assert_int_eq(ig_logclass(LOG_OK, IG_LEVEL_LOG, "checkpoint complete: wrote %d buffers (%.1f%%); %d WAL file(s) added, %d removed, %d recycled; write=%ld.%03d s, sync=%ld.%03d s, total=%ld.%03d s; sync files=%d, longest=%ld.%03d s, average=%ld.%03d s; distance=%d kB, estimate=%d kB", false, false), IG_LOG_CHECKPOINT);
	ck_assert_int_eq(ig_logclass(LOG_OK, IG_LEVEL_LOG, "restartpoint complete: wrote %d buffers (%.1f%%); %d WAL file(s) added, %d removed, %d recycled; write=%ld.%03d s, sync=%ld.%03d s, total=%ld.%03d s; sync files=%d, longest=%ld.%03d s, average=%ld.%03d s; distance=%d kB, estimate=%d kB", false, false), IG_LOG_CHECKPOINT);
	ck_assert_int_eq(ig_logclass(LOG_OK, IG_LEVEL_LOG, "checkpoint starting:%s%s%s%s%s%s%s%s", false, false), IG_LOG_NONE);
	ck_assert_int_eq(ig_logclass(LOG_OK, IG_LEVEL_LOG, "%s", true, false), IG_LOG_AUTOVACUUM);
	ck_assert_int_eq(ig_logclass(LOG_OK, IG_LEVEL_LOG, "%s", true, true), IG_LOG_AUTOANALYZE);
	/* "%s" elsewhere is anything */
	ck_assert_int_eq(ig_logclass(LOG_OK, IG_LEVEL_LOG, "%s", false, false), IG_LOG_NONE);
	ck_assert_int_eq(ig_logclass(LOG_OK, IG_LEVEL_LOG, "statement: %s", false, false), IG_LOG_NONE);
	ck_assert_int_eq(ig_logclass(LOG_OK, IG_LEVEL_LOG, "", false, false), IG_LOG_NONE);
	ck_assert_int_eq(ig_logclass(LOG_OK, IG_LEVEL_LOG, NULL, false, false), IG_LOG_NONE);
	/* the right text at the wrong level is not the event */
	ck_assert_int_eq(ig_logclass(LOG_OK, IG_LEVEL_OTHER, "temporary file: path \"%s\", size %lu", false, false), IG_LOG_NONE);
	ck_assert_int_eq(ig_logclass(S('4', '0', 'P', '0', '1'), IG_LEVEL_OTHER, "deadlock detected", false, false), IG_LOG_NONE);
	ck_assert_int_eq(ig_logclass(S('4', '0', 'P', '0', '1'), IG_LEVEL_LOG, "deadlock detected", false, false), IG_LOG_NONE);
}
END_TEST

START_TEST(kind_names)
{
	for (int k = 1; k < IG_LOG_NKINDS; k++)
	{
		const char *name = ig_log_kind_name((IgLogKind) k);

		ck_assert_ptr_nonnull(name);
		ck_assert_int_eq(ig_log_kind_from_name(name), k);
	}
	ck_assert_str_eq(ig_log_kind_name(IG_LOG_NONE), "none");
	ck_assert_ptr_null(ig_log_kind_name(IG_LOG_NKINDS));
	ck_assert_ptr_null(ig_log_kind_name((IgLogKind) -1));
	ck_assert_int_eq(ig_log_kind_from_name("none"), IG_LOG_NONE);
	ck_assert_int_eq(ig_log_kind_from_name("nonsense"), IG_LOG_NONE);
	ck_assert_int_eq(ig_log_kind_from_name(NULL), IG_LOG_NONE);
}
END_TEST

START_TEST(excerpts)
{
	char		buf[16];

	ck_assert_uint_eq(ig_log_excerpt(buf, sizeof(buf), "short"), 5);
	ck_assert_str_eq(buf, "short");
	ck_assert_uint_eq(ig_log_excerpt(buf, sizeof(buf), "a\nb\tc\rd"), 7);
	ck_assert_str_eq(buf, "a b c d");
	ck_assert_uint_eq(ig_log_excerpt(buf, sizeof(buf), "0123456789abcdefghij"), 15);
	ck_assert_str_eq(buf, "0123456789abcde");
	ck_assert_uint_eq(ig_log_excerpt(buf, sizeof(buf), NULL), 0);
	ck_assert_str_eq(buf, "");
	/* "ééééééé" + "é": 2-byte sequences; 15 bytes would split the 8th */
	ck_assert_uint_eq(ig_log_excerpt(buf, sizeof(buf), "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"), 14);
	/* a 3-byte sequence cut after its first continuation byte */
	ck_assert_uint_eq(ig_log_excerpt(buf, sizeof(buf), "0123456789abc\xe2\x82\xac"), 13);
	ck_assert_str_eq(buf, "0123456789abc");
	/* exactly full, the next byte a new character: nothing backed off */
	ck_assert_uint_eq(ig_log_excerpt(buf, sizeof(buf), "0123456789abcd\xc3\xa9"), 14);
	ck_assert_uint_eq(ig_log_excerpt(buf, sizeof(buf), "0123456789abcde\xc3\xa9"), 15);
	ck_assert_uint_eq(ig_log_excerpt(buf, 1, "abc"), 0);
	ck_assert_str_eq(buf, "");
	buf[0] = 'x';
	ck_assert_uint_eq(ig_log_excerpt(buf, 0, "abc"), 0);
	ck_assert_int_eq(buf[0], 'x');
}
END_TEST

int
main(void)
{
	Suite	   *s = suite_create("logclass");
	TCase	   *tc = tcase_create("core");
	SRunner    *sr;
	int			failed;

	tcase_add_test(tc, sqlstate_packing);
	tcase_add_test(tc, errors_by_sqlstate);
	tcase_add_test(tc, cancels_by_message_id);
	tcase_add_test(tc, auth_failures);
	tcase_add_test(tc, log_messages_by_message_id);
	tcase_add_test(tc, kind_names);
	tcase_add_test(tc, excerpts);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
