#!/usr/bin/env bash
# bench/national.sh: the national campaign (8.542M messages, 290M characters)
# through the whole pipeline, at 1/10 by default (SCALE=full for all of it,
# SCALE=N for N messages): minyi gen, import and analyze with time,
# throughput and peak RSS; database size; search, stats, hot and inbox
# latencies as an admin on the loaded database, and every other read
# endpoint's (bench/endpoints.mjs, the worst median); durable POST under
# wrk -t2 -c64 and the analyzer's lag behind it; start-up time to /healthz. Beside them, references measured
# in the same run: reading the input once (the floor), PostgreSQL's pgbench
# durable insert rate (a throwaway cluster) and nginx serving a static file.
# Each figure is printed with its goal and PASS or MISS, then a checksum.
set -uo pipefail
cd "$(dirname "$0")/.."
. bench/lib.bash
FULL=8542000
case "${SCALE:-tenth}" in
  full) N=$FULL ;;
  tenth) N=$((FULL / 10)) ;;
  *[!0-9]*|"") echo "national.sh: SCALE must be full, tenth or a number of messages" >&2; exit 2 ;;
  *) N=$SCALE ;;
esac
DUR=${BENCH_SECONDS:-10}
M=${MINYI:-$PWD/minyi}   # MINYI: another binary (e.g. a copy, while the tree rebuilds)
dir=$(mktemp -d "${TMPDIR:-/tmp}/national.XXXXXX")
chmod 755 "$dir"
pid=; npid=; pgdata=
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null
  [ -n "$npid" ] && kill "$npid" 2>/dev/null
  [ -n "$pgdata" ] && pg_as "$PGBIN/pg_ctl" -D "$pgdata" -m immediate stop >/dev/null 2>&1
  # KEEP=DIR: keep the loaded database (db*) and the input for later experiments
  if [ -n "${KEEP:-}" ]; then mkdir -p "$KEEP" && mv "$dir"/db* "$dir"/msgs.jsonl "$dir"/demo.out "$KEEP"/ 2>/dev/null; fi
  rm -rf "$dir"
}
trap cleanup EXIT
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
# GNU time -v output -> seconds of wall time and peak RSS in MiB
tv_wall() { awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; printf "%.2f", s }' "$1"; }
tv_cpu() { awk -F': ' '/User time|System time/ { s += $2 } END { printf "%.1f", s }' "$1"; }
tv_rss() { awk -F': ' '/Maximum resident set size/ { printf "%.0f", $2 / 1024 }' "$1"; }
rate() { awk -v n="$1" -v s="$2" 'BEGIN { if (s > 0) printf "%.0f", n / s; else print "-" }'; }
verdict() { awk -v v="$1" -v g="$2" -v dir="$3" 'BEGIN { if (v == "" || v == "-") print "n/a"; else if ((dir == "le" && v + 0 <= g + 0) || (dir == "ge" && v + 0 >= g + 0)) print "PASS"; else print "MISS" }'; }
rows=()
row() { rows+=("$(printf '%-34s %-26s %-30s %s' "$1" "$2" "$3" "$4")"); printf '%-34s %-26s %-30s %s\n' "$1" "$2" "$3" "$4"; }

load0=$(cut -d' ' -f1-3 /proc/loadavg)
echo "national: $N messages ($(awk -v n=$N -v f=$FULL 'BEGIN { printf "%.3g", n / f }') of the campaign), $(nproc) cores, load average $load0, $(date -u '+%Y-%m-%d %H:%M UTC')"
# Goals scale with the size: the issue's 5 minutes at full size is 30 s at 1/10.
goal_total=$(awk -v n=$N -v f=$FULL 'BEGIN { printf "%.1f", 300 * n / f }')

# 1. gen
/usr/bin/time -v -o "$dir/gen.time" "$M" gen --count "$N" --seed 1 --out "$dir/msgs.jsonl" --quiet || { echo "national: minyi gen failed"; exit 1; }
gen_s=$(tv_wall "$dir/gen.time")
bytes=$(stat -c %s "$dir/msgs.jsonl")
t0=$(now); cat "$dir/msgs.jsonl" > /dev/null; t1=$(now); floor_s=$(secs "$t0" "$t1")
printf '%-34s %-26s %-30s %s\n' "figure" "value" "goal" "verdict"
row "gen" "${gen_s} s ($(rate $N "$gen_s")/s), CPU $(tv_cpu "$dir/gen.time") s" "full size < 60 s: >= $((FULL / 60))/s" "$(verdict "$(rate $N "$gen_s")" $((FULL / 60)) ge)"
row "  input" "$(awk -v b=$bytes 'BEGIN{printf "%.0f MB", b/1e6}')" "" ""
row "reference: read input once (cat)" "${floor_s} s" "the floor" ""

# 2. import + analyze into a fresh database with the demo's departments and accounts
db="sqlite:$dir/db"
"$M" demo --db "$db" > "$dir/demo.out" || { echo "national: minyi demo failed"; exit 1; }
adminpw=$(awk '/admin +password:/ { print $3 }' "$dir/demo.out")
handlerpw=$(awk '/handler +password:/ { print $3 }' "$dir/demo.out")
/usr/bin/time -v -o "$dir/import.time" "$M" import --db "$db" --consultation 1 --data "$dir/msgs.jsonl" > "$dir/import.out" 2> "$dir/import.err" || { echo "national: minyi import failed"; tail -3 "$dir/import.err"; exit 1; }
imp_s=$(tv_wall "$dir/import.time"); imp_rss=$(tv_rss "$dir/import.time")
row "import" "${imp_s} s ($(rate $N "$imp_s")/s), CPU $(tv_cpu "$dir/import.time") s" "" ""
/usr/bin/time -v -o "$dir/analyze.time" "$M" analyze --db "$db" > "$dir/analyze.out" 2> "$dir/analyze.err" || { echo "national: minyi analyze failed"; tail -3 "$dir/analyze.err"; exit 1; }
an_s=$(tv_wall "$dir/analyze.time"); an_rss=$(tv_rss "$dir/analyze.time")
row "analyze" "${an_s} s ($(rate $N "$an_s")/s), CPU $(tv_cpu "$dir/analyze.time") s" "" ""
total=$(awk -v a="$imp_s" -v b="$an_s" 'BEGIN { printf "%.2f", a + b }')
row "import + analyze" "${total} s ($(rate $N "$total")/s)" "<= ${goal_total} s" "$(verdict "$total" "$goal_total" le)"
peak=$(( imp_rss > an_rss ? imp_rss : an_rss ))
row "peak RSS (import, analyze)" "${imp_rss} / ${an_rss} MiB" "<= 4096 MiB" "$(verdict "$peak" 4096 le)"
dbsize=$(du -cb "$dir"/db* | tail -1 | cut -f1)
row "database on disk" "$(awk -v b=$dbsize 'BEGIN{printf "%.0f MB", b/1e6}') ($(awk -v b=$dbsize -v n=$N 'BEGIN{printf "%.0f", b/n}') B/msg)" "report" ""

# 3. serve on the loaded database: start-up, reads, durable POST
t0=$(now)
# No per-address limits: wrk posts from one address, and the limits are not what is measured here.
"$M" serve --db "$db" --listen 127.0.0.1:0 --port-file "$dir/port" --web web --quiet --submit-rate 0 --conns-per-ip 0 > "$dir/serve.out" 2>&1 & pid=$!
up=; port=
for _ in $(seq 6000); do
  [ -z "$port" ] && [ -s "$dir/port" ] && port=$(cat "$dir/port")
  if [ -n "$port" ] && curl -sf -o /dev/null "http://127.0.0.1:$port/healthz"; then up=$(secs "$t0" "$(now)"); break; fi
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.01
done
row "start-up to /healthz" "${up:-failed} s" "<= 5 s" "$(verdict "${up:--}" 5 le)"
if [ -n "$up" ]; then
  SERVER_PID=$pid node bench/national-query.mjs "http://127.0.0.1:$port" admin "$adminpw" "${BENCH_ROUNDS:-5}" handler "$handlerpw" > "$dir/query.out" 2>&1
  # keys are exact, or a prefix ending in '*' (the deep page's name carries its depth)
  q() { awk -v k="$1" -v f="$2" '(substr(k, length(k)) == "*" ? index($1, substr(k, 1, length(k) - 1)) == 1 : $1 == k) { print $f; exit }' "$dir/query.out"; }
  row "search p50 / p99 (query mix)" "$(q search 2) / $(q search 3) ms" "<= 10 / <= 100 ms" "$(verdict "$(q search 2)" 10 le) $(verdict "$(q search 3)" 100 le)"
  line="  search p50 ms:"; for k in 路 噪音 搅拌站 小区物业 小区+停车; do line+=" $k $(q "search:$k" 2)"; done
  rows+=("$line"); echo "$line"
  row "GET /api/v1/stats p50 / p99" "$(q stats 2) / $(q stats 3) ms" "<= 50 ms" "$(verdict "$(q stats 3)" 50 le)"
  row "GET /api/v1/hot p50 / p99" "$(q hot 2) / $(q hot 3) ms" "<= 50 ms" "$(verdict "$(q hot 3)" 50 le)"
  row "GET /api/v1/public/search p50 / p99" "$(q public_search 2) / $(q public_search 3) ms" "<= 10 / <= 100 ms" "$(verdict "$(q public_search 2)" 10 le) $(verdict "$(q public_search 3)" 100 le)"
  row "GET /api/v1/inbox first page" "$(q inbox:all:first 2) / $(q inbox:all:first 3) ms" "<= 20 ms" "$(verdict "$(q inbox:all:first 3)" 20 le)"
  row "GET /api/v1/inbox deep page" "$(q 'inbox:all:deep*' 2) / $(q 'inbox:all:deep*' 3) ms" "<= 20 ms" "$(verdict "$(q 'inbox:all:deep*' 3)" 20 le)"
  line="  inbox p99 ms (first/deep), every filter:"; for k in state type region overdue due keyword keyword1 type+state week week+state region_rare replied; do line+=" $k $(q "inbox:$k:first" 3)/$(q "inbox:$k:deep*" 3)"; done
  rows+=("$line"); echo "$line"
  # The public list: the worst p99 over every filter, combination and sort, first and deep pages.
  pw=$(awk '$1 ~ /^public:/ && $3 + 0 > m { m = $3 + 0; k = $1 } END { if (k) printf "%s %s", m, k }' "$dir/query.out")
  row "GET /api/v1/public/messages worst p99" "${pw:-- -}" "<= 20 ms" "$(verdict "${pw%% *}" 20 le)"
  line="  public list p99 ms (first/deep):"; for k in all unreplied replied type region region_rare week dept dept+state week+type sort_replied sort_supported sort_supported+week; do line+=" $k $(q "public:$k:first" 3)/$(q "public:$k:deep*" 3)"; done
  rows+=("$line"); echo "$line"
  grep '^error' "$dir/query.out" || true
  # Every other read endpoint, official and public (bench/endpoints.mjs): the worst median.
  node bench/endpoints.mjs "http://127.0.0.1:$port" admin "$adminpw" 3 > "$dir/endpoints.out" 2>&1
  ew=$(awk '/^worst median/ { print $3 " ms " $4 }' "$dir/endpoints.out")
  row "every read endpoint, worst median" "${ew:--}" "<= 50 ms" "$(verdict "${ew%% *}" 50 le)"
  before=$(sqlite3 "$dir/db" "SELECT count(*) FROM messages")
  maxid=$(sqlite3 "$dir/db" "SELECT coalesce(max(id), 0) FROM messages")
  # The same server answering a request that does nothing (no database, no
  # body): the ceiling of any request rate here, against which 5x pgbench
  # can be read.
  healthz=$(rps "http://127.0.0.1:$port/healthz")
  post=$(rps "http://127.0.0.1:$port/api/v1/messages" -s bench/post.lua)
  after=$(sqlite3 "$dir/db" "SELECT count(*) FROM messages")
  # Analyzer lag at that intake: from a message's arrival (created_at, to the
  # second, so +-1 s) to its analysis commit (analyzed_at, to the ms), which
  # routes it and puts it in the search index in the same transaction. The
  # messages the POSTs added; the analyzer first gets up to 120 s to finish.
  t0=$(now)
  for _ in $(seq 600); do
    [ "$(sqlite3 "$dir/db" "SELECT count(*) FROM messages WHERE id > $maxid AND analyzed = 0")" = 0 ] && break
    sleep 0.2
  done
  drain=$(secs "$t0" "$(now)")
  lag=$(sqlite3 -separator ' ' "$dir/db" "WITH l AS (SELECT (julianday(analyzed_at) - julianday(created_at)) * 86400 AS s FROM messages WHERE id > $maxid AND analyzed_at IS NOT NULL)
    SELECT printf('%.1f', (SELECT s FROM l ORDER BY s LIMIT 1 OFFSET (SELECT count(*) / 2 FROM l))),
           printf('%.1f', (SELECT s FROM l ORDER BY s LIMIT 1 OFFSET (SELECT count(*) * 99 / 100 FROM l))), printf('%.1f', max(s)) FROM l")
  lag_p99=$(awk '{ print $2 }' <<<"$lag")
  post_rps=$(awk '{ print $1 }' <<<"$post"); post_p99=$(sed -n 's/.*p99 \([0-9.]*\)\(ms\|s\|us\).*/\1 \2/p' <<<"$post" | awk '{ v = $1; if ($2 == "s") v *= 1000; if ($2 == "us") v /= 1000; print v }')
else
  tail -5 "$dir/serve.out"
fi
kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; pid=

# 4. references: PostgreSQL's durable insert rate, nginx static
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
pg_as() { if [ "$(id -u)" -eq 0 ]; then runuser -u nobody -- "$@"; else "$@"; fi; }
pg_tps=
if [ -n "$PGBIN" ] && [ -x "$PGBIN/pgbench" ]; then
  mkdir -p "$dir/pg"; [ "$(id -u)" -eq 0 ] && chown nobody "$dir/pg"
  pgport=$(free_port)
  if pg_as "$PGBIN/initdb" -D "$dir/pg/data" -A trust -U bench > "$dir/pg/initdb.log" 2>&1; then
    pgdata="$dir/pg/data"
    pg_as "$PGBIN/pg_ctl" -D "$pgdata" -l "$dir/pg/log" -w \
      -o "-p $pgport -k $dir/pg -c listen_addresses='' -c fsync=on -c synchronous_commit=on -c max_connections=100" start > /dev/null
    pg_as "$PGBIN/psql" -q -h "$dir/pg" -p "$pgport" -U bench postgres -c \
      "CREATE TABLE messages (id bigserial PRIMARY KEY, consultation_id int NOT NULL, type text NOT NULL, title text NOT NULL, body text NOT NULL, tracking_code text UNIQUE NOT NULL, created_at timestamptz NOT NULL DEFAULT now())"
    # The same message as bench/post.lua, with a unique tracking code.
    echo "INSERT INTO messages (consultation_id, type, title, body, tracking_code) VALUES (2, '投诉', '路灯不亮', '小区门口的路灯已经坏了一周，晚上很黑，请尽快维修。', md5(random()::text || clock_timestamp()::text));" > "$dir/pg/insert.sql"
    pg_as "$PGBIN/pgbench" -h "$dir/pg" -p "$pgport" -U bench -n -c 64 -j 2 -T "$DUR" -f "$dir/pg/insert.sql" postgres > "$dir/pg/bench.out" 2>&1
    pg_tps=$(awk '/^tps = / { printf "%.0f", $3 }' "$dir/pg/bench.out")
    pg_lat=$(awk '/latency average/ { print $4 }' "$dir/pg/bench.out")
    pg_as "$PGBIN/pg_ctl" -D "$pgdata" -m fast stop > /dev/null; pgdata=
  else
    echo "reference: initdb failed: $(tail -1 "$dir/pg/initdb.log")"
  fi
fi
if [ -n "${post_rps:-}" ]; then
  goal_post=$(awk -v t="${pg_tps:-0}" 'BEGIN { printf "%.0f", 5 * t }')
  row "POST /api/v1/messages (durable)" "${post_rps} req/s, p99 ${post_p99} ms" ">= 5x pgbench = ${goal_post}/s, p99 <= 20 ms" "$(verdict "$post_rps" "$goal_post" ge) $(verdict "$post_p99" 20 le)"
  row "  messages stored by the POSTs" "$((after - before))" "" ""
  row "analyzer lag p50 / p99 / max" "$(awk '{ printf "%s / %s / %s s", $1, $2, $3 }' <<<"$lag") (+-1 s)" "<= 5 s" "$(verdict "$lag_p99" 5 le)"
  row "  analyzer done after the POSTs" "${drain} s" "" ""
fi
[ -n "${healthz:-}" ] && row "reference: minyi GET /healthz (does nothing)" "$healthz" "the ceiling of any minyi request rate" ""
row "reference: pgbench durable INSERT" "${pg_tps:-not run} tps${pg_lat:+, mean latency $pg_lat ms}" "PostgreSQL 15, fsync on" ""
ngport=$(free_port)
if nginx_start "$dir" "$ngport"; then
  row "reference: nginx static GET /" "$(rps "http://127.0.0.1:$ngport/")" "" ""
  kill "$npid" 2>/dev/null; npid=
fi
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg) (before: $load0)"
imported=$(sed -n 's/^imported \([0-9]*\) messages.*/\1/p' "$dir/import.out")
echo "checksum $(printf '%s %s %s\n' "$imported" "$(cat "$dir/analyze.out")" "$(grep ^checksum "$dir/query.out" 2>/dev/null)" | cksum | cut -d' ' -f1) (imported $imported; $(cat "$dir/analyze.out"); query $(grep ^checksum "$dir/query.out" 2>/dev/null | cut -d' ' -f2))"
if [ -n "${NATIONAL_RESULTS:-}" ]; then printf '%s\n' "${rows[@]}" > "$NATIONAL_RESULTS"; fi
