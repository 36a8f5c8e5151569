// endpoints.mjs: every read endpoint of the API, official and public, read
// ROUNDS times each as an admin on a loaded database (bench/national.sh runs
// it on 854k and 8.5M messages): a page that is instant on the demo and slow
// at national scale shows here. Prints one line per endpoint (median and
// max ms, status, bytes), then "worst median <ms> <path>".
//   node bench/endpoints.mjs BASE LOGIN PASSWORD [ROUNDS]
const [base, login, password, roundsArg] = process.argv.slice(2);
if (!base || !login || !password) {
  console.error('usage: node bench/endpoints.mjs BASE LOGIN PASSWORD [ROUNDS]');
  process.exit(2);
}
const rounds = Number(roundsArg || 5);
let cookie = '', csrf = '';

async function req(method, path, body) {
  const headers = { Accept: 'application/json' };
  if (cookie) headers.Cookie = cookie;
  if (csrf) headers['X-CSRF-Token'] = csrf;
  if (body) headers['Content-Type'] = 'application/json';
  const t0 = performance.now();
  const res = await fetch(base + path, { method, headers, body: body ? JSON.stringify(body) : undefined });
  const bytes = (await res.arrayBuffer()).byteLength;
  const ms = performance.now() - t0;
  return { res, ms, bytes };
}
async function json(path) {
  const r = await fetch(base + path, { headers: { Accept: 'application/json', Cookie: cookie } });
  return r.ok ? r.json() : null;
}

const r = await fetch(base + '/api/v1/login', {
  method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ login, password }),
});
if (r.status !== 200) { console.error(`login ${login} failed: ${r.status}`); process.exit(1); }
cookie = (r.headers.get('set-cookie') || '').split(';')[0];
csrf = (await r.json()).csrf_token;

// Ids to read: the newest message, the largest group the dashboard names,
// every consultation.
const inbox = await json('/api/v1/inbox?limit=1');
const msg = inbox && inbox.messages && inbox.messages[0];
const hot = await json('/api/v1/hot?days=3650');
const group = hot && hot.groups && hot.groups[0] ? hot.groups[0].group_id : msg && msg.group_id;
const cons = ((await json('/api/v1/consultations')) || {}).consultations || [];
const enc = encodeURIComponent;
const paths = [
  '/api/v1/me', '/api/v1/stats', '/api/v1/stats?public=1', '/api/v1/hot', '/api/v1/hot?days=30', '/api/v1/trends?days=7',
  '/api/v1/digest', '/api/v1/digest?date=2026-04-02', '/api/v1/inbox?limit=50', '/api/v1/inbox?limit=50&state=assigned', '/api/v1/inbox?limit=50&overdue=1',
  '/api/v1/inbox?limit=50&urged=1', `/api/v1/inbox?limit=50&type=${enc('投诉')}`, `/api/v1/inbox?limit=50&q=${enc('小区')}`,
  '/api/v1/moderation?limit=50', '/api/v1/audit?limit=50', '/api/v1/replies?status=pending', '/api/v1/extensions',
  '/api/v1/consultations', '/api/v1/departments', '/api/v1/users', '/api/v1/labels', '/api/v1/models', '/api/v1/rules',
  '/api/v1/templates', '/api/v1/sensitive-words', '/api/v1/settings', '/api/v1/holidays', '/api/v1/notices',
  '/api/v1/reply-quality/departments', '/api/v1/posts', '/api/v1/live', '/api/v1/comments/held', '/api/v1/questions/held',
  '/api/v1/site', '/api/v1/stats/export', `/api/v1/search?q=${enc('的')}`, `/api/v1/search?q=${enc('小区物业')}`,
  '/api/v1/public/messages', '/api/v1/public/messages?sort=supported', '/api/v1/public/messages?sort=replied',
  `/api/v1/public/search?q=${enc('小区')}`,
];
if (msg) paths.push(`/api/v1/messages/${msg.id}`, `/api/v1/public/messages/${msg.id}`);
if (group) paths.push(`/api/v1/groups/${group}`, `/api/v1/inbox?limit=50&group=${group}`);
for (const c of cons) paths.push(`/api/v1/consultations/${c.id}`, `/api/v1/consultations/${c.id}/feedback`);

let worst = { ms: -1, path: '' };
for (const p of paths) {
  const ms = [];
  let status = 0, bytes = 0;
  for (let i = 0; i < rounds; i++) {
    const x = await req('GET', p);
    ms.push(x.ms); status = x.res.status; bytes = x.bytes;
  }
  ms.sort((a, b) => a - b);
  const med = ms[Math.floor(ms.length / 2)];
  if (status === 200 && med > worst.ms) worst = { ms: med, path: p };
  console.log(`${med.toFixed(1).padStart(8)} ${ms[ms.length - 1].toFixed(1).padStart(8)} ms  ${status} ${String(bytes).padStart(8)} B  ${p}`);
}
console.log(`worst median ${worst.ms.toFixed(1)} ${worst.path}`);
