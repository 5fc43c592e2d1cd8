-- The PL/pgSQL reference (test/bench/plpgsql_reference.sql) gives exactly the
-- rows and errors of the C function crash_analytics.log_crash_round: it is the
-- benchmark's baseline (issue 4, comparison 1(a)), so it must do the same work.
--
-- A seeded generator (the one of test/pgtap/ingest_paths.sql, plus hand-made
-- edge rounds) makes about 500 bet slots: six bots, two games on two
-- platforms, WIN/LOSS/SKIP/VOID, second bet slots, fields left out to be
-- derived, balances sent, half-sent or left to the session, timestamps over
-- four UTC hours, low streaks for the default low_streak rule and a bot with a
-- high_after rule, plus retries (the same content, a subset of it, or the same
-- values in another case or scale).  Everything is sent twice, in the same
-- order: to crash_analytics.log_crash_round by bots prefixed c_, and to
-- ca_ref.log_crash_round by bots prefixed p_.  Half-way, both get the same
-- events: a bot's own signals (log_round_signal) and a deleted series state
-- (rebuilt from history by the next multiplier).
--
-- Every table is then compared as JSON text (exact: 2.5 and 2.50 differ),
-- prefix stripped, logging times left out, and ids replaced by the natural
-- key of the row they point to.  Then the same bad inputs go through both
-- and must raise the same SQLSTATE, with nothing written.
--
-- Run by the test command through test/pgtap/reference_identity.sql.
\set ON_ERROR_STOP 1
\set QUIET 1
\pset format unaligned
\pset tuples_only true
\pset pager off
BEGIN;
CREATE EXTENSION crash_analytics;
SET LOCAL client_min_messages = warning;
\ir plpgsql_reference.sql
RESET client_min_messages;
SELECT plan(55);

SELECT is((SELECT pg_get_function_arguments(p.oid) || ' -> ' || pg_get_function_result(p.oid)
			 FROM pg_proc p WHERE p.oid = 'ca_ref.log_crash_round'::regproc),
		  (SELECT pg_get_function_arguments(p.oid) || ' -> ' || pg_get_function_result(p.oid)
			 FROM pg_proc p WHERE p.oid = 'crash_analytics.log_crash_round'::regproc),
		  'ca_ref.log_crash_round has the signature of crash_analytics.log_crash_round (names, types, defaults)');

-- ----------------------------------------------------------------------
-- The generator: deterministic, no random(): every draw is a hash of a key
-- ----------------------------------------------------------------------
CREATE FUNCTION pg_temp.u(k text) RETURNS numeric LANGUAGE sql IMMUTABLE AS
$$ SELECT ('x' || substr(md5(k), 1, 8))::bit(32)::bigint::numeric / 4294967296 $$;

CREATE TEMP TABLE gen_sessions (bot text, session_id text, game_name text, platform_code text,
	start_at timestamptz, balance_start numeric, n_rounds int, first_round bigint, started_by text);
-- gamma plays two sessions of one game (its signals run across them), delta
-- two sessions at the same time, epsilon never reports a balance
INSERT INTO gen_sessions VALUES
	('alpha', 'a1', 'aviator', 'dafabet', '2026-02-10 22:31:00+00', 1000.00, 48, 1,    'round'),
	('alpha', 'a2', 'jetx',    'demo',    '2026-02-11 00:05:10+00',  750.00, 40, 5001, 'round'),
	('beta',  'b1', 'aviator', 'dafabet', '2026-02-10 22:45:30+00',  800.00, 45, 1,    'start_session'),
	('beta',  'b2', 'jetx',    'demo',    '2026-02-11 00:20:00+00',  600.00, 38, 7001, 'start_session'),
	('gamma', 'g1', 'aviator', 'dafabet', '2026-02-10 22:58:20+00', 1200.00, 44, 1,    'round'),
	('gamma', 'g2', 'aviator', 'dafabet', '2026-02-11 00:31:40+00',  900.00, 36, 1,    'round'),
	('delta', 'd1', 'jetx',    'demo',    '2026-02-10 23:02:00+00', 1000.00, 46, 300,  'round'),
	('delta', 'd2', 'aviator', 'dafabet', '2026-02-10 23:30:00+00', 1000.00, 40, 900,  'round'),
	('epsilon', 'e1', 'aviator', 'dafabet', '2026-02-10 23:10:00+00', NULL,  42, 1,    'round');

CREATE TEMP TABLE gen_slots AS
WITH r AS (
	SELECT s.*, s.first_round + i - 1 AS round_number, k,
		   s.start_at + make_interval(secs => i * 90 + floor(pg_temp.u(k || 'jitter') * 30)::int) AS started,
		   CASE WHEN s.session_id = 'g1' AND i > s.n_rounds - 3 THEN 1.25 + i % 3 * 0.1	-- a low streak to end g1
				ELSE greatest(1.00, least(500.00, floor(0.97 / (1 - pg_temp.u(k || 'crash')) * 100) / 100))
		   END::numeric(12,2) AS crash
	  FROM gen_sessions s, generate_series(1, s.n_rounds) i,
		   LATERAL (SELECT s.bot || '/' || s.session_id || '/' || i AS k) kk),
slots AS (
	SELECT r.*, 1 AS slot, r.k || '/1' AS ks FROM r
	UNION ALL
	SELECT r.*, 2, r.k || '/2' FROM r WHERE pg_temp.u(r.k || 'slot2') < 0.25
)
SELECT slots.*,
	   CASE WHEN slot = 2 THEN CASE WHEN pg_temp.u(ks || 'kind') < 0.1 THEN 'VOID' ELSE 'BET' END
			WHEN pg_temp.u(ks || 'kind') < 0.15 THEN 'SKIP'
			WHEN pg_temp.u(ks || 'kind') < 0.21 THEN 'VOID' ELSE 'BET' END AS kind,
	   (0.50 + floor(pg_temp.u(ks || 'stake') * 40) / 2)::numeric(10,2) AS stake,
	   (ARRAY[1.50, 1.80, 2.00, 3.00, 1.20])[1 + floor(pg_temp.u(ks || 'target') * 5)::int] AS target,
	   CASE WHEN pg_temp.u(ks || 'mode') < 0.45 THEN 'auto'
			WHEN pg_temp.u(ks || 'mode') < 0.65 THEN 'target_only'
			WHEN pg_temp.u(ks || 'mode') < 0.85 THEN 'manual' ELSE 'none' END AS mode,
	   round(1.01 + pg_temp.u(ks || 'manual') * 3, 2) AS manual_cashout
  FROM slots;
DELETE FROM gen_slots g WHERE slot = 2 AND EXISTS
	(SELECT 1 FROM gen_slots g1 WHERE g1.k = g.k AND g1.slot = 1 AND g1.kind <> 'BET');

CREATE TEMP TABLE gen_truth AS
WITH a AS (
	SELECT g.*,
		   CASE WHEN kind = 'BET' AND mode = 'auto' AND target <= crash THEN target
				WHEN kind = 'BET' AND mode = 'manual' THEN manual_cashout END AS cashout_sent,
		   CASE WHEN kind = 'BET' AND mode IN ('auto', 'target_only') THEN target END AS target_sent,
		   CASE WHEN balance_start IS NULL THEN 'none'
				WHEN started_by = 'round' AND row_number() OVER (PARTITION BY bot, session_id
																 ORDER BY round_number, slot) = 1 THEN 'both'
				WHEN pg_temp.u(ks || 'bm') < 0.3 THEN 'both'
				WHEN pg_temp.u(ks || 'bm') < 0.45 THEN 'before'
				WHEN pg_temp.u(ks || 'bm') < 0.6 THEN 'after' ELSE 'none' END AS bm
	  FROM gen_slots g),
b AS (
	SELECT a.*,
		   CASE kind WHEN 'SKIP' THEN 'SKIP' WHEN 'VOID' THEN 'VOID'
				ELSE CASE WHEN coalesce(cashout_sent, target_sent) IS NULL THEN 'LOSS'
						  WHEN coalesce(cashout_sent, target_sent) <= crash THEN 'WIN' ELSE 'LOSS' END END AS outcome,
		   CASE WHEN kind = 'SKIP' THEN 0::numeric ELSE stake END AS t_stake
	  FROM a),
c AS (
	SELECT b.*,
		   CASE outcome WHEN 'WIN' THEN round(t_stake * coalesce(cashout_sent, target_sent), 2)
						WHEN 'VOID' THEN t_stake ELSE 0 END
		   -- the casino paid a cent more: told by profit_loss, or by both balances
		   + CASE WHEN outcome = 'WIN' AND (pg_temp.u(ks || 'profit') BETWEEN 0.35 AND 0.45
											OR (pg_temp.u(ks || 'profit') < 0.35 AND bm = 'both'
												AND pg_temp.u(ks || 'casino') < 0.5))
				  THEN 0.01 ELSE 0 END AS t_payout
	  FROM b)
SELECT c.*, t_payout - t_stake AS t_profit,
	   balance_start + coalesce(sum(t_payout - t_stake) OVER w, 0) AS t_before,
	   balance_start + sum(t_payout - t_stake) OVER w2 AS t_after
  FROM c
WINDOW w AS (PARTITION BY bot, session_id ORDER BY round_number, slot ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING),
	   w2 AS (PARTITION BY bot, session_id ORDER BY round_number, slot ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW);

-- what the bots send, with the names of log_crash_round's arguments
CREATE TEMP TABLE sends AS
SELECT (row_number() OVER (ORDER BY started, bot, slot))::numeric AS ord, 'orig'::text AS kind, bot, ks,
	   session_id,
	   CASE WHEN pg_temp.u(ks || 'gcase') < 0.2 THEN initcap(game_name) ELSE game_name END AS game_name,
	   CASE WHEN pg_temp.u(ks || 'pcase') < 0.1 THEN upper(platform_code) ELSE platform_code END AS platform_code,
	   round_number,
	   CASE WHEN kind <> 'SKIP' THEN stake WHEN pg_temp.u(ks || 'skipstake') < 0.5 THEN 0.00 END AS stake_value,
	   crash AS crash_multiplier,
	   cashout_sent AS cashout_multiplier,
	   CASE WHEN outcome = 'VOID' OR pg_temp.u(ks || 'om') >= 0.4 THEN
			(ARRAY[outcome, lower(outcome), initcap(outcome)])[1 + floor(pg_temp.u(ks || 'ocase') * 3)::int] END AS round_outcome,
	   CASE WHEN pg_temp.u(ks || 'profit') >= 0.35 THEN t_payout - t_stake END AS profit_loss,
	   CASE WHEN bm IN ('both', 'before') THEN t_before END AS running_balance_before,
	   CASE WHEN bm IN ('both', 'after') THEN t_after END AS running_balance_after,
	   CASE WHEN pg_temp.u(ks || 'strategy') < 0.5 AND outcome <> 'SKIP'
			THEN 'target_' || coalesce(target_sent, cashout_sent, 0) || 'x' END AS strategy_name,
	   target_sent AS target_multiplier,
	   CASE WHEN slot = 2 THEN 2 WHEN pg_temp.u(ks || 'slotsent') < 0.5 THEN 1 END AS bet_slot,
	   CASE WHEN pg_temp.u(k || 'prid') < 0.8 THEN game_name || '-' || (100000 + round_number) END AS platform_round_id,
	   CASE WHEN pg_temp.u(k || 'ts') < 0.9 THEN started END AS round_started_at,
	   CASE WHEN pg_temp.u(k || 'ts') >= 0.75 OR pg_temp.u(k || 'ts') < 0.6
			THEN started + make_interval(secs => round(1 + ln(crash) * 6, 3)) END AS round_ended_at,
	   CASE WHEN outcome <> 'SKIP' AND pg_temp.u(ks || 'placed') < 0.5 THEN started - interval '3 seconds' END AS bet_placed_at,
	   CASE WHEN outcome = 'WIN' AND cashout_sent IS NOT NULL THEN started + interval '2.5 seconds' END AS cashed_out_at,
	   CASE WHEN mode = 'auto' AND outcome <> 'SKIP' THEN true WHEN mode = 'manual' AND outcome <> 'SKIP' THEN false END AS auto_cashout,
	   CASE WHEN pg_temp.u(ks || 'step') < 0.3 THEN (round_number % 4)::int END AS bet_sequence_step,
	   CASE WHEN pg_temp.u(k || 'ocr') < 0.5 THEN 'ocr' ELSE 'api' END AS detection_method,
	   CASE WHEN pg_temp.u(k || 'ocr') < 0.25 THEN crash || 'x'
			WHEN pg_temp.u(k || 'ocr') < 0.5 THEN replace(crash::text, '.', ',') || ' X' END AS ocr_raw_text,
	   CASE WHEN pg_temp.u(k || 'ocr') < 0.5 THEN round(0.7 + pg_temp.u(k || 'conf') * 0.3, 3) END AS ocr_confidence,
	   CASE WHEN pg_temp.u(k || 'ocr') < 0.7 THEN floor(pg_temp.u(k || 'lat') * 250)::int END AS detection_latency_ms,
	   CASE WHEN pg_temp.u(ks || 'err') < 0.1 THEN 1 END AS error_count,
	   CASE WHEN pg_temp.u(ks || 'err') < 0.1 THEN 2 WHEN pg_temp.u(ks || 'err') < 0.2 THEN 0 END AS retry_count,
	   CASE WHEN pg_temp.u(ks || 'err') < 0.1 THEN E'cash-out button timeout,\n"retried" twice' END AS error_message,
	   CASE WHEN pg_temp.u(k || 'fair') < 0.3 THEN md5(k || 'seed') END AS server_seed,
	   CASE WHEN pg_temp.u(k || 'fair') < 0.6 THEN md5(md5(k || 'seed')) END AS server_seed_hash,
	   CASE WHEN pg_temp.u(k || 'fair') < 0.6 THEN 'client-' || bot END AS client_seed,
	   CASE WHEN pg_temp.u(k || 'fair') < 0.6 THEN round_number END AS nonce,
	   CASE WHEN pg_temp.u(k || 'fair') < 0.3 THEN md5(k || 'hash') END AS round_hash,
	   CASE WHEN pg_temp.u(ks || 'meta') < 0.3
			THEN jsonb_build_object('gen', 1, 'key', ks, 'mode', mode, 'note', 'größe ✓, "q"', 'x', 1.50) END AS metadata,
	   CASE WHEN pg_temp.u(ks || 'tags') < 0.2 THEN ARRAY['gen', mode, 'a, "b" c'] END AS tags
  FROM gen_truth g;

-- hand-made edge rounds, after the generated ones: alpha's session a3 and
-- zeta's session z1, which start_session opened with a balance of 5.00
INSERT INTO sends (ord, kind, bot, ks, session_id, game_name, platform_code, round_number, stake_value,
				   crash_multiplier, cashout_multiplier, round_outcome, profit_loss, running_balance_before,
				   running_balance_after, strategy_name, target_multiplier, bet_slot, round_started_at,
				   round_ended_at, bet_placed_at, cashed_out_at, ocr_confidence, metadata, tags)
VALUES
	-- a cash-out at 1.00x in an instant crash: a win worth nothing, P(win) 1, expected profit 0
	(10001, 'orig', 'alpha', 'a3/1', 'a3', 'AVIATOR', 'Dafabet', 1, 5.00, 1.00, 1.00, NULL, NULL, 500.00, NULL,
	 NULL, NULL, NULL, '2026-02-11 02:00:00+00', '2026-02-11 02:00:01+00', NULL, NULL, NULL, NULL, NULL),
	-- money and multipliers with fewer decimals than they are stored with
	(10002, 'orig', 'alpha', 'a3/2', 'a3', 'aviator', 'dafabet', 2, 10, 2.5, 1.5, 'Win', 5, 500, 505,
	 NULL, 1.5, NULL, '2026-02-11 02:01:00+00', '2026-02-11 02:01:02.9996+00', NULL, NULL, 0.85, '{"a": [1, 2.50]}', '{}'),
	-- a lost target, no cash-out; played_at from bet_placed_at alone
	(10003, 'orig', 'alpha', 'a3/3', 'a3', 'aviator', 'dafabet', 3, 10.00, 1.20, NULL, NULL, NULL, NULL, NULL,
	 'alpha_edge', 1.50, 1, NULL, NULL, '2026-02-11 02:02:00+00', NULL, NULL, NULL, NULL),
	-- a manual cash-out above the crash: a loss; played_at from cashed_out_at alone
	(10004, 'orig', 'alpha', 'a3/4', 'a3', 'aviator', 'dafabet', 4, 2.00, 1.70, 1.90, 'loss', -2.00, NULL, NULL,
	 NULL, NULL, NULL, NULL, NULL, NULL, '2026-02-11 02:03:00+00', NULL, NULL, NULL),
	-- a void told in lower case, with profit 0; no timestamp at all: played now()
	(10005, 'orig', 'alpha', 'a3/5', 'a3', 'aviator', 'dafabet', 5, 3.00, 4.00, NULL, 'void', 0, NULL, NULL,
	 NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
	-- only the balance after: the balance before is derived
	(10006, 'orig', 'alpha', 'a3/6', 'a3', 'aviator', 'dafabet', 6, 4.00, 3.10, 3.00, NULL, NULL, NULL, 503.00,
	 NULL, NULL, NULL, '2026-02-11 02:05:00+00', NULL, NULL, NULL, NULL, NULL, NULL),
	-- a win with bet and cash-out times only: played_at is the bet's
	(10007, 'orig', 'alpha', 'a3/7', 'a3', 'aviator', 'dafabet', 7, 1.00, 6.00, 5.00, NULL, NULL, NULL, NULL,
	 NULL, NULL, NULL, NULL, NULL, '2026-02-11 02:06:00+00', '2026-02-11 02:06:04+00', NULL, NULL, NULL),
	-- bots and sessions of a single round, as their first round leaves them:
	-- theta a win, iota a skip, kappa a loss sent without decimals
	(10021, 'orig', 'theta', 't1/1', 't1', 'aviator', 'dafabet', 1, 2.00, 3.00, 2.00, NULL, NULL, 50.00, NULL,
	 NULL, NULL, NULL, '2026-02-11 02:20:00+00', NULL, NULL, NULL, NULL, NULL, NULL),
	(10022, 'orig', 'iota', 'i1/1', 'i1', 'jetx', 'demo', 1, NULL, 1.00, NULL, NULL, NULL, NULL, NULL,
	 NULL, NULL, NULL, '2026-02-11 02:21:00+00', NULL, NULL, NULL, NULL, NULL, NULL),
	(10023, 'orig', 'kappa', 'k1/1', 'k1', 'jetx', 'demo', 1, 10, 1.50, NULL, NULL, -10, 100, NULL,
	 'kappa_loses', 2, 3, '2026-02-11 02:22:00+00', NULL, NULL, NULL, NULL, NULL, NULL),
	-- zeta: the session's 5.00 cannot pay a lost 10.00: balances stay unknown
	(10011, 'orig', 'zeta', 'z1/1', 'z1', 'jetx', 'demo', 1, 10.00, 1.10, 2.00, NULL, NULL, NULL, NULL,
	 NULL, NULL, NULL, '2026-02-11 02:10:00+00', NULL, NULL, NULL, NULL, NULL, NULL),
	-- then a skip: balances from the session's 5.00
	(10012, 'orig', 'zeta', 'z1/2', 'z1', 'jetx', 'demo', 2, NULL, 1.40, NULL, NULL, NULL, NULL, NULL,
	 NULL, NULL, NULL, '2026-02-11 02:11:00+00', NULL, NULL, NULL, NULL, NULL, NULL),
	-- and a won 1.00: 5.00 -> 6.50
	(10013, 'orig', 'zeta', 'z1/3', 'z1', 'jetx', 'demo', 3, 1.00, 2.50, NULL, NULL, NULL, NULL, NULL,
	 NULL, 2.50, NULL, '2026-02-11 02:12:00+00', NULL, NULL, NULL, NULL, NULL, NULL),
	-- three low rounds in a row for zeta's default rule, then one that resolves it
	(10014, 'orig', 'zeta', 'z1/4', 'z1', 'jetx', 'demo', 4, NULL, 1.01, NULL, 'SKIP', NULL, NULL, NULL,
	 NULL, NULL, NULL, '2026-02-11 02:13:00+00', NULL, NULL, NULL, NULL, NULL, NULL),
	(10015, 'orig', 'zeta', 'z1/5', 'z1', 'jetx', 'demo', 5, NULL, 1.99, NULL, NULL, NULL, NULL, NULL,
	 NULL, NULL, NULL, '2026-02-11 02:14:00+00', NULL, NULL, NULL, NULL, NULL, NULL),
	(10016, 'orig', 'zeta', 'z1/6', 'z1', 'jetx', 'demo', 6, NULL, 1.80, NULL, NULL, NULL, NULL, NULL,
	 NULL, NULL, NULL, '2026-02-11 02:15:00+00', NULL, NULL, NULL, NULL, NULL, NULL),
	-- lambda back-fills its session's start: rounds 3 (a loss) and 4 (a win) first, then
	-- 1 and 2 (losses) played before them; in play order L L L W from 100.00 to 80.00
	(10031, 'orig', 'lambda', 'l1/3', 'l1', 'aviator', 'dafabet', 3, 10.00, 1.10, 2.00, NULL, NULL, 80.00, NULL,
	 NULL, NULL, NULL, '2026-02-11 02:33:00+00', NULL, NULL, NULL, NULL, NULL, NULL),
	(10032, 'orig', 'lambda', 'l1/4', 'l1', 'aviator', 'dafabet', 4, 10.00, 3.00, 2.00, NULL, NULL, 70.00, NULL,
	 NULL, NULL, NULL, '2026-02-11 02:34:00+00', NULL, NULL, NULL, NULL, NULL, NULL),
	(10033, 'orig', 'lambda', 'l1/1', 'l1', 'aviator', 'dafabet', 1, 10.00, 1.20, 2.00, NULL, NULL, 100.00, NULL,
	 NULL, NULL, NULL, '2026-02-11 02:31:00+00', NULL, NULL, NULL, NULL, NULL, NULL),
	(10034, 'orig', 'lambda', 'l1/2', 'l1', 'aviator', 'dafabet', 2, 10.00, 1.30, 2.00, NULL, NULL, 90.00, NULL,
	 NULL, NULL, NULL, '2026-02-11 02:32:00+00', NULL, NULL, NULL, NULL, NULL, NULL);

-- retries, a few rounds after their original: the same content; the keys and
-- the crash only; or the same values in another case and scale
INSERT INTO sends
SELECT s.ord + 3.5, 'retry:' || x.how, s.bot, s.ks, s.session_id,
	   CASE x.how WHEN 'recased' THEN upper(s.game_name) ELSE s.game_name END,
	   CASE x.how WHEN 'recased' THEN lower(s.platform_code) ELSE s.platform_code END,
	   s.round_number,
	   CASE x.how WHEN 'keys' THEN NULL WHEN 'recased' THEN s.stake_value * 1.000 ELSE s.stake_value END,
	   CASE x.how WHEN 'recased' THEN s.crash_multiplier * 1.0 ELSE s.crash_multiplier END,
	   CASE WHEN x.how <> 'keys' THEN s.cashout_multiplier END,
	   CASE x.how WHEN 'keys' THEN NULL WHEN 'recased' THEN lower(s.round_outcome) ELSE s.round_outcome END,
	   CASE WHEN x.how <> 'keys' THEN s.profit_loss END,
	   CASE WHEN x.how <> 'keys' THEN s.running_balance_before END,
	   CASE WHEN x.how <> 'keys' THEN s.running_balance_after END,
	   CASE WHEN x.how <> 'keys' THEN s.strategy_name END,
	   CASE WHEN x.how <> 'keys' THEN s.target_multiplier END,
	   CASE WHEN x.how = 'keys' THEN coalesce(s.bet_slot, 1) ELSE s.bet_slot END,
	   CASE WHEN x.how <> 'keys' THEN s.platform_round_id END,
	   CASE WHEN x.how <> 'keys' THEN s.round_started_at END,
	   CASE WHEN x.how <> 'keys' THEN s.round_ended_at END,
	   CASE WHEN x.how <> 'keys' THEN s.bet_placed_at END,
	   CASE WHEN x.how <> 'keys' THEN s.cashed_out_at END,
	   CASE WHEN x.how <> 'keys' THEN s.auto_cashout END,
	   CASE WHEN x.how <> 'keys' THEN s.bet_sequence_step END,
	   CASE WHEN x.how <> 'keys' THEN s.detection_method END,
	   CASE WHEN x.how <> 'keys' THEN s.ocr_raw_text END,
	   CASE WHEN x.how <> 'keys' THEN s.ocr_confidence END,
	   CASE WHEN x.how <> 'keys' THEN s.detection_latency_ms END,
	   CASE WHEN x.how = 'same' THEN s.error_count WHEN x.how = 'recased' THEN coalesce(s.error_count, 0) END,
	   CASE WHEN x.how = 'same' THEN s.retry_count WHEN x.how = 'recased' THEN coalesce(s.retry_count, 0) END,
	   CASE WHEN x.how <> 'keys' THEN s.error_message END,
	   CASE WHEN x.how <> 'keys' THEN s.server_seed END,
	   CASE WHEN x.how <> 'keys' THEN s.server_seed_hash END,
	   CASE WHEN x.how <> 'keys' THEN s.client_seed END,
	   CASE WHEN x.how <> 'keys' THEN s.nonce END,
	   CASE WHEN x.how <> 'keys' THEN s.round_hash END,
	   CASE x.how WHEN 'same' THEN s.metadata WHEN 'recased' THEN coalesce(s.metadata, '{}') END,
	   CASE WHEN x.how <> 'keys' THEN s.tags END
  FROM sends s,
	   LATERAL (SELECT (ARRAY['same', 'keys', 'recased'])[1 + floor(pg_temp.u(s.ks || 'how') * 3)::int] AS how) x
 WHERE s.kind = 'orig' AND s.ord < 10000 AND pg_temp.u(s.ks || 'retry') < 0.08;

-- ----------------------------------------------------------------------
-- What is compared
-- ----------------------------------------------------------------------
-- a row as JSON text without logging times and ids; an id that points to
-- another row is replaced by that row's natural key
CREATE TEMP VIEW round_keys AS
SELECT r.id, jsonb_build_array(r.session_id, r.round_number, r.bet_slot) AS k FROM crash_analytics.crash_game_rounds r;
CREATE TEMP VIEW multiplier_keys AS
SELECT m.id, jsonb_build_array(m.session_id, m.round_number) AS k FROM crash_analytics.analytics_round_multipliers m;

CREATE TEMP VIEW cmp AS
SELECT 'crash_game_rounds' AS tbl, left(t.bot_id, 2) AS p,
	   (to_jsonb(t) - '{id,logged_at,created_at,updated_at,derived_at}'::text[]
		|| jsonb_build_object('bot_id', substr(t.bot_id, 3)))::text AS j
  FROM crash_analytics.crash_game_rounds t
UNION ALL
SELECT 'analytics_round_multipliers', left(t.bot_id, 2),
	   (to_jsonb(t) - '{id,created_at}'::text[]
		|| jsonb_build_object('bot_id', substr(t.bot_id, 3),
							  'round_id', (SELECT k FROM round_keys WHERE id = t.round_id)))::text
  FROM crash_analytics.analytics_round_multipliers t
UNION ALL
SELECT 'analytics_round_outcomes', left(t.bot_id, 2),
	   (to_jsonb(t) - '{id,created_at}'::text[]
		|| jsonb_build_object('bot_id', substr(t.bot_id, 3),
							  'round_id', (SELECT k FROM round_keys WHERE id = t.round_id)))::text
  FROM crash_analytics.analytics_round_outcomes t
UNION ALL
SELECT 'analytics_round_signals', left(t.bot_id, 2),
	   (to_jsonb(t) - '{id,created_at,updated_at}'::text[]
		|| jsonb_build_object('bot_id', substr(t.bot_id, 3),
							  'after_multiplier_id', (SELECT k FROM multiplier_keys WHERE id = t.after_multiplier_id),
							  'resolved_multiplier_id', (SELECT k FROM multiplier_keys WHERE id = t.resolved_multiplier_id)))::text
  FROM crash_analytics.analytics_round_signals t
UNION ALL
SELECT 'session_logs', left(t.bot_id, 2),
	   (to_jsonb(t) - '{id,created_at,updated_at}'::text[] || jsonb_build_object('bot_id', substr(t.bot_id, 3)))::text
  FROM crash_analytics.session_logs t
UNION ALL
SELECT 'bot_vm_registration', left(t.bot_id, 2),
	   (to_jsonb(t) - '{id,created_at,updated_at}'::text[] || jsonb_build_object('bot_id', substr(t.bot_id, 3)))::text
  FROM crash_analytics.bot_vm_registration t
UNION ALL
SELECT 'bot_rollups', left(t.bot_id, 2),
	   (to_jsonb(t) - '{updated_at}'::text[]
		|| jsonb_build_object('bot_id', substr(t.bot_id, 3),
							  'last_round_id', (SELECT k FROM round_keys WHERE id = t.last_round_id)))::text
  FROM crash_analytics.bot_rollups t
UNION ALL
SELECT 'bot_hourly_rollups', left(t.bot_id, 2),
	   (to_jsonb(t) - '{updated_at}'::text[] || jsonb_build_object('bot_id', substr(t.bot_id, 3)))::text
  FROM crash_analytics.bot_hourly_rollups t
UNION ALL
SELECT 'bot_daily_rollups', left(t.bot_id, 2),
	   (to_jsonb(t) - '{updated_at}'::text[] || jsonb_build_object('bot_id', substr(t.bot_id, 3)))::text
  FROM crash_analytics.bot_daily_rollups t
UNION ALL
SELECT 'bot_series_state', left(t.bot_id, 2),
	   (to_jsonb(t) - '{updated_at}'::text[]
		|| jsonb_build_object('bot_id', substr(t.bot_id, 3),
							  'last_multiplier_id', (SELECT k FROM multiplier_keys WHERE id = t.last_multiplier_id)))::text
  FROM crash_analytics.bot_series_state t
UNION ALL
SELECT 'get_bot_statistics', left(b.bot_id, 2), (to_jsonb(s) || jsonb_build_object('bot_id', substr(b.bot_id, 3)))::text
  FROM crash_analytics.bot_vm_registration b, crash_analytics.get_bot_statistics(b.bot_id) s;

CREATE TEMP TABLE half_way_rows (tbl text, p text, j text);

-- ----------------------------------------------------------------------
-- The same set-up, then the same sends, for both implementations
-- ----------------------------------------------------------------------
CREATE TEMP TABLE impls (p text COLLATE "C" PRIMARY KEY, fn text);
INSERT INTO impls VALUES ('c_', 'crash_analytics.log_crash_round'), ('p_', 'ca_ref.log_crash_round');

CREATE FUNCTION pg_temp.set_up(p text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	PERFORM crash_analytics.register_bot(p || 'alpha', bot_name => 'Alpha', vm_provider => 'hetzner',
		vm_region => 'fsn1', strategy_name => 'alpha_flat', initial_balance => 1000.00);
	PERFORM crash_analytics.register_bot(p || 'beta', strategy_name => 'beta_targets', initial_balance => 800.00);
	PERFORM crash_analytics.register_bot(p || 'delta', signal_rules =>
		'[{"rule": "low_streak", "length": 3, "below": 2.00, "target": 1.80},
		  {"rule": "high_after", "above": 10, "target": 2.0}]');
	-- gamma, epsilon and zeta register themselves with their first round (default rules, no strategy)
	PERFORM crash_analytics.start_session(p || s.bot, s.session_id, s.game_name, s.platform_code,
										  balance_start => s.balance_start, started_at => s.start_at)
	   FROM gen_sessions s WHERE s.started_by = 'start_session';
	PERFORM crash_analytics.start_session(p || 'zeta', 'z1', 'jetx', 'demo', balance_start => 5.00,
										  started_at => '2026-02-11 02:09:00+00');
END
$$;

CREATE TEMP TABLE returned (p text, ord numeric, kind text, id bigint);

CREATE FUNCTION pg_temp.send(p text, from_ord numeric, to_ord numeric) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
	s record;
	id bigint;
BEGIN
	FOR s IN SELECT * FROM sends WHERE ord >= from_ord AND ord < to_ord ORDER BY ord LOOP
		IF p = 'c_' THEN
			id := crash_analytics.log_crash_round(
				bot_id => p || s.bot, session_id => s.session_id, game_name => s.game_name,
				platform_code => s.platform_code, round_number => s.round_number, stake_value => s.stake_value,
				crash_multiplier => s.crash_multiplier, cashout_multiplier => s.cashout_multiplier,
				round_outcome => s.round_outcome, profit_loss => s.profit_loss,
				running_balance_before => s.running_balance_before, running_balance_after => s.running_balance_after,
				strategy_name => s.strategy_name, target_multiplier => s.target_multiplier, bet_slot => s.bet_slot,
				platform_round_id => s.platform_round_id, round_started_at => s.round_started_at,
				round_ended_at => s.round_ended_at, bet_placed_at => s.bet_placed_at, cashed_out_at => s.cashed_out_at,
				auto_cashout => s.auto_cashout, bet_sequence_step => s.bet_sequence_step,
				detection_method => s.detection_method, ocr_raw_text => s.ocr_raw_text,
				ocr_confidence => s.ocr_confidence, detection_latency_ms => s.detection_latency_ms,
				error_count => s.error_count, retry_count => s.retry_count, error_message => s.error_message,
				server_seed => s.server_seed, server_seed_hash => s.server_seed_hash, client_seed => s.client_seed,
				nonce => s.nonce, round_hash => s.round_hash, metadata => s.metadata, tags => s.tags);
		ELSE
			id := ca_ref.log_crash_round(
				bot_id => p || s.bot, session_id => s.session_id, game_name => s.game_name,
				platform_code => s.platform_code, round_number => s.round_number, stake_value => s.stake_value,
				crash_multiplier => s.crash_multiplier, cashout_multiplier => s.cashout_multiplier,
				round_outcome => s.round_outcome, profit_loss => s.profit_loss,
				running_balance_before => s.running_balance_before, running_balance_after => s.running_balance_after,
				strategy_name => s.strategy_name, target_multiplier => s.target_multiplier, bet_slot => s.bet_slot,
				platform_round_id => s.platform_round_id, round_started_at => s.round_started_at,
				round_ended_at => s.round_ended_at, bet_placed_at => s.bet_placed_at, cashed_out_at => s.cashed_out_at,
				auto_cashout => s.auto_cashout, bet_sequence_step => s.bet_sequence_step,
				detection_method => s.detection_method, ocr_raw_text => s.ocr_raw_text,
				ocr_confidence => s.ocr_confidence, detection_latency_ms => s.detection_latency_ms,
				error_count => s.error_count, retry_count => s.retry_count, error_message => s.error_message,
				server_seed => s.server_seed, server_seed_hash => s.server_seed_hash, client_seed => s.client_seed,
				nonce => s.nonce, round_hash => s.round_hash, metadata => s.metadata, tags => s.tags);
		END IF;
		INSERT INTO returned VALUES (p, s.ord, s.kind, id);
	END LOOP;
END
$$;

-- half-way events: a bot's own signals, and a series state to be rebuilt from history
CREATE FUNCTION pg_temp.half_way(p text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	PERFORM crash_analytics.log_round_signal(p || 'delta', 'd1', 'jetx', 'demo', 'model_up', 2.5,
		confidence_score => 0.61, model_name => 'lstm_v2', pattern_match => 'rising',
		feature_vector => '{"w": [0.1, 0.2]}');
	PERFORM crash_analytics.log_round_signal(p || 'gamma', 'g1', 'aviator', 'dafabet', 'model_low', 1.3);
	DELETE FROM crash_analytics.bot_series_state WHERE bot_id IN (p || 'gamma', p || 'alpha');
END
$$;

-- every send in order, with the half-way events after the first half
CREATE FUNCTION pg_temp.run(p text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
	mid numeric := (SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY ord) FROM sends WHERE kind = 'orig');
BEGIN
	PERFORM pg_temp.send(p, 0, mid);
	INSERT INTO half_way_rows SELECT * FROM cmp WHERE cmp.p = run.p;
	PERFORM pg_temp.half_way(p);
	PERFORM pg_temp.send(p, mid, 1e9);
END
$$;

SELECT count(pg_temp.set_up(p)) AS set_up FROM impls \gset
SELECT lives_ok($$SELECT pg_temp.run('c_')$$, 'c_: every send through crash_analytics.log_crash_round');
SELECT lives_ok($$SELECT pg_temp.run('p_')$$, 'p_: every send through ca_ref.log_crash_round');

-- ----------------------------------------------------------------------
-- The data exercises what it should
-- ----------------------------------------------------------------------
SELECT ok((SELECT count(*) FILTER (WHERE bet_slot = 2) > 20
			  AND count(DISTINCT (game_name, platform_code)) = 2
			  AND count(*) FILTER (WHERE is_instant_crash) > 0
			  AND count(*) FILTER (WHERE round_outcome = 'SKIP') > 10
			  AND count(*) FILTER (WHERE round_outcome = 'VOID') > 10
			  AND count(*) FILTER (WHERE round_outcome = 'WIN' AND outcome_source = 'derived') > 10
			  AND count(*) FILTER (WHERE round_outcome = 'LOSS' AND outcome_source = 'derived') > 10
			  AND count(*) FILTER (WHERE running_balance_before IS NULL) > 10
			  AND count(*) FILTER (WHERE strategy_name IS NULL) > 0
			  AND count(DISTINCT date_trunc('hour', played_at, 'UTC')) >= 4
			 FROM crash_analytics.crash_game_rounds WHERE bot_id LIKE 'c\_%'),
		  'the data has every outcome (sent and derived), second bet slots, two games, instant crashes, '
		  'rounds without balances or strategy, four UTC hours');
SELECT ok((SELECT count(*) FILTER (WHERE signal_type = 'low_streak') > 10
			  AND count(*) FILTER (WHERE signal_type = 'high_after') > 0
			  AND count(*) FILTER (WHERE source = 'bot' AND status <> 'open') = 2
			  AND count(*) FILTER (WHERE status = 'hit') > 5 AND count(*) FILTER (WHERE status = 'miss') > 5
			  AND count(*) FILTER (WHERE status = 'open') > 0
			 FROM crash_analytics.analytics_round_signals WHERE bot_id LIKE 'c\_%'),
		  'signals: the default low_streak rule and delta''s high_after fired; rule and model signals resolved, hit and miss');
SELECT ok((SELECT count(*) FILTER (WHERE kind = 'retry:same') > 3 AND count(*) FILTER (WHERE kind = 'retry:keys') > 3
			  AND count(*) FILTER (WHERE kind = 'retry:recased') > 3
			 FROM sends),
		  'the sends include retries of every kind');
SELECT ok((SELECT count(*) = 1 FROM crash_analytics.crash_game_rounds
			WHERE bot_id = 'c_zeta' AND round_number = 1 AND running_balance_before IS NULL)
		  AND (SELECT running_balance_before = 5.00 FROM crash_analytics.crash_game_rounds
				WHERE bot_id = 'c_zeta' AND round_number = 2),
		  'a session balance that cannot pay the round leaves the balances unknown; the next round gets them');

-- ----------------------------------------------------------------------
-- Retries: the same id, nothing new
-- ----------------------------------------------------------------------
SELECT results_eq(
	$$SELECT r.p, r.ord, r.id FROM returned r WHERE r.kind LIKE 'retry:%' ORDER BY 1, 2$$,
	$$SELECT r.p, r.ord, o.id FROM returned r JOIN sends s ON s.ord = r.ord
		JOIN sends so ON so.ks = s.ks AND so.bot = s.bot AND so.kind = 'orig'
		JOIN returned o ON o.p = r.p AND o.ord = so.ord
	   WHERE r.kind LIKE 'retry:%' ORDER BY 1, 2$$,
	'every retry returned the id of its original, through both implementations');
SELECT results_eq(
	$$SELECT left(bot_id, 2), count(*) FROM crash_analytics.crash_game_rounds GROUP BY 1 ORDER BY 1$$,
	$$SELECT p, (SELECT count(*) FROM sends WHERE kind = 'orig') FROM impls ORDER BY 1$$,
	'each implementation stored one round per original send and none per retry');

-- ----------------------------------------------------------------------
-- The two implementations wrote the same rows
-- ----------------------------------------------------------------------
CREATE FUNCTION pg_temp.same_rows(tbl text) RETURNS SETOF text LANGUAGE sql AS $$
	SELECT results_eq(format('SELECT j FROM cmp WHERE tbl = %L AND p = %L ORDER BY j', tbl, 'p_'),
					  format('SELECT j FROM cmp WHERE tbl = %L AND p = %L ORDER BY j', tbl, 'c_'),
					  format('%s: the reference''s rows are the C function''s (%s rows)', tbl,
							 (SELECT count(*) FROM cmp c WHERE c.tbl = same_rows.tbl AND c.p = 'c_')))
$$;
SELECT results_eq($$SELECT tbl, j FROM half_way_rows WHERE p = 'p_' ORDER BY 1, 2$$,
				  $$SELECT tbl, j FROM half_way_rows WHERE p = 'c_' ORDER BY 1, 2$$,
				  format('half-way, every table of the reference was the C function''s (%s rows)',
						 (SELECT count(*) FROM half_way_rows WHERE p = 'c_')));
SELECT * FROM pg_temp.same_rows('crash_game_rounds');
SELECT * FROM pg_temp.same_rows('analytics_round_multipliers');
SELECT * FROM pg_temp.same_rows('analytics_round_outcomes');
SELECT * FROM pg_temp.same_rows('analytics_round_signals');
SELECT * FROM pg_temp.same_rows('session_logs');
SELECT * FROM pg_temp.same_rows('bot_vm_registration');
SELECT * FROM pg_temp.same_rows('bot_rollups');
SELECT * FROM pg_temp.same_rows('bot_hourly_rollups');
SELECT * FROM pg_temp.same_rows('bot_daily_rollups');
SELECT * FROM pg_temp.same_rows('bot_series_state');
SELECT * FROM pg_temp.same_rows('get_bot_statistics');
SELECT is((SELECT count(*)::int FROM cmp WHERE p NOT IN ('c_', 'p_')), 0, 'no row belongs to another bot');
SELECT is((SELECT count(*)::int FROM cmp WHERE j ~ '"(round_id|after_multiplier_id|last_round_id|last_multiplier_id)": null'
											AND tbl <> 'analytics_round_signals'), 0,
		  'every id that points to a round or a multiplier was mapped to its natural key');

-- ----------------------------------------------------------------------
-- The same bad inputs raise the same SQLSTATE through both, writing nothing
-- ----------------------------------------------------------------------
-- the SQLSTATE and message of a statement, or 'ok'
CREATE FUNCTION pg_temp.error_of(stmt text, OUT state text, OUT message text) LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE stmt;
	state := 'ok';
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, message = MESSAGE_TEXT;
END
$$;

-- every table of the extension, row by row
CREATE FUNCTION pg_temp.db_state() RETURNS TABLE (tbl text, r text) LANGUAGE sql AS $$
	SELECT 'bot_vm_registration', t::text FROM crash_analytics.bot_vm_registration t
	UNION ALL SELECT 'session_logs', t::text FROM crash_analytics.session_logs t
	UNION ALL SELECT 'crash_game_rounds', t::text FROM crash_analytics.crash_game_rounds t
	UNION ALL SELECT 'analytics_round_multipliers', t::text FROM crash_analytics.analytics_round_multipliers t
	UNION ALL SELECT 'analytics_round_signals', t::text FROM crash_analytics.analytics_round_signals t
	UNION ALL SELECT 'analytics_round_outcomes', t::text FROM crash_analytics.analytics_round_outcomes t
	UNION ALL SELECT 'bot_rollups', t::text FROM crash_analytics.bot_rollups t
	UNION ALL SELECT 'bot_hourly_rollups', t::text FROM crash_analytics.bot_hourly_rollups t
	UNION ALL SELECT 'bot_daily_rollups', t::text FROM crash_analytics.bot_daily_rollups t
	UNION ALL SELECT 'bot_series_state', t::text FROM crash_analytics.bot_series_state t
$$;

-- state needed by some bad inputs, given to both: an inactive game and an ended session
SELECT crash_analytics.register_game_platform('crashx', 'demo', 0.97, is_active => false) IS NOT NULL AS registered,
	   crash_analytics.end_session('c_beta', 'b2') IS NOT NULL AS c_ended,
	   crash_analytics.end_session('p_beta', 'b2') IS NOT NULL AS p_ended \gset
CREATE TEMP TABLE before_bad AS SELECT * FROM pg_temp.db_state();

-- %1$s is the function, %2$s the bot prefix; the field named in the message
CREATE TEMP TABLE bad (n int, sqlstate text, field text, what text, call text);
INSERT INTO bad VALUES
	(1, '22004', 'crash_multiplier', 'a missing crash multiplier',
	 $$%1$s('%2$salpha', 'a1', 'aviator', 'dafabet', 900, stake_value => 1.00)$$),
	(2, '22023', 'bot_id', 'an empty bot_id',
	 $$%1$s('', 'x1', 'aviator', 'dafabet', 1, crash_multiplier => 2.00)$$),
	(3, '22003', 'round_number', 'a negative round number',
	 $$%1$s('%2$salpha', 'a1', 'aviator', 'dafabet', -1, crash_multiplier => 2.00)$$),
	(4, '22003', 'bet_slot', 'bet slot 17',
	 $$%1$s('%2$salpha', 'a1', 'aviator', 'dafabet', 900, crash_multiplier => 2.00, bet_slot => 17)$$),
	(5, '22023', 'round_outcome', 'an unknown outcome',
	 $$%1$s('%2$salpha', 'a1', 'aviator', 'dafabet', 900, crash_multiplier => 2.00, round_outcome => 'maybe')$$),
	(6, '22003', 'crash_multiplier', 'a crash below 1.00',
	 $$%1$s('%2$salpha', 'a1', 'aviator', 'dafabet', 900, crash_multiplier => 0.99)$$),
	(7, '22023', 'crash_multiplier', 'a crash with three decimals',
	 $$%1$s('%2$salpha', 'a1', 'aviator', 'dafabet', 900, crash_multiplier => 2.555)$$),
	(8, '22023', 'stake_value', 'a stake with three decimals',
	 $$%1$s('%2$salpha', 'a1', 'aviator', 'dafabet', 900, stake_value => 1.005, crash_multiplier => 2.00)$$),
	(9, '22023', 'cashout_multiplier', 'a WIN cashed out above the crash',
	 $$%1$s('%2$salpha', 'a1', 'aviator', 'dafabet', 900, stake_value => 1.00, crash_multiplier => 2.00,
			cashout_multiplier => 2.50, round_outcome => 'WIN')$$),
	(10, '22023', 'profit_loss', 'a profit that does not match',
	 $$%1$s('%2$salpha', 'a1', 'aviator', 'dafabet', 900, stake_value => 1.00, crash_multiplier => 2.00,
			cashout_multiplier => 1.50, profit_loss => 0.60)$$),
	(11, '22023', 'running_balance_after', 'balances that do not match',
	 $$%1$s('%2$salpha', 'a1', 'aviator', 'dafabet', 900, stake_value => 1.00, crash_multiplier => 1.20,
			cashout_multiplier => 1.50, running_balance_before => 100.00, running_balance_after => 100.00)$$),
	(12, '23503', 'game', 'an unknown game/platform',
	 $$%1$s('%2$salpha', 'a1', 'spaceman', 'dafabet', 900, crash_multiplier => 2.00)$$),
	(13, '55000', 'active', 'an inactive game/platform',
	 $$%1$s('%2$snew', 'n1', 'crashx', 'demo', 1, crash_multiplier => 2.00)$$),
	(14, '22003', 'stake_value', 'a stake above the game''s maximum bet',
	 $$%1$s('%2$salpha', 'a1', 'aviator', 'dafabet', 900, stake_value => 500.00, crash_multiplier => 2.00)$$),
	(15, '22003', 'crash_multiplier', 'a crash above the game''s maximum multiplier',
	 $$%1$s('%2$salpha', 'a2', 'jetx', 'demo', 900, crash_multiplier => 30000.00)$$),
	(16, '22023', 'stake_value', 'a stake above the balance',
	 $$%1$s('%2$salpha', 'a1', 'aviator', 'dafabet', 900, stake_value => 20.00, crash_multiplier => 2.00,
			running_balance_before => 10.00)$$),
	(17, '22023', 'game', 'a round of a session on another game',
	 $$%1$s('%2$salpha', 'a1', 'jetx', 'demo', 900, crash_multiplier => 2.00)$$),
	(18, '55000', 'ended', 'a round of an ended session',
	 $$%1$s('%2$sbeta', 'b2', 'jetx', 'demo', 9999, crash_multiplier => 2.00)$$),
	(19, '23505', 'already logged', 'a retry with another stake',
	 $$%1$s('%2$salpha', 'a3', 'aviator', 'dafabet', 2, stake_value => 11.00, crash_multiplier => 2.50)$$),
	(20, '22023', 'crash_multiplier', 'a second bet slot with another crash',
	 $$%1$s('%2$salpha', 'a3', 'aviator', 'dafabet', 2, crash_multiplier => 2.60, bet_slot => 2)$$),
	(21, '22023', 'metadata', 'metadata that is not an object',
	 $$%1$s('%2$salpha', 'a1', 'aviator', 'dafabet', 900, crash_multiplier => 2.00, metadata => '[1]')$$),
	(22, '54000', 'tags', 'too many tags',
	 $$%1$s('%2$salpha', 'a1', 'aviator', 'dafabet', 900, crash_multiplier => 2.00,
			tags => array_fill('t'::text, ARRAY[33]))$$),
	(23, '22023', 'session_id', 'a control character in session_id',
	 $$%1$s('%2$salpha', E'a\t1', 'aviator', 'dafabet', 900, crash_multiplier => 2.00)$$),
	(24, '22003', 'ocr_confidence', 'an OCR confidence above 1',
	 $$%1$s('%2$salpha', 'a1', 'aviator', 'dafabet', 900, crash_multiplier => 2.00, ocr_confidence => 1.5)$$),
	(25, '22001', 'strategy_name', 'a strategy name of 200 characters',
	 $$%1$s('%2$salpha', 'a1', 'aviator', 'dafabet', 900, crash_multiplier => 2.00, strategy_name => repeat('s', 200))$$),
	(26, '22023', 'stake_value', 'a NaN stake',
	 $$%1$s('%2$salpha', 'a1', 'aviator', 'dafabet', 900, stake_value => 'NaN', crash_multiplier => 2.00)$$),
	(27, '22023', 'round_ended_at', 'a round that ends before it starts',
	 $$%1$s('%2$salpha', 'a1', 'aviator', 'dafabet', 900, crash_multiplier => 2.00,
			round_started_at => '2026-02-11 01:00:00+00', round_ended_at => '2026-02-11 00:59:59+00')$$),
	(28, '22023', 'stake_value', 'a SKIP with a stake',
	 $$%1$s('%2$salpha', 'a1', 'aviator', 'dafabet', 900, stake_value => 1.00, crash_multiplier => 2.00,
			round_outcome => 'skip')$$),
	(29, '22004', 'stake_value', 'a VOID without a stake',
	 $$%1$s('%2$salpha', 'a1', 'aviator', 'dafabet', 900, crash_multiplier => 2.00, round_outcome => 'VOID')$$),
	(30, '22023', 'running_balance_after', 'a balance after that implies a negative balance before',
	 $$%1$s('%2$salpha', 'a1', 'aviator', 'dafabet', 900, stake_value => 5.00, crash_multiplier => 2.00,
			cashout_multiplier => 1.50, running_balance_after => 1.00)$$);

SELECT is(c.state || ' ' || p.state || ' ' || (p.message ~* b.field)::text,
		  b.sqlstate || ' ' || b.sqlstate || ' true',
		  format('bad input %s, %s: %s through both (%s | %s)', b.n, b.what, b.sqlstate, c.message, p.message))
  FROM bad b,
	   LATERAL pg_temp.error_of(format('SELECT ' || b.call, 'crash_analytics.log_crash_round', 'c_')) c,
	   LATERAL pg_temp.error_of(format('SELECT ' || b.call, 'ca_ref.log_crash_round', 'p_')) p
 ORDER BY b.n;

-- a retry that differs in many fields: the same detail, field by field
CREATE FUNCTION pg_temp.retry_detail(fn text, p text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	detail text;
BEGIN
	EXECUTE format($s$SELECT %s(%L, 'a3', 'JetX', 'demo', 2, stake_value => 12, crash_multiplier => 2.51,
		cashout_multiplier => 1.6, round_outcome => 'loss', strategy_name => 'other', error_count => 3,
		round_started_at => '2026-02-11 03:00:00+00', nonce => 7, metadata => '{"b": 2}', tags => '{x}')$s$,
		fn, p || 'alpha');
	RETURN 'no error';
EXCEPTION WHEN unique_violation THEN
	GET STACKED DIAGNOSTICS detail = PG_EXCEPTION_DETAIL;
	RETURN detail;
END
$$;
SELECT is(ARRAY[p, left(c, 18)], ARRAY[c, 'Fields that differ'],
		  'a retry that differs in many fields: the reference''s detail names the same fields and values')
  FROM (SELECT pg_temp.retry_detail('ca_ref.log_crash_round', 'p_') AS p,
			   replace(pg_temp.retry_detail('crash_analytics.log_crash_round', 'c_'), 'c_', 'p_') AS c) x;

SELECT set_eq('SELECT tbl, r FROM before_bad', 'SELECT tbl, r FROM pg_temp.db_state()',
			  'the bad inputs wrote nothing, through either implementation');

SELECT * FROM finish();
ROLLBACK;
