-- Restored rows and the CHECK constraints (1.2).  A row inserted into
-- crash_game_rounds with derived_at already set is taken as restored from a
-- dump and stored as it is, without the C validation: the CHECKs are its
-- only guard, and those of the derived tables guard their restored rows.
--   1. One restored row per constraint, breaking that rule alone: refused
--      with 23514 naming the constraint, nothing written; a valid restored
--      row of each table is accepted.
--   2. The audit's three restored rows (a LOSS that paid out, a WIN without
--      cash-out and negative balances, a VOID with 3 decimals at RTP 1.50).
--   3. Order: the same mistakes sent through log_crash_round or a plain
--      INSERT meet the C validation first and get its 22xxx error.
--   4. The C path's edge cases, each stored and passing every CHECK.
--   5. An update to 1.2 of a database holding a row that breaks one.
SET timezone = 'UTC';
SET extra_float_digits = 0;
SET datestyle = 'ISO, YMD';
CREATE EXTENSION crash_analytics;

-- INSERT the row base || changes into a table of the extension (the keys
-- are the columns; a JSON null sends NULL): 'accepted', or 'refused' with
-- the SQLSTATE and the constraint named by the error (else its message)
CREATE FUNCTION pg_temp.try_insert(tbl text, base jsonb, changes jsonb) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
	r jsonb := base || changes;
	cols text;
	st text;
	con text;
	msg text;
BEGIN
	SELECT string_agg(quote_ident(k), ', ' ORDER BY k) INTO cols FROM jsonb_object_keys(r) AS k;
	EXECUTE format('INSERT INTO crash_analytics.%I (%s) SELECT %s FROM jsonb_populate_record(NULL::crash_analytics.%I, $1)',
				   tbl, cols, cols, tbl) USING r;
	RETURN 'accepted';
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, con = CONSTRAINT_NAME, msg = MESSAGE_TEXT;
	RETURN 'refused ' || st || CASE WHEN con <> '' THEN ' ' || con ELSE ': ' || msg END;
END
$$;

-- The CHECK constraints of the table (1.0's, 1.1's and 1.2's) that the row
-- base || changes breaks, each evaluated on its own: shows that a case
-- breaks the one rule it names and no other
CREATE FUNCTION pg_temp.violated(tbl text, base jsonb, changes jsonb) RETURNS text[]
LANGUAGE plpgsql AS $$
DECLARE
	c record;
	ok boolean;
	broken text[] := '{}';
BEGIN
	FOR c IN SELECT conname, pg_get_expr(conbin, conrelid) AS expr FROM pg_constraint
			  WHERE conrelid = ('crash_analytics.' || tbl)::regclass AND contype = 'c' ORDER BY conname LOOP
		EXECUTE format('SELECT (%s) IS NOT FALSE FROM jsonb_populate_record(NULL::crash_analytics.%I, $1)', c.expr, tbl)
			INTO ok USING base || changes;
		IF NOT ok THEN
			broken := broken || c.conname::text;
		END IF;
	END LOOP;
	RETURN broken;
END
$$;

-- the same for any statement
CREATE FUNCTION pg_temp.outcome(sql text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
	st text;
	con text;
	msg text;
BEGIN
	EXECUTE sql;
	RETURN 'accepted';
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, con = CONSTRAINT_NAME, msg = MESSAGE_TEXT;
	RETURN 'refused ' || st || CASE WHEN con <> '' THEN ' ' || con ELSE ': ' || msg END;
END
$$;

-- A valid restored round: the seed's quick start (10.00 at 1.33x, crash
-- 2.45, profit 3.30), with balances, times and every derived column as
-- log_crash_round stores them (win probability 0.97 / 1.33 = 0.729323,
-- expected profit 10.00 x (0.97 - 1) = -0.3000).
CREATE TABLE pg_temp.base AS SELECT jsonb_build_object(
	'bot_id', 'rr', 'session_id', 'rs1', 'round_number', 1, 'bet_slot', 1,
	'game_name', 'aviator', 'platform_code', 'dafabet', 'currency', 'USD', 'game_rtp', 0.97,
	'round_started_at', '2026-01-05 10:00:00+00', 'round_ended_at', '2026-01-05 10:00:09+00',
	'round_duration_ms', 9000, 'played_at', '2026-01-05 10:00:09+00', 'logged_at', '2026-01-05 10:00:10+00',
	'stake_value', 10.00, 'strategy_name', 'fixed_1_33', 'target_multiplier', 1.33,
	'crash_multiplier', 2.45, 'cashout_multiplier', 1.33, 'final_multiplier', 1.33,
	'payout_value', 13.30, 'profit_loss', 3.30, 'roi_percent', 33.0000,
	'running_balance_before', 1000.00, 'running_balance_after', 1003.30,
	'win_probability', 0.729323, 'expected_profit', -0.3000,
	'round_outcome', 'WIN', 'is_instant_crash', false, 'outcome_source', 'sent',
	'ingest_path', 'function', 'derived_at', '2026-01-05 10:00:10+00') AS round;

-- 1. One rule broken at a time (round_number n keeps the rows apart)
SELECT n, label, result,
	   pg_temp.violated('crash_game_rounds', row, '{}')
		 = CASE WHEN result LIKE 'refused 23514 %' THEN ARRAY[split_part(result, ' ', 3)] ELSE '{}' END AS breaks_only_that
  FROM (SELECT n, label, row, pg_temp.try_insert('crash_game_rounds', row, '{}') AS result
		  FROM (SELECT n, label, (SELECT round FROM pg_temp.base) || jsonb_build_object('round_number', n) || changes AS row
  FROM (VALUES
	(1, 'WIN paying 2 minor units more than 10.00 x 1.33', '{"payout_value": 13.32, "profit_loss": 3.32, "running_balance_after": 1003.32}'::jsonb),
	(2, 'LOSS paying out', '{"round_outcome": "LOSS", "crash_multiplier": 1.20, "final_multiplier": 1.20, "payout_value": 13.30}'),
	(3, 'VOID paying less than the stake', '{"round_outcome": "VOID", "cashout_multiplier": null, "payout_value": 9.00, "profit_loss": -1.00, "running_balance_after": 999.00}'),
	(4, 'SKIP paying out', '{"round_outcome": "SKIP", "stake_value": 0.00, "cashout_multiplier": null, "payout_value": 3.30, "profit_loss": 3.30}'),
	(5, 'WIN without a cash-out', '{"cashout_multiplier": null}'),
	(6, 'SKIP with a cash-out', '{"round_outcome": "SKIP", "stake_value": 0.00, "payout_value": 0.00, "profit_loss": 0.00, "running_balance_after": 1000.00}'),
	(7, 'stake of 10^15', '{"round_outcome": "VOID", "cashout_multiplier": null, "stake_value": 1000000000000000.00, "payout_value": 1000000000000000.00, "profit_loss": 0.00, "running_balance_before": null, "running_balance_after": null}'),
	(8, 'payout with 3 decimals, stake with 2', '{"payout_value": 13.300, "profit_loss": 3.300}'),
	(9, 'negative balances', '{"running_balance_before": -5.00, "running_balance_after": -1.70}'),
	(10, 'balance after one minor unit off', '{"running_balance_after": 1003.31}'),
	(11, 'instant crash flag on a 2.45 crash', '{"is_instant_crash": true}'),
	(12, 'RTP of 1.50', '{"game_rtp": 1.50}'),
	(13, 'infinite played_at', '{"played_at": "infinity"}'),
	(14, 'round ended before it started', '{"round_ended_at": "2026-01-05 09:59:59+00"}'),
	(15, 'game_name in upper case', '{"game_name": "Aviator"}'),
	(16, 'platform_code in upper case', '{"platform_code": "DAFABET"}'),
	(17, 'tab in session_id', '{"session_id": "rs\t1"}'),
	(18, '65-character detection_method', jsonb_build_object('detection_method', repeat('m', 65))),
	(19, '8193-character ocr_raw_text', jsonb_build_object('ocr_raw_text', repeat('o', 8193))),
	(20, '8193-character error_message', jsonb_build_object('error_message', repeat('e', 8193))),
	(21, '513-character server_seed', jsonb_build_object('server_seed', repeat('s', 513))),
	(22, '513-character server_seed_hash', jsonb_build_object('server_seed_hash', repeat('h', 513))),
	(23, '513-character client_seed', jsonb_build_object('client_seed', repeat('c', 513))),
	(24, '513-character round_hash', jsonb_build_object('round_hash', repeat('r', 513))),
	(25, 'negative nonce', '{"nonce": -1}'),
	(26, 'valid: the quick start as restored', '{}'),
	(27, 'valid: a WIN one minor unit above 10.00 x 1.33', '{"payout_value": 13.31, "profit_loss": 3.31, "roi_percent": 33.1000, "running_balance_after": 1003.31}'),
	(28, 'valid: a LOSS', '{"round_outcome": "LOSS", "crash_multiplier": 1.20, "final_multiplier": 1.20, "payout_value": 0.00, "profit_loss": -10.00, "roi_percent": -100.0000, "running_balance_after": 990.00}')
  ) AS t(n, label, changes)) AS cases
		 OFFSET 0) AS tried
 ORDER BY n;
-- only the three valid rows were written
SELECT round_number, round_outcome, payout_value, running_balance_after
  FROM crash_analytics.crash_game_rounds WHERE bot_id = 'rr' ORDER BY round_number;

-- The derived tables' restored rows: a settled bet (the quick start's
-- outcome row), its multiplier, its session and the bot's roll-up
CREATE TABLE pg_temp.derived(tbl, row) AS VALUES
	('analytics_round_outcomes', jsonb_build_object(
		'bot_id', 'rr', 'session_id', 'rs1', 'round_id', 1, 'game_name', 'aviator', 'platform_code', 'dafabet',
		'round_number', 1, 'bet_slot', 1, 'outcome', 'WIN', 'stake_value', 10.00, 'target_multiplier', 1.33,
		'cashout_multiplier', 1.33, 'crash_multiplier', 2.45, 'payout_value', 13.30, 'profit_loss', 3.30,
		'roi_percent', 33.0000, 'win_probability', 0.729323, 'expected_profit', -0.3000,
		'settled_at', '2026-01-05 10:00:09+00')),
	('analytics_round_multipliers', jsonb_build_object(
		'bot_id', 'rr', 'session_id', 'rs1', 'round_id', 1, 'game_name', 'aviator', 'platform_code', 'dafabet',
		'round_number', 1, 'multiplier', 2.45, 'is_instant_crash', false, 'observed_at', '2026-01-05 10:00:09+00',
		'source', 'round')),
	('session_logs', jsonb_build_object(
		'bot_id', 'rr', 'session_id', 'rs1', 'game_name', 'aviator', 'platform_code', 'dafabet', 'status', 'active',
		'started_at', '2026-01-05 10:00:09+00', 'balance_start', 1000.00, 'balance_current', 1003.30,
		'peak_balance', 1003.30)),
	('bot_rollups', jsonb_build_object('bot_id', 'rr', 'current_balance', 1003.30, 'peak_balance', 1003.30));

SELECT n, tbl, label, result,
	   pg_temp.violated(tbl, row, '{}')
		 = CASE WHEN result LIKE 'refused 23514 %' THEN ARRAY[split_part(result, ' ', 3)] ELSE '{}' END AS breaks_only_that
  FROM (SELECT n, tbl, label, row, pg_temp.try_insert(tbl, row, '{}') AS result
		  FROM (SELECT n, tbl, label, d.row || changes AS row
  FROM (VALUES
	(1, 'analytics_round_outcomes', 'WIN paying 2 minor units more', '{"payout_value": 13.32, "profit_loss": 3.32}'::jsonb),
	(2, 'analytics_round_outcomes', 'LOSS paying out', '{"outcome": "LOSS", "crash_multiplier": 1.20}'),
	(3, 'analytics_round_outcomes', 'WIN without a cash-out', '{"cashout_multiplier": null}'),
	(4, 'analytics_round_outcomes', 'WIN cashed out above the crash', '{"crash_multiplier": 1.20}'),
	(5, 'analytics_round_outcomes', 'crash below 1.00', '{"outcome": "LOSS", "cashout_multiplier": null, "crash_multiplier": 0.99, "payout_value": 0.00, "profit_loss": -10.00}'),
	(6, 'analytics_round_outcomes', 'cash-out with 3 decimals', '{"cashout_multiplier": 1.333, "payout_value": 13.33, "profit_loss": 3.33}'),
	(7, 'analytics_round_outcomes', 'target below 1.00', '{"target_multiplier": 0.50}'),
	(8, 'analytics_round_outcomes', 'stake of 10^15', '{"outcome": "VOID", "cashout_multiplier": null, "stake_value": 1000000000000000.00, "payout_value": 1000000000000000.00, "profit_loss": 0.00}'),
	(9, 'analytics_round_outcomes', 'payout with 3 decimals', '{"payout_value": 13.300, "profit_loss": 3.300}'),
	(10, 'analytics_round_outcomes', 'infinite settled_at', '{"settled_at": "infinity"}'),
	(11, 'analytics_round_multipliers', 'infinite observed_at', '{"observed_at": "-infinity"}'),
	(12, 'session_logs', 'negative balance', '{"balance_current": -0.01}'),
	(13, 'session_logs', 'NaN start balance', '{"balance_start": "NaN"}'),
	(14, 'session_logs', 'ended before it started', '{"status": "completed", "ended_at": "2026-01-05 10:00:08+00"}'),
	(15, 'bot_rollups', 'infinite peak balance', '{"peak_balance": "Infinity"}'),
	(16, 'analytics_round_outcomes', 'valid', '{}'),
	(17, 'analytics_round_multipliers', 'valid', '{}'),
	(18, 'session_logs', 'valid', '{}'),
	(19, 'bot_rollups', 'valid', '{}')
  ) AS t(n, tbl, label, changes)
				  JOIN pg_temp.derived d USING (tbl)) AS cases
		 OFFSET 0) AS tried
 ORDER BY n;
-- one row each, the valid one
SELECT (SELECT count(*) FROM crash_analytics.analytics_round_outcomes WHERE bot_id = 'rr') AS outcomes,
	   (SELECT count(*) FROM crash_analytics.analytics_round_multipliers WHERE bot_id = 'rr') AS multipliers,
	   (SELECT count(*) FROM crash_analytics.session_logs WHERE bot_id = 'rr') AS sessions,
	   (SELECT count(*) FROM crash_analytics.bot_rollups WHERE bot_id = 'rr') AS rollups;

-- 2. The audit's restored rows: a LOSS that paid out 50 with balance 100 ->
-- 5000; a WIN with no cash-out paying 0 with balances -5 -> -15; a VOID
-- with stake 10.005 and payout 0 at game_rtp 1.50.  Each breaks several
-- rules (all listed); the error names the first to fail, in name order.
SELECT label, pg_temp.try_insert('crash_game_rounds', (SELECT round FROM pg_temp.base), changes) AS result,
	   pg_temp.violated('crash_game_rounds', (SELECT round FROM pg_temp.base), changes) AS broken
  FROM (VALUES
	('LOSS paying 50', '{"bot_id": "audit", "round_number": 1, "round_outcome": "LOSS", "crash_multiplier": 1.20, "final_multiplier": 1.20, "payout_value": 50.00, "profit_loss": 40.00, "running_balance_before": 100.00, "running_balance_after": 5000.00}'::jsonb),
	('WIN without cash-out, negative balances', '{"bot_id": "audit", "round_number": 2, "cashout_multiplier": null, "payout_value": 0.00, "profit_loss": -10.00, "running_balance_before": -5.00, "running_balance_after": -15.00}'),
	('VOID of 10.005 paying 0 at RTP 1.50', '{"bot_id": "audit", "round_number": 3, "round_outcome": "VOID", "cashout_multiplier": null, "stake_value": 10.005, "payout_value": 0, "profit_loss": -10.005, "running_balance_before": null, "running_balance_after": null, "game_rtp": 1.50}')
  ) AS t(label, changes);
SELECT count(*) AS audit_rows FROM crash_analytics.crash_game_rounds WHERE bot_id = 'audit';

-- 3. Order: the C validation runs before the insert.  The LOSS that paid
-- out, sent to log_crash_round and to a plain INSERT (derived_at left
-- NULL), gets the C path's 22023 naming the field; only the restored row
-- meets the CHECK.  Nothing is written by any of them.
SELECT pg_temp.outcome($$SELECT crash_analytics.log_crash_round('order', 's1', 'aviator', 'dafabet', 1,
  10.00, 1.20, 1.33, 'LOSS', 3.30)$$) AS through_function;
SELECT pg_temp.try_insert('crash_game_rounds', (SELECT round FROM pg_temp.base),
	'{"bot_id": "order", "round_outcome": "LOSS", "crash_multiplier": 1.20, "final_multiplier": 1.20, "derived_at": null}') AS through_insert;
SELECT pg_temp.try_insert('crash_game_rounds', (SELECT round FROM pg_temp.base),
	'{"bot_id": "order", "round_outcome": "LOSS", "crash_multiplier": 1.20, "final_multiplier": 1.20}') AS restored;
-- an infinite logged_at is refused by the C path too (played_at falls back on it)
SELECT pg_temp.outcome($$INSERT INTO crash_analytics.crash_game_rounds
  (bot_id, session_id, game_name, platform_code, round_number, stake_value, crash_multiplier, logged_at)
  VALUES ('order', 's1', 'aviator', 'dafabet', 2, 10.00, 2.00, 'infinity')$$) AS infinite_logged_at;
SELECT (SELECT count(*) FROM crash_analytics.crash_game_rounds WHERE bot_id = 'order') AS rounds,
	   (SELECT count(*) FROM crash_analytics.bot_vm_registration WHERE bot_id = 'order') AS bots;

-- 4. The C path's edge cases stay within the CHECKs (each call is stored).
--   Games with a bet of one cent, and with currencies of 0 and 8 decimals:
SELECT crash_analytics.register_game_platform('edge_game', 'cents', 0.97, min_bet => 0.01) IS NOT NULL AS cents;
SELECT crash_analytics.register_game_platform('edge_game', 'zero', 0.99, currency => 'JPY', currency_decimals => 0,
  min_bet => 1) IS NOT NULL AS zero_decimals;
SELECT crash_analytics.register_game_platform('edge_game', 'eight', 0.99, currency => 'BTC', currency_decimals => 8,
  min_bet => 0.00000001) IS NOT NULL AS eight_decimals;
--   a WIN at 1.00x whose casino paid one unit less than the stake (payout 0.00);
SELECT crash_analytics.log_crash_round('edge', 's0', 'edge_game', 'cents', 1, 0.01, 1.50, 1.00,
  profit_loss => -0.01) IS NOT NULL AS win_paying_nothing;
--   a WIN one unit above the derivation;
SELECT crash_analytics.log_crash_round('edge', 's1', 'aviator', 'dafabet', 2, 3.33, 1.40, 1.33,
  profit_loss => 1.11) IS NOT NULL AS win_one_unit_above;
--   only the balance after, on a WIN that staked more than the balance before (5.00 + 10.00 = 15.00);
SELECT crash_analytics.log_crash_round('edge', 's1', 'aviator', 'dafabet', 3, 10.00, 3.00, 1.50,
  running_balance_after => 10.00) IS NOT NULL AS stake_above_derived_balance;
--   an auto cash-out at the target (no cashout_multiplier sent);
SELECT crash_analytics.log_crash_round('edge', 's1', 'aviator', 'dafabet', 4, 10.00, 3.00,
  round_outcome => 'win', target_multiplier => 2.00) IS NOT NULL AS auto_cashout;
--   a session started with a balance of another scale (100): rounds take it as sent;
SELECT crash_analytics.start_session('edge', 's2', balance_start => 100) IS NOT NULL AS edge_s2;
SELECT crash_analytics.log_crash_round('edge', 's2', 'aviator', 'dafabet', 1, 10.00, 1.10, 2.00) IS NOT NULL AS balance_from_session;
--   0 and 8 decimals, a WIN one unit off each (10 x 1.55 = 15.5 -> 16, paid 15;
--   10.5 x 1.55 = 16.275, paid 16.27500001), stakes stored at the currency's scale.
SELECT crash_analytics.log_crash_round('edge', 's3', 'edge_game', 'zero', 1, 10, 2.00, 1.55,
  profit_loss => 5) IS NOT NULL AS yen_win;
SELECT crash_analytics.log_crash_round('edge', 's4', 'edge_game', 'eight', 1, 10.5, 2.00, 1.55,
  profit_loss => 5.77500001) IS NOT NULL AS btc_win;
SELECT session_id, round_number, round_outcome, stake_value, cashout_multiplier, payout_value, profit_loss,
	   running_balance_before, running_balance_after
  FROM crash_analytics.crash_game_rounds WHERE bot_id = 'edge' ORDER BY id;
-- and the stored rows pass a re-check of every constraint (an UPDATE of
-- metadata writes a new row version, which the CHECKs judge again)
UPDATE crash_analytics.crash_game_rounds SET metadata = '{"rechecked": true}' WHERE bot_id = 'edge';
SELECT count(*) AS rechecked FROM crash_analytics.crash_game_rounds WHERE bot_id = 'edge' AND metadata ? 'rechecked';
SELECT check_name, ok FROM crash_analytics.verify_consistency() WHERE check_name = 'round_derivation';

DROP EXTENSION crash_analytics;
DROP SCHEMA crash_analytics;

-- 5. The update to 1.2 validates the rows it finds: a 1.1 database holding a
-- restored WIN without a cash-out stops the update with the constraint's
-- name (23514) and stays at 1.1; removed, the update goes through.
CREATE EXTENSION crash_analytics VERSION '1.1';
SELECT crash_analytics.log_crash_round('up', 's1', 'aviator', 'dafabet', 1, 10.00, 2.45, 1.33) IS NOT NULL AS logged;
SELECT pg_temp.try_insert('crash_game_rounds', (SELECT round FROM pg_temp.base),
	'{"bot_id": "up_restored", "cashout_multiplier": null}') AS restored_at_1_1;
ALTER EXTENSION crash_analytics UPDATE TO '1.2';
SELECT extversion FROM pg_extension WHERE extname = 'crash_analytics';
SELECT count(*) AS constraints_of_1_2 FROM pg_constraint WHERE conname = 'crash_game_rounds_win_cashout_check';
BEGIN;
SET LOCAL crash_analytics.allow_round_deletes = on;
DELETE FROM crash_analytics.crash_game_rounds WHERE bot_id = 'up_restored';
COMMIT;
ALTER EXTENSION crash_analytics UPDATE TO '1.2';
SELECT extversion FROM pg_extension WHERE extname = 'crash_analytics';
SELECT check_name, ok FROM crash_analytics.verify_consistency() WHERE NOT ok;

DROP EXTENSION crash_analytics;
DROP SCHEMA crash_analytics;
