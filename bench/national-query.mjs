// bench/national-query.mjs: read latencies of a loaded minyi (bench/national.sh).
// Logs in as an admin (the login flow of tests/api/lib.mjs) and, when given,
// as a handler; then times, one request at a time over a kept-alive
// connection: a hard mix of searches (1-, 2-, 3-, 4-character and multi-word
// queries, the most common characters and words of citizens' messages
// included), the public search with the same mix, GET /api/v1/stats, /hot,
// /inbox?limit=50 first and deep pages (keyset `after`, 100 pages down)
// alone and with each filter and sort, and the public list (留言公开,
// /public/messages?limit=20) the same way with each filter, combination and
// sort. A date range is one week around the message in the middle of the id
// range (read from the API, so it fits any generated data). Prints one line per figure
// ("name p50_ms p99_ms count [cpu_ms]") and a checksum of the result counts.
// With SERVER_PID set, cpu_ms is the CPU time per request of the server's
// HTTP threads (user + system, /proc), fairer than wall time on a loaded
// machine (ticks of 10 ms: meaningful over many requests).
// usage: node bench/national-query.mjs BASE LOGIN PASSWORD [ROUNDS] [HANDLER_LOGIN HANDLER_PASSWORD]
import { readFileSync, readdirSync } from 'node:fs';

const [base, login, password, roundsArg, hLogin, hPassword] = process.argv.slice(2);
const rounds = Number(roundsArg || 5);
if (!base || !login || !password) {
  console.error('usage: node bench/national-query.mjs BASE LOGIN PASSWORD [ROUNDS] [HANDLER_LOGIN HANDLER_PASSWORD]');
  process.exit(2);
}
const pid = process.env.SERVER_PID;
const ticks = Number(process.env.CLK_TCK || 100);
/* CPU time of the server's HTTP worker threads (the background analyzer's
 * start-up work is not the requests' cost). */
function cpuMs() {
  if (!pid) return 0;
  let ms = 0;
  for (const t of readdirSync(`/proc/${pid}/task`)) {
    let f;
    try { f = readFileSync(`/proc/${pid}/task/${t}/stat`, 'utf8'); } catch { continue; }
    if (!f.includes('(MHD-')) continue;
    const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
    ms += (Number(rest[11]) + Number(rest[12])) * 1000 / ticks;   // utime + stime
  }
  return ms;
}

class Session {
  constructor() { this.cookie = ''; this.csrf = ''; }
  async req(method, path, body) {
    const headers = { Accept: 'application/json' };
    if (this.cookie) headers.Cookie = this.cookie;
    if (this.csrf) headers['X-CSRF-Token'] = this.csrf;
    if (body) headers['Content-Type'] = 'application/json';
    const t0 = performance.now();
    const res = await fetch(base + path, { method, headers, body: body ? JSON.stringify(body) : undefined });
    const text = await res.text();
    const ms = performance.now() - t0;
    const set = res.headers.get('set-cookie');
    if (set) this.cookie = set.split(';')[0];
    let json = null;
    try { json = JSON.parse(text); } catch { /* not JSON: reported below */ }
    return { status: res.status, json, ms };
  }
  async login(l, p) {
    const r = await this.req('POST', '/api/v1/login', { login: l, password: p });
    if (r.status !== 200) { console.error(`login ${l} failed: ${r.status}`); process.exit(1); }
    this.csrf = r.json.csrf_token;
    return this;
  }
}

const admin = await new Session().login(login, password);
const handler = hLogin ? await new Session().login(hLogin, hPassword) : null;

// The most common characters and words of citizens' messages (的 is in
// nearly every one), rarer ones, 1 to 4 characters, and several words.
const queries = ['的', '路', '区', '水', '房', '车',
  '噪音', '物业', '工资', '学校', '小区', '问题', '希望', '没有',
  '搅拌站', '停车场', '幼儿园', '居民区',
  '小区物业', '拖欠工资', '噪音扰民', '违章建筑',
  '小区 停车', '学校 收费', '医保 报销', '的 问题', '小区 物业 收费'];

function pct(xs, p) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))];
}
let checksum = 0;
const fail = [];
/* Times path `times` times; returns {ms: [...], cpu: total server CPU ms}. */
async function timed(s, path, times) {
  const xs = [];
  const c0 = cpuMs();
  for (let i = 0; i < times; i++) {
    const res = await s.req('GET', path);
    if (res.status !== 200) { fail.push(`${path}: HTTP ${res.status}`); return null; }
    xs.push(res.ms);
    if (i === 0 && res.json) checksum = (checksum * 31 + (res.json.total ?? res.json.count ?? 0)) % 1000000007;
  }
  return { ms: xs, cpu: cpuMs() - c0 };
}
function merge(a, b) { return a ? { ms: [...a.ms, ...(b ? b.ms : [])], cpu: a.cpu + (b ? b.cpu : 0) } : b; }
function line(name, t) {
  if (!t || !t.ms.length) { console.log(`${name} - - 0`); return; }
  const cpu = pid ? ` ${(t.cpu / t.ms.length).toFixed(1)}` : '';
  console.log(`${name} ${pct(t.ms, 0.5).toFixed(1)} ${pct(t.ms, 0.99).toFixed(1)} ${t.ms.length}${cpu}`);
}

const enc = encodeURIComponent;
await admin.req('GET', '/api/v1/search?q=' + enc('路'));   // warm the caches a server keeps
for (const [name, s, prefix] of [['search', admin, '/api/v1/search?q='], ['public_search', admin, '/api/v1/public/search?q='],
                                 ...(handler ? [['search_handler', handler, '/api/v1/search?q=']] : [])]) {
  let all = null;
  const worst = [];
  for (let k = 0; k < rounds; k++)
    for (const q of queries) {
      const t = await timed(s, prefix + enc(q), 1);
      if (t) { all = merge(all, t); worst.push([t.ms[0], q]); }
    }
  line(name, all);
  worst.sort((a, b) => b[0] - a[0]);
  console.log(`${name}_slowest ${worst.slice(0, 5).map(([ms, q]) => `${q.replace(/ /g, '+')}=${ms.toFixed(1)}`).join(' ')}`);
}
for (const q of ['的', '路', '噪音', '搅拌站', '小区物业', '小区 停车']) line(`search:${q.replace(' ', '+')}`, await timed(admin, '/api/v1/search?q=' + enc(q), rounds));
line('stats', await timed(admin, '/api/v1/stats', rounds * 2));
line('hot', await timed(admin, '/api/v1/hot', rounds * 2));

/* The first page of an inbox view, then 100 pages down by its cursors. */
async function inbox(name, s, query) {
  const path = `/api/v1/inbox?limit=50${query}`;
  const first = await s.req('GET', path);
  if (first.status !== 200) { fail.push(`${path}: HTTP ${first.status}`); return; }
  line(`inbox:${name}:first`, await timed(s, path, rounds * 2));
  let next = first.json?.next, deep = null, pages = 1;
  for (; pages < 100 && next; pages++) {
    deep = `${path}&after=${enc(next)}`;
    next = (await s.req('GET', deep)).json?.next;
  }
  if (deep) line(`inbox:${name}:deep${pages}`, await timed(s, deep, rounds * 2));
  if (name === 'all') console.log(`inbox_total ${first.json?.total ?? '-'}`);
}
/* A week of the data: the day of the message in the middle of the id range and the 6 before. */
const probe = await admin.req('GET', '/api/v1/inbox?limit=1');
const mid = Math.max(1, Math.floor((probe.json?.messages?.[0]?.id ?? 2) / 2));
const midMsg = (await admin.req('GET', `/api/v1/inbox?limit=1&after=id..${mid + 1}`)).json?.messages?.[0];
const to = (midMsg?.created_at ?? new Date().toISOString()).slice(0, 10);
const from = new Date(Date.parse(to) - 6 * 86400e3).toISOString().slice(0, 10);
console.log(`week ${from} ${to}`);
const week = `&from=${from}&to=${to}`;

/* The public list: the first page, then 100 pages down by its cursors. */
async function pub(name, query) {
  const path = `/api/v1/public/messages?limit=20${query}`;
  const first = await admin.req('GET', path);
  if (first.status !== 200) { fail.push(`${path}: HTTP ${first.status}`); return; }
  line(`public:${name}:first`, await timed(admin, path, rounds * 2));
  let next = first.json?.next, deep = null, pages = 1, rows = first.json?.messages?.length ?? 0;
  for (; pages < 100 && next; pages++) {
    deep = `${path}&after=${enc(next)}`;
    const r = (await admin.req('GET', deep)).json;
    next = r?.next;
    rows += r?.messages?.length ?? 0;
  }
  checksum = (checksum * 31 + rows) % 1000000007;
  if (deep) line(`public:${name}:deep${pages}`, await timed(admin, deep, rounds * 2));
}
const pubViews = [['all', ''], ['unreplied', '&state=unreplied'], ['replied', '&state=replied'], ['closed', '&state=closed'],
  ['type', '&type=' + enc('感谢')], ['region', '&region=' + enc('D6县')], ['region_rare', '&region=' + enc('H2区')],
  ['week', week], ['dept', '&department=4'], ['cons', '&consultation=1'],
  ['dept+state', '&department=4&state=replied'], ['dept+unreplied', '&department=4&state=unreplied'],
  ['week+type', week + '&type=' + enc('求助')], ['week+dept', week + '&department=4'], ['week+state', week + '&state=unreplied'],
  ['sort_replied', '&sort=replied'], ['sort_supported', '&sort=supported'],
  ['sort_supported+type', '&sort=supported&type=' + enc('感谢')], ['sort_supported+week', '&sort=supported' + week],
  ['sort_replied+week', '&sort=replied' + week]];
for (const [name, q] of pubViews) await pub(name, q);

const views = [['all', ''], ['state', '&state=assigned'], ['type', '&type=' + enc('投诉')], ['region', '&region=' + enc('D6县')],
  ['overdue', '&due=overdue'], ['due', '&sort=due'], ['keyword', '&q=' + enc('噪音')], ['keyword1', '&q=' + enc('路')],
  ['type+state', '&type=' + enc('咨询') + '&state=new'], ['week', week], ['week+state', week + '&state=assigned'],
  ['region_rare', '&region=' + enc('H2区')], ['replied', '&state=replied']];
for (const [name, q] of views) await inbox(name, admin, q);
if (handler) for (const [name, q] of views) await inbox(`handler:${name}`, handler, q);
for (const f of fail) console.log(`error ${f}`);
console.log(`checksum ${checksum}`);
