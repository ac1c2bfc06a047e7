--
-- Bad input gets a clear error, never a crash or a silent wrong answer.
--
\set VERBOSITY default
\set SHOW_CONTEXT never
SELECT * FROM infraguard.slow_queries(0);
SELECT * FROM infraguard.slow_queries(-5);
SELECT * FROM infraguard.slow_queries(NULL);
SELECT * FROM infraguard.slow_queries(10, 'slowest');
SELECT * FROM infraguard.slow_queries(10, NULL);
SELECT * FROM infraguard.slow_queries(10, '');
SELECT * FROM infraguard.unused_indexes(-1);
SELECT * FROM infraguard.unused_indexes(NULL);
SELECT infraguard.classify(1, 2, 3, 'sideways');
SELECT infraguard.classify(1, 2, 3, NULL);
SELECT infraguard.thresholds_valid(1, 2, 'up');
SELECT * FROM infraguard.latency(NULL);
SELECT * FROM infraguard.latency_histogram(NULL);
-- error codes a client can branch on
\set VERBOSITY sqlstate
SELECT * FROM infraguard.slow_queries(0);
SELECT infraguard.classify(1, 2, 3, 'sideways');
