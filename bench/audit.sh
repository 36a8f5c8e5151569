#!/usr/bin/env bash
# bench/audit.sh: the audit log page (GET /api/v1/audit) on N events
# (default 1,000,000): the first page, each filter (kind, actor, message,
# a day), and a walk of 200 pages deep by cursor; a page must cost its rows,
# not the log's size. Reference in the same run: SQLite counting the same
# kind's events with the indexes switched off (NOT INDEXED: the scan a page
# would cost without them). Checksum: of the ids of the pages walked.
set -eu
cd "$(dirname "$0")/.."
N=${N:-1000000}
MINYI=${MINYI:-./minyi}
[ -x "$MINYI" ] || { echo "audit bench: $MINYI not built"; exit 1; }
d=$(mktemp -d); pid=
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; rm -rf "$d"' EXIT
db="$d/db"
"$MINYI" demo --db "sqlite:$db" >/dev/null
printf 'bench-admin-pw\n' > "$d/pw"
"$MINYI" user add benchadmin --role admin --password-file "$d/pw" --db "sqlite:$db" >/dev/null
# N events over ~230 days, 3 actors, 7 kinds, 50,000 messages.
sqlite3 "$db" "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $N)
  INSERT INTO events(at, actor_id, kind, message_id, detail)
  SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 1700000000 + i * 20, 'unixepoch'), 1 + i % 3,
         CASE i % 7 WHEN 0 THEN 'close' WHEN 1 THEN 'reply' WHEN 2 THEN 'transfer' WHEN 3 THEN 'login' WHEN 4 THEN 'urge' WHEN 5 THEN 'return' ELSE 'assign' END,
         i % 50000, '{\"reason\":\"bench\"}' FROM n;"
echo "audit bench: $(sqlite3 "$db" 'SELECT count(*) FROM events') events, load $(cut -d' ' -f1 /proc/loadavg)"
"$MINYI" serve --listen 127.0.0.1:0 --port-file "$d/port" --db "sqlite:$db" --web web --quiet > "$d/log" 2>&1 & pid=$!
for _ in $(seq 100); do [ -s "$d/port" ] && break; sleep 0.1; done
base="http://127.0.0.1:$(cat "$d/port")"
curl -s -c "$d/jar" -H 'Content-Type: application/json' -d '{"login":"benchadmin","password":"bench-admin-pw"}' "$base/api/v1/login" > /dev/null
get() { curl -s -b "$d/jar" -o "$d/page" -w '%{time_total}' "$base/api/v1/audit?$1"; }
best() {  # best QUERY: the best of 5 requests, in ms
  local b=999999 t
  for _ in 1 2 3 4 5; do t=$(get "$1"); b=$(echo "$t $b" | awk '{print ($1 * 1000 < $2) ? $1 * 1000 : $2}'); done
  printf '%.1f' "$b"
}
for q in "limit=100" "kind=urge&limit=100" "actor=admin&limit=100" "message=777&limit=100" "from=2024-01-01&to=2024-01-01&limit=100" "kind=urge&from=2023-12-01&to=2023-12-31&limit=100"; do
  echo "  GET /api/v1/audit?$q: best of 5 $(best "$q") ms, $(/usr/bin/python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["events"]))' "$d/page") rows"
done
# 200 pages deep by cursor, in one client process: each page as cheap as the first.
/usr/bin/python3 - "$base" "$d/jar" <<'PY'
import hashlib, http.cookiejar, json, sys, time, urllib.parse, urllib.request
base, jar = sys.argv[1], http.cookiejar.MozillaCookieJar(sys.argv[2])
jar.load(ignore_discard=True, ignore_expires=True)
op = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
after, h, times = None, hashlib.md5(), []
for i in range(200):
    q = "kind=reply&limit=100" + ("&after=" + urllib.parse.quote(after) if after else "")
    t = time.perf_counter()
    j = json.load(op.open(base + "/api/v1/audit?" + q))
    times.append((time.perf_counter() - t) * 1000)
    h.update(",".join(str(e["id"]) for e in j["events"]).encode())
    after = j["next"]
    if not after: break
times.sort()
print(f"  {len(times)} pages of kind=reply by cursor: {times[0]:.1f} to {times[-1]:.1f} ms a page, median {times[len(times)//2]:.1f} ms, checksum {h.hexdigest()[:16]}")
PY
ref=$( { /usr/bin/time -f '%e' sqlite3 "$db" "SELECT count(*) FROM events NOT INDEXED WHERE kind = 'urge'" > /dev/null; } 2>&1 )
echo "reference: SQLite scanning the log for one kind without the indexes: ${ref} s"
