#!/usr/bin/env bash
# test/demo.sh: the demo command.  Installs what is missing, builds and
# installs the extension, starts a private cluster, creates the database
# crash_demo with the extension, logs a seeded workload of 12,000 rounds from
# four bots on three games through the C ingestion functions, and prints each
# bot's statistics.
#
#   sudo bash test/demo.sh                      # then the server stops
#   sudo CA_KEEP_SERVER=1 bash test/demo.sh     # keep it for psql
. "$(dirname "$0")/lib.sh"

ca_require_root
ca_install_packages
ca_build_install
ca_start_cluster
trap ca_finish EXIT

ca_pg "$CA_PGBIN/createdb" -h "$CA_SOCKET" -p "$CA_PGPORT" crash_demo
psql -X -q -d crash_demo -c "CREATE EXTENSION crash_analytics" 
ca_say "logging the seeded workload (4 bots, 3 games, 3,000 rounds each)"
start=$(date +%s.%N)
psql -X -q -d crash_demo -f "$CA_ROOT/test/demo/workload.sql" >/dev/null
end=$(date +%s.%N)
rounds=$(psql -X -At -d crash_demo -c "SELECT count(*) FROM crash_analytics.crash_game_rounds")
printf '== %s rounds logged in %s s\n' "$rounds" "$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')"

ca_say "each bot's statistics: crash_analytics.get_bot_statistics(bot_id)"
psql -X -d crash_demo <<'SQL'
\pset null '-'
SELECT b.bot_id, b.strategy_name, s.total_rounds, s.bets, s.wins, s.losses,
       s.win_rate_percent AS "win %",
       s.win_rate_ci_low_percent || '-' || s.win_rate_ci_high_percent AS "95% CI",
       s.chance_win_rate_percent AS "chance %",
       s.total_staked, s.total_profit, s.roi_percent AS "roi %",
       s.expected_profit, s.luck, s.longest_loss_streak AS "max loss run",
       s.max_drawdown, s.current_balance
  FROM crash_analytics.bot_vm_registration b,
       LATERAL crash_analytics.get_bot_statistics(b.bot_id) s
 ORDER BY b.bot_id;
-- the chance a signal hits is RTP / target, with the RTP of its game/platform
SELECT s.signal_type, count(*) AS signals, count(*) FILTER (WHERE s.status = 'hit') AS hits,
       round(100.0 * count(*) FILTER (WHERE s.status = 'hit') / nullif(count(*) FILTER (WHERE s.status <> 'open'), 0), 2) AS "hit %",
       round(100 * avg(c.rtp / s.target_multiplier), 2) AS "chance %"
  FROM crash_analytics.analytics_round_signals s
  JOIN crash_analytics.game_platform_config c USING (game_name, platform_code)
 GROUP BY 1;
SQL
