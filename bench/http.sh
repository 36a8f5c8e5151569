#!/usr/bin/env bash
# bench/http.sh: requests per second of `minyi serve` (release build) under
# wrk -t2 -c64 on the consultation list, the home page and a tracking-code
# lookup, and intake (POST); nginx serving the same home page as the
# reference when installed.
# Prints a checksum of the bodies served so a fast wrong answer is caught.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.bash
DUR=${BENCH_SECONDS:-5}
dir=$(mktemp -d); trap 'kill $pid 2>/dev/null; [ -n "${npid:-}" ] && kill $npid 2>/dev/null; rm -rf "$dir"' EXIT
./minyi demo --db "sqlite:$dir/db" >/dev/null
./minyi serve --db "sqlite:$dir/db" --listen 127.0.0.1:0 --port-file "$dir/port" --web web --quiet \
  --submit-rate 0 --conns-per-ip 0 >/dev/null &   # wrk is one client address posting thousands
pid=$!
for _ in $(seq 100); do [ -s "$dir/port" ] && break; sleep 0.05; done
port=$(cat "$dir/port")
code=$(curl -s -X POST "http://127.0.0.1:$port/api/v1/messages" -H 'Content-Type: application/json' \
  -d '{"consultation_id":2,"title":"基准测试留言","body":"用于测量查询速度","type":"建议"}' | sed 's/.*"tracking_code":"\([^"]*\)".*/\1/')
sum=$( (curl -s "http://127.0.0.1:$port/api/v1/consultations"; curl -s "http://127.0.0.1:$port/") | sed 's/"created_at":"[^"]*"//g' | cksum | cut -d' ' -f1)
echo "minyi GET /api/v1/consultations: $(rps "http://127.0.0.1:$port/api/v1/consultations")"
home=$(rps "http://127.0.0.1:$port/")
echo "minyi GET / (home page):         $home"
echo "minyi GET /api/v1/messages/CODE: $(rps "http://127.0.0.1:$port/api/v1/messages/$code")"
# Intake: each 201 is on disk (synchronous=FULL); concurrent posts share commits.
post=$(wrk -t2 -c64 -d"${DUR}s" --latency -s bench/post.lua "http://127.0.0.1:$port/api/v1/messages" | awk '/Requests\/sec/ {r=$2} /99%/ {p=$2} /Non-2xx/ {e=$NF} END {printf "%s req/s, p99 %s, non-2xx %s", r, p, e ? e : 0}')
echo "minyi POST /api/v1/messages:     $post"
stored=$(sqlite3 "$dir/db" "SELECT count(*) FROM messages")
echo "messages stored: $stored"
if nginx_start "$dir" $((port + 1)); then
  ng=$(rps "http://127.0.0.1:$((port + 1))/")
  echo "nginx GET / (same file):         $ng"
  echo "ratio minyi/nginx on the home page: $(awk -v a="${home%% *}" -v b="${ng%% *}" 'BEGIN { printf "%.2f", a / b }')"
else
  echo "nginx not installed: no reference run (DESIGN.md measured ~47k req/s for a 1 KB file here)"
fi
echo "checksum $sum"
