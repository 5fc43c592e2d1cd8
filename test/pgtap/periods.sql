-- period_figures (what get_game_statistics and get_strategy_performance sum)
-- cuts a period into whole UTC days (daily roll-ups), the other whole UTC
-- hours (hourly roll-ups) and the partial hours at its ends (rounds).  The
-- pieces must cover the period exactly once, whatever the period and
-- whatever the session's time zone: here its sums equal the same sums over
-- the raw rounds, for periods with and without whole days, across a
-- daylight-saving change (2026-03-08 in America/New_York), in time zones
-- whose days and hours are not UTC's.
\set ON_ERROR_STOP 1
\set QUIET 1
\pset format unaligned
\pset tuples_only true
\pset pager off
BEGIN;
CREATE EXTENSION crash_analytics;
SELECT plan(28);

-- two bots, two strategies, a round every 7 minutes from 2026-03-05 to 2026-03-11 (UTC)
SELECT count(*) > 0 FROM (
	SELECT crash_analytics.log_crash_round('per_' || b, 's1', 'aviator', 'dafabet', n, 1.00,
		   1.00 + (n * 37 + b * 11) % 300 / 100.0, CASE b WHEN 1 THEN 1.50 ELSE 2.00 END,
		   strategy_name => CASE b WHEN 1 THEN 'flat_1.50x' ELSE 'flat_2.00x' END,
		   round_started_at => '2026-03-05 00:03:00+00'::timestamptz + n * interval '7 minutes')
	  FROM generate_series(1, 2) b, generate_series(1, 1234) n) x \g /dev/null

-- the sums of period_figures against the same sums over the rounds
CREATE FUNCTION pg_temp.covers(f timestamptz, t timestamptz, what text) RETURNS text LANGUAGE sql AS $$
	SELECT results_eq(
		format($q$SELECT strategy_name::text COLLATE "C", sum(rounds)::bigint, sum(wins)::bigint, sum(total_staked),
						 sum(total_profit), max(best_profit), min(worst_profit)
					FROM crash_analytics.period_figures('aviator', 'dafabet', %L, %L)
				   GROUP BY 1 ORDER BY 1$q$, f, t),
		format($q$SELECT coalesce(strategy_name, '')::text COLLATE "C", count(*), count(*) FILTER (WHERE round_outcome = 'WIN'),
						 sum(stake_value), sum(profit_loss), max(profit_loss), min(profit_loss)
					FROM crash_analytics.crash_game_rounds
				   WHERE game_name = 'aviator' AND platform_code = 'dafabet'
					 AND played_at >= coalesce(%L::timestamptz, '-infinity') AND played_at < coalesce(%L::timestamptz, 'infinity')
				   GROUP BY 1 ORDER BY 1$q$, f, t),
		what || ' (TimeZone ' || current_setting('TimeZone') || ')')
$$;

-- the same periods (given in UTC) in three time zones
CREATE TEMP TABLE periods (f timestamptz, t timestamptz, what text);
INSERT INTO periods VALUES
	(NULL, NULL, 'all time: whole days only'),
	('2026-03-06 00:00+00', '2026-03-09 00:00+00', 'whole UTC days, across the DST change'),
	('2026-03-06 13:20+00', '2026-03-09 02:50+00', 'days, hours and partial hours at both ends, across the DST change'),
	('2026-03-07 04:10+00', '2026-03-07 19:40+00', 'inside one day: hours and partial hours'),
	('2026-03-07 23:30+00', '2026-03-08 00:30+00', 'around one midnight, no whole hour'),
	('2026-03-08 06:00+00', NULL, 'from a whole hour, open end'),
	(NULL, '2026-03-08 07:45+00', 'open start, partial end'),
	('2026-03-10 12:00+00', '2026-03-10 12:06+00', 'a few minutes');
SET LOCAL TimeZone = 'UTC';
SELECT pg_temp.covers(f, t, what) FROM periods;
SET LOCAL TimeZone = 'America/New_York';
SELECT pg_temp.covers(f, t, what) FROM periods;
SET LOCAL TimeZone = 'Asia/Kathmandu';
SELECT pg_temp.covers(f, t, what) FROM periods;

-- the hourly roll-ups read: only the whole hours outside the whole days (the
-- rows of each piece counted by EXPLAIN ANALYZE, with the filtered ones;
-- the tables analyzed and seq scans off, so that the index conditions, not
-- a scan of these small tables, decide).  Expected values by hand: 2 bots, one row per bot and hour.
CREATE FUNCTION pg_temp.rows_read(rel text, f timestamptz, t timestamptz) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
	plan jsonb;
BEGIN
	EXECUTE format('EXPLAIN (ANALYZE, FORMAT JSON) SELECT * FROM crash_analytics.period_figures(%L, %L, %L, %L)',
				   'aviator', 'dafabet', f, t) INTO plan;
	RETURN (SELECT coalesce(sum((n->>'Actual Rows')::bigint + coalesce((n->>'Rows Removed by Filter')::bigint, 0)
								+ coalesce((n->>'Rows Removed by Index Recheck')::bigint, 0)), 0)
			  FROM jsonb_path_query(plan, 'strict $.**') AS n
			 WHERE jsonb_typeof(n) = 'object' AND n->>'Relation Name' = rel);
END
$$;
ANALYZE crash_analytics.bot_hourly_rollups, crash_analytics.bot_daily_rollups, crash_analytics.crash_game_rounds;
SET LOCAL TimeZone = 'UTC';
SET LOCAL enable_seqscan = off;
SELECT is(pg_temp.rows_read('bot_hourly_rollups', '2026-03-06 13:20+00', '2026-03-09 02:50+00'), 24::bigint,
	'a period of 2 whole days: the hourly roll-ups of its 12 other whole hours (14:00-23:00, 00:00-01:00) are read, no more');
SELECT is(pg_temp.rows_read('bot_hourly_rollups', '2026-03-07 04:10+00', '2026-03-07 19:40+00'), 28::bigint,
	'a period inside one day: the hourly roll-ups of its 14 whole hours are read');
SELECT is(pg_temp.rows_read('bot_daily_rollups', '2026-03-06 13:20+00', '2026-03-09 02:50+00'), 4::bigint,
	'a period of 2 whole days: 2 daily roll-ups a bot are read');
RESET enable_seqscan;

-- the daily roll-ups are the sums of the hourly ones
SELECT results_eq(
	$$SELECT bot_id::text COLLATE "C", strategy_name::text COLLATE "C", day_start, rounds, wins, total_staked, total_profit, best_profit, worst_profit
		FROM crash_analytics.bot_daily_rollups ORDER BY 1, 2, 3$$,
	$$SELECT bot_id::text COLLATE "C", strategy_name::text COLLATE "C", pg_catalog.date_trunc('day', hour_start AT TIME ZONE 'UTC') AT TIME ZONE 'UTC',
			 sum(rounds)::bigint, sum(wins)::bigint, sum(total_staked), sum(total_profit), max(best_profit), min(worst_profit)
		FROM crash_analytics.bot_hourly_rollups GROUP BY 1, 2, 3 ORDER BY 1, 2, 3$$,
	'each daily roll-up is the sum of its 24 hourly ones');

SELECT * FROM finish();
ROLLBACK;
