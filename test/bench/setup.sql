-- test/bench/setup.sql: the baselines the benchmark compares the extension with.
-- bench_plain holds copies of the tables (columns, defaults, constraints,
-- indexes) without the extension's triggers: what a client-side logger or a
-- plain INSERT/COPY writes into.
CREATE SCHEMA IF NOT EXISTS bench_plain;
CREATE SCHEMA IF NOT EXISTS bench;
CREATE TABLE IF NOT EXISTS bench_plain.crash_game_rounds (LIKE crash_analytics.crash_game_rounds INCLUDING ALL);
CREATE TABLE IF NOT EXISTS bench_plain.analytics_round_multipliers (LIKE crash_analytics.analytics_round_multipliers INCLUDING ALL);
CREATE TABLE IF NOT EXISTS bench_plain.analytics_round_outcomes (LIKE crash_analytics.analytics_round_outcomes INCLUDING ALL);
CREATE TABLE IF NOT EXISTS bench_plain.analytics_round_signals (LIKE crash_analytics.analytics_round_signals INCLUDING ALL);
CREATE TABLE IF NOT EXISTS bench.batches (n integer PRIMARY KEY, j jsonb NOT NULL);

-- the four derived tables, the columns an INSERT gives them (no identity, no generated column),
-- and the column that orders their rows by round
CREATE OR REPLACE FUNCTION bench.copy_targets()
RETURNS TABLE(name text, tbl text, cols text, by_round text)
LANGUAGE sql STABLE AS $$
	SELECT v.name, v.tbl,
		   (SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum)
			  FROM pg_attribute a
			 WHERE a.attrelid = ('bench_plain.' || v.tbl)::regclass AND a.attnum > 0
			   AND NOT a.attisdropped AND a.attgenerated = '' AND a.attidentity = ''),
		   v.by_round
	  FROM (VALUES ('rounds', 'crash_game_rounds', 'round_number'),
				   ('multipliers', 'analytics_round_multipliers', 'round_number'),
				   ('outcomes', 'analytics_round_outcomes', 'round_number'),
				   ('signals', 'analytics_round_signals', 'emitted_after_round')) AS v(name, tbl, by_round)
$$;

-- the derived rows the C path wrote for the bot 'stage', kept for the floor and the COPY limit
CREATE OR REPLACE FUNCTION bench.make_staging()
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	DROP TABLE IF EXISTS bench.stage_rounds, bench.stage_multipliers, bench.stage_outcomes, bench.stage_signals;
	CREATE TABLE bench.stage_rounds AS SELECT * FROM crash_analytics.crash_game_rounds WHERE bot_id = 'stage';
	CREATE TABLE bench.stage_multipliers AS SELECT * FROM crash_analytics.analytics_round_multipliers WHERE bot_id = 'stage';
	CREATE TABLE bench.stage_outcomes AS SELECT * FROM crash_analytics.analytics_round_outcomes WHERE bot_id = 'stage';
	CREATE TABLE bench.stage_signals AS SELECT * FROM crash_analytics.analytics_round_signals WHERE bot_id = 'stage';
	-- the per-round floor picks one round's rows: by index, as the C path probes its keys
	CREATE INDEX ON bench.stage_rounds (round_number);
	CREATE INDEX ON bench.stage_multipliers (round_number);
	CREATE INDEX ON bench.stage_outcomes (round_number);
	CREATE INDEX ON bench.stage_signals (emitted_after_round);
	ANALYZE bench.stage_rounds, bench.stage_multipliers, bench.stage_outcomes, bench.stage_signals;
END
$$;
