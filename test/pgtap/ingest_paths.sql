-- The three ingestion paths give identical derived rows (PRODUCT.md section 3:
-- "Every path gives the same derived rows").  A seeded generator makes about
-- 450 bet slots (five bots, two games on two platforms, WIN/LOSS/SKIP/VOID,
-- second bet slots, fields left out to be derived, explicit timestamps over
-- four UTC hours and midnight); they are ingested four times, by bots with a
-- prefix per path:
--   f_  log_crash_round, one call per round
--   b_  log_crash_rounds, one batch
--   i_  INSERT ... SELECT into crash_game_rounds
--   c_  COPY into crash_game_rounds (psql \copy of a CSV file \copy wrote)
-- Every derived table, with the prefix stripped and ids and logging times
-- left out, must be the same for the four paths.  Then the derived rows are
-- checked against plain-SQL recomputations from crash_game_rounds and
-- against what the generator knows the rounds to be.
\set ON_ERROR_STOP 1
\set QUIET 1
\pset format unaligned
\pset tuples_only true
\pset pager off
BEGIN;
CREATE EXTENSION crash_analytics;
SELECT plan(53);

-- ----------------------------------------------------------------------
-- The generator: deterministic, no random(): every draw is a hash of a key
-- ----------------------------------------------------------------------
-- uniform [0, 1) from a key: md5, so the same on every server and every run
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

-- one row per round, then one per bet slot; crash multipliers follow the
-- fair-game law P(crash >= x) = 0.97 / x, floored to 0.01, capped at 500
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
-- a round with a second slot whose first slot is no bet keeps only its first slot
DELETE FROM gen_slots g WHERE slot = 2 AND EXISTS
	(SELECT 1 FROM gen_slots g1 WHERE g1.k = g.k AND g1.slot = 1 AND g1.kind <> 'BET');

-- the truth: what the round is, whatever the bot sends
CREATE TEMP TABLE gen_truth AS
WITH a AS (
	SELECT g.*,
		   CASE WHEN kind = 'BET' AND mode = 'auto' AND target <= crash THEN target
				WHEN kind = 'BET' AND mode = 'manual' THEN manual_cashout END AS cashout_sent,
		   CASE WHEN kind = 'BET' AND mode IN ('auto', 'target_only') THEN target END AS target_sent,
		   -- which balances the bot sends: both, before, after or none (then the session's)
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
		   -- the casino paid a cent more than stake x cash-out: the bot says so with
		   -- profit_loss, or with both balances and no profit_loss
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

-- what the bots send: the staging table, with the names of log_crash_round's arguments
CREATE TEMP TABLE stage AS
SELECT row_number() OVER (ORDER BY started, bot, slot) AS ord, bot, k, slot, outcome AS t_outcome,
	   t_stake, t_payout, t_profit, t_before, t_after,
	   session_id,
	   CASE WHEN pg_temp.u(ks || 'gcase') < 0.2 THEN initcap(game_name) ELSE game_name END AS game_name,
	   CASE WHEN pg_temp.u(ks || 'pcase') < 0.1 THEN upper(platform_code) ELSE platform_code END AS platform_code,
	   round_number,
	   CASE WHEN kind <> 'SKIP' THEN stake WHEN pg_temp.u(ks || 'skipstake') < 0.5 THEN 0.00 END AS stake_value,
	   crash AS crash_multiplier,
	   cashout_sent AS cashout_multiplier,
	   CASE WHEN outcome = 'VOID' OR pg_temp.u(ks || 'om') >= 0.4 THEN
			(ARRAY[outcome, lower(outcome), initcap(outcome)])[1 + floor(pg_temp.u(ks || 'ocase') * 3)::int] END AS round_outcome,
	   CASE WHEN pg_temp.u(ks || 'profit') >= 0.35 THEN t_profit END AS profit_loss,
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

-- log_crash_round's arguments, in its order
CREATE TEMP VIEW stage_in AS
SELECT ord, bot, session_id, game_name, platform_code, round_number, stake_value, crash_multiplier,
	   cashout_multiplier, round_outcome, profit_loss, running_balance_before, running_balance_after,
	   strategy_name, target_multiplier, bet_slot, platform_round_id, round_started_at, round_ended_at,
	   bet_placed_at, cashed_out_at, auto_cashout, bet_sequence_step, detection_method, ocr_raw_text,
	   ocr_confidence, detection_latency_ms, error_count, retry_count, error_message, server_seed,
	   server_seed_hash, client_seed, nonce, round_hash, metadata, tags
  FROM stage;

-- ----------------------------------------------------------------------
-- The same registrations and session starts for every path
-- ----------------------------------------------------------------------
CREATE TEMP TABLE paths (p text COLLATE "C" PRIMARY KEY, ingest_path text);
INSERT INTO paths VALUES ('f_', 'function'), ('b_', 'batch'), ('i_', 'insert'), ('c_', 'insert');

CREATE FUNCTION pg_temp.set_up(p text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	PERFORM crash_analytics.register_bot(p || 'alpha', bot_name => 'Alpha', vm_provider => 'hetzner',
		vm_region => 'fsn1', strategy_name => 'alpha_flat', initial_balance => 1000.00);
	PERFORM crash_analytics.register_bot(p || 'beta', strategy_name => 'beta_targets', initial_balance => 800.00);
	PERFORM crash_analytics.register_bot(p || 'delta', signal_rules =>
		'[{"rule": "low_streak", "length": 3, "below": 2.00, "target": 1.80},
		  {"rule": "high_after", "above": 10.00, "target": 2.00}]');
	-- gamma registers itself with its first round (default rules, no strategy)
	PERFORM crash_analytics.start_session(p || s.bot, s.session_id, s.game_name, s.platform_code,
										  balance_start => s.balance_start, started_at => s.start_at)
	   FROM gen_sessions s WHERE s.started_by = 'start_session';
END
$$;
SELECT count(pg_temp.set_up(p)) AS set_up FROM paths \gset

-- ----------------------------------------------------------------------
-- Ingestion, four ways, in the same order
-- ----------------------------------------------------------------------
CREATE FUNCTION pg_temp.ingest_one_by_one(p text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
	s record;
BEGIN
	FOR s IN SELECT * FROM stage_in ORDER BY ord LOOP
		PERFORM crash_analytics.log_crash_round(
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
	END LOOP;
END
$$;
SELECT lives_ok($$SELECT pg_temp.ingest_one_by_one('f_')$$, 'f_: every round through log_crash_round, one call each');

-- absent keys, not JSON nulls, for what the bot leaves out
SELECT lives_ok($$SELECT crash_analytics.log_crash_rounds(
	(SELECT jsonb_agg(jsonb_strip_nulls(to_jsonb(s) - 'ord' - 'bot') || jsonb_build_object('bot_id', 'b_' || s.bot)
					  ORDER BY s.ord)
	   FROM stage_in s))$$,
	'b_: every round in one log_crash_rounds batch');

SELECT lives_ok($$INSERT INTO crash_analytics.crash_game_rounds
	(bot_id, session_id, game_name, platform_code, round_number, stake_value, crash_multiplier,
	 cashout_multiplier, round_outcome, profit_loss, running_balance_before, running_balance_after,
	 strategy_name, target_multiplier, bet_slot, platform_round_id, round_started_at, round_ended_at,
	 bet_placed_at, cashed_out_at, auto_cashout, bet_sequence_step, detection_method, ocr_raw_text,
	 ocr_confidence, detection_latency_ms, error_count, retry_count, error_message, server_seed,
	 server_seed_hash, client_seed, nonce, round_hash, metadata, tags)
	SELECT 'i_' || bot, session_id, game_name, platform_code, round_number, stake_value, crash_multiplier,
		   cashout_multiplier, round_outcome, profit_loss, running_balance_before, running_balance_after,
		   strategy_name, target_multiplier, bet_slot, platform_round_id, round_started_at, round_ended_at,
		   bet_placed_at, cashed_out_at, auto_cashout, bet_sequence_step, detection_method, ocr_raw_text,
		   ocr_confidence, detection_latency_ms, error_count, retry_count, error_message, server_seed,
		   server_seed_hash, client_seed, nonce, round_hash, metadata, tags
	  FROM stage_in ORDER BY ord$$,
	'i_: every round through INSERT ... SELECT');

-- COPY: psql writes the CSV with \copy and reads it back with \copy.  \copy
-- takes no variables, so the commands are built in SQL (with a file name of
-- this backend's own) and run by expanding a variable.
CREATE TEMP VIEW copy_src AS
SELECT 'c_' || bot, session_id, game_name, platform_code, round_number, stake_value, crash_multiplier,
	   cashout_multiplier, round_outcome, profit_loss, running_balance_before, running_balance_after,
	   strategy_name, target_multiplier, bet_slot, platform_round_id, round_started_at, round_ended_at,
	   bet_placed_at, cashed_out_at, auto_cashout, bet_sequence_step, detection_method, ocr_raw_text,
	   ocr_confidence, detection_latency_ms, error_count, retry_count, error_message, server_seed,
	   server_seed_hash, client_seed, nonce, round_hash, metadata, tags
  FROM stage_in ORDER BY ord;
SELECT format('\copy (SELECT * FROM copy_src) TO %L WITH (FORMAT csv)', f) AS copy_out,
	   format('\copy crash_analytics.crash_game_rounds (bot_id, session_id, game_name, platform_code, round_number, stake_value, crash_multiplier, cashout_multiplier, round_outcome, profit_loss, running_balance_before, running_balance_after, strategy_name, target_multiplier, bet_slot, platform_round_id, round_started_at, round_ended_at, bet_placed_at, cashed_out_at, auto_cashout, bet_sequence_step, detection_method, ocr_raw_text, ocr_confidence, detection_latency_ms, error_count, retry_count, error_message, server_seed, server_seed_hash, client_seed, nonce, round_hash, metadata, tags) FROM %L WITH (FORMAT csv)', f) AS copy_in,
	   format('\! rm -f %s', f) AS copy_cleanup
  FROM (SELECT '/tmp/crash_analytics_ingest_paths_' || pg_backend_pid() || '.csv' AS f) x \gset
:copy_out
:copy_in
:copy_cleanup

SELECT results_eq(
	$$SELECT left(bot_id, 2), ingest_path, count(*) FROM crash_analytics.crash_game_rounds GROUP BY 1, 2 ORDER BY 1$$,
	$$SELECT p, ingest_path, (SELECT count(*) FROM stage) FROM paths ORDER BY 1$$,
	'each path stored every generated round, marked with its ingest path');

-- ----------------------------------------------------------------------
-- The data exercises what it should
-- ----------------------------------------------------------------------
SELECT set_eq($$SELECT DISTINCT round_outcome, outcome_source FROM crash_analytics.crash_game_rounds WHERE bot_id LIKE 'f\_%'$$,
			  $$VALUES ('WIN', 'sent'), ('WIN', 'derived'), ('LOSS', 'sent'), ('LOSS', 'derived'),
					   ('SKIP', 'sent'), ('SKIP', 'derived'), ('VOID', 'sent')$$,
			  'the data has every outcome, sent and derived (VOID is always sent)');
SELECT ok((SELECT count(*) FILTER (WHERE bet_slot = 2) > 20
			  AND count(DISTINCT (game_name, platform_code)) = 2
			  AND count(*) FILTER (WHERE is_instant_crash) > 0
			  AND count(*) FILTER (WHERE strategy_name IS NULL) > 0
			  AND count(DISTINCT strategy_name) > 5
			  AND count(*) FILTER (WHERE round_started_at IS NULL) > 0
			  AND count(*) FILTER (WHERE round_ended_at IS NULL) > 0
			 FROM crash_analytics.crash_game_rounds WHERE bot_id LIKE 'f\_%'),
		  'the data has second bet slots, two games/platforms, instant crashes, rounds with and without strategy and timestamps');
SELECT ok((SELECT count(*) FILTER (WHERE s.profit_loss IS NULL AND s.t_outcome = 'WIN') > 10
			  AND count(*) FILTER (WHERE s.running_balance_before IS NULL AND s.running_balance_after IS NULL
								   AND r.running_balance_after IS NOT NULL) > 50
			  AND count(*) FILTER (WHERE s.running_balance_before IS NULL AND s.running_balance_after IS NOT NULL) > 20
			  AND count(*) FILTER (WHERE s.cashout_multiplier IS NULL AND s.t_outcome = 'WIN') > 10
			  AND count(*) FILTER (WHERE s.t_outcome = 'WIN' AND s.profit_loss IS NOT NULL
								   AND s.t_payout <> round(r.stake_value * r.cashout_multiplier, 2)) > 3
			  AND count(*) FILTER (WHERE s.t_outcome = 'WIN' AND s.profit_loss IS NULL
								   AND s.t_payout <> round(r.stake_value * r.cashout_multiplier, 2)) > 3
			 FROM stage s JOIN crash_analytics.crash_game_rounds r
			   ON r.bot_id = 'f_' || s.bot AND r.session_id = s.session_id AND r.round_number = s.round_number
			  AND r.bet_slot = s.slot),
		  'the data leaves profits, balances and cash-outs to be derived, and has casino-rounded payouts (told by profit_loss or by the balances)');
SELECT ok((SELECT count(*) FILTER (WHERE status = 'hit') > 5 AND count(*) FILTER (WHERE status = 'miss') > 5
			  AND count(*) FILTER (WHERE signal_type = 'low_streak') > 10
			  AND count(*) FILTER (WHERE signal_type = 'high_after') > 0
			  AND count(*) FILTER (WHERE session_id = 'g1' AND resolved_round_number = 1) = 1
			 FROM crash_analytics.analytics_round_signals WHERE bot_id LIKE 'f\_%'),
		  'the built-in rules fired (low_streak, and delta''s high_after) and their signals were resolved, hit and miss, '
		  'one of gamma''s by the first round of its next session');
SELECT is((SELECT count(*)::int FROM crash_analytics.analytics_round_signals WHERE status = 'open' AND bot_id LIKE 'f\_%'),
		  (SELECT count(*)::int FROM crash_analytics.analytics_round_signals s
			WHERE s.bot_id LIKE 'f\_%' AND NOT EXISTS (
				SELECT 1 FROM crash_analytics.analytics_round_multipliers m
				 WHERE m.bot_id = s.bot_id AND m.game_name = s.game_name AND m.platform_code = s.platform_code
				   AND (m.session_id, m.round_number) <> (s.session_id, s.emitted_after_round)
				   AND m.observed_at >= s.emitted_at AND m.id > (
					   SELECT m2.id FROM crash_analytics.analytics_round_multipliers m2
						WHERE m2.bot_id = s.bot_id AND m2.session_id = s.session_id
						  AND m2.round_number = s.emitted_after_round))),
		  'only signals with no later multiplier of their bot and game/platform are still open');

-- ----------------------------------------------------------------------
-- The four paths agree on every derived row
-- ----------------------------------------------------------------------
-- each row as JSON text (exact: 2.5 and 2.50 differ here), without the
-- columns that are logging times or ids (id, round_id, last_round_id, any
-- other *_id that is not data), with the path prefix stripped
CREATE FUNCTION pg_temp.cmp_view(name text, tbl text, skip text[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE format($f$CREATE TEMP VIEW %I AS
		SELECT left(t.bot_id, 2) AS path,
			   ((SELECT jsonb_object_agg(e.key, e.value) FROM jsonb_each(to_jsonb(t)) e
				  WHERE e.key <> ALL (%L::text[])
					AND (e.key !~ '(^|_)id$' OR e.key IN ('session_id', 'platform_round_id')))
				|| jsonb_build_object('bot_id', substr(t.bot_id, 3)))::text AS j
		  FROM %s t$f$, name, skip, tbl);
END
$$;
SELECT pg_temp.cmp_view('cmp_rounds', 'crash_analytics.crash_game_rounds',
	   '{created_at,updated_at,logged_at,derived_at,ingest_path}') IS NULL AS v1,
	   pg_temp.cmp_view('cmp_multipliers', 'crash_analytics.analytics_round_multipliers', '{created_at}') IS NULL AS v2,
	   pg_temp.cmp_view('cmp_outcomes', 'crash_analytics.analytics_round_outcomes', '{created_at}') IS NULL AS v3,
	   pg_temp.cmp_view('cmp_signals', 'crash_analytics.analytics_round_signals', '{created_at,updated_at}') IS NULL AS v4,
	   pg_temp.cmp_view('cmp_sessions', 'crash_analytics.session_logs', '{created_at,updated_at}') IS NULL AS v5,
	   pg_temp.cmp_view('cmp_rollups', 'crash_analytics.bot_rollups', '{updated_at}') IS NULL AS v6,
	   pg_temp.cmp_view('cmp_hourly', 'crash_analytics.bot_hourly_rollups', '{updated_at}') IS NULL AS v7,
	   pg_temp.cmp_view('cmp_daily', 'crash_analytics.bot_daily_rollups', '{updated_at}') IS NULL AS v10,
	   pg_temp.cmp_view('cmp_bots', 'crash_analytics.bot_vm_registration', '{created_at,updated_at}') IS NULL AS v8,
	   pg_temp.cmp_view('cmp_statistics',
			'(SELECT b.bot_id, s.* FROM crash_analytics.bot_vm_registration b, crash_analytics.get_bot_statistics(b.bot_id) s)',
			'{}') IS NULL AS v9 \gset

CREATE FUNCTION pg_temp.same_as_one_by_one(view text, what text) RETURNS SETOF text LANGUAGE sql AS $$
	SELECT results_eq(format('SELECT j FROM %I WHERE path = %L ORDER BY j', view, p),
					  format('SELECT j FROM %I WHERE path = %L ORDER BY j', view, 'f_'),
					  format('%s: %s the same as log_crash_round', what, (SELECT CASE p WHEN 'b_' THEN 'log_crash_rounds'
										WHEN 'i_' THEN 'INSERT ... SELECT' ELSE 'COPY' END)))
	  FROM paths WHERE p <> 'f_' ORDER BY CASE p WHEN 'b_' THEN 1 WHEN 'i_' THEN 2 ELSE 3 END
$$;
SELECT * FROM pg_temp.same_as_one_by_one('cmp_rounds', 'crash_game_rounds (every derived column)');
SELECT * FROM pg_temp.same_as_one_by_one('cmp_multipliers', 'analytics_round_multipliers');
SELECT * FROM pg_temp.same_as_one_by_one('cmp_outcomes', 'analytics_round_outcomes');
SELECT * FROM pg_temp.same_as_one_by_one('cmp_signals', 'analytics_round_signals');
SELECT * FROM pg_temp.same_as_one_by_one('cmp_sessions', 'session_logs');
SELECT * FROM pg_temp.same_as_one_by_one('cmp_rollups', 'bot_rollups');
SELECT * FROM pg_temp.same_as_one_by_one('cmp_hourly', 'bot_hourly_rollups');
SELECT * FROM pg_temp.same_as_one_by_one('cmp_daily', 'bot_daily_rollups');
SELECT * FROM pg_temp.same_as_one_by_one('cmp_bots', 'bot_vm_registration');
SELECT * FROM pg_temp.same_as_one_by_one('cmp_statistics', 'get_bot_statistics per bot');

-- ----------------------------------------------------------------------
-- Derived rows against plain SQL over crash_game_rounds (all four paths)
-- ----------------------------------------------------------------------
-- each round against what the generator knows it to be
SELECT set_eq(
	$$SELECT bot_id, session_id, round_number, bet_slot, game_name, platform_code, currency, game_rtp,
			 round_outcome, outcome_source, stake_value, cashout_multiplier, final_multiplier, payout_value,
			 profit_loss, roi_percent, running_balance_before, running_balance_after, win_probability,
			 expected_profit, is_instant_crash, played_at, round_duration_ms, strategy_name, error_count,
			 retry_count, metadata
		FROM crash_analytics.crash_game_rounds$$,
	$$SELECT p || s.bot AS bot_id, s.session_id, s.round_number, s.slot AS bet_slot,
			 lower(s.game_name) AS game_name, lower(s.platform_code) AS platform_code, 'USD' AS currency,
			 0.97 AS game_rtp, s.t_outcome AS round_outcome,
			 CASE WHEN s.round_outcome IS NULL THEN 'derived' ELSE 'sent' END AS outcome_source,
			 s.t_stake AS stake_value, x.cashout AS cashout_multiplier,
			 CASE s.t_outcome WHEN 'WIN' THEN x.cashout WHEN 'LOSS' THEN s.crash_multiplier END AS final_multiplier,
			 s.t_payout AS payout_value, s.t_profit AS profit_loss,
			 CASE WHEN s.t_outcome <> 'SKIP' THEN round(s.t_profit * 100 / s.t_stake, 4) END AS roi_percent,
			 s.t_before AS running_balance_before, s.t_after AS running_balance_after,
			 CASE WHEN s.t_outcome IN ('WIN', 'LOSS') AND x.bet_target IS NOT NULL
				  THEN round(0.97 / x.bet_target, 6) END AS win_probability,
			 CASE WHEN s.t_outcome IN ('WIN', 'LOSS') THEN s.t_stake * (0.97 - 1) ELSE 0 END AS expected_profit,
			 s.crash_multiplier = 1.00 AS is_instant_crash,
			 coalesce(s.round_ended_at, s.round_started_at) AS played_at,
			 (extract(epoch FROM s.round_ended_at - s.round_started_at) * 1000)::bigint AS round_duration_ms,
			 coalesce(s.strategy_name, CASE s.bot WHEN 'alpha' THEN 'alpha_flat' WHEN 'beta' THEN 'beta_targets' END)
				 AS strategy_name,
			 coalesce(s.error_count, 0) AS error_count, coalesce(s.retry_count, 0) AS retry_count,
			 coalesce(s.metadata, '{}') AS metadata
		FROM stage s CROSS JOIN paths,
			 LATERAL (SELECT CASE WHEN s.t_outcome = 'WIN' THEN coalesce(s.cashout_multiplier, s.target_multiplier)
								  ELSE s.cashout_multiplier END AS cashout,
							 CASE WHEN s.t_outcome IN ('WIN', 'LOSS') THEN coalesce(s.cashout_multiplier, s.target_multiplier)
								  END AS bet_target) x$$,
	'every round''s derived columns are what the generator knows (outcome, money, balances, theory, timing, strategy)');

-- one multiplier per (bot, session, round): the first bet slot's round, its crash and time
SELECT results_eq(
	$$SELECT bot_id, session_id, round_number, round_id, game_name, platform_code, platform_round_id, multiplier,
			 is_instant_crash, observed_at, source
		FROM crash_analytics.analytics_round_multipliers ORDER BY 1, 2, 3$$,
	$$SELECT DISTINCT ON (bot_id, session_id, round_number) bot_id, session_id, round_number, id, game_name,
			 platform_code, platform_round_id, crash_multiplier, is_instant_crash, played_at, 'round'::text
		FROM crash_analytics.crash_game_rounds ORDER BY bot_id, session_id, round_number, id$$,
	'analytics_round_multipliers: exactly one row per (bot, session, round_number), from its first bet slot');
SELECT is((SELECT count(*)::int FROM (SELECT 1 FROM crash_analytics.crash_game_rounds
										GROUP BY bot_id, session_id, round_number
									   HAVING count(DISTINCT crash_multiplier) > 1) x), 0,
		  'the bet slots of a round share its crash multiplier');

-- one outcome per bet, a copy of its round
SELECT results_eq(
	$$SELECT bot_id, round_id, session_id, game_name, platform_code, round_number, bet_slot, strategy_name, outcome,
			 stake_value, target_multiplier, cashout_multiplier, crash_multiplier, payout_value, profit_loss,
			 roi_percent, win_probability, expected_profit, settled_at, outcome_date, outcome_hour
		FROM crash_analytics.analytics_round_outcomes ORDER BY 1, 2$$,
	$$SELECT bot_id, id, session_id, game_name, platform_code, round_number, bet_slot, strategy_name, round_outcome,
			 stake_value, target_multiplier, cashout_multiplier, crash_multiplier, payout_value, profit_loss,
			 roi_percent, win_probability, expected_profit, played_at, (played_at AT TIME ZONE 'UTC')::date,
			 extract(hour FROM played_at AT TIME ZONE 'UTC')::smallint
		FROM crash_analytics.crash_game_rounds WHERE round_outcome <> 'SKIP' ORDER BY 1, 2$$,
	'analytics_round_outcomes: exactly one row per bet (none for a skip), equal to its round');

-- bot roll-ups: sums over the bot's rounds
SELECT results_eq(
	$$SELECT bot_id, rounds, bets, wins, losses, skips, voids, total_staked, total_payout, total_profit,
			 expected_profit, sum_win_probability, targeted_bets, best_profit, worst_profit,
			 first_round_at, last_round_at
		FROM crash_analytics.bot_rollups ORDER BY 1$$,
	$$SELECT bot_id, count(*), count(*) FILTER (WHERE round_outcome <> 'SKIP'),
			 count(*) FILTER (WHERE round_outcome = 'WIN'), count(*) FILTER (WHERE round_outcome = 'LOSS'),
			 count(*) FILTER (WHERE round_outcome = 'SKIP'), count(*) FILTER (WHERE round_outcome = 'VOID'),
			 sum(stake_value), sum(payout_value), sum(profit_loss), sum(expected_profit),
			 coalesce(sum(win_probability) FILTER (WHERE round_outcome IN ('WIN', 'LOSS')), 0),
			 count(win_probability) FILTER (WHERE round_outcome IN ('WIN', 'LOSS')),
			 max(profit_loss) FILTER (WHERE round_outcome IN ('WIN', 'LOSS')),
			 min(profit_loss) FILTER (WHERE round_outcome IN ('WIN', 'LOSS')),
			 min(played_at), max(played_at)
		FROM crash_analytics.crash_game_rounds GROUP BY 1 ORDER BY 1$$,
	'bot_rollups: counts, money, theory sums, best/worst and first/last equal sums over the bot''s rounds');
SELECT results_eq(
	$$SELECT bot_id, peak_balance, current_balance FROM crash_analytics.bot_rollups ORDER BY 1$$,
	$$SELECT bot_id, max(running_balance_after),
			 (array_agg(running_balance_after ORDER BY id DESC) FILTER (WHERE running_balance_after IS NOT NULL))[1]
		FROM crash_analytics.crash_game_rounds GROUP BY 1 ORDER BY 1$$,
	'bot_rollups: peak and current balance from the rounds in id order');

-- streaks: runs of WIN or LOSS in id order; SKIP and VOID neither extend nor break them
SELECT results_eq(
	$$SELECT bot_id, longest_win_streak, longest_loss_streak, current_streak FROM crash_analytics.bot_rollups ORDER BY 1$$,
	$$WITH wl AS (
		SELECT bot_id, id, round_outcome,
			   row_number() OVER (PARTITION BY bot_id ORDER BY id)
			   - row_number() OVER (PARTITION BY bot_id, round_outcome ORDER BY id) AS run
		  FROM crash_analytics.crash_game_rounds WHERE round_outcome IN ('WIN', 'LOSS')),
	  runs AS (
		SELECT bot_id, round_outcome, run, count(*) AS len, max(id) AS last_id FROM wl GROUP BY 1, 2, 3)
	  SELECT bot_id, coalesce(max(len) FILTER (WHERE round_outcome = 'WIN'), 0),
			 coalesce(max(len) FILTER (WHERE round_outcome = 'LOSS'), 0),
			 (array_agg(CASE round_outcome WHEN 'WIN' THEN len ELSE -len END ORDER BY last_id DESC))[1]
		FROM runs GROUP BY 1 ORDER BY 1$$,
	'bot_rollups: longest win and loss streaks and the current streak equal a recomputation in id order');

-- drawdown of cumulative profit, from a peak that starts at 0
SELECT results_eq(
	$$SELECT bot_id, peak_profit, max_drawdown FROM crash_analytics.bot_rollups ORDER BY 1$$,
	$$WITH c AS (
		SELECT bot_id, id, sum(profit_loss) OVER (PARTITION BY bot_id ORDER BY id) AS cum
		  FROM crash_analytics.crash_game_rounds),
	  p AS (
		SELECT bot_id, cum, greatest(0, max(cum) OVER (PARTITION BY bot_id ORDER BY id)) AS peak FROM c)
	  SELECT bot_id, max(peak), max(peak - cum) FROM p GROUP BY 1 ORDER BY 1$$,
	'bot_rollups: peak profit and maximum drawdown equal a recomputation in id order');

-- sessions
SELECT results_eq(
	$$SELECT bot_id, session_id, game_name, platform_code, status, rounds_played, bets_placed, wins, losses, skips,
			 voids, total_staked, total_payout, total_profit
		FROM crash_analytics.session_logs ORDER BY 1, 2$$,
	$$SELECT bot_id, session_id, min(game_name), min(platform_code), 'active', count(*),
			 count(*) FILTER (WHERE round_outcome <> 'SKIP'),
			 count(*) FILTER (WHERE round_outcome = 'WIN'), count(*) FILTER (WHERE round_outcome = 'LOSS'),
			 count(*) FILTER (WHERE round_outcome = 'SKIP'), count(*) FILTER (WHERE round_outcome = 'VOID'),
			 sum(stake_value), sum(payout_value), sum(profit_loss)
		FROM crash_analytics.crash_game_rounds GROUP BY 1, 2 ORDER BY 1, 2$$,
	'session_logs: one session per (bot, session_id); its figures equal sums over its rounds');
SELECT results_eq(
	$$SELECT bot_id, session_id, started_at, balance_start, balance_current, peak_balance, peak_profit,
			 max_drawdown, last_round_number, last_round_at
		FROM crash_analytics.session_logs ORDER BY 1, 2$$,
	$$WITH c AS (
		SELECT r.*, sum(profit_loss) OVER (PARTITION BY bot_id, session_id ORDER BY id) AS cum
		  FROM crash_analytics.crash_game_rounds r),
	  p AS (
		SELECT c.*, greatest(0, max(cum) OVER (PARTITION BY bot_id, session_id ORDER BY id)) AS peak FROM c),
	  s AS (
		SELECT bot_id, session_id,
			   (array_agg(played_at ORDER BY id))[1] AS first_played,
			   (array_agg(running_balance_before ORDER BY id))[1] AS first_before,
			   (array_agg(running_balance_after ORDER BY id DESC) FILTER (WHERE running_balance_after IS NOT NULL))[1] AS last_after,
			   max(running_balance_after) AS max_after, max(peak) AS peak_profit, max(peak - cum) AS max_drawdown,
			   (array_agg(round_number ORDER BY id DESC))[1] AS last_round_number,
			   (array_agg(played_at ORDER BY id DESC))[1] AS last_round_at
		  FROM p GROUP BY 1, 2)
	  SELECT s.bot_id, s.session_id,
			 CASE g.started_by WHEN 'start_session' THEN g.start_at ELSE s.first_played END,
			 b.balance_start, coalesce(s.last_after, b.balance_start), greatest(b.balance_start, s.max_after),
			 s.peak_profit, s.max_drawdown, s.last_round_number, s.last_round_at
		FROM s JOIN gen_sessions g ON g.bot = substr(s.bot_id, 3) AND g.session_id = s.session_id,
			 LATERAL (SELECT CASE g.started_by WHEN 'start_session' THEN g.balance_start ELSE s.first_before END
							 AS balance_start) b
	   ORDER BY 1, 2$$,
	'session_logs: start, balances, peak, drawdown and last round equal a recomputation in id order');

-- hourly roll-ups: GROUP BY the UTC hour
SELECT results_eq(
	$$SELECT bot_id, game_name, platform_code, strategy_name, hour_start, rounds, bets, wins, losses, skips, voids,
			 total_staked, total_payout, total_profit, expected_profit, sum_win_probability, targeted_bets,
			 best_profit, worst_profit
		FROM crash_analytics.bot_hourly_rollups ORDER BY 1, 2, 3, 4, 5$$,
	$$SELECT bot_id, game_name, platform_code, coalesce(strategy_name, ''),
			 date_trunc('hour', played_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC',
			 count(*), count(*) FILTER (WHERE round_outcome <> 'SKIP'),
			 count(*) FILTER (WHERE round_outcome = 'WIN'), count(*) FILTER (WHERE round_outcome = 'LOSS'),
			 count(*) FILTER (WHERE round_outcome = 'SKIP'), count(*) FILTER (WHERE round_outcome = 'VOID'),
			 sum(stake_value), sum(payout_value), sum(profit_loss), sum(expected_profit),
			 coalesce(sum(win_probability) FILTER (WHERE round_outcome IN ('WIN', 'LOSS')), 0),
			 count(win_probability) FILTER (WHERE round_outcome IN ('WIN', 'LOSS')),
			 max(profit_loss) FILTER (WHERE round_outcome IN ('WIN', 'LOSS')),
			 min(profit_loss) FILTER (WHERE round_outcome IN ('WIN', 'LOSS'))
		FROM crash_analytics.crash_game_rounds GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5$$,
	'bot_hourly_rollups: equal GROUP BY (bot, game, platform, strategy, date_trunc(''hour'', played_at AT TIME ZONE ''UTC''))');
SELECT is((SELECT count(DISTINCT hour_start)::int FROM crash_analytics.bot_hourly_rollups), 4,
		  'the rounds span four UTC hours (and midnight)');

-- signals: each rule replayed over the bot's multipliers of one game/platform in id order,
-- each signal resolved by the next multiplier of that series
SELECT results_eq(
	$$SELECT bot_id, session_id, game_name, platform_code, source, signal_type, target_multiplier, emitted_after_round,
			 emitted_at, feature_vector, status, resolved_round_number, resolved_multiplier, resolved_at
		FROM crash_analytics.analytics_round_signals ORDER BY 1, 2, 8, 6$$,
	$$WITH m AS (
		SELECT bot_id, session_id, game_name, platform_code, round_number, multiplier, observed_at,
			   count(*) OVER w3 AS n3, max(multiplier) OVER w3 AS max3,
			   jsonb_agg(multiplier) OVER w3 AS last3,
			   lead(round_number) OVER w AS next_round, lead(multiplier) OVER w AS next_multiplier,
			   lead(observed_at) OVER w AS next_at
		  FROM crash_analytics.analytics_round_multipliers
		WINDOW w AS (PARTITION BY bot_id, game_name, platform_code ORDER BY id),
			   w3 AS (w ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)),
	  rules AS (
		SELECT b.bot_id, r FROM crash_analytics.bot_vm_registration b, jsonb_array_elements(b.signal_rules) r)
	  SELECT m.bot_id, m.session_id, m.game_name, m.platform_code, 'rule'::text, (r->>'rule') COLLATE "C", (r->>'target')::numeric,
			 m.round_number, m.observed_at,
			 jsonb_build_object('multipliers', CASE r->>'rule' WHEN 'low_streak' THEN m.last3
													  ELSE jsonb_build_array(m.multiplier) END),
			 CASE WHEN m.next_multiplier IS NULL THEN 'open'
				  WHEN m.next_multiplier >= (r->>'target')::numeric THEN 'hit' ELSE 'miss' END,
			 m.next_round, m.next_multiplier, m.next_at
		FROM m JOIN rules r USING (bot_id)
	   WHERE (r->>'rule' = 'low_streak' AND (r->>'length')::int = 3 AND m.n3 = 3 AND m.max3 < (r->>'below')::numeric)
		  OR (r->>'rule' = 'high_after' AND m.multiplier >= (r->>'above')::numeric)
	   ORDER BY 1, 2, 8, 6$$,
	'analytics_round_signals: the rules replayed over the multipliers give the same signals and resolutions');

-- statistics: what get_bot_statistics reports, from the rounds
SELECT results_eq(
	$$SELECT b.bot_id, s.total_rounds, s.bets, s.wins, s.losses, s.skips, s.voids, s.win_rate_percent,
			 s.chance_win_rate_percent, s.total_staked, s.total_payout, s.total_profit, s.roi_percent,
			 s.expected_profit, s.luck, s.best_round_profit, s.worst_round_profit, s.current_balance,
			 s.first_round_at, s.last_round_at
		FROM crash_analytics.bot_vm_registration b, crash_analytics.get_bot_statistics(b.bot_id) s ORDER BY 1$$,
	$$SELECT bot_id, count(*), count(*) FILTER (WHERE o <> 'SKIP'), count(*) FILTER (WHERE o = 'WIN'),
			 count(*) FILTER (WHERE o = 'LOSS'), count(*) FILTER (WHERE o = 'SKIP'), count(*) FILTER (WHERE o = 'VOID'),
			 round(count(*) FILTER (WHERE o = 'WIN') * 100::numeric / count(*) FILTER (WHERE o IN ('WIN', 'LOSS')), 2),
			 round(sum(win_probability) FILTER (WHERE o IN ('WIN', 'LOSS')) * 100
				   / count(win_probability) FILTER (WHERE o IN ('WIN', 'LOSS')), 2),
			 sum(stake_value), sum(payout_value), sum(profit_loss), round(sum(profit_loss) * 100 / sum(stake_value), 2),
			 sum(expected_profit), sum(profit_loss) - sum(expected_profit),
			 max(profit_loss) FILTER (WHERE o IN ('WIN', 'LOSS')), min(profit_loss) FILTER (WHERE o IN ('WIN', 'LOSS')),
			 (array_agg(running_balance_after ORDER BY id DESC) FILTER (WHERE running_balance_after IS NOT NULL))[1],
			 min(played_at), max(played_at)
		FROM (SELECT r.*, r.round_outcome AS o FROM crash_analytics.crash_game_rounds r) r GROUP BY 1 ORDER BY 1$$,
	'get_bot_statistics: counts, rates, money, ROI, expected profit, luck and balances equal a recomputation from the rounds');

SELECT * FROM finish();
ROLLBACK;
