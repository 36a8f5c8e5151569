// proxy.test.mjs: behind a reverse proxy. X-Forwarded-For / X-Real-IP are
// believed only from --trusted-proxy addresses (here set in a --config
// file); then the forwarded client is what the submission limit, the flood
// check, the author counts of a campaign and the request log key on. From
// any other peer the same headers change nothing.
import { Server, Client, waitAnalyzed, minyi, minyiFails, test, assert, eq, run } from './lib.mjs';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const direct = new Server(['--submit-rate', '25']);           // no trusted proxy (the default)
const proxied = new Server([]);                               // options from a config file, see setup
const PW = 'admin-pass-123';

async function setup() {
  for (const s of [direct, proxied]) { minyi(['demo', '--db', s.db]); s.addUser('root', 'admin', null, PW); }
  const conf = join(proxied.dir, 'minyi.conf');
  writeFileSync(conf, '# the nginx in front of minyi\ntrusted-proxy = 127.0.0.1\ntrusted-proxy = 10.0.0.0/8\nsubmit-rate = 1\n');
  proxied.extraArgs = ['--config', conf, '--submit-rate', '25'];   // the flag overrides the file's 1
  await direct.start();
  await proxied.start();
}

let seq = 0;
const post = (srv, headers, title = `路灯不亮第${++seq}处`, body = `小区门口第${seq}号路灯坏了一个月，晚上很黑，请尽快维修。`) =>
  new Client(srv.base).req('POST', '/api/v1/messages', { consultation_id: 2, title, body, type: '投诉' }, { headers });
const admin = async (srv) => { const c = new Client(srv.base); eq((await c.login('root', PW)).status, 200, 'login'); return c; };

test('from an untrusted peer, forged X-Forwarded-For is ignored: one flooding client', async () => {
  const ids = [];
  for (let i = 0; i < 20; i++) {
    const r = await post(direct, { 'X-Forwarded-For': `198.51.100.${i + 1}`, 'X-Real-IP': `203.0.113.${i + 1}` });
    eq(r.status, 201, 'post ' + i);
    ids.push(r.json.id);
  }
  const a = await admin(direct);
  const last = await waitAnalyzed(a, ids[19]);
  assert(last.spam_score >= 0.5, `20 messages from one peer count as a flood (spam ${last.spam_score})`);
  for (let i = 20; i < 25; i++) eq((await post(direct, { 'X-Forwarded-For': `198.51.100.${i + 1}` })).status, 201, 'post ' + i);
  const r = await post(direct, { 'X-Forwarded-For': '192.0.2.77' });
  eq(r.status, 429, 'the 26th message in a minute from one address');
  assert(Number(r.headers.get('retry-after')) >= 1, 'Retry-After: ' + r.headers.get('retry-after'));
  eq(r.json.error.code, 'too_many_messages', 'error code');
  assert(/^127\.0\.0\.1 POST \/api\/v1\/messages 201/m.test(direct.log), 'log names the peer');
  assert(!/198\.51\.100\.|203\.0\.113\./.test(direct.log), 'forged addresses never reach the log');
});

test('from a trusted proxy, each forwarded client is its own: no flood, own limits', async () => {
  const ids = [];
  for (let i = 0; i < 20; i++) {
    const r = await post(proxied, { 'X-Forwarded-For': `6.6.6.6, 198.51.100.${i + 1}` });
    eq(r.status, 201, 'post ' + i);
    ids.push(r.json.id);
  }
  const a = await admin(proxied);
  for (const id of ids) {
    const m = await waitAnalyzed(a, id);
    assert(m.spam_score < 0.5, `message ${id} from its own citizen is not a flood (spam ${m.spam_score})`);
  }
  // one forwarded client at its limit; others unaffected
  for (let i = 1; i < 25; i++) eq((await post(proxied, { 'X-Forwarded-For': '198.51.100.1' })).status, 201, 'same client ' + i);
  eq((await post(proxied, { 'X-Forwarded-For': '198.51.100.1' })).status, 429, 'that client is throttled');
  eq((await post(proxied, { 'X-Forwarded-For': '198.51.100.2' })).status, 201, 'another client is not');
  eq((await post(proxied, { 'X-Real-IP': '198.51.100.3' })).status, 201, 'X-Real-IP alone names a client');
  // a forged left part does not escape the limit: the right-most untrusted address counts
  eq((await post(proxied, { 'X-Forwarded-For': '192.0.2.1, 198.51.100.1' })).status, 429, 'forged prefix');
  assert(/^198\.51\.100\.1 POST \/api\/v1\/messages 201/m.test(proxied.log), 'log names the forwarded client');
  assert(!/6\.6\.6\.6/.test(proxied.log), 'the forged left-most hop is not the client');
});

test('a campaign from 8 citizens behind the proxy shows 8 authors', async () => {
  const title = '强烈要求取消小区门口的收费停车', body = '小区门口道路原本免费停车，现在突然收费，严重影响居民出行，请相关部门取消收费。';
  const ids = [];
  for (let i = 0; i < 8; i++) {
    const r = await post(proxied, { 'X-Forwarded-For': `192.0.2.${100 + i}` }, title, body);
    eq(r.status, 201, 'campaign post');
    ids.push(r.json.id);
  }
  const a = await admin(proxied);
  let m;
  for (const id of ids) m = await waitAnalyzed(a, id);
  assert(m.group_id, 'grouped');
  const g = await a.req('GET', `/api/v1/groups/${m.group_id}`);
  eq(g.status, 200, 'group');
  eq(g.json.size, 8, 'group size');
  eq(g.json.authors, 8, '来自 8 位群众');
});

test('bad --trusted-proxy and --config are refused with the reason', async () => {
  let r = minyiFails(['serve', '--trusted-proxy', 'nginx.local', '--db', direct.db]);
  eq(r.status, 2, 'status');
  assert(/--trusted-proxy 'nginx\.local' is not an IPv4 or IPv6 address/.test(r.stderr), r.stderr);
  r = minyiFails(['serve', '--trusted-proxy', '10.0.0.0/40', '--db', direct.db]);
  assert(/prefix length must be 0\.\.32/.test(r.stderr), r.stderr);
  const bad = join(direct.dir, 'bad.conf');
  writeFileSync(bad, 'listen = 127.0.0.1:0\n\ntrusted_proxy = 10.0.0.1\n');
  r = minyiFails(['serve', '--config', bad]);
  eq(r.status, 2, 'status');
  assert(r.stderr.includes(`${bad}:3: unknown option 'trusted_proxy'`), r.stderr);
  writeFileSync(bad, 'submit-rate = lots\n');
  r = minyiFails(['serve', '--config', bad, '--db', direct.db]);
  assert(/--submit-rate must be 0\.\.1000000, not 'lots'/.test(r.stderr), r.stderr);
});

let res = { passed: 0, failed: 1 };
try { await setup(); res = await run('api/proxy'); }
catch (e) { console.log(`FAIL api/proxy: setup\n  ${e.stack || e}`); }
for (const s of [direct, proxied]) {
  const code = await s.stop();
  if (code !== 0 && code !== null) { console.log(`FAIL api/proxy: server exited with ${code}\n${s.log.slice(-3000)}`); res.failed++; }
  s.cleanup();
}
console.log(`${res.passed} passed, ${res.failed} failed`);
process.exit(res.failed ? 1 : 0);
