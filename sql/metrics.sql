--
-- current_metrics(): every metric, measured now.
--
-- current_metrics() reports every metric, with or without a threshold
SELECT metric, unit FROM infraguard.current_metrics() ORDER BY metric;
