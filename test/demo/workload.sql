-- test/demo/workload.sql: a seeded, realistic workload for the demo.
--
-- Three crash games with their own round history; multipliers follow a fair
-- crash game: crash = max(1.00, floor(100 * RTP / U) / 100) with U uniform
-- on (0, 1], so P(crash >= x) = RTP / x.  Four bots with different
-- strategies bet on those rounds through crash_analytics.log_crash_round(),
-- in sessions of 1,000 rounds, each tracking its own balance.  The rounds
-- send no strategy_name: it comes from the bot's registration, so the two
-- cannot disagree.
\set ON_ERROR_STOP 1
SELECT setseed(0.42);

SELECT crash_analytics.register_bot('demo_flat_150', 'Flat 1.50x', 'digitalocean', 'vm-01', 'fra1', 'flat_1.50x', 1000.00);
SELECT crash_analytics.register_bot('demo_flat_200', 'Flat 2.00x', 'digitalocean', 'vm-02', 'fra1', 'flat_2.00x', 1000.00);
SELECT crash_analytics.register_bot('demo_martingale', 'Martingale 2.00x', 'hetzner', 'vm-03', 'nbg1', 'martingale_2.00x', 1000.00);
SELECT crash_analytics.register_bot('demo_skipper', 'Skip 3 under 2x, then 1.80x', 'hetzner', 'vm-04', 'nbg1', 'skip_1.80x', 1000.00);

DO $$
DECLARE
	n_rounds constant int := 3000;
	t0 constant timestamptz := '2026-11-01 00:00:00+00';
	-- bot, game, kind of strategy, target, base stake
	bots constant text[][] := ARRAY[
		['demo_flat_150',   'aviator',  'flat',       '1.50', '1.00'],
		['demo_flat_200',   'aviator',  'flat',       '2.00', '1.00'],
		['demo_martingale', 'jetx',     'martingale', '2.00', '1.00'],
		['demo_skipper',    'aviatrix', 'skip',       '1.80', '2.00']];
	crash_of jsonb := '{}';
	balance numeric[] := ARRAY[1000.00, 1000.00, 1000.00, 1000.00];
	losses int[] := ARRAY[0, 0, 0, 0];
	unders int[] := ARRAY[0, 0, 0, 0];
	g text;
	b int;
	r int;
	crash numeric;
	target numeric;
	stake numeric;
	session text;
BEGIN
	FOR r IN 1 .. n_rounds LOOP
		-- one multiplier per game and round, seen by every bot on that game
		FOREACH g IN ARRAY ARRAY['aviator', 'jetx', 'aviatrix'] LOOP
			crash_of := crash_of || jsonb_build_object(g,
				least(greatest(1.00, floor(100 * 0.97 / (1.0 - random())) / 100), 10000.00));
		END LOOP;
		FOR b IN 1 .. array_length(bots, 1) LOOP
			g := bots[b][2];
			crash := (crash_of ->> g)::numeric;
			target := bots[b][4]::numeric;
			stake := bots[b][5]::numeric;
			session := bots[b][1] || '_s' || ((r - 1) / 1000 + 1);
			IF bots[b][3] = 'martingale' THEN
				stake := least(stake * (2 ^ losses[b])::numeric, 64.00);
			ELSIF bots[b][3] = 'skip' AND unders[b] < 3 THEN
				stake := 0;		-- watch until three rounds under 2x
			END IF;
			IF stake > balance[b] THEN
				stake := 0;		-- cannot afford the bet: watch
			END IF;
			PERFORM crash_analytics.log_crash_round(
				bot_id => bots[b][1], session_id => session, game_name => g, platform_code => 'demo',
				round_number => r, stake_value => stake, crash_multiplier => crash,
				cashout_multiplier => CASE WHEN stake > 0 THEN target END,
				running_balance_before => balance[b],
				target_multiplier => CASE WHEN stake > 0 THEN target END,
				platform_round_id => g || '-' || r,
				round_started_at => t0 + (r * interval '12 seconds'),
				round_ended_at => t0 + (r * interval '12 seconds') + interval '8 seconds');
			IF stake > 0 THEN
				IF target <= crash THEN
					balance[b] := balance[b] + round(stake * target, 2) - stake;
					losses[b] := 0;
				ELSE
					balance[b] := balance[b] - stake;
					losses[b] := losses[b] + 1;
				END IF;
			END IF;
			unders[b] := CASE WHEN crash < 2.00 THEN unders[b] + 1 ELSE 0 END;
			IF r % 1000 = 0 THEN
				PERFORM crash_analytics.end_session(bots[b][1], session, 'completed',
													t0 + (r * interval '12 seconds') + interval '9 seconds');
			END IF;
		END LOOP;
	END LOOP;
END
$$;
