-- a batch of 8 rounds for several bots (not in bot order), half of them
-- retries from the hot range
\set seed random(1, 2000000000)
SELECT cardinality(crash_analytics.log_crash_rounds(rel.batch(:seed, 8)));
