-- test/reliability/fill.sql: a database with something in every table, for
-- the backup, upgrade and pg_upgrade suites.  Deterministic (no random()),
-- works at extension version 1.0 and 1.1.  About 3,000 rounds.
--
--   5 bots (4 registered with signal rules, one registered by its first
--   round), 2 sessions each (one started with a balance, one ended), a
--   custom game/platform and a changed shipped one; rounds through the three
--   paths (single calls, batches, INSERT), over two days, with SKIP, VOID,
--   two bet slots and signals from the rules; the bots' own signals, watched
--   multipliers, outcomes, errors and OCR readings; then a retention purge
--   of the first day, and a refresh of the materialized views.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;

SELECT crash_analytics.register_game_platform('spaceman', 'stake', 0.965, provider => 'Pragmatic',
		currency => 'USDT', currency_decimals => 6, min_bet => 0.000001, max_bet => 5000, max_multiplier => 5000.00);
-- a shipped row changed by the operator: pg_dump must keep the change
SELECT crash_analytics.register_game_platform('jetx', 'demo', NULL, max_bet => 250000.00);
UPDATE crash_analytics.game_platform_config SET metadata = '{"note": "changed by hand"}'
 WHERE game_name = 'aviatrix' AND platform_code = 'demo';

SELECT crash_analytics.register_bot('fill_bot_' || b, bot_name => 'Fill bot ' || b, vm_provider => 'hetzner',
		vm_host => 'vm-' || b, vm_region => 'eu-central', strategy_name => 'fill_' || b,
		initial_balance => 1000 * b,
		signal_rules => CASE b % 2 WHEN 0 THEN '[{"rule": "low_streak", "length": 2, "below": 1.50, "target": 1.60}]'
							  ELSE '[{"rule": "high_after", "above": 5.00, "target": 2.00}]' END::jsonb,
		metadata => jsonb_build_object('fleet', 'fill', 'n', b))
  FROM generate_series(1, 4) b;

SELECT crash_analytics.start_session('fill_bot_' || b, 'fill_bot_' || b || '_day' || d,
		(ARRAY['aviator', 'jetx', 'spaceman', 'aviatrix', 'aviator'])[b], (ARRAY['demo', 'demo', 'stake', 'demo', 'dafabet'])[b],
		balance_start => 500.00 * b, started_at => '2026-03-01 00:00:00+00'::timestamptz + (d - 1) * interval '1 day')
  FROM generate_series(1, 4) b, generate_series(1, 2) d;

-- the rounds: bot b, day d, round n; every value a function of (b, d, n)
CREATE TEMP VIEW fill_rounds AS
SELECT 'fill_bot_' || b AS bot_id, 'fill_bot_' || b || '_day' || d AS session_id,
	   (ARRAY['aviator', 'jetx', 'spaceman', 'aviatrix', 'aviator'])[b] AS game_name,
	   (ARRAY['demo', 'demo', 'stake', 'demo', 'dafabet'])[b] AS platform_code,
	   n::bigint AS round_number, 1 + (n % 5 = 0)::int AS bet_slot,
	   CASE WHEN n % 9 = 0 THEN 0 ELSE 1 + n % 4 END::numeric AS stake_value,
	   (1.00 + ((n * 7919 + b * 31 + d) % 700) / 100.0)::numeric(12, 2) AS crash_multiplier,
	   CASE WHEN n % 9 = 0 OR n % 17 = 0 THEN NULL ELSE (ARRAY[1.20, 1.50, 2.00, 5.00])[1 + n % 4] END::numeric AS cashout_multiplier,
	   CASE WHEN n % 9 = 0 THEN 'SKIP' WHEN n % 17 = 0 THEN 'VOID' END AS round_outcome,
	   CASE WHEN n % 9 = 0 OR n % 17 = 0 THEN NULL ELSE (ARRAY[1.20, 1.50, 2.00, 5.00])[1 + n % 4] END::numeric AS target_multiplier,
	   '2026-03-01 00:00:00+00'::timestamptz + (d - 1) * interval '1 day' + n * interval '20 seconds' AS round_started_at,
	   'pr-' || b || '-' || d || '-' || n AS platform_round_id,
	   jsonb_build_object('b', b, 'd', d, 'n', n) AS metadata,
	   b, d, n
  FROM generate_series(1, 5) b, generate_series(1, 2) d, generate_series(1, 300) n;

-- path 1: single calls, rounds 1..100 of every (bot, day)
SELECT count(crash_analytics.log_crash_round(bot_id => r.bot_id, session_id => r.session_id,
		game_name => r.game_name, platform_code => r.platform_code, round_number => r.round_number,
		bet_slot => r.bet_slot, stake_value => r.stake_value, crash_multiplier => r.crash_multiplier,
		cashout_multiplier => r.cashout_multiplier, round_outcome => r.round_outcome,
		target_multiplier => r.target_multiplier, round_started_at => r.round_started_at,
		round_ended_at => r.round_started_at + interval '10 seconds',
		platform_round_id => r.platform_round_id, metadata => r.metadata,
		ocr_raw_text => r.crash_multiplier || 'x', ocr_confidence => 0.99,
		server_seed_hash => md5(r.platform_round_id), tags => ARRAY['fill']))
  FROM (SELECT * FROM fill_rounds WHERE n <= 100 ORDER BY b, d, n) r;

-- path 2: batches of 50, rounds 101..200, one statement each (as a bot
-- sends them; several batch calls in one statement work too: load.sh's
-- check (3))
SELECT format('SELECT cardinality(crash_analytics.log_crash_rounds(%L))', x.j)
  FROM (SELECT jsonb_agg(to_jsonb(r) - 'b' - 'd' - 'n' ORDER BY r.n) AS j
		  FROM fill_rounds r WHERE r.n BETWEEN 101 AND 200
		 GROUP BY r.b, r.d, (r.n - 101) / 50 ORDER BY r.b, r.d, (r.n - 101) / 50) x \gexec

-- path 3: INSERT, rounds 201..300
INSERT INTO crash_analytics.crash_game_rounds
	(bot_id, session_id, game_name, platform_code, round_number, bet_slot, stake_value, crash_multiplier,
	 cashout_multiplier, round_outcome, target_multiplier, round_started_at, platform_round_id, metadata)
SELECT bot_id, session_id, game_name, platform_code, round_number, bet_slot, stake_value, crash_multiplier,
	   cashout_multiplier, round_outcome, target_multiplier, round_started_at, platform_round_id, metadata
  FROM fill_rounds WHERE n > 200 ORDER BY b, d, n;

-- the other loggers
SELECT count(crash_analytics.log_round_signal('fill_bot_' || b, 'fill_bot_' || b || '_day2',
		(ARRAY['aviator', 'jetx', 'spaceman', 'aviatrix', 'aviator'])[b], (ARRAY['demo', 'demo', 'stake', 'demo', 'dafabet'])[b],
		'model', 1.50 + k / 10.0, confidence_score => 0.5 + k / 100.0, model_name => 'lstm_v' || k,
		feature_vector => jsonb_build_array(k, b), emitted_after_round => 300))
  FROM generate_series(1, 4) b, generate_series(1, 3) k;
SELECT count(crash_analytics.log_round_multiplier_analytics('fill_bot_' || b, 'fill_bot_' || b || '_day2',
		(ARRAY['aviator', 'jetx', 'spaceman', 'aviatrix', 'aviator'])[b], (ARRAY['demo', 'demo', 'stake', 'demo', 'dafabet'])[b],
		1000 + k, (1.00 + k / 4.0)::numeric(12, 2), platform_round_id => 'watched-' || k,
		observed_at => '2026-03-02 12:00:00+00'::timestamptz + k * interval '20 seconds'))
  FROM generate_series(1, 4) b, generate_series(1, 10) k;
SELECT count(crash_analytics.log_round_outcome('fill_bot_' || b, 'fill_bot_' || b || '_day2',
		(ARRAY['aviator', 'jetx', 'spaceman', 'aviatrix', 'aviator'])[b], (ARRAY['demo', 'demo', 'stake', 'demo', 'dafabet'])[b],
		2000 + k, 2.00, 3.00, 1.50, strategy_name => 'fill_' || b))
  FROM generate_series(1, 4) b, generate_series(1, 5) k;
SELECT count(crash_analytics.log_error('fill_bot_' || b, (ARRAY['ocr_timeout', 'network', 'balance_mismatch'])[1 + k % 3],
		'error ' || k, session_id => 'fill_bot_' || b || '_day' || (1 + k % 2), stack_trace => 'at line ' || k,
		recovery_action => 'retry', severity => (ARRAY['warning', 'error', 'critical'])[1 + k % 3],
		round_number => k, context => jsonb_build_object('k', k),
		occurred_at => '2026-03-01 06:00:00+00'::timestamptz + k * interval '3 hours'))
  FROM generate_series(1, 5) b, generate_series(1, 12) k;
SELECT count(crash_analytics.log_ocr_validation('fill_bot_' || b, k || '.' || b || 'x', parsed_value => (k + b / 10.0)::numeric(12, 2),
		confidence => 0.9, session_id => 'fill_bot_' || b || '_day2', round_number => k))
  FROM generate_series(1, 5) b, generate_series(1, 8) k;
SELECT count(crash_analytics.log_ocr_validation('fill_bot_' || b, 'x?x', confidence => 0.2, is_valid => false,
		validation_error => 'unreadable'))
  FROM generate_series(1, 5) b;

SELECT crash_analytics.end_session('fill_bot_' || b, 'fill_bot_' || b || '_day1', 'completed',
		ended_at => '2026-03-02 00:00:00+00', end_reason => 'day over')
  FROM generate_series(1, 4) b;
SELECT crash_analytics.end_session('fill_bot_5', 'fill_bot_5_day1', 'aborted', ended_at => '2026-03-02 00:00:00+00');

-- retention: the first morning goes (rounds, outcomes, multipliers, signals,
-- logs, emptied sessions), roll-ups are rebuilt from what remains
SELECT sum(rows_deleted) > 0 AS purged FROM crash_analytics.purge_rounds_before('2026-03-01 00:20:00+00');
-- and logging goes on after the purge (the signal series start again)
SELECT count(crash_analytics.log_crash_round(r.bot_id, r.session_id, r.game_name, r.platform_code,
		r.round_number + 1000, r.stake_value, r.crash_multiplier, r.cashout_multiplier, r.round_outcome,
		round_started_at => r.round_started_at + interval '1 hour'))
  FROM (SELECT * FROM fill_rounds WHERE d = 2 AND n > 290 ORDER BY b, n) r;
SELECT crash_analytics.refresh_analytics();
