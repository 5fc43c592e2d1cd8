-- Fairness report and OCR data quality (1.1): on simulated fair data the
-- report does not reject (in most seeds, as a 5% test should), on a
-- deliberately unfair generator it does; the figures equal plain-SQL
-- recomputations; OCR data quality finds planted problems.
\set ON_ERROR_STOP 1
\set QUIET 1
\pset format unaligned
\pset tuples_only true
\pset pager off
SET timezone = 'UTC';
BEGIN;
CREATE EXTENSION crash_analytics;
SELECT plan(16);

-- fair multipliers at RTP r: max(1.00, floor(100 r / U) / 100), U uniform on (0, 1]
CREATE FUNCTION pg_temp.simulate(game text, platform text, bot text, n int, rtp numeric, seed double precision)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	PERFORM setseed(seed);
	INSERT INTO crash_analytics.analytics_round_multipliers
		(bot_id, session_id, game_name, platform_code, round_number, platform_round_id, multiplier,
		 is_instant_crash, observed_at, source)
	SELECT bot, platform, game, platform, i, i::text, m, m = 1.00, '2026-11-01'::timestamptz + i * interval '10 s', 'direct'
	  FROM (SELECT i, least(greatest(1.00, floor(100 * rtp / (1 - random())) / 100), 1000000.00) AS m
			  FROM generate_series(1, n) i) x;
END
$$;

-- 20 fair platforms of 5,000 rounds each (seeds 0.01 .. 0.20)
SELECT crash_analytics.register_game_platform('simgame', 'fair' || k, 0.97) FROM generate_series(1, 20) k;
SELECT pg_temp.simulate('simgame', 'fair' || k, 'sim', 5000, 0.97, k / 100.0) FROM generate_series(1, 20) k;
CREATE TEMP TABLE verdicts AS
SELECT k, (SELECT detail FROM crash_analytics.fairness_report('simgame', 'fair' || k) WHERE measure = 'verdict') AS v
  FROM generate_series(1, 20) k;
SELECT cmp_ok((SELECT count(*)::int FROM verdicts WHERE v LIKE '%differ from a fair game%'), '<=', 3,
			  'fair data: at most 3 of 20 seeds rejected by a 5% procedure');
SELECT ok((SELECT bool_and(v LIKE '5000 rounds%') FROM verdicts), 'every verdict gives its sample size');

-- an unfair generator: RTP 0.92 on a platform configured at 0.97
SELECT crash_analytics.register_game_platform('simgame', 'unfair', 0.97);
SELECT pg_temp.simulate('simgame', 'unfair', 'sim', 20000, 0.92, 0.5);
SELECT ok((SELECT detail LIKE '20000 rounds differ from a fair game at RTP 97.00%'
			 FROM crash_analytics.fairness_report('simgame', 'unfair') WHERE measure = 'verdict'),
		  'unfair data: the verdict rejects');
SELECT cmp_ok((SELECT p_value FROM crash_analytics.fairness_report('simgame', 'unfair') WHERE measure = 'chi_square'),
			  '<', 0.0001::double precision, 'unfair data: chi-square p < 0.0001');
SELECT cmp_ok((SELECT observed FROM crash_analytics.fairness_report('simgame', 'unfair') WHERE measure = 'implied_rtp_at_2.00x'),
			  '<', 94::numeric, 'unfair data: the implied RTP at 2x is far below 97');

-- the figures against plain SQL over the raw rows (each platform round once)
SELECT results_eq(
	$$SELECT observed FROM crash_analytics.fairness_report('simgame', 'fair1') WHERE measure = 'implied_rtp_at_2.00x'$$,
	$$SELECT round(100 * 2 * count(*) FILTER (WHERE multiplier >= 2) / count(*)::numeric, 2)
		FROM crash_analytics.analytics_round_multipliers WHERE platform_code = 'fair1'$$,
	'implied RTP at 2x = 2 x share reaching 2x');
SELECT results_eq(
	$$SELECT observed FROM crash_analytics.fairness_report('simgame', 'fair1') WHERE measure = 'instant_crash_percent'$$,
	$$SELECT round(100 * count(*) FILTER (WHERE multiplier = 1.00) / count(*)::numeric, 2)
		FROM crash_analytics.analytics_round_multipliers WHERE platform_code = 'fair1'$$,
	'instant-crash rate = share of 1.00x');
SELECT results_eq(
	$$SELECT expected FROM crash_analytics.fairness_report('simgame', 'fair1') WHERE measure = 'instant_crash_percent'$$,
	$$SELECT round(100 * (1 - 0.97 / 1.01), 2)$$, 'expected instant-crash rate = 1 - RTP/1.01');
SELECT results_eq(
	$$SELECT observed FROM crash_analytics.fairness_report('simgame', 'fair1') WHERE measure = 'runs_test_2x'$$,
	$$SELECT (1 + count(*) FILTER (WHERE (multiplier >= 2) <> (prev >= 2)))::numeric
		FROM (SELECT multiplier, lag(multiplier) OVER (ORDER BY id) AS prev
				FROM crash_analytics.analytics_round_multipliers WHERE platform_code = 'fair1') x$$,
	'runs = 1 + changes between reaching and not reaching 2x');
SELECT is((SELECT observed FROM crash_analytics.fairness_report('simgame', 'fair1') WHERE measure = 'rounds_for_1pt_rtp_difference'),
		  ceil(((1.959963984540054 + 0.8416212335729143) * 2 * sqrt(0.485 * 0.515) / 0.01) ^ 2)::numeric,
		  'rounds to detect 1 point at 2x: ((z + z_power) 2 sqrt(p(1-p)) / 0.01)^2');
SELECT is((SELECT sum(1) FROM crash_analytics.fairness_report('simgame', 'fair1', '2030-01-01', '2030-02-01')), NULL,
		  'a period without rounds gives no rows');

-- a platform round seen by two bots counts once
SELECT pg_temp.simulate('simgame', 'fair2', 'second_bot', 5000, 0.97, 0.02);
SELECT is((SELECT sample_size FROM crash_analytics.fairness_report('simgame', 'fair2') WHERE measure = 'verdict'),
		  5000::bigint, 'the same platform rounds seen by a second bot count once');

-- OCR data quality: a bot that misses instant crashes and platform rounds, and disagrees with another
SELECT crash_analytics.register_game_platform('simgame', 'ocr', 0.97);
SELECT pg_temp.simulate('simgame', 'ocr', 'reader', 8000, 0.97, 0.3);
SELECT pg_temp.simulate('simgame', 'ocr', 'blind', 8000, 0.97, 0.3);
DELETE FROM crash_analytics.analytics_round_multipliers
 WHERE bot_id = 'blind' AND (multiplier = 1.00 OR round_number BETWEEN 100 AND 149);
CREATE TEMP TABLE misread AS
WITH u AS (UPDATE crash_analytics.analytics_round_multipliers SET multiplier = multiplier + 0.01
			WHERE bot_id = 'blind' AND round_number BETWEEN 200 AND 209 RETURNING 1)
SELECT count(*) AS n FROM u;
SELECT crash_analytics.log_ocr_validation('blind', '2.4Sx', NULL, 0.41, NULL, 's', 'simgame', 'ocr');
SELECT crash_analytics.log_ocr_validation('blind', '2.45x', 2.45, 0.97, NULL, 's', 'simgame', 'ocr');
SELECT is((SELECT disagreements FROM crash_analytics.ocr_data_quality() WHERE bot_id = 'blind' AND platform_code = 'ocr'),
		  (SELECT n FROM misread), 'every misread round (200..209, less the 1.00x it never saw) disagrees with the other bot');
SELECT is((SELECT missed_rounds FROM crash_analytics.ocr_data_quality() WHERE bot_id = 'blind' AND platform_code = 'ocr'),
		  (SELECT 50 + count(*) FILTER (WHERE multiplier = 1.00 AND round_number NOT BETWEEN 100 AND 149)
			 FROM crash_analytics.analytics_round_multipliers WHERE bot_id = 'reader' AND platform_code = 'ocr'
			  AND round_number BETWEEN 2 AND 7999),
		  'missed rounds: the 50 dropped plus the unseen instant crashes inside the range');
SELECT cmp_ok((SELECT instant_p_value FROM crash_analytics.ocr_data_quality() WHERE bot_id = 'blind' AND platform_code = 'ocr'),
			  '<', 0.0001::double precision, 'a bot that never sees 1.00x is flagged');
SELECT is((SELECT (ocr_readings, ocr_valid_percent) FROM crash_analytics.ocr_data_quality() WHERE bot_id = 'blind' AND platform_code = 'ocr'),
		  (2::bigint, 50.00::numeric), 'its OCR readings: two, one valid');

SELECT * FROM finish();
ROLLBACK;
