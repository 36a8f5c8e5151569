// bench/national-query.mjs: read latencies of a loaded minyi (bench/national.sh).
// Logs in as an admin (the login flow of tests/api/lib.mjs), then times, over
// one kept-alive connection, a mix of searches (1-, 2-, 3-, 4-character and
// multi-word queries, common words included), GET /api/v1/stats, /hot and
// /inbox?limit=50 on the first and a deep page. Prints one line per figure
// ("name p50_ms p99_ms count") and a checksum of the result counts.
// usage: node bench/national-query.mjs BASE LOGIN PASSWORD [ROUNDS]
const [base, login, password, roundsArg] = process.argv.slice(2);
const rounds = Number(roundsArg || 5);
if (!base || !login || !password) {
  console.error('usage: node bench/national-query.mjs BASE LOGIN PASSWORD [ROUNDS]');
  process.exit(2);
}

let cookie = '';
let csrf = '';
async function req(method, path, body) {
  const headers = { Accept: 'application/json' };
  if (cookie) headers.Cookie = cookie;
  if (csrf) headers['X-CSRF-Token'] = csrf;
  if (body) headers['Content-Type'] = 'application/json';
  const t0 = performance.now();
  const res = await fetch(base + path, { method, headers, body: body ? JSON.stringify(body) : undefined });
  const text = await res.text();
  const ms = performance.now() - t0;
  const set = res.headers.get('set-cookie');
  if (set) cookie = set.split(';')[0];
  let json = null;
  try { json = JSON.parse(text); } catch { /* not JSON: reported below */ }
  return { status: res.status, json, ms };
}

const r = await req('POST', '/api/v1/login', { login, password });
if (r.status !== 200) { console.error(`login failed: ${r.status}`); process.exit(1); }
csrf = r.json.csrf_token;

// Common and rare words of citizens' messages, 1 to 4 characters, and two-word queries.
const queries = ['路', '水', '房', '噪音', '物业', '工资', '学校', '搅拌站', '停车场', '幼儿园',
  '小区物业', '拖欠工资', '噪音扰民', '小区 停车', '学校 收费', '医保 报销'];

function pct(xs, p) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))];
}
let checksum = 0;
const fail = [];
async function timed(name, path, times) {
  const xs = [];
  for (let i = 0; i < times; i++) {
    const res = await req('GET', path);
    if (res.status !== 200) { fail.push(`${path}: HTTP ${res.status}`); return null; }
    xs.push(res.ms);
    if (i === 0 && res.json) checksum = (checksum * 31 + (res.json.total ?? res.json.count ?? 0)) % 1000000007;
  }
  return xs;
}
function line(name, xs) {
  if (!xs || !xs.length) { console.log(`${name} - - 0`); return; }
  console.log(`${name} ${pct(xs, 0.5).toFixed(1)} ${pct(xs, 0.99).toFixed(1)} ${xs.length}`);
}

await req('GET', '/api/v1/search?q=' + encodeURIComponent('路'));   // warm the caches a server keeps
const search = [];
for (let k = 0; k < rounds; k++)
  for (const q of queries) {
    const xs = await timed('search', '/api/v1/search?q=' + encodeURIComponent(q), 1);
    if (xs) search.push(...xs);
  }
line('search', search);
for (const q of ['路', '噪音', '搅拌站', '小区物业', '小区 停车']) line(`search:${q.replace(' ', '+')}`, await timed('', '/api/v1/search?q=' + encodeURIComponent(q), rounds));
line('stats', await timed('stats', '/api/v1/stats', rounds * 2));
line('hot', await timed('hot', '/api/v1/hot', rounds * 2));
const first = await req('GET', '/api/v1/inbox?limit=50');
line('inbox:first', await timed('inbox', '/api/v1/inbox?limit=50', rounds * 2));
const total = first.json?.total ?? 0;
// A deep page: keyset cursors when the API gives one, else an offset near the end.
let deepPath = `/api/v1/inbox?limit=50&offset=${Math.max(0, Math.floor(total * 0.9))}`;
if (first.json?.next) {
  // keyset pages: walk 100 pages down and time that page
  let next = first.json.next;
  for (let k = 0; k < 100 && next; k++) {
    deepPath = `/api/v1/inbox?limit=50&cursor=${encodeURIComponent(next)}`;
    next = (await req('GET', deepPath)).json?.next;
  }
}
console.log(`inbox_deep_path ${deepPath}`);
line('inbox:deep', await timed('inbox', deepPath, rounds * 2));
console.log(`inbox_total ${total}`);
for (const f of fail) console.log(`error ${f}`);
console.log(`checksum ${checksum}`);
