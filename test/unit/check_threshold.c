/*
 * check_threshold.c
 *	  Check suite for src/core/ig_threshold.c.
 */
#include <check.h>
#include <math.h>
#include <stdlib.h>

#include "ig_threshold.h"

START_TEST(above_levels)
{
	/* storage_used_percent: warning 70, critical 85 */
	ck_assert_int_eq(ig_threshold_classify(10, true, 70, true, 85, true, IG_DIR_ABOVE), IG_LEVEL_OK);
	ck_assert_int_eq(ig_threshold_classify(69.999, true, 70, true, 85, true, IG_DIR_ABOVE), IG_LEVEL_OK);
	ck_assert_int_eq(ig_threshold_classify(70, true, 70, true, 85, true, IG_DIR_ABOVE), IG_LEVEL_WARNING);
	ck_assert_int_eq(ig_threshold_classify(84.9, true, 70, true, 85, true, IG_DIR_ABOVE), IG_LEVEL_WARNING);
	ck_assert_int_eq(ig_threshold_classify(85, true, 70, true, 85, true, IG_DIR_ABOVE), IG_LEVEL_CRITICAL);
	ck_assert_int_eq(ig_threshold_classify(1e300, true, 70, true, 85, true, IG_DIR_ABOVE), IG_LEVEL_CRITICAL);
	ck_assert_int_eq(ig_threshold_classify(-5, true, 70, true, 85, true, IG_DIR_ABOVE), IG_LEVEL_OK);
}
END_TEST

START_TEST(below_levels)
{
	/* cache_hit_ratio: warning 95, critical 90 */
	ck_assert_int_eq(ig_threshold_classify(99, true, 95, true, 90, true, IG_DIR_BELOW), IG_LEVEL_OK);
	ck_assert_int_eq(ig_threshold_classify(95, true, 95, true, 90, true, IG_DIR_BELOW), IG_LEVEL_WARNING);
	ck_assert_int_eq(ig_threshold_classify(91, true, 95, true, 90, true, IG_DIR_BELOW), IG_LEVEL_WARNING);
	ck_assert_int_eq(ig_threshold_classify(90, true, 95, true, 90, true, IG_DIR_BELOW), IG_LEVEL_CRITICAL);
	ck_assert_int_eq(ig_threshold_classify(0, true, 95, true, 90, true, IG_DIR_BELOW), IG_LEVEL_CRITICAL);
}
END_TEST

START_TEST(missing_values_and_thresholds)
{
	ck_assert_int_eq(ig_threshold_classify(50, false, 70, true, 85, true, IG_DIR_ABOVE), IG_LEVEL_UNKNOWN);
	ck_assert_int_eq(ig_threshold_classify(NAN, true, 70, true, 85, true, IG_DIR_ABOVE), IG_LEVEL_UNKNOWN);
	/* only a critical threshold: never a warning */
	ck_assert_int_eq(ig_threshold_classify(80, true, 0, false, 85, true, IG_DIR_ABOVE), IG_LEVEL_OK);
	ck_assert_int_eq(ig_threshold_classify(90, true, 0, false, 85, true, IG_DIR_ABOVE), IG_LEVEL_CRITICAL);
	/* only a warning threshold: never critical */
	ck_assert_int_eq(ig_threshold_classify(1000, true, 70, true, 0, false, IG_DIR_ABOVE), IG_LEVEL_WARNING);
	/* no thresholds at all: a known value is ok */
	ck_assert_int_eq(ig_threshold_classify(1000, true, 0, false, 0, false, IG_DIR_BELOW), IG_LEVEL_OK);
}
END_TEST

START_TEST(equal_thresholds)
{
	/* warning == critical is allowed and goes straight to critical */
	ck_assert(ig_threshold_valid(5, true, 5, true, IG_DIR_ABOVE));
	ck_assert_int_eq(ig_threshold_classify(5, true, 5, true, 5, true, IG_DIR_ABOVE), IG_LEVEL_CRITICAL);
}
END_TEST

START_TEST(validation)
{
	ck_assert(ig_threshold_valid(70, true, 85, true, IG_DIR_ABOVE));
	ck_assert(!ig_threshold_valid(85, true, 70, true, IG_DIR_ABOVE));
	ck_assert(ig_threshold_valid(95, true, 90, true, IG_DIR_BELOW));
	ck_assert(!ig_threshold_valid(90, true, 95, true, IG_DIR_BELOW));
	ck_assert(ig_threshold_valid(0, false, 95, true, IG_DIR_BELOW));
	ck_assert(ig_threshold_valid(0, false, 0, false, IG_DIR_BELOW));
	ck_assert(!ig_threshold_valid(NAN, true, 95, true, IG_DIR_BELOW));
	ck_assert(!ig_threshold_valid(1, true, INFINITY, true, IG_DIR_ABOVE));
	ck_assert(!ig_threshold_valid(0, false, -INFINITY, true, IG_DIR_ABOVE));
}
END_TEST

START_TEST(names_and_parsing)
{
	IgDirection d = IG_DIR_BELOW;

	ck_assert(ig_direction_parse("above", &d));
	ck_assert_int_eq(d, IG_DIR_ABOVE);
	ck_assert(ig_direction_parse("below", &d));
	ck_assert_int_eq(d, IG_DIR_BELOW);
	ck_assert(!ig_direction_parse("ABOVE", &d));
	ck_assert(!ig_direction_parse("", &d));
	ck_assert(!ig_direction_parse(NULL, &d));
	ck_assert_str_eq(ig_level_name(IG_LEVEL_OK), "ok");
	ck_assert_str_eq(ig_level_name(IG_LEVEL_WARNING), "warning");
	ck_assert_str_eq(ig_level_name(IG_LEVEL_CRITICAL), "critical");
	ck_assert_str_eq(ig_level_name(IG_LEVEL_UNKNOWN), "unknown");
	ck_assert_str_eq(ig_level_name((IgLevel) 42), "unknown");
	ck_assert(IG_LEVEL_CRITICAL > IG_LEVEL_WARNING && IG_LEVEL_WARNING > IG_LEVEL_OK);
}
END_TEST

START_TEST(level_parsing)
{
	IgLevel		l = IG_LEVEL_OK;
	IgLevel		all[] = {IG_LEVEL_UNKNOWN, IG_LEVEL_OK, IG_LEVEL_WARNING, IG_LEVEL_CRITICAL};
	size_t		i;

	/* round trip */
	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++)
	{
		ck_assert(ig_level_parse(ig_level_name(all[i]), &l));
		ck_assert_int_eq(l, all[i]);
	}
	l = IG_LEVEL_OK;
	ck_assert(!ig_level_parse("Warning", &l));
	ck_assert(!ig_level_parse("", &l));
	ck_assert(!ig_level_parse(NULL, &l));
	ck_assert_int_eq(l, IG_LEVEL_OK);	/* untouched on failure */
}
END_TEST

int
main(void)
{
	Suite	   *s = suite_create("threshold");
	TCase	   *tc = tcase_create("core");
	SRunner    *sr;
	int			failed;

	tcase_add_test(tc, above_levels);
	tcase_add_test(tc, below_levels);
	tcase_add_test(tc, missing_values_and_thresholds);
	tcase_add_test(tc, equal_thresholds);
	tcase_add_test(tc, validation);
	tcase_add_test(tc, names_and_parsing);
	tcase_add_test(tc, level_parsing);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
