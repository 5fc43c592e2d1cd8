-- Bad inputs: every one is refused with an SQLSTATE, a message that names
-- the field (and a detail/hint where useful), and nothing is written.
--
-- pg_temp.bad(sql) runs one call and prints
--     SQLSTATE: message
--       DETAIL: ...   HINT: ...   CONTEXT: ... (when present)
--       => nothing written                  (or "WRITTEN: " and what changed)
-- "Nothing written" compares the row count and an md5 of the contents of
-- every table of the extension (every table of schema crash_analytics, listed
-- from the catalog, so that a table a version adds is covered too) before and
-- after the call (pg_temp.snap() and pg_temp.since_snap()).  The call runs in
-- a subtransaction (plpgsql EXCEPTION), so a refused call is rolled back by
-- PostgreSQL anyway; what the comparison catches is a bad input that is NOT
-- refused (it prints "no error" and what it wrote).  Two errors are also let
-- through to psql as they are (the batch, with its CONTEXT line, and COPY),
-- each between snap() and since_snap().
SET timezone = 'UTC';
SET extra_float_digits = 0;
SET datestyle = 'ISO, YMD';
CREATE EXTENSION crash_analytics;

CREATE FUNCTION pg_temp.try(sql text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	st text; msg text; det text; hnt text; ctx text;
BEGIN
	EXECUTE sql;
	RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT,
		det = PG_EXCEPTION_DETAIL, hnt = PG_EXCEPTION_HINT, ctx = PG_EXCEPTION_CONTEXT;
	-- keep the extension's own context lines (the batch element), not what
	-- this helper's EXECUTE adds (the statement, "PL/pgSQL function pg_temp_N...")
	ctx := regexp_replace(ctx, '(^|\n)(SQL statement|PL/pgSQL function|SQL function).*$', '');
	RETURN st || ': ' || msg
		|| coalesce(E'\n  DETAIL: ' || nullif(det, ''), '')
		|| coalesce(E'\n  HINT: ' || nullif(hnt, ''), '')
		|| coalesce(E'\n  CONTEXT: ' || nullif(ctx, ''), '');
END
$$;

-- one row per table of the schema: row count and a digest of the contents
CREATE FUNCTION pg_temp.state() RETURNS TABLE (tbl text, n bigint, digest text)
LANGUAGE plpgsql AS $$
DECLARE
	t text;
BEGIN
	FOR t IN SELECT c.relname FROM pg_catalog.pg_class c
			  WHERE c.relnamespace = 'crash_analytics'::regnamespace AND c.relkind IN ('r', 'p')
			  ORDER BY 1 LOOP
		RETURN QUERY EXECUTE format(
			'SELECT %L::text, count(*), md5(coalesce(string_agg(x::text, %L ORDER BY x::text), %L))
			   FROM crash_analytics.%I x', t, E'\n', '', t);
	END LOOP;
END
$$;

-- snap() remembers the state of every table; since_snap() says what changed
CREATE TEMP TABLE snapshot (tbl text, n bigint, digest text);
CREATE FUNCTION pg_temp.snap() RETURNS void LANGUAGE sql AS $$
	TRUNCATE snapshot;
	INSERT INTO snapshot SELECT * FROM pg_temp.state();
$$;
CREATE FUNCTION pg_temp.since_snap() RETURNS text LANGUAGE sql AS $$
	SELECT coalesce('WRITTEN: ' || string_agg(format('%s %s -> %s rows%s', a.tbl, b.n, a.n,
			CASE WHEN a.n = b.n THEN ' (contents changed)' ELSE '' END), ', ' ORDER BY a.tbl),
		'nothing written')
	  FROM pg_temp.state() a JOIN snapshot b USING (tbl)
	 WHERE a.digest <> b.digest OR a.n <> b.n
$$;

-- run one bad input; report its error and whether anything was written
CREATE FUNCTION pg_temp.bad(sql text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	err text;
BEGIN
	PERFORM pg_temp.snap();
	err := pg_temp.try(sql);
	RETURN err || E'\n  => ' || pg_temp.since_snap();
END
$$;

-- row counts of every table
CREATE FUNCTION pg_temp.totals() RETURNS TABLE (tbl text, n bigint) LANGUAGE sql AS $$
	SELECT tbl, n FROM pg_temp.state() ORDER BY tbl
$$;

-- Good data to be wrong about: bot b1, session s1, rounds 1 and 2 of aviator/dafabet
-- (USD, 2 decimals, bets 0.10 to 100.00, multipliers up to 1000000.00).
SELECT crash_analytics.log_crash_round('b1', 's1', 'aviator', 'dafabet', 1,
  stake_value => 10.00, crash_multiplier => 2.45, cashout_multiplier => 1.33,
  round_outcome => 'WIN', profit_loss => 3.30,
  running_balance_before => 1000.00, running_balance_after => 1003.30,
  round_started_at => '2026-01-05 10:00:00+00', round_ended_at => '2026-01-05 10:00:09+00') AS round_1;
SELECT crash_analytics.log_crash_round('b1', 's1', 'aviator', 'dafabet', 2,
  stake_value => 10.00, crash_multiplier => 1.20, cashout_multiplier => 1.50,
  round_started_at => '2026-01-05 10:00:20+00') AS round_2;
-- a session that has ended, and a game/platform that is switched off
SELECT crash_analytics.start_session('b1', 's_done', 'aviator', 'dafabet', 500.00,
  started_at => '2026-01-05 09:00:00+00') AS s_done;
SELECT crash_analytics.end_session('b1', 's_done', 'completed', ended_at => '2026-01-05 09:30:00+00') AS s_done;
SELECT crash_analytics.register_game_platform('aviator', 'closed_casino', 0.97, is_active => false) AS closed_casino;

SELECT * FROM pg_temp.totals();

\pset tuples_only on
\pset format unaligned

-- ======================================================================
-- 1. Required fields (22004 null_value_not_allowed)
-- ======================================================================
SELECT pg_temp.bad($$SELECT crash_analytics.log_crash_round(NULL, 's1', 'aviator', 'dafabet', 3, 10.00, 2.00)$$);
SELECT pg_temp.bad($$SELECT crash_analytics.log_crash_round('b1', NULL, 'aviator', 'dafabet', 3, 10.00, 2.00)$$);
SELECT pg_temp.bad($$SELECT crash_analytics.log_crash_round('b1', 's1', NULL, 'dafabet', 3, 10.00, 2.00)$$);
SELECT pg_temp.bad($$SELECT crash_analytics.log_crash_round('b1', 's1', 'aviator', NULL, 3, 10.00, 2.00)$$);
SELECT pg_temp.bad($$SELECT crash_analytics.log_crash_round('b1', 's1', 'aviator', 'dafabet', NULL, 10.00, 2.00)$$);
SELECT pg_temp.bad($$SELECT crash_analytics.log_crash_round('b1', 's1', 'aviator', 'dafabet', 3, 10.00, NULL)$$);
-- a WIN needs a stake, and the multiplier it was cashed out at (or its target)
SELECT pg_temp.bad($$SELECT crash_analytics.log_crash_round('b1', 's1', 'aviator', 'dafabet', 3, NULL, 2.00, 1.50, 'WIN')$$);
SELECT pg_temp.bad($$SELECT crash_analytics.log_crash_round('b1', 's1', 'aviator', 'dafabet', 3, 10.00, 2.00, NULL, 'WIN')$$);

-- ======================================================================
-- 2. Stakes
-- ======================================================================
-- negative stake on a LOSS, zero stake on a WIN (22023)
SELECT pg_temp.bad($$SELECT crash_analytics.log_crash_round('b1', 's1', 'aviator', 'dafabet', 3, -10.00, 2.00, round_outcome => 'LOSS')$$);
SELECT pg_temp.bad($$SELECT crash_analytics.log_crash_round('b1', 's1', 'aviator', 'dafabet', 3, 0, 2.00, 1.50, 'WIN')$$);
-- more decimals than USD has (22023)
SELECT pg_temp.bad($$SELECT crash_analytics.log_crash_round('b1', 's1', 'aviator', 'dafabet', 3, 10.001, 2.00, 1.50)$$);
-- outside aviator/dafabet's bet limits 0.10 .. 100.00 (22003)
SELECT pg_temp.bad($$SELECT crash_analytics.log_crash_round('b1', 's1', 'aviator', 'dafabet', 3, 0.05, 2.00, 1.50)$$);
SELECT pg_temp.bad($$SELECT crash_analytics.log_crash_round('b1', 's1', 'aviator', 'dafabet', 3, 100.01, 2.00, 1.50)$$);
-- larger than the balance the bot had (22023)
SELECT pg_temp.bad($$SELECT crash_analytics.log_crash_round('b1', 's1', 'aviator', 'dafabet', 3, 10.00, 2.00, 1.50, running_balance_before => 5.00)$$);
-- a SKIP observes a round without betting: no stake (22023)
SELECT pg_temp.bad($$SELECT crash_analytics.log_crash_round('b1', 's1', 'aviator', 'dafabet', 3, 10.00, 2.00, round_outcome => 'SKIP')$$);

-- ======================================================================
-- 3. Numbers that are not numbers: NaN (22023) and +/-Infinity (22003)
-- ======================================================================
SELECT pg_temp.bad($$SELECT crash_analytics.log_crash_round('b1', 's1', 'aviator', 'dafabet', 3, 'NaN', 2.00, 1.50)$$);
SELECT pg_temp.bad($$SELECT crash_analytics.log_crash_round('b1', 's1', 'aviator', 'dafabet', 3, 'Infinity', 2.00, 1.50)$$);
SELECT pg_temp.bad($$SELECT crash_analytics.log_crash_round('b1', 's1', 'aviator', 'dafabet', 3, 10.00, 'NaN', 1.50)$$);
SELECT pg_temp.bad($$SELECT crash_analytics.log_crash_round('b1', 's1', 'aviator', 'dafabet', 3, 10.00, 'Infinity', 1.50)$$);
SELECT pg_temp.bad($$SELECT crash_analytics.log_crash_round('b1', 's1', 'aviator', 'dafabet', 3, 10.00, '-Infinity', 1.50)$$);
SELECT pg_temp.bad($$SELECT crash_analytics.log_crash_round('b1', 's1', 'aviator', 'dafabet', 3, 10.00, 2.00, 1.50, profit_loss => 'NaN')$$);
SELECT pg_temp.bad($$SELECT crash_analytics.log_crash_round('b1', 's1', 'aviator', 'dafabet', 3, 10.00, 2.00, 1.50, profit_loss => '-Infinity')$$);
SELECT pg_temp.bad($$SELECT crash_analytics.log_crash_round('b1', 's1', 'aviator', 'dafabet', 3, 10.00, 2.00, 1.50, profit_loss => 'Infinity')$$);
-- finite but absurd: |value| >= 10^15 (22003)
SELECT pg_temp.bad($$SELECT crash_analytics.log_crash_round('b1', 's1', 'aviator', 'dafabet', 3, 10.00, 2.00, 1.50, running_balance_before => 1e15)$$);

-- ======================================================================
-- 4. Multipliers
-- ======================================================================
-- below 1.00 (22003)
SELECT pg_temp.bad($$SELECT crash_analytics.log_crash_round('b1', 's1', 'aviator', 'dafabet', 3, 10.00, 0.99)$$);
SELECT pg_temp.bad($$SELECT crash_analytics.log_crash_round('b1', 's1', 'aviator', 'dafabet', 3, 10.00, 2.00, 0.50)$$);
-- more than two decimals (22023)
SELECT pg_temp.bad($$SELECT crash_analytics.log_crash_round('b1', 's1', 'aviator', 'dafabet', 3, 10.00, 2.455, 1.50)$$);
SELECT pg_temp.bad($$SELECT crash_analytics.log_crash_round('b1', 's1', 'aviator', 'dafabet', 3, 10.00, 2.45, 1.333)$$);
-- above the game's maximum: aviatrix/dafabet stops at 10000.00 (22003)
SELECT pg_temp.bad($$SELECT crash_analytics.log_crash_round('b1', 's1', 'aviatrix', 'dafabet', 3, 10.00, 10000.01)$$);
SELECT pg_temp.bad($$SELECT crash_analytics.log_crash_round('b1', 's1', 'aviatrix', 'dafabet', 3, 10.00, 2.00, target_multiplier => 20000.00)$$);

-- ======================================================================
-- 5. Outcome against the multipliers (22023)
-- ======================================================================
-- a WIN cashed out above the crash
SELECT pg_temp.bad($$SELECT crash_analytics.log_crash_round('b1', 's1', 'aviator', 'dafabet', 3, 10.00, 1.80, 2.00, 'WIN')$$);
-- a LOSS cashed out at the crash, and below it: both would have won
SELECT pg_temp.bad($$SELECT crash_analytics.log_crash_round('b1', 's1', 'aviator', 'dafabet', 3, 10.00, 2.00, 2.00, 'LOSS')$$);
SELECT pg_temp.bad($$SELECT crash_analytics.log_crash_round('b1', 's1', 'aviator', 'dafabet', 3, 10.00, 2.00, 1.50, 'LOSS')$$);
-- a SKIP with a cash-out
SELECT pg_temp.bad($$SELECT crash_analytics.log_crash_round('b1', 's1', 'aviator', 'dafabet', 3, 0, 2.00, 1.50, 'SKIP')$$);
-- an outcome word that is not one
SELECT pg_temp.bad($$SELECT crash_analytics.log_crash_round('b1', 's1', 'aviator', 'dafabet', 3, 10.00, 2.00, 1.50, 'WON')$$);

-- ======================================================================
-- 6. Money that disagrees with the derivation (22023)
-- ======================================================================
-- WIN: 10.00 x 1.50 = 15.00, profit 5.00; 5.01 is within one minor unit, 5.02 is not
SELECT pg_temp.bad($$SELECT crash_analytics.log_crash_round('b1', 's1', 'aviator', 'dafabet', 3, 10.00, 2.00, 1.50, 'WIN', profit_loss => 5.02)$$);
-- LOSS: profit is exactly -10.00; -9.99 is one minor unit off and refused
SELECT pg_temp.bad($$SELECT crash_analytics.log_crash_round('b1', 's1', 'aviator', 'dafabet', 3, 10.00, 1.20, 1.50, 'LOSS', profit_loss => -9.99)$$);
-- VOID: the stake comes back, profit exactly 0
SELECT pg_temp.bad($$SELECT crash_analytics.log_crash_round('b1', 's1', 'aviator', 'dafabet', 3, 10.00, 1.20, round_outcome => 'VOID', profit_loss => -10.00)$$);
-- balance after: 1000.00 + 5.00 = 1005.00, sent 1005.02
SELECT pg_temp.bad($$SELECT crash_analytics.log_crash_round('b1', 's1', 'aviator', 'dafabet', 3, 10.00, 2.00, 1.50, 'WIN', 5.00, 1000.00, 1005.02)$$);
-- negative balances (22003)
SELECT pg_temp.bad($$SELECT crash_analytics.log_crash_round('b1', 's1', 'aviator', 'dafabet', 3, 0, 2.00, round_outcome => 'SKIP', running_balance_before => -5.00)$$);
SELECT pg_temp.bad($$SELECT crash_analytics.log_crash_round('b1', 's1', 'aviator', 'dafabet', 3, 0, 2.00, round_outcome => 'SKIP', running_balance_after => -5.00)$$);
-- a balance after alone that implies a negative one before: a WIN of profit 5.00
-- (10.00 at 1.50x) that ends at 0 started at -5.00 (22023)
SELECT pg_temp.bad($$SELECT crash_analytics.log_crash_round('b1', 's1', 'aviator', 'dafabet', 3, 10.00, 2.00, 1.50, running_balance_after => 0)$$);

-- ======================================================================
-- 7. Game and platform
-- ======================================================================
-- unknown (23503, the hint says how to register it)
SELECT pg_temp.bad($$SELECT crash_analytics.log_crash_round('b1', 's1', 'crashx', 'dafabet', 3, 10.00, 2.00, 1.50)$$);
SELECT pg_temp.bad($$SELECT crash_analytics.log_crash_round('b1', 's1', 'aviator', 'nowhere', 3, 10.00, 2.00, 1.50)$$);
-- switched off (55000)
SELECT pg_temp.bad($$SELECT crash_analytics.log_crash_round('b1', 's1', 'aviator', 'closed_casino', 3, 10.00, 2.00, 1.50)$$);

-- ======================================================================
-- 8. Text, integers, JSON, timestamps
-- ======================================================================
-- 200 characters of bot_id (22001); 8193 of error_message (22001)
SELECT pg_temp.bad(format($$SELECT crash_analytics.log_crash_round(%L, 's1', 'aviator', 'dafabet', 3, 10.00, 2.00, 1.50)$$, repeat('b', 200)));
SELECT pg_temp.bad(format($$SELECT crash_analytics.log_crash_round('b1', 's1', 'aviator', 'dafabet', 3, 10.00, 2.00, 1.50, error_message => %L)$$, repeat('e', 8193)));
-- empty, and with a control character (22023)
SELECT pg_temp.bad($$SELECT crash_analytics.log_crash_round('', 's1', 'aviator', 'dafabet', 3, 10.00, 2.00, 1.50)$$);
SELECT pg_temp.bad($$SELECT crash_analytics.log_crash_round(E'b1\t', 's1', 'aviator', 'dafabet', 3, 10.00, 2.00, 1.50)$$);
-- the position is counted in characters, not bytes
SELECT pg_temp.bad($$SELECT crash_analytics.log_crash_round(E'b\u00f6\t', 's1', 'aviator', 'dafabet', 3, 10.00, 2.00, 1.50)$$);
-- bet_slot 1..16, round_number >= 0, ocr_confidence 0..1 (22003)
SELECT pg_temp.bad($$SELECT crash_analytics.log_crash_round('b1', 's1', 'aviator', 'dafabet', 3, 10.00, 2.00, 1.50, bet_slot => 17)$$);
SELECT pg_temp.bad($$SELECT crash_analytics.log_crash_round('b1', 's1', 'aviator', 'dafabet', 3, 10.00, 2.00, 1.50, bet_slot => 0)$$);
SELECT pg_temp.bad($$SELECT crash_analytics.log_crash_round('b1', 's1', 'aviator', 'dafabet', -3, 10.00, 2.00, 1.50)$$);
SELECT pg_temp.bad($$SELECT crash_analytics.log_crash_round('b1', 's1', 'aviator', 'dafabet', 3, 10.00, 2.00, 1.50, ocr_confidence => 1.01)$$);
SELECT pg_temp.bad($$SELECT crash_analytics.log_crash_round('b1', 's1', 'aviator', 'dafabet', 3, 10.00, 2.00, 1.50, retry_count => -1)$$);
-- metadata must be an object (22023)
SELECT pg_temp.bad($$SELECT crash_analytics.log_crash_round('b1', 's1', 'aviator', 'dafabet', 3, 10.00, 2.00, 1.50, metadata => '[1, 2]')$$);
-- the detail shows at most 64 bytes of the JSON sent
SELECT pg_temp.bad($$SELECT crash_analytics.log_crash_round('b1', 's1', 'aviator', 'dafabet', 3, 10.00, 2.00, 1.50,
  metadata => to_jsonb(ARRAY(SELECT 'key ' || g FROM generate_series(1, 40) g)))$$);
-- tags: no NULL element (22004)
SELECT pg_temp.bad($$SELECT crash_analytics.log_crash_round('b1', 's1', 'aviator', 'dafabet', 3, 10.00, 2.00, 1.50, tags => ARRAY['ok', NULL])$$);
SELECT pg_temp.bad($$SELECT crash_analytics.log_crash_round('b1', 's1', 'aviator', 'dafabet', 3, 10.00, 2.00, 1.50, tags => ARRAY[['a', 'b'], ['c', 'd']])$$);
-- a round that ends before it starts; a timestamp at infinity (22023)
SELECT pg_temp.bad($$SELECT crash_analytics.log_crash_round('b1', 's1', 'aviator', 'dafabet', 3, 10.00, 2.00, 1.50,
  round_started_at => '2026-01-05 10:01:00+00', round_ended_at => '2026-01-05 10:00:59+00')$$);
SELECT pg_temp.bad($$SELECT crash_analytics.log_crash_round('b1', 's1', 'aviator', 'dafabet', 3, 10.00, 2.00, 1.50, round_started_at => 'infinity')$$);

-- ======================================================================
-- 9. Retries, sessions, rounds already logged
-- ======================================================================
-- round 1 again with a different stake and profit (23505, the detail lists the fields)
SELECT pg_temp.bad($$SELECT crash_analytics.log_crash_round('b1', 's1', 'aviator', 'dafabet', 1,
  stake_value => 20.00, crash_multiplier => 2.45, cashout_multiplier => 1.33,
  round_outcome => 'WIN', profit_loss => 6.60)$$);
-- round 1 again in another case of game name is the same round; a different outcome is not
SELECT pg_temp.bad($$SELECT crash_analytics.log_crash_round('b1', 's1', 'AVIATOR', 'dafabet', 1,
  stake_value => 10.00, crash_multiplier => 2.45, round_outcome => 'LOSS')$$);
-- a second bet slot of round 1 that saw another crash multiplier (22023)
SELECT pg_temp.bad($$SELECT crash_analytics.log_crash_round('b1', 's1', 'aviator', 'dafabet', 1, 10.00, 2.50, 1.50, bet_slot => 2)$$);
-- a second bet slot of round 1 in another game (22023)
SELECT pg_temp.bad($$SELECT crash_analytics.log_crash_round('b1', 's1', 'jetx', 'dafabet', 1, 10.00, 2.45, 1.50, bet_slot => 2)$$);
-- a session that has ended (55000)
SELECT pg_temp.bad($$SELECT crash_analytics.log_crash_round('b1', 's_done', 'aviator', 'dafabet', 1, 10.00, 2.00, 1.50)$$);

-- ======================================================================
-- 10. The batch: all or nothing, the error names the element
-- ======================================================================
-- not an array (22023)
SELECT pg_temp.bad($$SELECT crash_analytics.log_crash_rounds('{"bot_id": "b1"}')$$);
-- element 2 is not an object
SELECT pg_temp.bad($$SELECT crash_analytics.log_crash_rounds('[
  {"bot_id": "b1", "session_id": "s_batch", "game_name": "jetx", "platform_code": "dafabet", "round_number": 1, "stake_value": 5.00, "crash_multiplier": 1.20, "cashout_multiplier": 2.00},
  42]')$$);
-- element 1 has a key that is not an argument of log_crash_round
SELECT pg_temp.bad($$SELECT crash_analytics.log_crash_rounds('[
  {"bot_id": "b1", "session_id": "s_batch", "game_name": "jetx", "platform_code": "dafabet", "round_number": 1, "stake": 5.00, "crash_multiplier": 1.20}]')$$);
-- a key like none of them: no hint
SELECT pg_temp.bad($$SELECT crash_analytics.log_crash_rounds('[
  {"bot_id": "b1", "session_id": "s_batch", "game_name": "jetx", "platform_code": "dafabet", "round_number": 1, "colour": "red", "crash_multiplier": 1.20}]')$$);
-- element 1 has a value of the wrong JSON type
SELECT pg_temp.bad($$SELECT crash_analytics.log_crash_rounds('[
  {"bot_id": "b1", "session_id": "s_batch", "game_name": "jetx", "platform_code": "dafabet", "round_number": 1, "stake_value": [5], "crash_multiplier": 1.20}]')$$);
-- tags must be an array of strings
SELECT pg_temp.bad($$SELECT crash_analytics.log_crash_rounds('[
  {"bot_id": "b1", "session_id": "s_batch", "game_name": "jetx", "platform_code": "dafabet", "round_number": 1, "crash_multiplier": 1.20, "tags": "night"}]')$$);
SELECT pg_temp.bad($$SELECT crash_analytics.log_crash_rounds('[
  {"bot_id": "b1", "session_id": "s_batch", "game_name": "jetx", "platform_code": "dafabet", "round_number": 1, "crash_multiplier": 1.20, "tags": ["night", 2]}]')$$);
-- element 1 has a round_number that is not a whole number (22P02, from bigint's input)
SELECT pg_temp.bad($$SELECT crash_analytics.log_crash_rounds('[
  {"bot_id": "b1", "session_id": "s_batch", "game_name": "jetx", "platform_code": "dafabet", "round_number": "one", "stake_value": 5.00, "crash_multiplier": 1.20}]')$$);
-- element 2 is element 1 again with another stake: a retry with different content (23505)
SELECT pg_temp.bad($$SELECT crash_analytics.log_crash_rounds('[
  {"bot_id": "b1", "session_id": "s_batch", "game_name": "jetx", "platform_code": "dafabet", "round_number": 1, "stake_value": 5.00, "crash_multiplier": 1.20, "cashout_multiplier": 2.00},
  {"bot_id": "b1", "session_id": "s_batch", "game_name": "jetx", "platform_code": "dafabet", "round_number": 1, "stake_value": 6.00, "crash_multiplier": 1.20, "cashout_multiplier": 2.00}]')$$);
-- elements 1 and 2 are good, element 3 has a multiplier below 1.00: none is written
SELECT pg_temp.bad($$SELECT crash_analytics.log_crash_rounds('[
  {"bot_id": "b1", "session_id": "s_batch", "game_name": "jetx", "platform_code": "dafabet", "round_number": 1, "stake_value": 5.00, "crash_multiplier": 1.20, "cashout_multiplier": 2.00},
  {"bot_id": "b1", "session_id": "s_batch", "game_name": "jetx", "platform_code": "dafabet", "round_number": 2, "stake_value": 0, "crash_multiplier": 7.31},
  {"bot_id": "b1", "session_id": "s_batch", "game_name": "jetx", "platform_code": "dafabet", "round_number": 3, "stake_value": 5.00, "crash_multiplier": 0.97}]')$$);

\pset tuples_only off
\pset format aligned
-- the same batch, its error let through as psql shows it (with the CONTEXT line)
\set VERBOSITY default
\set SHOW_CONTEXT always
SELECT pg_temp.snap();
SELECT crash_analytics.log_crash_rounds('[
  {"bot_id": "b1", "session_id": "s_batch", "game_name": "jetx", "platform_code": "dafabet", "round_number": 1, "stake_value": 5.00, "crash_multiplier": 1.20, "cashout_multiplier": 2.00},
  {"bot_id": "b1", "session_id": "s_batch", "game_name": "jetx", "platform_code": "dafabet", "round_number": 2, "stake_value": 0, "crash_multiplier": 7.31},
  {"bot_id": "b1", "session_id": "s_batch", "game_name": "jetx", "platform_code": "dafabet", "round_number": 3, "stake_value": 5.00, "crash_multiplier": 0.97}]');
\set SHOW_CONTEXT errors
SELECT pg_temp.since_snap() AS after_batch;
-- elements 1 and 2 were not written: no round, no multiplier, no session s_batch
SELECT (SELECT count(*) FROM crash_analytics.crash_game_rounds WHERE session_id = 's_batch') AS rounds,
       (SELECT count(*) FROM crash_analytics.analytics_round_multipliers WHERE session_id = 's_batch') AS multipliers,
       (SELECT count(*) FROM crash_analytics.session_logs WHERE session_id = 's_batch') AS sessions;
\pset tuples_only on
\pset format unaligned

-- ======================================================================
-- 11. Plain INSERT and COPY: the BEFORE INSERT trigger gives the same errors
-- ======================================================================
SELECT pg_temp.bad($$INSERT INTO crash_analytics.crash_game_rounds
  (bot_id, session_id, game_name, platform_code, round_number, stake_value, crash_multiplier, cashout_multiplier, round_outcome)
  VALUES ('b1', 's1', 'aviator', 'dafabet', 3, 10.00, 1.80, 2.00, 'WIN')$$);
SELECT pg_temp.bad($$INSERT INTO crash_analytics.crash_game_rounds
  (bot_id, session_id, game_name, platform_code, round_number, stake_value, crash_multiplier)
  VALUES ('b1', 's1', 'aviator', 'dafabet', 3, 10.00, 0.99)$$);
SELECT pg_temp.bad($$INSERT INTO crash_analytics.crash_game_rounds
  (bot_id, session_id, game_name, platform_code, round_number, stake_value, crash_multiplier, cashout_multiplier)
  VALUES ('b1', 's1', 'crashx', 'dafabet', 3, 10.00, 2.00, 1.50)$$);
SELECT pg_temp.bad($$INSERT INTO crash_analytics.crash_game_rounds
  (bot_id, session_id, game_name, platform_code, round_number, stake_value, crash_multiplier, cashout_multiplier, profit_loss)
  VALUES ('b1', 's1', 'aviator', 'dafabet', 3, 10.00, 2.00, 1.50, 5.02)$$);
-- an INSERT may also send the payout: it must agree too
SELECT pg_temp.bad($$INSERT INTO crash_analytics.crash_game_rounds
  (bot_id, session_id, game_name, platform_code, round_number, stake_value, crash_multiplier, cashout_multiplier, payout_value)
  VALUES ('b1', 's1', 'aviator', 'dafabet', 3, 10.00, 2.00, 1.50, 15.02)$$);
-- a multi-row INSERT whose second row is bad writes neither row
SELECT pg_temp.bad($$INSERT INTO crash_analytics.crash_game_rounds
  (bot_id, session_id, game_name, platform_code, round_number, stake_value, crash_multiplier, cashout_multiplier, round_outcome)
  VALUES ('b1', 's1', 'aviator', 'dafabet', 3, 10.00, 2.00, 1.50, 'WIN'),
         ('b1', 's1', 'aviator', 'dafabet', 4, 10.00, 2.00, 1.50, 'WON')$$);
-- rounds are immutable: UPDATE of a derived column, DELETE
SELECT pg_temp.bad($$UPDATE crash_analytics.crash_game_rounds SET profit_loss = 100 WHERE round_number = 1$$);
SELECT pg_temp.bad($$DELETE FROM crash_analytics.crash_game_rounds WHERE round_number = 1$$);

\pset tuples_only off
\pset format aligned
-- COPY with a bad second line: the error names the line, nothing is written
SELECT pg_temp.snap();
COPY crash_analytics.crash_game_rounds (bot_id, session_id, game_name, platform_code, round_number, stake_value, crash_multiplier, cashout_multiplier) FROM STDIN;
b1	s_copy	jetx	dafabet	1	5.00	2.10	2.00
b1	s_copy	jetx	dafabet	2	5.00	2.10	1.001
\.
SELECT pg_temp.since_snap() AS after_copy;
\pset tuples_only on
\pset format unaligned

-- ======================================================================
-- 12. The other loggers
-- ======================================================================
SELECT pg_temp.bad($$SELECT crash_analytics.log_error('b1', 'ocr_timeout', 'no multiplier on screen', severity => 'fatal')$$);
SELECT pg_temp.bad($$SELECT crash_analytics.log_error('b1', 'ocr_timeout', NULL)$$);
SELECT pg_temp.bad($$SELECT crash_analytics.log_error('b1', 'ocr_timeout', 'x', context => '"not an object"')$$);
SELECT pg_temp.bad($$SELECT crash_analytics.log_ocr_validation('b1', '2.45x', parsed_value => 2.45, confidence => 1.5)$$);
SELECT pg_temp.bad($$SELECT crash_analytics.log_ocr_validation('b1', '?.??x', is_valid => true)$$);
SELECT pg_temp.bad($$SELECT crash_analytics.register_bot('b2', signal_rules => '[{"rule": "low_streak", "length": 3, "below": 2.00}]')$$);
SELECT pg_temp.bad($$SELECT crash_analytics.register_bot('b2', signal_rules => '[{"rule": "low_streak", "length": 3, "below": 2.00, "target": 1.80, "targte": 2}]')$$);
SELECT pg_temp.bad($$SELECT crash_analytics.register_bot('b2', signal_rules => '{"rule": "high_after"}')$$);
SELECT pg_temp.bad($$SELECT crash_analytics.register_bot('b2', signal_rules => '["low_streak"]')$$);
SELECT pg_temp.bad($$SELECT crash_analytics.register_bot('b2', signal_rules => '[{"length": 3, "below": 2.00, "target": 1.80}]')$$);
SELECT pg_temp.bad($$SELECT crash_analytics.register_bot('b2', signal_rules => '[{"rule": "low_streak", "length": "3", "below": 2.00, "target": 1.80}]')$$);
SELECT pg_temp.bad($$SELECT crash_analytics.register_bot('b2', signal_rules => '[{"rule": "low_streak", "length": 80, "below": 2.00, "target": 1.80}]')$$);
SELECT pg_temp.bad($$SELECT crash_analytics.register_bot('b2', signal_rules => '[{"rule": "high_after", "above": 10.00, "target": 1.005}]')$$);
SELECT pg_temp.bad($$SELECT crash_analytics.register_bot('b2', status => 'sleeping')$$);
SELECT pg_temp.bad($$SELECT crash_analytics.register_bot('b2', initial_balance => -1)$$);
SELECT pg_temp.bad($$SELECT crash_analytics.register_game_platform('spaceman', 'stake', 1.5)$$);
SELECT pg_temp.bad($$SELECT crash_analytics.register_game_platform('spaceman', 'stake', NULL)$$);
SELECT pg_temp.bad($$SELECT crash_analytics.register_game_platform('space man', 'stake', 0.97)$$);
SELECT pg_temp.bad($$SELECT crash_analytics.register_game_platform('spaceman', 'stake', 0.97, min_bet => 10, max_bet => 5)$$);
SELECT pg_temp.bad($$SELECT crash_analytics.register_game_platform('spaceman', 'stake', 0.97, currency_decimals => 9)$$);
SELECT pg_temp.bad($$SELECT crash_analytics.end_session('b1', 'no_such_session')$$);
SELECT pg_temp.bad($$SELECT crash_analytics.end_session('b1', 's_done', 'aborted')$$);
SELECT pg_temp.bad($$SELECT crash_analytics.end_session('b1', 's1', 'paused')$$);
SELECT pg_temp.bad($$SELECT crash_analytics.end_session('b1', 's1', ended_at => '2020-01-01 00:00:00+00')$$);
SELECT pg_temp.bad($$SELECT crash_analytics.log_round_signal('b1', 's1', 'aviator', 'dafabet', 'my_model', 1.00)$$);
SELECT pg_temp.bad($$SELECT crash_analytics.log_round_signal('b1', 's1', 'aviator', 'dafabet', 'my_model', 2.00, confidence_score => 1.2)$$);
SELECT pg_temp.bad($$SELECT crash_analytics.start_session('b1', 's9', 'aviator')$$);
SELECT pg_temp.bad($$SELECT crash_analytics.start_session('b1', 's9', started_at => '-infinity')$$);
SELECT pg_temp.bad($$SELECT crash_analytics.start_session('b1', 's9', 'aviator', 'dafabet', balance_start => -1.00)$$);
SELECT pg_temp.bad($$SELECT crash_analytics.start_session('b1', 's_done')$$);
SELECT pg_temp.bad($$SELECT crash_analytics.start_session('b1', 's1', 'jetx', 'dafabet')$$);
SELECT pg_temp.bad($$SELECT crash_analytics.log_round_multiplier_analytics('b1', 's1', 'aviator', 'dafabet', 1, 2.50)$$);
SELECT pg_temp.bad($$SELECT crash_analytics.log_round_multiplier_analytics('b1', 's1', 'aviator', 'dafabet', 9, 0.50)$$);
SELECT pg_temp.bad($$SELECT crash_analytics.log_round_outcome('b1', 's1', 'aviator', 'dafabet', 3, 0, 2.00, round_outcome => 'SKIP')$$);
SELECT pg_temp.bad($$SELECT crash_analytics.log_round_outcome('b1', 's1', 'aviator', 'dafabet', 3, NULL, 2.00)$$);
SELECT pg_temp.bad($$SELECT * FROM crash_analytics.get_bot_statistics('nobody')$$);

\pset tuples_only off
\pset format aligned
-- after all of the above, the tables hold what the good calls at the top wrote,
-- and not a row more
SELECT * FROM pg_temp.totals();

-- ======================================================================
-- After the refused calls: no stale state in this backend
-- ======================================================================
-- Every call above was refused in this backend, many of them after the write
-- path had looked up bot b1, its session s1, its series and aviator/dafabet
-- (what it caches between calls), and most of them for round 3 of s1.  A
-- good round 3 now is logged as if none of them had been made: a LOSS
-- (crash 1.20 under the cash-out 1.50, -10.00) after round 2 made the balance
-- 1003.30 - 10.00 = 993.30, a WIN of 10.00 at 1.50 (crash 2.00) pays 15.00,
-- profit 5.00, balance 998.30; the bot then has 3 rounds, 2 wins, 1 loss,
-- 30.00 staked and 3.30 - 10.00 + 5.00 = -1.70 profit.
SELECT crash_analytics.log_crash_round('b1', 's1', 'aviator', 'dafabet', 3,
  stake_value => 10.00, crash_multiplier => 2.00, cashout_multiplier => 1.50,
  round_started_at => '2026-01-05 10:00:40+00') IS NOT NULL AS round_3_logged;
SELECT round_number, round_outcome, payout_value, profit_loss, running_balance_before, running_balance_after
  FROM crash_analytics.crash_game_rounds WHERE bot_id = 'b1' ORDER BY round_number;
SELECT total_rounds, wins, losses, total_staked, total_profit, current_balance
  FROM crash_analytics.get_bot_statistics('b1');
SELECT session_id, rounds_played, wins, losses, total_staked, total_profit, balance_current
  FROM crash_analytics.session_logs WHERE bot_id = 'b1' ORDER BY session_id;
-- and a recomputation of every derived row and roll-up from the rounds finds
-- no difference (every check ran, none failed)
SELECT count(*) > 0 AS checks_ran, count(*) FILTER (WHERE NOT ok) AS checks_failed
  FROM crash_analytics.verify_consistency();
SELECT * FROM pg_temp.totals();

DROP EXTENSION crash_analytics;
DROP SCHEMA crash_analytics;
