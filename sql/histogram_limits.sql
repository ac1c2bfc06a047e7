--
-- histogram_stats() at the limits of bigint: counts that add up past
-- 9223372036854775807 are refused with 22023 (0.1 wrapped them to a
-- negative number of calls), counts that fit are exact, and an absurd
-- max_ms is refused rather than converted with undefined behaviour.
--
\set VERBOSITY sqlstate
-- two buckets of 2^62 each: 2^63 does not fit (0.1 returned calls = -9223372036854775808)
SELECT * FROM infraguard.histogram_stats(ARRAY[1, 2], ARRAY[4611686018427387904, 4611686018427387904]::bigint[], 1);
-- near 2^64: 0.1 returned calls = -2
SELECT * FROM infraguard.histogram_stats(ARRAY[1, 2], ARRAY[9223372036854775807, 9223372036854775807]::bigint[], 1);
-- the same bucket twice counts twice, and may not overflow either
SELECT * FROM infraguard.histogram_stats(ARRAY[5, 5, 5], ARRAY[9223372036854775807, 9223372036854775807, 9223372036854775807]::bigint[], 1);
-- the older reading is checked the same way
SELECT * FROM infraguard.histogram_stats(ARRAY[1], ARRAY[1]::bigint[], 1,
										  ARRAY[1, 2], ARRAY[9223372036854775807, 1]::bigint[]);
SELECT * FROM infraguard.histogram_stats(ARRAY[1], ARRAY[1]::bigint[], 'NaN');
SELECT * FROM infraguard.histogram_stats(ARRAY[1], ARRAY[1]::bigint[], 'Infinity');
SELECT * FROM infraguard.histogram_stats(ARRAY[1], ARRAY[1]::bigint[], 1e300);
\set VERBOSITY default
-- the largest total that fits is reported exactly
SELECT calls, calls = 9223372036854775807 AS exact, p50_ms > 0 AS p50_positive
  FROM infraguard.histogram_stats(ARRAY[1, 2], ARRAY[9223372036854775806, 1]::bigint[], 1);
-- and an interval between two huge readings is exact too
SELECT calls, reset
  FROM infraguard.histogram_stats(ARRAY[1, 2], ARRAY[9223372036854775806, 1]::bigint[], 1,
								  ARRAY[1, 2], ARRAY[9223372036854775800, 0]::bigint[]);
-- the error's text, once
SELECT * FROM infraguard.histogram_stats(ARRAY[1, 2], ARRAY[9223372036854775807, 9223372036854775807]::bigint[], 1);
SELECT * FROM infraguard.histogram_stats(ARRAY[1], ARRAY[1]::bigint[], 'NaN');
