#!/usr/bin/env bash
# bench/intake.sh: durable intake. POST /api/v1/messages under wrk -t2 -c64,
# every 201 on disk (synchronous=FULL, group commit), beside PostgreSQL's own
# durable single-row insert rate (pgbench -c 64 -j 2, a message-sized row,
# fsync and synchronous_commit on) in a throwaway cluster, same run, same disk.
# Prints both rates, minyi's p99, their ratio and a checksum (messages
# stored == 2xx answered, so a fast wrong answer is caught).
set -euo pipefail
cd "$(dirname "$0")/.."
DUR=${BENCH_SECONDS:-10}
dir=$(mktemp -d); chmod 755 "$dir"
cleanup() {
  [ -n "${pid:-}" ] && kill "$pid" 2>/dev/null
  [ -n "${pgbin:-}" ] && [ -d "$dir/pg" ] && $asuser "$pgbin/pg_ctl" -D "$dir/pg" -m immediate stop >/dev/null 2>&1
  rm -rf "$dir"
}
trap cleanup EXIT

# ---- PostgreSQL reference ----
pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
asuser=""; pguser=""
if [ "$(id -u)" = 0 ]; then   # PostgreSQL refuses to run as root
  pguser=postgres; id "$pguser" >/dev/null 2>&1 || pguser=nobody
  asuser="runuser -u $pguser --"
fi
pg="not measured (Debian postgresql not installed)"
if [ -n "$pgbin" ] && command -v pgbench >/dev/null; then
  mkdir "$dir/pg"; [ -n "$pguser" ] && chown "$pguser" "$dir/pg"
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  $asuser "$pgbin/initdb" -D "$dir/pg" -A trust -U bench -E UTF8 >/dev/null
  $asuser "$pgbin/pg_ctl" -D "$dir/pg" -l "$dir/pg/log" -w \
    -o "-p $port -k $dir/pg -c listen_addresses='' -c max_connections=100 -c fsync=on -c synchronous_commit=on" start >/dev/null
  psql -h "$dir/pg" -p "$port" -U bench -d postgres -q -c \
    "CREATE TABLE messages (id bigserial PRIMARY KEY, tracking_code text NOT NULL UNIQUE, title text NOT NULL, body text NOT NULL, type text NOT NULL, created_at timestamptz NOT NULL DEFAULT now())"
  cat > "$dir/insert.sql" <<'SQL'
\set n random(1, 1000000000000)
INSERT INTO messages(tracking_code, title, body, type) VALUES (md5(:n::text || clock_timestamp()::text), '路灯不亮' || :n, '小区门口的路灯已经坏了一周，晚上很黑，请尽快维修。编号' || :n, '投诉');
SQL
  pg=$(pgbench -h "$dir/pg" -p "$port" -U bench -n -c 64 -j 2 -T "$DUR" -f "$dir/insert.sql" postgres 2>/dev/null \
       | awk '/^tps/ {printf "%.0f", $3} ')
  $asuser "$pgbin/pg_ctl" -D "$dir/pg" -m fast stop >/dev/null
fi

# ---- minyi ----
./minyi demo --db "sqlite:$dir/db" >/dev/null
./minyi serve --db "sqlite:$dir/db" --listen 127.0.0.1:0 --port-file "$dir/port" --web web --quiet --submit-rate 0 --conns-per-ip 0 ${SERVE_OPTS:-} >/dev/null 2>"$dir/serve.log" &
pid=$!
for _ in $(seq 100); do [ -s "$dir/port" ] && break; sleep 0.05; done
port=$(cat "$dir/port")
before=$(sqlite3 "$dir/db" "SELECT count(*) FROM messages")
out=$(wrk -t2 -c64 -d"${DUR}s" --latency -s bench/post.lua "http://127.0.0.1:$port/api/v1/messages")
rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
p99=$(echo "$out" | awk '/ 99%/ {print $2}')
non2xx=$(echo "$out" | awk '/Non-2xx/ {print $NF}')
total=$(echo "$out" | awk '/requests in/ {print $1}')
kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""
after=$(sqlite3 "$dir/db" "SELECT count(*) FROM messages")
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg) (2 cores; other work on the machine counts)"
echo "PostgreSQL pgbench durable INSERT, -c 64 -j 2 -T $DUR: ${pg} tps"
echo "minyi POST /api/v1/messages, wrk -t2 -c64 -d${DUR}s: ${rps} req/s, p99 ${p99}, non-2xx ${non2xx:-0}"
case "$pg" in *[!0-9]*|"") ;; *) echo "ratio minyi/PostgreSQL: $(awk -v a="$rps" -v b="$pg" 'BEGIN { printf "%.2f", a / b }') (goal >= 5)";; esac
echo "stored $((after - before)) messages; wrk counted $total requests, $(( total - ${non2xx:-0} )) answered 2xx (the last ones in flight when wrk stops are stored but not counted)"
echo "checksum $(sqlite3 "$dir/db" "SELECT count(*), count(DISTINCT tracking_code) FROM messages" | cksum | cut -d' ' -f1)"
