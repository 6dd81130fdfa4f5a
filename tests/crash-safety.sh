#!/usr/bin/env bash
# Crash safety of `candlewick serve`: the same bots over the same candles,
# once uninterrupted (run A) and once SIGKILLed many times at seeded random
# moments and restarted each time (run B). Both databases must hold the same
# trades, orders, positions and journal; no order and no trade twice.
#
#   tests/crash-safety.sh [--kills N] [--bots N] [--days D] [--seed S]
#                         [--speed X] [--max-positions-total N] [BUILD_DIR]
#
# --max-positions-total N gives every bot that limit across bots, so what a
# bot may do depends on the order in which the three feeds' candles reach
# the bots (0, the default: no such limit).
#
# Needs bash, awk and the sqlite3 command-line shell. Exits 0 when A and B agree,
# 1 on any difference, 2 on bad usage or a failure to run.
set -u

kills=30
n_bots=8
days=30
seed=1
speed=600000
max_total=0
build=build

usage() {
	sed -n '7,8p' "$0" | sed 's/^# *//' >&2
	exit 2
}

while [ $# -gt 0 ]; do
	case "$1" in
	--kills) kills=$2; shift 2 ;;
	--bots) n_bots=$2; shift 2 ;;
	--days) days=$2; shift 2 ;;
	--seed) seed=$2; shift 2 ;;
	--speed) speed=$2; shift 2 ;;
	--max-positions-total) max_total=$2; shift 2 ;;
	-h | --help) usage ;;
	-*) echo "crash-safety: unknown option $1" >&2; usage ;;
	*) build=$1; shift ;;
	esac
done
for v in "$kills" "$n_bots" "$days" "$seed" "$max_total"; do
	case "$v" in '' | *[!0-9]*) echo "crash-safety: not a number: '$v'" >&2; exit 2 ;; esac
done
[ "$n_bots" -ge 1 ] || { echo "crash-safety: --bots must be >= 1" >&2; exit 2; }

here=$(cd "$(dirname "$0")/.." && pwd)
exe=$(cd "$build" 2>/dev/null && pwd)/orchestration/services/candlewick
if [ ! -x "$exe" ]; then
	echo "crash-safety: no executable at $build/orchestration/services/candlewick" \
		"(build first: meson setup $build && ninja -C $build)" >&2
	exit 2
fi
command -v sqlite3 >/dev/null || { echo "crash-safety: needs the sqlite3 shell" >&2; exit 2; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/cw-crash-XXXXXX")
serve_pid=
cleanup() {
	if [ -n "$serve_pid" ]; then
		kill -KILL "$serve_pid" 2>/dev/null
		wait "$serve_pid" 2>/dev/null
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 2' INT TERM

RANDOM=$seed
start_s=$(date +%s.%N)

now_ms() { date +%s%3N; }
q() { sqlite3 -cmd '.timeout 5000' "$@"; }

# Data: one file per symbol; the bots of a symbol share its feed. ---------
symbols=(BTCUSDT ETHUSDT SOLUSDT)
for s in 0 1 2; do
	"$exe" synth --days "$days" --seed $((seed * 10 + s)) \
		--output "$tmp/${symbols[$s]}.csv" >/dev/null 2>"$tmp/synth.log" ||
		{ cat "$tmp/synth.log" >&2; exit 2; }
done

# Bots: the examples in turn, each on a symbol, with its own parameters. --
examples=(ema-trend mean-reversion breakout)
mkdir -p "$tmp/bots"
for ((i = 0; i < n_bots; i++)); do
	ex=${examples[$((i % 3))]}
	sym=${symbols[$(((i / 3 + i) % 3))]}
	name=$(printf '%s-%02d' "$ex" "$i")
	q :memory: "SELECT json_set(CAST(readfile('$here/docs/examples/$ex.json') AS TEXT),
		'\$.name', '$name', '\$.symbol', '$sym',
		'\$.initial_balance', $((5000 + 1000 * i)),
		'\$.strategy.aggregation.min_score',
			json_extract(CAST(readfile('$here/docs/examples/$ex.json') AS TEXT),
				'\$.strategy.aggregation.min_score') - 0.02 * ($i / 3 % 3),
		'\$.feed', json_object('type', 'replay', 'path', '$tmp/$sym.csv',
			'speed', $speed))" >"$tmp/bots/$name.json" || exit 2
	if [ "$max_total" -gt 0 ]; then
		q :memory: "SELECT json_set(CAST(readfile('$tmp/bots/$name.json') AS TEXT),
			'\$.guardrails.max_positions_total', $max_total)" >"$tmp/bots/$name.json.new" &&
			mv "$tmp/bots/$name.json.new" "$tmp/bots/$name.json" || exit 2
	fi
done

make_db() {
	for f in "$tmp"/bots/*.json; do
		"$exe" bots add --db "$1" --config "$f" >/dev/null 2>>"$tmp/add.log" ||
			{ cat "$tmp/add.log" >&2; exit 2; }
	done
}

serve_args=(--poll-interval 0.2 --heartbeat-interval 0.5 --exit-when-idle)

# Waits for the serve process; fails after $2 seconds.
wait_serve() {
	local deadline=$(($(now_ms) + $2 * 1000))
	while kill -0 "$serve_pid" 2>/dev/null; do
		if [ "$(now_ms)" -gt "$deadline" ]; then
			echo "crash-safety: serve did not finish within $2 s" >&2
			exit 2
		fi
		sleep 0.05
	done
	wait "$serve_pid"
	local rc=$?
	serve_pid=
	return $rc
}

progress() {
	q "$1" "SELECT coalesce(sum(CAST(value AS INTEGER)), 0) FROM bot_state
		WHERE key = 'cursor'" 2>/dev/null || echo 0
}

# Run A: uninterrupted. ----------------------------------------------------
make_db "$tmp/a.db"
a_start=$(now_ms)
"$exe" serve --db "$tmp/a.db" "${serve_args[@]}" 2>"$tmp/a.log" &
serve_pid=$!
wait_serve a 600 || { echo "crash-safety: run A failed:" >&2; tail "$tmp/a.log" >&2; exit 2; }
a_ms=$(($(now_ms) - a_start))

# Run B: SIGKILLed $kills times. -------------------------------------------
make_db "$tmp/b.db"
restarts=0
done_kills=0
b_start=$(now_ms)
slice=$((a_ms / (kills + 1) + 1))
finished=0
for ((k = 0; k < kills; k++)); do
	before=$(progress "$tmp/b.db")
	"$exe" serve --db "$tmp/b.db" "${serve_args[@]}" 2>>"$tmp/b.log" &
	serve_pid=$!
	restarts=$((restarts + 1))
	if [ $((RANDOM % 4)) -eq 0 ]; then
		# early: during start-up or crash recovery
		sleep "$(printf '0.%03d' $((RANDOM % 300)))"
	else
		# once the bots trade live again, at a random moment of a slice
		deadline=$(($(now_ms) + 120000))
		while [ "$(progress "$tmp/b.db")" -le "$before" ] && kill -0 "$serve_pid" 2>/dev/null; do
			[ "$(now_ms)" -lt "$deadline" ] ||
				{ echo "crash-safety: no progress after restart $restarts" >&2; exit 2; }
			sleep 0.02
		done
		d=$((RANDOM % slice))
		sleep "$((d / 1000)).$(printf '%03d' $((d % 1000)))"
	fi
	if ! kill -0 "$serve_pid" 2>/dev/null; then
		# the replay ended before this kill
		wait_serve b 5 || { echo "crash-safety: run B failed" >&2; tail "$tmp/b.log" >&2; exit 2; }
		finished=1
		break
	fi
	kill -KILL "$serve_pid"
	wait "$serve_pid" 2>/dev/null
	serve_pid=
	done_kills=$((done_kills + 1))
done
if [ $finished -eq 0 ]; then
	"$exe" serve --db "$tmp/b.db" "${serve_args[@]}" 2>>"$tmp/b.log" &
	serve_pid=$!
	restarts=$((restarts + 1))
	wait_serve b 900 || { echo "crash-safety: run B failed:" >&2; tail "$tmp/b.log" >&2; exit 2; }
fi
b_ms=$(($(now_ms) - b_start))
recoveries=$(grep -c 'crash recovery: the previous process died' "$tmp/b.log")

# Compare. -----------------------------------------------------------------
trades_sql="SELECT bot_name, strategy_id, symbol, direction, entry_time, exit_time,
	printf('%.17g', entry_price), printf('%.17g', exit_price), printf('%.17g', qty),
	printf('%.17g', fees), printf('%.17g', net_pnl), exit_reason
	FROM trading_trades ORDER BY bot_name, strategy_id, entry_time, exit_time, seq"
orders_sql="SELECT client_order_id, bot_id, strategy_id, symbol, side, type, purpose,
	reduce_only, printf('%.17g', qty), printf('%.17g', price), printf('%.17g', stop_price),
	status, printf('%.17g', filled_qty), printf('%.17g', avg_fill_price), created_at, updated_at
	FROM orders ORDER BY client_order_id"
positions_sql="SELECT bot_id, strategy_id, symbol, direction, printf('%.17g', qty),
	printf('%.17g', entry_price), printf('%.17g', stop_price), printf('%.17g', initial_qty),
	printf('%.17g', realized_pnl), printf('%.17g', fees), opened_at, updated_at, state_json
	FROM trading_positions ORDER BY bot_id, strategy_id"
events_sql="SELECT bot_id, strategy_id, type, time, payload FROM events
	WHERE type != 'BOT_STATUS' ORDER BY bot_id, seq"

failures=0
compare() {
	local what=$1 sql=$2
	q "$tmp/a.db" "$sql" >"$tmp/a.$what" || exit 2
	q "$tmp/b.db" "$sql" >"$tmp/b.$what" || exit 2
	if ! cmp -s "$tmp/a.$what" "$tmp/b.$what"; then
		echo "DIFFERENCE in $what (< uninterrupted, > killed):"
		diff "$tmp/a.$what" "$tmp/b.$what" | head -20
		failures=$((failures + 1))
	fi
}
compare trades "$trades_sql"
compare orders "$orders_sql"
compare positions "$positions_sql"
compare events "$events_sql"

dup_trades=$(q "$tmp/b.db" "SELECT count(*) - (SELECT count(*) FROM (SELECT DISTINCT bot_name,
	strategy_id, entry_time, exit_time, seq FROM trading_trades)) FROM trading_trades")
dup_orders=$(q "$tmp/b.db" "SELECT count(*) - count(DISTINCT client_order_id) FROM orders")
dup_events=$(q "$tmp/b.db" "SELECT count(*) - (SELECT count(*) FROM (SELECT DISTINCT bot_id,
	strategy_id, type, time, payload FROM events WHERE type != 'BOT_STATUS'))
	FROM events WHERE type != 'BOT_STATUS'")
closed_events=$(q "$tmp/b.db" "SELECT count(*) FROM events WHERE type = 'TRADE_CLOSED'")
n_trades=$(wc -l <"$tmp/a.trades")
n_trades_b=$(wc -l <"$tmp/b.trades")
n_orders=$(wc -l <"$tmp/a.orders")
n_positions=$(wc -l <"$tmp/a.positions")
n_events=$(wc -l <"$tmp/a.events")
not_stopped=$(q "$tmp/b.db" "SELECT count(*) FROM trading_bots WHERE status != 'stopped'")
[ "$dup_trades" -eq 0 ] && [ "$dup_orders" -eq 0 ] && [ "$dup_events" -eq 0 ] ||
	failures=$((failures + 1))
[ "$closed_events" -eq "$n_trades_b" ] || failures=$((failures + 1))
[ "$not_stopped" -eq 0 ] || failures=$((failures + 1))
[ "$n_trades" -gt 0 ] || { echo "no trades at all: the scenario tests nothing"; failures=$((failures + 1)); }

secs() { awk -v ms="$1" 'BEGIN { printf "%.1f", ms / 1000 }'; }
elapsed=$(awk -v a="$start_s" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
cat <<EOF
crash safety: $n_bots bots on 3 shared replay feeds, $days days of 5m candles, seed $seed, speed $speed, max_positions_total $max_total
  run A (uninterrupted):   $(secs "$a_ms") s
  run B (killed):          $(secs "$b_ms") s, $done_kills SIGKILLs, $restarts starts, $recoveries crash recoveries logged
  trades compared:         $n_trades (B: $n_trades_b, TRADE_CLOSED events in B: $closed_events)
  orders compared:         $n_orders
  open positions compared: $n_positions
  journal events compared: $n_events
  duplicates found:        trades $dup_trades, orders $dup_orders, events $dup_events
  bots not stopped in B:   $not_stopped
  differences:             $failures
  total time:              $elapsed s
EOF
[ "$failures" -eq 0 ] && echo "PASS" || echo "FAIL"
[ "$failures" -eq 0 ]
