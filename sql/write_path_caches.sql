-- What each backend keeps between calls, and that it never gives a stale
-- answer.  One session runs every statement, so the caches of writer.c and
-- ingest.c live across all of them:
--   - bot registrations (strategy, signal rules), dropped when a
--     registration changes, by register_bot or by plain SQL;
--   - the TIDs of the rows every round updates (session, roll-ups, series
--     state), checked before use: a version someone else wrote, a rolled
--     back one, a rewritten table all send the call back to the index.
-- Game: aviator/dafabet (RTP 0.97, USD, 2 decimals).  Every round bets 1.00
-- cashing out at 1.50: a win is +0.50, a loss -1.00.
SET timezone = 'UTC';
SET extra_float_digits = 0;
SET datestyle = 'ISO, YMD';
CREATE EXTENSION crash_analytics;

CREATE FUNCTION pg_temp.round(n int, crash numeric) RETURNS bigint
LANGUAGE sql AS $$
  SELECT crash_analytics.log_crash_round('wc', 's1', 'aviator', 'dafabet', n, 1.00, crash, 1.50,
    round_started_at => timestamptz '2026-05-01 10:00:00+00' + n * interval '10 seconds')
$$;
CREATE FUNCTION pg_temp.figures() RETURNS TABLE(rounds bigint, profit numeric, session_rounds bigint,
  session_profit numeric, hourly_rounds bigint, series_last bigint)
LANGUAGE sql AS $$
  SELECT b.rounds, b.total_profit, s.rounds_played, s.total_profit,
         (SELECT sum(h.rounds) FROM crash_analytics.bot_hourly_rollups h WHERE h.bot_id = 'wc')::bigint,
         (SELECT m.round_number FROM crash_analytics.analytics_round_multipliers m
           WHERE m.id = st.last_multiplier_id)
    FROM crash_analytics.bot_rollups b
    JOIN crash_analytics.session_logs s ON s.bot_id = b.bot_id
    JOIN crash_analytics.bot_series_state st ON st.bot_id = b.bot_id
   WHERE b.bot_id = 'wc'
$$;

-- ======================================================================
-- 1. Bot registrations: strategy and rules as they are now
-- ======================================================================
-- rule: one round under 1.50 emits a signal (target 2.00) for the next
SELECT crash_analytics.register_bot('wc', strategy_name => 'first',
  signal_rules => '[{"rule": "low_streak", "length": 1, "below": 1.50, "target": 2.00}]') > 0 AS registered;
SELECT pg_temp.round(1, 1.20) > 0 AS logged;   -- loss, emits a signal
SELECT pg_temp.round(2, 3.00) > 0 AS logged;   -- win: the signal hits
-- register_bot changes the strategy and the rule (under 1.10 now)
SELECT crash_analytics.register_bot('wc', strategy_name => 'second',
  signal_rules => '[{"rule": "low_streak", "length": 1, "below": 1.10, "target": 2.00}]') > 0 AS updated;
SELECT pg_temp.round(3, 1.20) > 0 AS logged;   -- under 1.50, not under 1.10: no signal
-- plain SQL changes them again (the table's trigger tells the cache)
UPDATE crash_analytics.bot_vm_registration
   SET strategy_name = 'third', signal_rules = '[{"rule": "high_after", "above": 1.01, "target": 5.00}]'
 WHERE bot_id = 'wc';
SELECT pg_temp.round(4, 1.20) > 0 AS logged;   -- a round at 1.01x or more: a signal
-- a change rolled back is forgotten too
BEGIN;
UPDATE crash_analytics.bot_vm_registration SET strategy_name = 'rolled back' WHERE bot_id = 'wc';
ROLLBACK;
SELECT pg_temp.round(5, 1.00) > 0 AS logged;   -- instant crash: round 4's signal misses; 1.00 < 1.01 emits none
-- expected: rounds 1-2 'first', 3 'second', 4-5 'third'; signals after rounds
-- 1 (hit: 3.00 >= 2.00) and 4 (miss: 1.00 < 5.00), none after 3 (1.20 is not under 1.10)
SELECT round_number, strategy_name FROM crash_analytics.crash_game_rounds WHERE bot_id = 'wc' ORDER BY 1;
SELECT emitted_after_round, target_multiplier, status FROM crash_analytics.analytics_round_signals
 WHERE bot_id = 'wc' ORDER BY 1;

-- ======================================================================
-- 2. Roll-up rows: another writer's version, a rolled-back one, a rewrite
-- ======================================================================
-- after 5 rounds (wins: round 2; losses: 1, 3, 4, 5): profit 0.50 - 4 = -3.50
SELECT * FROM pg_temp.figures();
-- an operator writes the session and the roll-up by SQL: new versions at new TIDs
UPDATE crash_analytics.session_logs SET metadata = '{"note": "kept"}' WHERE bot_id = 'wc';
UPDATE crash_analytics.bot_series_state SET updated_at = updated_at WHERE bot_id = 'wc';
UPDATE crash_analytics.bot_rollups SET updated_at = updated_at WHERE bot_id = 'wc';
SELECT pg_temp.round(6, 2.00) > 0 AS logged;   -- win: 6 rounds, -3.00
-- the operator's metadata is still there: the round updated the current version
SELECT metadata FROM crash_analytics.session_logs WHERE bot_id = 'wc';
-- a round rolled back leaves versions nobody may read
BEGIN;
SELECT pg_temp.round(7, 5.00) > 0 AS logged;
ROLLBACK;
SELECT pg_temp.round(7, 1.00) > 0 AS logged;   -- the same round again, a loss this time: 7 rounds, -4.00
-- rewritten tables: every TID remembered is now meaningless
VACUUM FULL crash_analytics.session_logs;
CLUSTER crash_analytics.bot_rollups USING bot_rollups_pkey;
VACUUM FULL crash_analytics.bot_hourly_rollups, crash_analytics.bot_series_state;
SELECT pg_temp.round(8, 1.60) > 0 AS logged;   -- win: 8 rounds, -3.50
-- the roll-up row deleted and rebuilt by the maintenance functions
SELECT crash_analytics.rebuild_rollups('wc') IS NOT NULL AS rebuilt;
SELECT pg_temp.round(9, 1.49) > 0 AS logged;   -- loss: 9 rounds, -4.50
-- expected: 9 rounds and -4.50 in every roll-up; the series' last round is 9
SELECT * FROM pg_temp.figures();
SELECT check_name, differences FROM crash_analytics.verify_consistency() WHERE NOT ok;

-- ======================================================================
-- 3. A remembered row whose block a VACUUM cut off the end of the table
-- ======================================================================
-- The block of a remembered TID is checked against the table's size as
-- this backend last saw it; a truncation must make it look again.  Filler
-- roll-up rows take the first blocks; a round of a new bot, rolled back,
-- leaves its roll-up row remembered in the last block; the fillers go and a
-- VACUUM truncates the table; the bot's next round must find no row there
-- (the remembered block is past the end) and insert one.
ALTER TABLE crash_analytics.bot_rollups SET (autovacuum_enabled = off);
INSERT INTO crash_analytics.bot_rollups (bot_id) SELECT 'filler_' || g FROM generate_series(1, 400) g;
CREATE FUNCTION pg_temp.vt(n int) RETURNS bigint
LANGUAGE sql AS $$
  SELECT crash_analytics.log_crash_round('vt', 's1', 'aviator', 'dafabet', n, 1.00, 2.00, 1.50,
    round_started_at => timestamptz '2026-05-02 10:00:00+00' + n * interval '10 seconds')
$$;
BEGIN;
SELECT pg_temp.vt(1) > 0 AS logged;
SELECT (ctid::text::point)[0] > 0 AS past_the_first_block,
       (ctid::text::point)[0] + 1 = pg_relation_size('crash_analytics.bot_rollups') / 8192 AS in_the_last_block
  FROM crash_analytics.bot_rollups WHERE bot_id = 'vt';
ROLLBACK;
SELECT pg_relation_size('crash_analytics.bot_rollups') / 8192 AS blocks_before \gset
DELETE FROM crash_analytics.bot_rollups WHERE bot_id LIKE 'filler\_%';
VACUUM crash_analytics.bot_rollups;
SELECT pg_relation_size('crash_analytics.bot_rollups') / 8192 < :blocks_before AS truncated;
SELECT pg_temp.vt(1) > 0 AS logged;
SELECT pg_temp.vt(2) > 0 AS logged;
-- expected: 2 rounds, 2 wins of +0.50
SELECT rounds, wins, total_profit FROM crash_analytics.bot_rollups WHERE bot_id = 'vt';
ALTER TABLE crash_analytics.bot_rollups RESET (autovacuum_enabled);
SELECT check_name, differences FROM crash_analytics.verify_consistency() WHERE NOT ok;

DROP EXTENSION crash_analytics;
DROP SCHEMA crash_analytics;
