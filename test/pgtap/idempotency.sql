-- Idempotency (PRODUCT.md section 3): the same round sent again, by any path,
-- returns the id it got the first time and changes nothing; the same key
-- with different content fails with 23505 and a detail that names exactly
-- the fields that differ.  "Nothing changes" is checked strictly: every row
-- of every table of the extension, with its ctid, is the same before and
-- after the retry (an UPDATE that rewrote a row with equal values would show
-- as a new ctid).
\set ON_ERROR_STOP 1
\set QUIET 1
\pset format unaligned
\pset tuples_only true
\pset pager off
BEGIN;
CREATE EXTENSION crash_analytics;
SELECT plan(91);

-- ----------------------------------------------------------------------
-- Helpers
-- ----------------------------------------------------------------------

-- every row of every table of the extension, with its physical position
CREATE FUNCTION pg_temp.db_state() RETURNS TABLE (tbl text, tid tid, r text)
LANGUAGE sql AS $$
	SELECT 'game_platform_config', t.ctid, t::text FROM crash_analytics.game_platform_config t
	UNION ALL SELECT 'bot_vm_registration', t.ctid, t::text FROM crash_analytics.bot_vm_registration t
	UNION ALL SELECT 'session_logs', t.ctid, t::text FROM crash_analytics.session_logs t
	UNION ALL SELECT 'crash_game_rounds', t.ctid, t::text FROM crash_analytics.crash_game_rounds t
	UNION ALL SELECT 'analytics_round_multipliers', t.ctid, t::text FROM crash_analytics.analytics_round_multipliers t
	UNION ALL SELECT 'analytics_round_signals', t.ctid, t::text FROM crash_analytics.analytics_round_signals t
	UNION ALL SELECT 'analytics_round_outcomes', t.ctid, t::text FROM crash_analytics.analytics_round_outcomes t
	UNION ALL SELECT 'ocr_validation_logs', t.ctid, t::text FROM crash_analytics.ocr_validation_logs t
	UNION ALL SELECT 'error_logs', t.ctid, t::text FROM crash_analytics.error_logs t
	UNION ALL SELECT 'bot_rollups', t.ctid, t::text FROM crash_analytics.bot_rollups t
	UNION ALL SELECT 'bot_hourly_rollups', t.ctid, t::text FROM crash_analytics.bot_hourly_rollups t
	UNION ALL SELECT 'bot_daily_rollups', t.ctid, t::text FROM crash_analytics.bot_daily_rollups t
$$;
CREATE TEMP TABLE snaps (label text, tbl text, tid tid, r text);

-- "the database is exactly as it was at snapshot <label>"
CREATE FUNCTION pg_temp.unchanged_since(label text, description text) RETURNS text
LANGUAGE sql AS $$
	SELECT set_eq(format('SELECT tbl, tid, r FROM snaps WHERE label = %L', label),
				  'SELECT tbl, tid, r FROM pg_temp.db_state()', description)
$$;

-- the error a statement raises: SQLSTATE, detail, context (NULL when it succeeds)
CREATE FUNCTION pg_temp.error_of(stmt text, OUT state text, OUT detail text, OUT context text)
LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE stmt;
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, detail = PG_EXCEPTION_DETAIL,
							context = PG_EXCEPTION_CONTEXT;
END
$$;

-- the number of rows a statement reports (INSERT/COPY), or its error as text
CREATE FUNCTION pg_temp.affected(stmt text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
	n bigint;
	e record;
BEGIN
	EXECUTE stmt;
	GET DIAGNOSTICS n = ROW_COUNT;
	RETURN n::text;
EXCEPTION WHEN OTHERS THEN
	SELECT * INTO e FROM pg_temp.error_of(stmt);
	RETURN format('ERROR %s: %s (%s)', SQLSTATE, SQLERRM, e.detail);
END
$$;

-- the value a statement returns, as text, or its error
CREATE FUNCTION pg_temp.value_of(stmt text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
	v text;
	e record;
BEGIN
	EXECUTE stmt INTO v;
	RETURN v;
EXCEPTION WHEN OTHERS THEN
	SELECT * INTO e FROM pg_temp.error_of(stmt);
	RETURN format('ERROR %s: %s (%s)', SQLSTATE, SQLERRM, e.detail);
END
$$;

-- roll-ups and session figures recomputed from crash_game_rounds ("counted once")
CREATE FUNCTION pg_temp.rollups_match_rounds(description text) RETURNS SETOF text
LANGUAGE sql AS $$
	SELECT results_eq(
		$q$SELECT b.bot_id, b.rounds, b.bets, b.wins, b.losses, b.skips, b.voids,
				  b.total_staked, b.total_payout, b.total_profit, b.expected_profit
			 FROM crash_analytics.bot_rollups b ORDER BY 1$q$,
		$q$SELECT r.bot_id, count(*), count(*) FILTER (WHERE round_outcome <> 'SKIP'),
				  count(*) FILTER (WHERE round_outcome = 'WIN'), count(*) FILTER (WHERE round_outcome = 'LOSS'),
				  count(*) FILTER (WHERE round_outcome = 'SKIP'), count(*) FILTER (WHERE round_outcome = 'VOID'),
				  sum(stake_value), sum(payout_value), sum(profit_loss), sum(expected_profit)
			 FROM crash_analytics.crash_game_rounds r GROUP BY 1 ORDER BY 1$q$,
		description || ': bot_rollups')
	UNION ALL
	SELECT results_eq(
		$q$SELECT h.bot_id, h.hour_start, sum(h.rounds)::bigint, sum(h.bets)::bigint, sum(h.total_staked), sum(h.total_profit)
			 FROM crash_analytics.bot_hourly_rollups h GROUP BY 1, 2 ORDER BY 1, 2$q$,
		$q$SELECT r.bot_id, date_trunc('hour', r.played_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC',
				  count(*), count(*) FILTER (WHERE round_outcome <> 'SKIP'), sum(stake_value), sum(profit_loss)
			 FROM crash_analytics.crash_game_rounds r GROUP BY 1, 2 ORDER BY 1, 2$q$,
		description || ': bot_hourly_rollups')
	UNION ALL
	SELECT results_eq(
		$q$SELECT s.bot_id, s.session_id, s.rounds_played, s.bets_placed, s.wins, s.losses, s.skips, s.voids,
				  s.total_staked, s.total_payout, s.total_profit
			 FROM crash_analytics.session_logs s WHERE s.rounds_played > 0 ORDER BY 1, 2$q$,
		$q$SELECT r.bot_id, r.session_id, count(*), count(*) FILTER (WHERE round_outcome <> 'SKIP'),
				  count(*) FILTER (WHERE round_outcome = 'WIN'), count(*) FILTER (WHERE round_outcome = 'LOSS'),
				  count(*) FILTER (WHERE round_outcome = 'SKIP'), count(*) FILTER (WHERE round_outcome = 'VOID'),
				  sum(stake_value), sum(payout_value), sum(profit_loss)
			 FROM crash_analytics.crash_game_rounds r GROUP BY 1, 2 ORDER BY 1, 2$q$,
		description || ': session_logs figures')
$$;

SELECT crash_analytics.register_bot('idem', strategy_name => 'flat_1.33x') IS NOT NULL AS registered \gset

-- ----------------------------------------------------------------------
-- 1. log_crash_round
-- ----------------------------------------------------------------------
-- round 1: the seed's quick start with most optional fields
\set q1 'SELECT crash_analytics.log_crash_round(bot_id => ''idem'', session_id => ''sA'', game_name => ''aviator'', platform_code => ''dafabet'', round_number => 1, stake_value => 10.00, crash_multiplier => 1.45, cashout_multiplier => 1.33, round_outcome => ''WIN'', profit_loss => 3.30, running_balance_before => 1000.00, running_balance_after => 1003.30, strategy_name => ''flat_1.33x'', target_multiplier => 1.33, bet_slot => 1, platform_round_id => ''p-1'', round_started_at => ''2026-03-01 12:00:00+00'', round_ended_at => ''2026-03-01 12:00:09.5+00'', ocr_confidence => 0.95, nonce => 7, auto_cashout => true, metadata => ''{"a": 1, "b": [1, 2]}'', tags => ''{x,y}'')'
-- round 2: two bet slots; slot 1 loses at its target (outcome, profit, cash-out derived), slot 2 wins
\set q2a 'SELECT crash_analytics.log_crash_round(bot_id => ''idem'', session_id => ''sA'', game_name => ''aviator'', platform_code => ''dafabet'', round_number => 2, stake_value => 5.00, crash_multiplier => 1.10, target_multiplier => 1.50, round_started_at => ''2026-03-01 12:00:20+00'')'
\set q2b 'SELECT crash_analytics.log_crash_round(bot_id => ''idem'', session_id => ''sA'', game_name => ''aviator'', platform_code => ''dafabet'', round_number => 2, bet_slot => 2, stake_value => 20.00, crash_multiplier => 1.10, cashout_multiplier => 1.05, round_started_at => ''2026-03-01 12:00:20+00'')'
-- round 3: watched, no bet; the third multiplier under 2x: the low_streak rule emits a signal
\set q3 'SELECT crash_analytics.log_crash_round(bot_id => ''idem'', session_id => ''sA'', game_name => ''aviator'', platform_code => ''dafabet'', round_number => 3, stake_value => 0, crash_multiplier => 1.90, round_started_at => ''2026-03-01 12:00:40+00'')'

:q1 AS r1 \gset
:q2a AS r2a \gset
:q2b AS r2b \gset
:q3 AS r3 \gset
INSERT INTO snaps SELECT 'logged', * FROM pg_temp.db_state();

SELECT is((:q1), :r1::bigint, 'log_crash_round: the same round sent again returns the same id');
SELECT is(ARRAY[(:q2a), (:q2b), (:q3)], ARRAY[:r2a, :r2b, :r3]::bigint[],
		  'log_crash_round: every bet slot and the watched round sent again return their ids');
SELECT pg_temp.unchanged_since('logged', 'log_crash_round: the retries changed nothing');
SELECT is((SELECT count(*)::int FROM crash_analytics.crash_game_rounds WHERE bot_id = 'idem'), 4,
		  'one crash_game_rounds row per (round, bet slot)');
SELECT is((SELECT count(*)::int FROM crash_analytics.analytics_round_multipliers WHERE bot_id = 'idem'), 3,
		  'one multiplier row per round, whatever the bet slots and retries');
SELECT is((SELECT count(*)::int FROM crash_analytics.analytics_round_outcomes WHERE bot_id = 'idem'), 3,
		  'one outcome row per bet');
SELECT is((SELECT count(*)::int FROM crash_analytics.analytics_round_signals WHERE bot_id = 'idem'), 1,
		  'one signal: a retried round does not run the signal rules again');
SELECT row_eq($$SELECT rounds, bets, wins, losses, skips, voids, total_staked, total_profit
				FROM crash_analytics.bot_rollups WHERE bot_id = 'idem'$$,
			  ROW(4::bigint, 3::bigint, 2::bigint, 1::bigint, 1::bigint, 0::bigint, 35.00::numeric, -0.70::numeric),
			  'bot_rollups counted every round once');
SELECT row_eq($$SELECT sum(rounds)::bigint, sum(bets)::bigint, sum(total_staked), sum(total_profit)
				FROM crash_analytics.bot_hourly_rollups WHERE bot_id = 'idem'$$,
			  ROW(4::bigint, 3::bigint, 35.00::numeric, -0.70::numeric),
			  'bot_hourly_rollups counted every round once');
SELECT row_eq($$SELECT rounds_played, bets_placed, wins, losses, skips, total_staked, total_profit, balance_current
				FROM crash_analytics.session_logs WHERE bot_id = 'idem' AND session_id = 'sA'$$,
			  ROW(4::bigint, 3::bigint, 2::bigint, 1::bigint, 1::bigint, 35.00::numeric, -0.70::numeric, 999.30::numeric),
			  'session_logs figures counted every round once');

-- a retry that sends less than the first call: only what it sends is compared
SELECT is(crash_analytics.log_crash_round(bot_id => 'idem', session_id => 'sA', game_name => 'aviator',
		  platform_code => 'dafabet', round_number => 2, stake_value => 5.00, crash_multiplier => 1.10,
		  target_multiplier => 1.50), :r2a::bigint,
		  'a retry without the timestamps it sent the first time returns the id');
SELECT is(crash_analytics.log_crash_round(bot_id => 'idem', session_id => 'sA', game_name => 'aviator',
		  platform_code => 'dafabet', round_number => 1, stake_value => 10.00, crash_multiplier => 1.45,
		  cashout_multiplier => 1.33), :r1::bigint,
		  'a retry with only the seed''s core fields returns the id');
-- a retry may send a value the first call left to derivation, if it is the derived value
SELECT is(crash_analytics.log_crash_round(bot_id => 'idem', session_id => 'sA', game_name => 'aviator',
		  platform_code => 'dafabet', round_number => 2, stake_value => 5.00, crash_multiplier => 1.10,
		  target_multiplier => 1.50, round_outcome => 'LOSS', profit_loss => -5.00,
		  running_balance_before => 1003.30, running_balance_after => 998.30,
		  round_started_at => '2026-03-01 12:00:20+00', strategy_name => 'flat_1.33x'), :r2a::bigint,
		  'a retry that sends the derived outcome, profit, balances and strategy returns the id');

-- numerically equal values are the same content
SELECT is(crash_analytics.log_crash_round(bot_id => 'idem', session_id => 'sA', game_name => 'aviator',
		  platform_code => 'dafabet', round_number => 1, stake_value => 10, crash_multiplier => 1.450,
		  cashout_multiplier => 1.3300, round_outcome => 'WIN', profit_loss => 3.3,
		  running_balance_before => 1000, running_balance_after => 1003.300, target_multiplier => 1.33,
		  ocr_confidence => 0.950, nonce => 7, bet_slot => 1), :r1::bigint,
		  '2.5 and 2.50 are the same content (stake 10 = 10.00, crash 1.450 = 1.45, profit 3.3 = 3.30, ...)');
SELECT is(crash_analytics.log_crash_round(bot_id => 'idem', session_id => 'sA', game_name => 'aviator',
		  platform_code => 'dafabet', round_number => 1, stake_value => 10.00, crash_multiplier => 1.45,
		  cashout_multiplier => 1.33, round_outcome => 'win'), :r1::bigint,
		  '''win'' and ''WIN'' are the same content');
SELECT is(crash_analytics.log_crash_round(bot_id => 'idem', session_id => 'sA', game_name => 'Aviator',
		  platform_code => 'DafaBet', round_number => 1, stake_value => 10.00, crash_multiplier => 1.45,
		  cashout_multiplier => 1.33), :r1::bigint,
		  '''Aviator'' and ''aviator'' (and ''DafaBet'' and ''dafabet'') are the same content');
SELECT is(crash_analytics.log_crash_round(bot_id => 'idem', session_id => 'sA', game_name => 'aviator',
		  platform_code => 'dafabet', round_number => 1, stake_value => 10.00, crash_multiplier => 1.45,
		  round_started_at => '2026-03-01 14:00:00+02', round_ended_at => '2026-03-01 07:00:09.500-05',
		  metadata => '{"b": [1, 2],   "a": 1}', tags => ARRAY['x', 'y'], strategy_name => 'flat_1.33x',
		  platform_round_id => 'p-1', auto_cashout => true), :r1::bigint,
		  'the same instants in other time zones and the same JSON written differently are the same content');
SELECT pg_temp.unchanged_since('logged', 'the retries that send less, or equal values written differently, changed nothing');

-- the same key with different content
SELECT throws_ok(
	$$SELECT crash_analytics.log_crash_round(bot_id => 'idem', session_id => 'sA', game_name => 'aviator',
	  platform_code => 'dafabet', round_number => 1, stake_value => 10.00, crash_multiplier => 1.46,
	  cashout_multiplier => 1.33, round_outcome => 'WIN', profit_loss => 3.30)$$,
	'23505', 'round 1 of session "sA" (bet slot 1) of bot "idem" was already logged with different content',
	'log_crash_round: the same key with another crash multiplier is a unique violation');
SELECT is((pg_temp.error_of(
	$$SELECT crash_analytics.log_crash_round(bot_id => 'idem', session_id => 'sA', game_name => 'aviator',
	  platform_code => 'dafabet', round_number => 1, stake_value => 10.00, crash_multiplier => 1.46,
	  cashout_multiplier => 1.33, round_outcome => 'WIN', profit_loss => 3.30)$$)).detail,
	'Fields that differ from the logged round: crash_multiplier (sent 1.46).',
	'the detail names the one field that differs, with the value sent (not the one stored)');
SELECT is((pg_temp.error_of(
	$$SELECT crash_analytics.log_crash_round(bot_id => 'idem', session_id => 'sA', game_name => 'aviator',
	  platform_code => 'dafabet', round_number => 1, stake_value => 10.00, crash_multiplier => 1.45,
	  cashout_multiplier => 1.40, profit_loss => 4.00, round_outcome => 'win')$$)).detail,
	'Fields that differ from the logged round: cashout_multiplier (sent 1.40), profit_loss (sent 4.00).',
	'the detail names exactly the two fields that differ (not the equal ones written differently)');
SELECT is(e.state || ': ' || e.detail,
	'23505: Fields that differ from the logged round: platform_round_id (sent p-2), metadata (sent {"a": 2, "b": [1, 2]}).',
	'text and JSON fields are compared too')
  FROM pg_temp.error_of(
	$$SELECT crash_analytics.log_crash_round(bot_id => 'idem', session_id => 'sA', game_name => 'aviator',
	  platform_code => 'dafabet', round_number => 1, stake_value => 10.00, crash_multiplier => 1.45,
	  platform_round_id => 'p-2', metadata => '{"a": 2, "b": [1, 2]}')$$) e;
SELECT is((pg_temp.error_of(
	$$SELECT crash_analytics.log_crash_round(bot_id => 'idem', session_id => 'sA', game_name => 'aviator',
	  platform_code => 'dafabet', round_number => 3, stake_value => 0, crash_multiplier => 1.90,
	  platform_round_id => 'p-3')$$)).detail,
	'Fields that differ from the logged round: platform_round_id (sent p-3).',
	'a field the first call did not send, sent now with a value, differs from the stored NULL');
SELECT pg_temp.unchanged_since('logged', 'the refused retries wrote nothing');

-- a retry after the session has moved on: fields left to derivation are not compared
SELECT crash_analytics.log_crash_round(bot_id => 'idem', session_id => 'sA', game_name => 'aviator',
	platform_code => 'dafabet', round_number => 4, stake_value => 10.00, crash_multiplier => 3.00,
	cashout_multiplier => 2.00, round_started_at => '2026-03-01 12:01:00+00') AS r4 \gset
SELECT crash_analytics.log_crash_round(bot_id => 'idem', session_id => 'sA', game_name => 'aviator',
	platform_code => 'dafabet', round_number => 5, stake_value => 10.00, crash_multiplier => 1.00,
	round_started_at => '2026-03-01 12:01:20+00') AS r5 \gset
INSERT INTO snaps SELECT 'moved_on', * FROM pg_temp.db_state();
SELECT is(crash_analytics.log_crash_round(bot_id => 'idem', session_id => 'sA', game_name => 'aviator',
		  platform_code => 'dafabet', round_number => 4, stake_value => 10.00, crash_multiplier => 3.00,
		  cashout_multiplier => 2.00, round_started_at => '2026-03-01 12:01:00+00'), :r4::bigint,
		  'a retry that omits the balances it omitted the first time returns the id, though the session balance has moved on');
SELECT is((SELECT (running_balance_before, running_balance_after)::text FROM crash_analytics.crash_game_rounds WHERE id = :r4),
		  '(999.30,1009.30)', 'and the balances derived the first time stay');
SELECT pg_temp.unchanged_since('moved_on', 'the retry after the session moved on changed nothing');

-- ----------------------------------------------------------------------
-- 2. log_crash_rounds (batch)
-- ----------------------------------------------------------------------
\set b1 '''[{"bot_id": "idem", "session_id": "sA", "game_name": "aviator", "platform_code": "dafabet", "round_number": 10, "stake_value": 2.00, "crash_multiplier": 2.40, "cashout_multiplier": 2.00, "round_started_at": "2026-03-01T12:10:00Z"}, {"bot_id": "idem", "session_id": "sA", "game_name": "aviator", "platform_code": "dafabet", "round_number": 11, "stake_value": 2.00, "crash_multiplier": 1.20, "round_outcome": "VOID", "round_started_at": "2026-03-01T12:10:20Z"}, {"bot_id": "idem", "session_id": "sA", "game_name": "aviator", "platform_code": "dafabet", "round_number": 11, "bet_slot": 2, "stake_value": 3.00, "crash_multiplier": 1.20, "cashout_multiplier": 1.50, "round_started_at": "2026-03-01T12:10:20Z"}]'''
SELECT crash_analytics.log_crash_rounds(:b1) AS b1_ids \gset
INSERT INTO snaps SELECT 'batch', * FROM pg_temp.db_state();
SELECT is(crash_analytics.log_crash_rounds(:b1), :'b1_ids'::bigint[], 'log_crash_rounds: the whole batch sent again returns the same ids');
SELECT pg_temp.unchanged_since('batch', 'log_crash_rounds: the batch sent again changed nothing');
SELECT is(crash_analytics.log_crash_rounds(
	'[{"bot_id": "idem", "session_id": "sA", "game_name": "AVIATOR", "platform_code": "dafabet", "round_number": 10,
	   "stake_value": "2", "crash_multiplier": 2.4, "cashout_multiplier": "2.000", "round_outcome": "Win",
	   "round_started_at": "2026-03-01 13:10:00+01"}]'),
	ARRAY[(:'b1_ids'::bigint[])[1]], 'log_crash_rounds: equal values written differently (string "2", 2.4, "Win", "AVIATOR", +01) are the same content');
SELECT is(crash_analytics.log_crash_rounds(
	'[{"bot_id": "idem", "session_id": "sA", "game_name": "aviator", "platform_code": "dafabet", "round_number": 1,
	   "stake_value": 10.00, "crash_multiplier": 1.45, "cashout_multiplier": 1.33, "round_outcome": "WIN", "profit_loss": 3.30},
	  {"bot_id": "idem", "session_id": "sA", "game_name": "aviator", "platform_code": "dafabet", "round_number": 3,
	   "stake_value": 0, "crash_multiplier": 1.90}]'),
	ARRAY[:r1, :r3]::bigint[], 'log_crash_rounds: rounds logged by log_crash_round, sent again in a batch, return their ids');
SELECT pg_temp.unchanged_since('batch', 'log_crash_rounds: the retries written differently changed nothing');

-- a batch mixing a retry and new rounds: the new ones are counted, the retry is not
SELECT crash_analytics.log_crash_rounds(
	'[{"bot_id": "idem", "session_id": "sA", "game_name": "aviator", "platform_code": "dafabet", "round_number": 10,
	   "stake_value": 2.00, "crash_multiplier": 2.40, "cashout_multiplier": 2.00},
	  {"bot_id": "idem", "session_id": "sA", "game_name": "aviator", "platform_code": "dafabet", "round_number": 12,
	   "stake_value": 4.00, "crash_multiplier": 5.00, "cashout_multiplier": 2.50, "round_started_at": "2026-03-01T12:10:40Z"},
	  {"bot_id": "idem", "session_id": "sA", "game_name": "aviator", "platform_code": "dafabet", "round_number": 12,
	   "stake_value": 4.00, "crash_multiplier": 5.00, "cashout_multiplier": 2.50, "round_started_at": "2026-03-01T12:10:40Z"}]') AS b2_ids \gset
SELECT is((:'b2_ids'::bigint[])[1], (:'b1_ids'::bigint[])[1], 'a retried element of a mixed batch returns its old id');
SELECT is((:'b2_ids'::bigint[])[2], (:'b2_ids'::bigint[])[3], 'the same new round twice in one batch gets one id');
SELECT is((SELECT count(*)::int FROM crash_analytics.crash_game_rounds WHERE bot_id = 'idem' AND round_number = 12), 1,
		  'the same new round twice in one batch is stored once');
SELECT is((SELECT rounds FROM crash_analytics.bot_rollups WHERE bot_id = 'idem'), 10::bigint,
		  'the mixed batch added exactly one round to the roll-up');
INSERT INTO snaps SELECT 'batch2', * FROM pg_temp.db_state();

-- a conflicting element fails the whole batch, naming the element; nothing of it is written
SELECT throws_ok(
	$$SELECT crash_analytics.log_crash_rounds(
	'[{"bot_id": "idem", "session_id": "sA", "game_name": "aviator", "platform_code": "dafabet", "round_number": 13,
	   "stake_value": 1.00, "crash_multiplier": 1.50, "round_started_at": "2026-03-01T12:11:00Z"},
	  {"bot_id": "idem", "session_id": "sA", "game_name": "aviator", "platform_code": "dafabet", "round_number": 11,
	   "bet_slot": 2, "stake_value": 3.00, "crash_multiplier": 1.20, "cashout_multiplier": 1.20}]')$$,
	'23505', 'round 11 of session "sA" (bet slot 2) of bot "idem" was already logged with different content',
	'log_crash_rounds: a retried element with other content is a unique violation');
SELECT is(e.state || ': ' || e.detail || ' / ' || split_part(e.context, E'\n', 1),
	'23505: Fields that differ from the logged round: cashout_multiplier (sent 1.20). / element 2 of the log_crash_rounds batch',
	'log_crash_rounds: the detail names the differing field and the context names the element')
  FROM pg_temp.error_of(
	$$SELECT crash_analytics.log_crash_rounds(
	'[{"bot_id": "idem", "session_id": "sA", "game_name": "aviator", "platform_code": "dafabet", "round_number": 13,
	   "stake_value": 1.00, "crash_multiplier": 1.50, "round_started_at": "2026-03-01T12:11:00Z"},
	  {"bot_id": "idem", "session_id": "sA", "game_name": "aviator", "platform_code": "dafabet", "round_number": 11,
	   "bet_slot": 2, "stake_value": 3.00, "crash_multiplier": 1.20, "cashout_multiplier": 1.20}]')$$) e;
SELECT pg_temp.unchanged_since('batch2', 'log_crash_rounds: the refused batch wrote nothing, not even its new first element');

-- ----------------------------------------------------------------------
-- 3. plain INSERT and COPY
-- ----------------------------------------------------------------------
SELECT is(pg_temp.affected($$
	INSERT INTO crash_analytics.crash_game_rounds
		(bot_id, session_id, game_name, platform_code, round_number, stake_value, crash_multiplier,
		 cashout_multiplier, round_outcome, profit_loss, running_balance_before, running_balance_after,
		 strategy_name, target_multiplier, bet_slot, platform_round_id, round_started_at, round_ended_at,
		 ocr_confidence, nonce, auto_cashout, metadata, tags)
	VALUES ('idem', 'sA', 'aviator', 'dafabet', 1, 10.00, 1.45, 1.33, 'WIN', 3.30, 1000.00, 1003.30,
			'flat_1.33x', 1.33, 1, 'p-1', '2026-03-01 12:00:00+00', '2026-03-01 12:00:09.5+00',
			0.95, 7, true, '{"a": 1, "b": [1, 2]}', '{x,y}')$$), '0',
	'INSERT: a round logged by log_crash_round, inserted again with the same fields, is skipped (0 rows)');
SELECT is(pg_temp.affected($$
	INSERT INTO crash_analytics.crash_game_rounds
		(bot_id, session_id, game_name, platform_code, round_number, stake_value, crash_multiplier, round_outcome)
	VALUES ('idem', 'sA', 'Aviator', 'DAFABET', 3, 0, 1.9, 'skip'),
		   ('idem', 'sA', 'aviator', 'dafabet', 2, 5, 1.1, NULL)$$), '0',
	'INSERT: equal values written differently are skipped too');
-- as with log_crash_round above, a retry that sends only the core fields is the same round
SELECT is(pg_temp.affected($$
	INSERT INTO crash_analytics.crash_game_rounds
		(bot_id, session_id, game_name, platform_code, round_number, stake_value, crash_multiplier,
		 cashout_multiplier, round_outcome, profit_loss, running_balance_before, running_balance_after)
	VALUES ('idem', 'sA', 'aviator', 'dafabet', 1, 10.00, 1.45, 1.33, 'WIN', 3.30, 1000.00, 1003.30)$$), '0',
	'INSERT: a retry with only the seed''s core fields is skipped, as log_crash_round returns the id');
SELECT pg_temp.unchanged_since('batch2', 'INSERT: the skipped rows changed nothing');

SELECT is(pg_temp.affected($$
	INSERT INTO crash_analytics.crash_game_rounds
		(bot_id, session_id, game_name, platform_code, round_number, bet_slot, stake_value, crash_multiplier,
		 cashout_multiplier, round_started_at)
	VALUES ('idem', 'sA', 'aviator', 'dafabet', 10, 1, 2.00, 2.40, 2.00, '2026-03-01 12:10:00+00'),
		   ('idem', 'sA', 'aviator', 'dafabet', 20, 1, 6.00, 1.80, 1.70, '2026-03-01 12:20:00+00'),
		   ('idem', 'sA', 'aviator', 'dafabet', 20, 1, 6.00, 1.80, 1.70, '2026-03-01 12:20:00+00')$$), '1',
	'INSERT of a retry, a new round and the new round again reports one row');
SELECT is((SELECT count(*)::int FROM crash_analytics.crash_game_rounds WHERE bot_id = 'idem' AND round_number = 20), 1,
		  'INSERT: the new round is stored once');
SELECT is((SELECT id FROM crash_analytics.crash_game_rounds WHERE bot_id = 'idem' AND round_number = 20),
		  crash_analytics.log_crash_round('idem', 'sA', 'aviator', 'dafabet', 20, 6.00, 1.80, 1.70,
										  round_started_at => '2026-03-01 12:20:00+00'),
		  'log_crash_round of a round inserted with INSERT returns the inserted id');
INSERT INTO snaps SELECT 'insert', * FROM pg_temp.db_state();
SELECT is(pg_temp.affected($$
	INSERT INTO crash_analytics.crash_game_rounds
		(bot_id, session_id, game_name, platform_code, round_number, stake_value, crash_multiplier,
		 cashout_multiplier, round_started_at)
	VALUES ('idem', 'sA', 'aviator', 'dafabet', 20, 6.00, 1.80, 1.70, '2026-03-01 12:20:00+00')$$), '0',
	'INSERT: a round inserted with INSERT, inserted again, is skipped');
SELECT pg_temp.unchanged_since('insert', 'INSERT: the second INSERT changed nothing');
SELECT throws_ok(
	$$INSERT INTO crash_analytics.crash_game_rounds
		(bot_id, session_id, game_name, platform_code, round_number, stake_value, crash_multiplier, cashout_multiplier)
	  VALUES ('idem', 'sA', 'aviator', 'dafabet', 20, 6.00, 1.80, 1.75)$$,
	'23505', 'round 20 of session "sA" (bet slot 1) of bot "idem" was already logged with different content',
	'INSERT: the same key with other content is a unique violation');
SELECT is((pg_temp.error_of(
	$$INSERT INTO crash_analytics.crash_game_rounds
		(bot_id, session_id, game_name, platform_code, round_number, stake_value, crash_multiplier, cashout_multiplier)
	  VALUES ('idem', 'sA', 'aviator', 'dafabet', 20, 6.50, 1.80, 1.75)$$)).detail,
	'Fields that differ from the logged round: stake_value (sent 6.50), cashout_multiplier (sent 1.75).',
	'INSERT: the detail names exactly the differing fields');
SELECT pg_temp.unchanged_since('insert', 'INSERT: the refused INSERT wrote nothing');

-- COPY the same data twice
COPY crash_analytics.crash_game_rounds (bot_id, session_id, game_name, platform_code, round_number, stake_value, crash_multiplier, cashout_multiplier, round_started_at) FROM STDIN WITH (FORMAT csv);
idem,sA,aviator,dafabet,21,3.00,4.10,2.00,2026-03-01 12:21:00+00
idem,sA,aviator,dafabet,22,3.00,1.01,,2026-03-01 12:21:20+00
\.
INSERT INTO snaps SELECT 'copy', * FROM pg_temp.db_state();
COPY crash_analytics.crash_game_rounds (bot_id, session_id, game_name, platform_code, round_number, stake_value, crash_multiplier, cashout_multiplier, round_started_at) FROM STDIN WITH (FORMAT csv);
idem,sA,aviator,dafabet,21,3.00,4.10,2.00,2026-03-01 12:21:00+00
idem,sA,AVIATOR,dafabet,22,3,1.010,,2026-03-01 13:21:20+01
\.
SELECT pg_temp.unchanged_since('copy', 'COPY: the same rows copied again are skipped and change nothing');
SELECT is((SELECT count(*)::int FROM crash_analytics.crash_game_rounds WHERE bot_id = 'idem' AND round_number IN (21, 22)), 2,
		  'COPY: each copied round is stored once');

-- ----------------------------------------------------------------------
-- 4. the other loggers
-- ----------------------------------------------------------------------
-- log_round_outcome
SELECT crash_analytics.log_round_outcome('idem', 'sA', 'aviator', 'dafabet', 30, 8.00, 2.20, 2.10, 'WIN', 8.80) AS o30 \gset
INSERT INTO snaps SELECT 'outcome', * FROM pg_temp.db_state();
SELECT is(crash_analytics.log_round_outcome('idem', 'sA', 'Aviator', 'dafabet', 30, 8, 2.2, 2.10, 'win', 8.8), :o30::bigint,
		  'log_round_outcome: the same bet sent again returns the same outcome id');
SELECT is((SELECT o.id FROM crash_analytics.analytics_round_outcomes o WHERE o.bot_id = 'idem' AND o.round_id = :r1),
		  crash_analytics.log_round_outcome('idem', 'sA', 'aviator', 'dafabet', 1, 10.00, 1.45, 1.33, 'WIN', 3.30),
		  'log_round_outcome of a round logged by log_crash_round returns its outcome id');
SELECT pg_temp.unchanged_since('outcome', 'log_round_outcome: the retries changed nothing');

-- log_round_multiplier_analytics
SELECT crash_analytics.log_round_multiplier_analytics('idem', 'sA', 'aviator', 'dafabet', 40, 3.50,
	platform_round_id => 'p-40', observed_at => '2026-03-01 12:40:00+00') AS m40 \gset
INSERT INTO snaps SELECT 'multiplier', * FROM pg_temp.db_state();
SELECT is(crash_analytics.log_round_multiplier_analytics('idem', 'sA', 'aviator', 'dafabet', 40, 3.50,
		  platform_round_id => 'p-40', observed_at => '2026-03-01 12:40:00+00'), :m40::bigint,
		  'log_round_multiplier_analytics: the same multiplier sent again returns the same id');
SELECT is(crash_analytics.log_round_multiplier_analytics('idem', 'sA', 'AVIATOR', 'dafabet', 40, 3.5), :m40::bigint,
		  'log_round_multiplier_analytics: 3.5 = 3.50 and AVIATOR = aviator');
SELECT is(crash_analytics.log_round_multiplier_analytics('idem', 'sA', 'aviator', 'dafabet', 1, 1.45),
		  (SELECT m.id FROM crash_analytics.analytics_round_multipliers m WHERE m.bot_id = 'idem' AND m.round_id = :r1),
		  'log_round_multiplier_analytics of a round logged by log_crash_round returns that round''s multiplier id');
SELECT pg_temp.unchanged_since('multiplier', 'log_round_multiplier_analytics: the retries changed nothing (no signal resolved twice)');
SELECT throws_ok(
	$$SELECT crash_analytics.log_round_multiplier_analytics('idem', 'sA', 'aviator', 'dafabet', 40, 3.51)$$,
	'23505', 'the multiplier of round 40 of session "sA" of bot "idem" was already logged with different content',
	'log_round_multiplier_analytics: another multiplier for the same round is a unique violation');
SELECT is((pg_temp.error_of(
	$$SELECT crash_analytics.log_round_multiplier_analytics('idem', 'sA', 'aviator', 'dafabet', 40, 3.51)$$)).detail,
	'Fields that differ from the logged multiplier: multiplier (sent 3.51).',
	'log_round_multiplier_analytics: the detail names the field that differs and the value sent (not the one stored)');
SELECT is(crash_analytics.log_crash_round('idem', 'sA', 'aviator', 'dafabet', 40, 0, 3.50,
										  round_started_at => '2026-03-01 12:40:00+00') IS NOT NULL
		  AND (SELECT count(*) FROM crash_analytics.analytics_round_multipliers
				WHERE bot_id = 'idem' AND session_id = 'sA' AND round_number = 40) = 1, true,
		  'a round logged after its multiplier was logged alone keeps one multiplier row');

-- start_session
SELECT crash_analytics.start_session('idem', 'sB', 'jetx', 'dafabet', balance_start => 500.00,
	started_at => '2026-03-02 08:00:00+00', metadata => '{"vm": 3}') AS sb \gset
INSERT INTO snaps SELECT 'session', * FROM pg_temp.db_state();
SELECT is(crash_analytics.start_session('idem', 'sB', 'jetx', 'dafabet', balance_start => 500.00,
		  started_at => '2026-03-02 08:00:00+00', metadata => '{"vm": 3}'), :sb::bigint,
		  'start_session: the same call again returns the same id');
SELECT is(crash_analytics.start_session('idem', 'sB', 'JetX', 'DAFABET', balance_start => 500), :sb::bigint,
		  'start_session: 500 = 500.00 and JetX = jetx');
SELECT is(crash_analytics.start_session('idem', 'sA'),
		  (SELECT id FROM crash_analytics.session_logs WHERE bot_id = 'idem' AND session_id = 'sA'),
		  'start_session of a session its first round started returns that session''s id');
SELECT pg_temp.unchanged_since('session', 'start_session: the retries changed nothing');
SELECT throws_ok($$SELECT crash_analytics.start_session('idem', 'sB', 'jetx', 'dafabet', balance_start => 600.00)$$,
	'23505', 'session "sB" of bot "idem" was already started with another balance',
	'start_session: the same session with another starting balance is a unique violation');
SELECT throws_ok($$SELECT crash_analytics.start_session('idem', 'sB', 'aviator', 'dafabet')$$,
	'23505', 'session "sB" of bot "idem" was already started on another game/platform',
	'start_session: the same session on another game is a unique violation');

-- end_session
SELECT crash_analytics.end_session('idem', 'sB', 'completed', ended_at => '2026-03-02 09:00:00+00',
	end_reason => 'target reached') AS sb_end \gset
INSERT INTO snaps SELECT 'ended', * FROM pg_temp.db_state();
SELECT is(crash_analytics.end_session('idem', 'sB', 'completed', ended_at => '2026-03-02 09:00:00+00',
		  end_reason => 'target reached'), :sb::bigint,
		  'end_session: the same call again returns the session id');
SELECT is(crash_analytics.end_session('idem', 'sB'), :sb::bigint,
		  'end_session: ending an ended session again with the same status returns its id');
SELECT pg_temp.unchanged_since('ended', 'end_session: the retries changed nothing (ended_at and end_reason kept)');
SELECT throws_ok($$SELECT crash_analytics.end_session('idem', 'sB', 'aborted')$$,
	'55000', 'session "sB" of bot "idem" has already ended with another status',
	'end_session: ending it with another status is refused');

-- a bot retrying after it ended its session still gets its ids; a new round is refused
SELECT crash_analytics.end_session('idem', 'sA', 'completed', ended_at => '2026-03-01 13:00:00+00') IS NOT NULL AS sa_ended \gset
INSERT INTO snaps SELECT 'sA_ended', * FROM pg_temp.db_state();
SELECT is(crash_analytics.log_crash_round(bot_id => 'idem', session_id => 'sA', game_name => 'aviator',
		  platform_code => 'dafabet', round_number => 1, stake_value => 10.00, crash_multiplier => 1.45,
		  cashout_multiplier => 1.33), :r1::bigint,
		  'a retry arriving after the session ended returns the id');
SELECT is(crash_analytics.log_crash_rounds(:b1), :'b1_ids'::bigint[],
		  'a batch retry arriving after the session ended returns the ids');
SELECT is(crash_analytics.log_round_multiplier_analytics('idem', 'sA', 'aviator', 'dafabet', 40, 3.50), :m40::bigint,
		  'a watched multiplier retried after the session ended returns its id');
SELECT pg_temp.unchanged_since('sA_ended', 'the retries into the ended session changed nothing');
SELECT throws_ok($$SELECT crash_analytics.log_crash_round('idem', 'sA', 'aviator', 'dafabet', 99, 1.00, 2.00, 1.50)$$,
	'55000', 'session "sA" of bot "idem" has ended', 'a new round in the ended session is refused');

-- a retry arriving after the operator deactivated the game still gets its id; a new round does not
SELECT crash_analytics.log_crash_round('idem', 'sC', 'jetx', 'demo', 1, 5.00, 1.20, 2.00,
	round_started_at => '2026-03-03 10:00:00+00') AS c1 \gset
SELECT crash_analytics.register_game_platform('jetx', 'demo', NULL, is_active => false) IS NOT NULL AS deactivated \gset
INSERT INTO snaps SELECT 'deactivated', * FROM pg_temp.db_state();
SELECT is(pg_temp.value_of($$SELECT crash_analytics.log_crash_round('idem', 'sC', 'jetx', 'demo', 1, 5.00, 1.20, 2.00,
		  round_started_at => '2026-03-03 10:00:00+00')$$), :'c1',
		  'a retry arriving after its game/platform was deactivated returns the id');
SELECT pg_temp.unchanged_since('deactivated', 'the retry into the deactivated game changed nothing');
SELECT throws_ok($$SELECT crash_analytics.log_crash_round('idem', 'sC', 'jetx', 'demo', 2, 5.00, 1.20, 2.00)$$,
	'55000', 'game/platform "jetx/demo" is not active', 'a new round of the deactivated game is refused');

-- register_bot
SELECT crash_analytics.register_bot('idem2', bot_name => 'Idem Two', vm_provider => 'hetzner', vm_host => 'h1',
	vm_region => 'fsn1', strategy_name => 'flat_2x', initial_balance => 250.00, status => 'active',
	signal_rules => '[{"rule": "high_after", "above": 10.00, "target": 2.00}]', metadata => '{"k": "v"}') AS bot2 \gset
CREATE TEMP TABLE bot2_before AS
	SELECT b.*::text AS r FROM crash_analytics.bot_vm_registration b WHERE b.bot_id = 'idem2';
SELECT is(crash_analytics.register_bot('idem2', bot_name => 'Idem Two', vm_provider => 'hetzner', vm_host => 'h1',
		  vm_region => 'fsn1', strategy_name => 'flat_2x', initial_balance => 250.00, status => 'active',
		  signal_rules => '[{"rule": "high_after", "above": 10.00, "target": 2.00}]', metadata => '{"k": "v"}'),
		  :bot2::bigint, 'register_bot: the same registration again returns the same id');
SELECT is((SELECT b.*::text FROM crash_analytics.bot_vm_registration b WHERE b.bot_id = 'idem2'),
		  (SELECT r FROM bot2_before), 'register_bot: the registration is unchanged');
SELECT is(crash_analytics.register_bot('idem2', strategy_name => 'flat_2x'), :bot2::bigint,
		  'register_bot: a partial registration with an equal value returns the same id');
SELECT is((SELECT count(*)::int FROM crash_analytics.bot_vm_registration WHERE bot_id IN ('idem', 'idem2')), 2,
		  'register_bot: one registration per bot');
SELECT is(crash_analytics.register_bot('idem'),
		  (SELECT id FROM crash_analytics.bot_vm_registration WHERE bot_id = 'idem'),
		  'register_bot of a bot that has logged rounds returns its registration id');

-- ----------------------------------------------------------------------
-- 5. after all the retries, every round is counted once
-- ----------------------------------------------------------------------
SELECT * FROM pg_temp.rollups_match_rounds('after every retry');
SELECT set_eq($$SELECT bot_id, session_id, round_number FROM crash_analytics.analytics_round_multipliers$$,
			  $$SELECT DISTINCT bot_id, session_id, round_number FROM crash_analytics.crash_game_rounds$$,
			  'one multiplier row per (bot, session, round) logged');
SELECT set_eq($$SELECT round_id FROM crash_analytics.analytics_round_outcomes$$,
			  $$SELECT id FROM crash_analytics.crash_game_rounds WHERE round_outcome <> 'SKIP'$$,
			  'one outcome row per bet, and none for a skip');

SELECT * FROM finish();
ROLLBACK;
