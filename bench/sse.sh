#!/usr/bin/env bash
# bench/sse.sh: live updates to many viewers. Starts `minyi serve` (release
# build), opens SSE_VIEWERS (default 10,000) concurrent event streams of one
# leader's post on loopback, approves SSE_ROUNDS (default 5) held comments
# and measures the delay from each approval to its arrival at every viewer
# (goal: p99 <= 1 s), and the server's memory per connection (RSS growth
# over the idle streams / viewers). Client: bench/sse_client.c (one epoll
# loop in C, compiled here), each viewer a real HTTP event stream.
set -euo pipefail
cd "$(dirname "$0")/.."
MINYI=${MINYI:-./minyi}   # another build to compare: MINYI=/tmp/minyi-before
N=${SSE_VIEWERS:-10000}
ROUNDS=${SSE_ROUNDS:-5}
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
dir=$(mktemp -d); trap 'kill $pid 2>/dev/null; rm -rf "$dir"' EXIT
cc -O2 -o "$dir/sse_client" bench/sse_client.c
"$MINYI" demo --db "sqlite:$dir/db" >/dev/null
"$MINYI" words add 待审词 --db "sqlite:$dir/db" >/dev/null
printf 'bench-moderator-pass\n' > "$dir/pw"
"$MINYI" user add benchmod --role moderator --password-file "$dir/pw" --db "sqlite:$dir/db" >/dev/null
"$MINYI" user add benchlead --role leader --password-file "$dir/pw" --db "sqlite:$dir/db" >/dev/null
"$MINYI" serve --db "sqlite:$dir/db" --listen 127.0.0.1:0 --port-file "$dir/port" --web web --quiet \
  --conns-per-ip 0 >/dev/null &   # every viewer is 127.0.0.1
pid=$!
# Start-up loads the segmenter dictionary and models: a minute on a busy machine.
for _ in $(seq 1800); do [ -s "$dir/port" ] && break; sleep 0.1; done
port=$(cat "$dir/port")
base="http://127.0.0.1:$port"
login() {  # login NAME -> "cookie csrf"
  curl -s -D "$dir/h" -H 'Content-Type: application/json' -d "{\"login\":\"$1\",\"password\":\"bench-moderator-pass\"}" "$base/api/v1/login" > "$dir/b"
  echo "$(grep -i '^set-cookie' "$dir/h" | sed 's/^[^:]*: \([^;]*\);.*/\1/') $(sed 's/.*"csrf_token":"\([^"]*\)".*/\1/' "$dir/b")"
}
read -r lcookie lcsrf <<<"$(login benchlead)"
read -r mcookie mcsrf <<<"$(login benchmod)"
post=$(curl -s -H 'Content-Type: application/json' -H "Cookie: $lcookie" -H "X-CSRF-Token: $lcsrf" \
  -d '{"title":"新春致辞","body":"祝大家新春快乐。"}' "$base/api/v1/posts" | sed 's/.*"id":\([0-9]*\).*/\1/')
ids=""
for r in $(seq "$ROUNDS"); do
  id=$(curl -s -H 'Content-Type: application/json' -d "{\"body\":\"第${r}条评论：待审词\"}" "$base/api/v1/posts/$post/comments" | sed 's/.*"id":\([0-9]*\).*/\1/')
  ids="${ids:+$ids,}$id"
done
rss() { awk '/VmRSS/ {print $2}' "/proc/$pid/status"; }
before=$(rss)
coproc CLIENT { "$dir/sse_client" "$port" "$post" "$N" "$ROUNDS" "$mcookie" "$mcsrf" "$ids"; }
cpid=$CLIENT_PID   # bash unsets CLIENT_PID when the client exits
while read -r line <&"${CLIENT[0]}"; do
  [ "$line" = READY ] && break
  echo "$line"
done
after=$(rss)
echo "server RSS: $((before / 1024)) MiB idle, $((after / 1024)) MiB with the viewers: $(( (after - before) * 1024 / N )) bytes per connection"
# Server CPU (user + system ticks) over the approvals: the fan-out's work,
# which a busy machine does not inflate the way it does wall-clock delays.
cpu() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
c0=$(cpu)
echo go >&"${CLIENT[1]}"
while read -r line <&"${CLIENT[0]}"; do echo "$line"; done
wait "$cpid" 2>/dev/null || true
c1=$(cpu)
tick=$(getconf CLK_TCK)
echo "server CPU over the $ROUNDS approvals: $(( (c1 - c0) * 1000 / tick )) ms ($(( (c1 - c0) * 1000000 / tick / ROUNDS / N )) us per event delivered to one viewer)"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
