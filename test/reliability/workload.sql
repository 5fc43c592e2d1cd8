-- test/reliability/workload.sql: the rounds the load and crash suites log.
--
-- Every field of a round is a function of its key (bot, session, round
-- number, bet slot), so that a round sent again -- by the same client, by
-- another client, through another path -- is a retry with the same content,
-- and so that the content of every stored round can be checked afterwards
-- against what was sent.  Lives in schema rel of the test database, not in
-- the extension.
CREATE SCHEMA rel;

CREATE TYPE rel.round_t AS (bot_id text, session_id text, game_name text, platform_code text,
	round_number bigint, bet_slot integer, stake_value numeric,
	crash_multiplier numeric, cashout_multiplier numeric, target_multiplier numeric,
	round_outcome text, strategy_name text);

-- bot b (1..6), session s (1..3) of that bot, round rn, slot 1..2
CREATE FUNCTION rel.round(b int, s int, rn bigint, slot int) RETURNS SETOF rel.round_t
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
	SELECT 'rel_bot_' || b, 'rel_bot_' || b || '_s' || s,
		   (ARRAY['aviator', 'jetx', 'aviatrix'])[1 + s % 3], 'demo',
		   rn, slot, x.stake, x.crash, x.cashout, x.cashout,
		   CASE WHEN x.stake = 0 THEN 'SKIP'
				WHEN x.void THEN 'VOID'
				WHEN x.cashout <= x.crash THEN 'WIN' ELSE 'LOSS' END,
		   'rel_flat'
	  FROM (SELECT CASE WHEN rn % 11 = 0 THEN 0.00 ELSE 1 + (rn + slot) % 5 END::numeric(12, 2) AS stake,
				   rn % 11 <> 0 AND rn % 13 = 0 AS void,
				   -- the round's crash point: the same for every slot of the round
				   (1.00 + ((rn * 7919 + b * 104729 + s * 13) % 600) / 100.0)::numeric(12, 2) AS crash,
				   CASE WHEN rn % 11 = 0 OR rn % 13 = 0 THEN NULL
						ELSE (ARRAY[1.30, 1.50, 2.00, 3.00])[1 + (rn + slot) % 4] END::numeric(12, 2) AS cashout) x
$$;

-- the key of the i-th round of a multi-bot statement (batch, INSERT ... SELECT):
-- even elements are retries from the hot range 1..50, odd ones fresh rounds;
-- bots come in an order that is not sorted
CREATE FUNCTION rel.element(seed bigint, i int, OUT b int, OUT s int, OUT rn bigint, OUT slot int)
LANGUAGE sql IMMUTABLE STRICT AS $$
	SELECT 1 + ((seed * 7 + i * 5) % 6)::int,
		   1 + ((seed + i) % 3)::int,
		   CASE WHEN i % 2 = 0 THEN 1 + (seed * 131 + i * 17) % 50
				ELSE 1000000000 + seed * 64 + i END,
		   1 + ((seed + i / 2) % 2)::int
$$;

-- n rounds for a batch call
CREATE FUNCTION rel.batch(seed bigint, n int) RETURNS jsonb
LANGUAGE sql IMMUTABLE STRICT AS $$
	SELECT jsonb_agg(to_jsonb(r) ORDER BY i)
	  FROM generate_series(1, n) i, rel.element(seed, i) e, rel.round(e.b, e.s, e.rn, e.slot) r
$$;

-- n rounds for INSERT ... SELECT, in element order
CREATE FUNCTION rel.rows(seed bigint, n int) RETURNS SETOF rel.round_t
LANGUAGE sql IMMUTABLE STRICT AS $$
	SELECT r.* FROM generate_series(1, n) i, rel.element(seed, i) e, rel.round(e.b, e.s, e.rn, e.slot) r ORDER BY i
$$;

-- stored rounds whose content is not what their key says was sent
CREATE VIEW rel.wrong_content AS
SELECT c.id, c.bot_id, c.session_id, c.round_number, c.bet_slot
  FROM crash_analytics.crash_game_rounds c
  LEFT JOIN LATERAL rel.round(substr(c.bot_id, 9)::int, substr(c.session_id, length(c.bot_id) + 3)::int,
							  c.round_number, c.bet_slot) r ON true
 WHERE c.bot_id LIKE 'rel_bot_%'
   AND (c.game_name, c.platform_code, c.stake_value, c.crash_multiplier, c.cashout_multiplier,
		c.target_multiplier, c.round_outcome, c.strategy_name)
	   IS DISTINCT FROM
	   (r.game_name, r.platform_code, r.stake_value, r.crash_multiplier, r.cashout_multiplier,
		r.target_multiplier, r.round_outcome, r.strategy_name);

-- the independent count check: each key once; roll-ups and session figures
-- agree with plain counts of the rounds; one multiplier row per round and
-- one outcome row per bet.  One row per difference.
CREATE VIEW rel.count_differences AS
SELECT 'duplicate key' AS what, k.bot_id || '/' || k.session_id || '/' || k.round_number || '/' || k.bet_slot AS key,
	   k.n::text AS stored, '1' AS expected
  FROM (SELECT bot_id, session_id, round_number, bet_slot, count(*) AS n
		  FROM crash_analytics.crash_game_rounds GROUP BY 1, 2, 3, 4 HAVING count(*) > 1) k
UNION ALL
SELECT 'bot_rollups.rounds', coalesce(c.bot_id, r.bot_id), r.rounds::text, c.n::text
  FROM (SELECT bot_id, count(*) AS n, count(*) FILTER (WHERE round_outcome = 'WIN') AS wins,
			   sum(stake_value) AS staked, sum(profit_loss) AS profit
		  FROM crash_analytics.crash_game_rounds GROUP BY 1) c
  FULL JOIN crash_analytics.bot_rollups r ON r.bot_id = c.bot_id
 WHERE r.rounds IS DISTINCT FROM c.n OR r.wins IS DISTINCT FROM c.wins
	OR r.total_staked IS DISTINCT FROM c.staked OR r.total_profit IS DISTINCT FROM c.profit
UNION ALL
SELECT 'session_logs.rounds_played', coalesce(c.bot_id || '/' || c.session_id, s.bot_id || '/' || s.session_id),
	   s.rounds_played::text, c.n::text
  FROM (SELECT bot_id, session_id, count(*) AS n, sum(profit_loss) AS profit
		  FROM crash_analytics.crash_game_rounds GROUP BY 1, 2) c
  FULL JOIN crash_analytics.session_logs s ON s.bot_id = c.bot_id AND s.session_id = c.session_id
 WHERE s.rounds_played IS DISTINCT FROM coalesce(c.n, 0) OR s.total_profit IS DISTINCT FROM coalesce(c.profit, 0)
UNION ALL
SELECT 'multiplier rows per round', x.bot_id || '/' || x.session_id || '/' || x.round_number, x.m::text, '1'
  FROM (SELECT r.bot_id, r.session_id, r.round_number,
			   (SELECT count(*) FROM crash_analytics.analytics_round_multipliers m
				 WHERE m.bot_id = r.bot_id AND m.session_id = r.session_id AND m.round_number = r.round_number) AS m
		  FROM (SELECT DISTINCT bot_id, session_id, round_number FROM crash_analytics.crash_game_rounds) r) x
 WHERE x.m <> 1
UNION ALL
SELECT 'outcome rows', 'all', o.n::text, c.n::text
  FROM (SELECT count(*) AS n FROM crash_analytics.analytics_round_outcomes) o,
	   (SELECT count(*) AS n FROM crash_analytics.crash_game_rounds WHERE round_outcome <> 'SKIP') c
 WHERE o.n <> c.n;
