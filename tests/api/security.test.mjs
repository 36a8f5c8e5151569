// security.test.mjs: the security headers on pages, files, API answers and
// errors (CSP without inline scripts, nosniff, Referrer-Policy, no framing);
// error answers that leak no file paths, SQL or database messages; and a
// server log that never holds a password, a session cookie or a CSRF token.
import { Server, Client, minyi, test, assert, eq, run } from './lib.mjs';
import { readdirSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

const srv = new Server();
const PW = { root: 'Secret-admin-pass-98765', traffic: 'Secret-handler-pass-4321' };

async function setup() {
  minyi(['demo', '--db', srv.db]);
  srv.addUser('root', 'admin', null, PW.root);
  srv.addUser('traffic', 'handler', '交通运输局', PW.traffic);
  await srv.start();
}

const anon = () => new Client(srv.base);

function checkHeaders(r, what) {
  const csp = r.headers.get('content-security-policy') || '';
  assert(csp, `${what}: a Content-Security-Policy`);
  const directive = (name) => (csp.split(';').map(s => s.trim()).find(s => s.startsWith(name + ' ')) || '');
  const scripts = directive('script-src') || directive('default-src');
  assert(scripts && !/unsafe-inline|unsafe-eval|\*|data:/.test(scripts), `${what}: scripts only from the site: ${csp}`);
  assert(/frame-ancestors 'none'/.test(csp), `${what}: frame-ancestors 'none': ${csp}`);
  assert(/object-src 'none'/.test(csp), `${what}: no plugins`);
  eq(r.headers.get('x-content-type-options'), 'nosniff', `${what}: nosniff`);
  assert(/^(no-referrer|same-origin|strict-origin|strict-origin-when-cross-origin)$/.test(r.headers.get('referrer-policy') || ''),
    `${what}: Referrer-Policy ${r.headers.get('referrer-policy')}`);
  eq(r.headers.get('x-frame-options'), 'DENY', `${what}: X-Frame-Options for old browsers`);
}

test('every page, file, API answer and error carries the security headers', async () => {
  const pages = readdirSync('web').filter(f => f.endsWith('.html'));
  assert(pages.length >= 5, 'pages found');
  for (const p of pages) {
    const r = await anon().req('GET', '/' + p);
    eq(r.status, 200, p);
    checkHeaders(r, p);
  }
  const cases = [
    ['GET', '/'], ['GET', '/healthz'], ['GET', '/api/v1/consultations'], ['GET', '/api/v1/messages/XXXX-XXXX-XXXX'],
    ['GET', '/api/v1/inbox'], ['POST', '/api/v1/messages'], ['DELETE', '/api/v1/consultations'], ['GET', '/nope.html'],
    ['GET', '/api/v1/nope'], ['PUT', '/'],
  ];
  for (const [m, p] of cases) checkHeaders(await anon().req(m, p, m === 'POST' ? '{bad json' : undefined, { raw: true }), `${m} ${p}`);
  const js = 'js/' + readdirSync('web/js').find(f => /\.m?js$/.test(f));
  const r = await anon().req('GET', '/' + js);
  eq(r.status, 200, js);
  checkHeaders(r, js);
});

test('pages hold no inline script or event handler (so the CSP needs no unsafe-inline)', () => {
  for (const p of readdirSync('web').filter(f => f.endsWith('.html'))) {
    const html = readFileSync('web/' + p, 'utf8');
    for (const m of html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi))
      assert(/\bsrc=/.test(m[1]) && !m[2].trim(), `${p}: inline script ${m[0].slice(0, 80)}`);
    assert(!/\son[a-z]+\s*=/i.test(html.replace(/<script[\s\S]*?<\/script>/gi, '')), `${p}: inline event handler`);
    assert(!/javascript:/i.test(html), `${p}: javascript: URL`);
  }
});

const LEAKS = /\/tmp\/|\/work\/|\/home\/|\/var\/|\.c:\d|sqlite|SQLITE|SELECT |INSERT |UPDATE |constraint|syntax error|\bat \w+ \(|Traceback|minyi\.db|RAISE/;

test('errors say what was wrong without paths, SQL or database messages', async () => {
  const big = JSON.stringify({ consultation_id: 2, title: 'x', body: 'y'.repeat(70000), type: '建议' });
  const cases = [
    ['POST', '/api/v1/messages', '{"consultation_id":', 400],
    ['POST', '/api/v1/messages', big, 413],
    ['POST', '/api/v1/messages', JSON.stringify({ consultation_id: 999999, title: 'a', body: 'b', type: '建议' }), 422],
    ['POST', '/api/v1/messages', JSON.stringify({ consultation_id: "2' OR 1=1 --", title: 'a', body: 'b', type: '建议' }), 422],
    ['GET', '/api/v1/messages/%2e%2e%2f%2e%2e%2fetc%2fpasswd', undefined, 404],
    ['GET', '/../../../../etc/passwd', undefined, 404],
    ['GET', '/api/v1/consultations/1%27%20OR%201=1', undefined, 404],
    ['GET', '/api/v1/search?q=%22%27%29', undefined, 401],
  ];
  for (const [m, p, body, status] of cases) {
    const r = await anon().req(m, p, body, { raw: true });
    eq(r.status, status, `${m} ${p.slice(0, 40)}`);
    assert(!LEAKS.test(r.text), `${m} ${p.slice(0, 40)} leaks: ${r.text.slice(0, 300)}`);
  }
  // a failing database: the citizen learns it failed, not why
  const file = srv.db.replace(/^sqlite:/, '');
  execFileSync('sqlite3', [file, "CREATE TRIGGER boom BEFORE INSERT ON messages WHEN NEW.title = 'boom' BEGIN SELECT RAISE(ABORT, 'no such table /var/lib/minyi/secret.db'); END;"]);
  const r = await anon().req('POST', '/api/v1/messages', { consultation_id: 2, title: 'boom', body: '数据库故障', type: '建议' });
  eq(r.status, 500, 'store failure');
  eq(r.json.error.code, 'internal', 'code');
  assert(!LEAKS.test(r.text), 'the 500 leaks: ' + r.text);
  assert(/secret\.db/.test(srv.log), 'the operator finds the detail in the log');
  execFileSync('sqlite3', [file, 'DROP TRIGGER boom;']);
});

test('passwords, session cookies and CSRF tokens never reach the log', async () => {
  const c = new Client(srv.base);
  eq((await c.login('root', PW.root + 'x')).status, 401, 'wrong password');
  eq((await c.login('nobody', PW.traffic)).status, 401, 'unknown login');
  eq((await c.login('root', PW.root)).status, 200, 'login');
  const token = c.cookie.split('=')[1];
  assert(token && token.length >= 20, 'session token');
  const msg = (await anon().req('POST', '/api/v1/messages', { consultation_id: 2, title: '公交站牌损坏', body: '站牌倒了', type: '投诉' })).json;
  eq((await c.req('POST', '/api/v1/users', { login: 'newbie', password: 'Another-secret-777', role: 'moderator' })).status, 201, 'user');
  eq((await c.req('POST', `/api/v1/messages/${msg.id}/replies`, { body: '已修复' })).status, 201, 'reply');
  const t = new Client(srv.base);
  eq((await t.login('traffic', PW.traffic)).status, 200, 'handler login');
  eq((await t.req('GET', '/api/v1/inbox')).status, 200, 'inbox');
  eq((await c.req('GET', '/api/v1/me')).status, 200, 'me');
  eq((await c.req('POST', '/api/v1/logout', {})).status, 200, 'logout');
  await new Promise(res => setTimeout(res, 200));
  assert(/POST \/api\/v1\/login 200/.test(srv.log), 'requests are logged');
  for (const secret of [PW.root, PW.traffic, 'Another-secret-777', token, t.cookie.split('=')[1], c.csrf, t.csrf])
    assert(secret && !srv.log.includes(secret), 'the log holds a secret: ' + secret.slice(0, 6) + '...');
});

// The tracking code is the citizen's key and a lookup takes microseconds:
// unknown codes are limited per address like failed logins (100 in 15
// minutes), for reading, rating and follow-ups alike; known codes are
// answered until then, and other addresses are not affected.
test('unknown tracking codes: 429 with Retry-After after 100 from one address', async () => {
  const msg = (await anon().req('POST', '/api/v1/messages', { consultation_id: 2, title: '路灯不亮', body: '小区路灯坏了', type: '投诉' })).json;
  assert(msg && msg.tracking_code, 'a message and its code');
  const from = (ip) => ({ headers: { 'X-Forwarded-For': ip } });
  eq((await anon().req('GET', `/api/v1/messages/${msg.tracking_code}`)).status, 200, 'the code works');
  const c = anon();
  let misses = 0, first429 = null;
  for (let i = 0; i < 130 && !first429; i++) {
    const wrong = 'ZZZZ-ZZZZ-' + String(1000 + i).replace(/[01]/g, '9');
    const r = i % 3 === 0 ? await c.req('GET', `/api/v1/messages/${wrong}`)
      : i % 3 === 1 ? await c.req('POST', `/api/v1/messages/${wrong}/rating`, { score: 5 })
      : await c.req('GET', `/api/v1/messages/not-a-code-${i}`);
    if (r.status === 404) misses++;
    else if (r.status === 429) first429 = r;
    else throw new Error(`unexpected ${r.status} for an unknown code`);
  }
  // (the tests above looked up a few unknown codes from this address too)
  assert(misses >= 95 && misses <= 100, `unknown codes answered 404 up to the limit: ${misses}`);
  assert(first429, 'then 429');
  eq(first429.json.error.code, 'too_many_attempts', 'error code');
  assert(Number(first429.headers.get('retry-after')) > 0, 'Retry-After');
  eq((await anon().req('GET', `/api/v1/messages/${msg.tracking_code}`)).status, 429, 'the address waits, even for a right code');
  eq((await anon().req('POST', `/api/v1/messages/${msg.tracking_code}/followup`, { body: '还没修' })).status, 429, 'follow-ups too');
  // The server trusts no proxy here, so X-Forwarded-For does not move the limit.
  eq((await anon().req('GET', `/api/v1/messages/${msg.tracking_code}`, undefined, from('203.0.113.9'))).status, 429, 'a forged X-Forwarded-For does not escape it');
});

let res = { passed: 0, failed: 1 };
try { await setup(); res = await run('api/security'); }
catch (e) { console.log(`FAIL api/security: setup\n  ${e.stack || e}`); }
const code = await srv.stop();
if (code !== 0 && code !== null) { console.log(`FAIL api/security: server exited with ${code}\n${srv.log.slice(-3000)}`); res.failed++; }
srv.cleanup();
console.log(`${res.passed} passed, ${res.failed} failed`);
process.exit(res.failed ? 1 : 0);
