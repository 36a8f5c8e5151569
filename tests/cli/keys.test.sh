#!/usr/bin/env bash
# CLI tests of officials' phone numbers encrypted at rest: `minyi user add
# --phone` (full-width digits normalised, nonsense refused), nothing of the
# number in the database file, masked in `minyi user list`, `minyi key
# rotate` re-seals and keeps the old key, a missing or world-readable key
# file is refused, and `minyi backup` / `check` from the command line.
# Ends with "N passed, N failed".
set -u
cd "$(dirname "$0")/../.."
M=${MINYI_BIN:-./minyi}
pass=0; fail=0
t() {  # t NAME EXPECTED ACTUAL
  if [ "$2" == "$3" ]; then pass=$((pass + 1)); echo "ok   $1"
  else fail=$((fail + 1)); echo "FAIL $1"; echo "  expected: $(printf %q "$2")"; echo "  actual:   $(printf %q "$3")"; fi
}
d=$(mktemp -d); trap 'rm -rf "$d"' EXIT
db="sqlite:$d/m.db"
echo 'password-123' > "$d/pw"
"$M" dept add 交通运输局 --db "$db" >/dev/null

"$M" user add h1 --role handler --dept 交通运输局 --phone 00000 --password-file "$d/pw" --db "$db" >/dev/null 2>"$d/err"; rc=$?
t "nonsense phone refused before the account is made" "2 1 0" "$rc $(grep -c 'not a phone number' "$d/err") $("$M" user list --db "$db" 2>/dev/null | grep -c h1)"
"$M" user add h1 --role handler --dept 交通运输局 --phone '１３８１２３４５６７８' --password-file "$d/pw" --db "$db" >/dev/null 2>"$d/err"
t "key file made beside the database, mode 600" "600" "$(stat -c %a "$d/minyi.key")"
t "listed masked" "138****5678" "$("$M" user list --db "$db" | awk -F'\t' '$2 == "h1" { print $5 }')"
t "the number is nowhere in the database file" "0 0" "$(grep -c 13812345678 "$d/m.db") $(sqlite3 "$d/m.db" "SELECT count(*) FROM users WHERE phone_sealed LIKE '%138%'")"
before=$(sqlite3 "$d/m.db" "SELECT hex(phone_sealed) FROM users WHERE login = 'h1'")
"$M" user phone h1 '0731-19165453' --db "$db" >/dev/null
t "changed with user phone" "0731-******53" "$("$M" user list --db "$db" | awk -F'\t' '$2 == "h1" { print $5 }')"

cp "$d/minyi.key" "$d/key.before"
out=$("$M" key rotate --db "$db")
t "rotate re-seals every number" "1" "$(grep -c '1 phone numbers re-sealed' <<<"$out")"
t "the old key is kept" "1" "$(ls "$d" | grep -c 'minyi.key.old-')"
t "the key changed" "1" "$(cmp -s "$d/minyi.key" "$d/key.before"; echo $?)"
t "still readable with the new key" "0731-******53" "$("$M" user list --db "$db" | awk -F'\t' '$2 == "h1" { print $5 }')"
t "sealed bytes changed" "1" "$([ "$before" != "$(sqlite3 "$d/m.db" "SELECT hex(phone_sealed) FROM users WHERE login = 'h1'")" ] && echo 1)"

mv "$d/minyi.key" "$d/hidden.key"
"$M" user add h2 --role handler --dept 交通运输局 --phone 13900001111 --password-file "$d/pw" --db "$db" >/dev/null 2>"$d/err"; rc=$?
t "a missing key is not silently remade while numbers are sealed" "1 1" "$rc $(grep -c 'key file missing, and 1 phone numbers' "$d/err")"
t "no new key file" "0" "$(ls "$d" | grep -c '^minyi.key$')"
timeout 20 "$M" serve --db "$db" --listen 127.0.0.1:0 --no-analyzer >/dev/null 2>"$d/err"; rc=$?
t "serve refuses to start without its key" "1 1" "$rc $(grep -c 'key file missing' "$d/err")"
t "--key-file points elsewhere" "0731-******53" "$("$M" user list --db "$db" --key-file "$d/hidden.key" | awk -F'\t' '$2 == "h1" { print $5 }')"
chmod 644 "$d/hidden.key"
"$M" user phone h1 13900001111 --db "$db" --key-file "$d/hidden.key" >/dev/null 2>"$d/err"; rc=$?
t "a key file others can read is refused" "1 1" "$rc $(grep -c 'chmod 600' "$d/err")"
chmod 600 "$d/hidden.key"

"$M" backup "$d/b.db" --db "$db" 2>/dev/null; rc=$?
t "backup from the command line" "0 0" "$rc $(grep -c 13812345678 "$d/b.db")"
out=$("$M" check --db "sqlite:$d/b.db"); rc=$?
t "check passes on the backup" "0 1" "$rc $(grep -c 'all checks passed' <<<"$out")"
sqlite3 "$d/b.db" "INSERT INTO consultations(title) VALUES ('x'); UPDATE consultations SET message_count = 5"
out=$("$M" check --db "sqlite:$d/b.db"); rc=$?
t "check fails on a broken aggregate, naming it" "1 1" "$rc $(grep -c '^FAIL consultation_count' <<<"$out")"
"$M" check --db "sqlite:$d/b.db" --json > "$d/check.json"
t "check --json" "false" "$(python3 -c 'import json,sys; print(str(json.load(open(sys.argv[1]))["ok"]).lower())' "$d/check.json")"
"$M" backup --db "$db" >/dev/null 2>&1; t "backup without FILE is a usage error" 2 $?

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
