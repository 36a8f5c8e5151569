// skeleton.test.mjs: the walking skeleton end to end over HTTP (issue 2):
// citizen message -> routed inbox -> reply -> tracking page, every error
// status, roles, CSRF, durability across a kill -9.
import { Server, Client, minyi, minyiFails, test, assert, eq, run } from './lib.mjs';

const srv = new Server(['--max-body', '65536']);
const PW = { admin: 'admin-pass-123', traffic: 'traffic-pass-1', housing: 'housing-pass-1' };
let cons;          // board consultation id
let trafficMsg;    // {id, tracking_code} routed to 交通运输局
let housingMsg;    // routed to 住房和城乡建设局

async function setup() {
  minyi(['demo', '--db', srv.db]);
  srv.addUser('root', 'admin', null, PW.admin);
  srv.addUser('traffic', 'handler', '交通运输局', PW.traffic);
  srv.addUser('housing', 'handler', '住房和城乡建设局', PW.housing);
  await srv.start();
}

const anon = () => new Client(srv.base);

test('healthz', async () => {
  const r = await anon().req('GET', '/healthz');
  eq(r.status, 200, 'status');
});

test('consultations are listed (demo has a work-plan consultation and a board)', async () => {
  const r = await anon().req('GET', '/api/v1/consultations');
  eq(r.status, 200, 'status');
  assert(r.json.consultations.length >= 2, 'at least two consultations');
  const board = r.json.consultations.find(c => c.kind === 'board');
  assert(board && board.title && board.id > 0, 'a board');
  assert(r.json.consultations.some(c => c.kind === 'consultation'), 'a consultation');
  cons = board.id;
});

test('a citizen message is created, routed by keyword, and tracked with masked phone', async () => {
  const r = await anon().req('POST', '/api/v1/messages', {
    consultation_id: cons, title: '公交站台顶棚漏雨', type: '投诉', region: 'A3区',
    body: '雨天候车很不方便，请尽快维修。联系电话13812345678', phone: '13812345678' });
  eq(r.status, 201, 'status');
  assert(r.json.id > 0 && /^[2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]{4}$/.test(r.json.tracking_code), 'id and tracking code');
  trafficMsg = r.json;
  const t = await anon().req('GET', `/api/v1/messages/${r.json.tracking_code}`);
  eq(t.status, 200, 'track status');
  eq(t.json.title, '公交站台顶棚漏雨', 'title');
  eq(t.json.phone, '138****5678', 'masked phone field');
  assert(t.json.body.includes('138****5678') && !t.json.body.includes('13812345678'), 'phone masked in body');
  eq(t.json.state, 'assigned', 'state');
  eq(t.json.department, '交通运输局', 'routed department');
  eq(t.json.replies, [], 'no replies yet');
  assert(!('id' in t.json) && !('author_ip' in t.json), 'public view hides internal fields');
  // codes typed by people: lower case, no dashes
  const t2 = await anon().req('GET', `/api/v1/messages/${r.json.tracking_code.replace(/-/g, '').toLowerCase()}`);
  eq(t2.status, 200, 'lenient code');
});

test('a mobile number in the title is masked too', async () => {
  const r = await anon().req('POST', '/api/v1/messages', {
    consultation_id: cons, title: '请回电15900001111', body: '小区物业问题', type: '求助' });
  eq(r.status, 201, 'status');
  housingMsg = r.json;
  const t = await anon().req('GET', `/api/v1/messages/${r.json.tracking_code}`);
  eq(t.json.title, '请回电159****1111', 'masked title');
  eq(t.json.department, '住房和城乡建设局', 'routed');
});

test('400 on invalid JSON and invalid UTF-8', async () => {
  let r = await anon().req('POST', '/api/v1/messages', '{"title": ', { raw: true });
  eq(r.status, 400, 'bad json'); eq(r.json.error.code, 'invalid_json', 'code');
  r = await anon().req('POST', '/api/v1/messages', Buffer.from([0x7b, 0x22, 0x74, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d]), { raw: true });
  eq(r.status, 400, 'bad utf8'); eq(r.json.error.code, 'invalid_utf8', 'code');
  assert(/byte offset 6/.test(r.json.error.message), 'names the offset: ' + r.json.error.message);
  r = await anon().req('POST', '/api/v1/messages', '[1,2]', { raw: true });
  eq(r.status, 400, 'not an object');
  r = await anon().req('POST', '/api/v1/messages', '{"title":"a\\u0000b"}', { raw: true });
  eq(r.status, 400, 'NUL refused');
  r = await anon().req('POST', '/api/v1/messages', '', { raw: true });
  eq(r.status, 400, 'empty body');
});

test('413 on a body over the limit (1 MB), the server keeps serving', async () => {
  const big = JSON.stringify({ consultation_id: cons, title: 'x', type: '建议', body: '长'.repeat(350000) });
  const r = await anon().req('POST', '/api/v1/messages', big, { raw: true });
  eq(r.status, 413, 'status'); eq(r.json.error.code, 'too_large', 'code');
  const h = await anon().req('GET', '/healthz');
  eq(h.status, 200, 'still up');
});

test('422 on missing, over-long and invalid fields, naming the field', async () => {
  const base = { consultation_id: cons, title: '标题', body: '内容', type: '建议' };
  const cases = [
    [{ ...base, title: undefined }, 'missing', 'title'],
    [{ ...base, body: '   ' }, 'missing', 'body'],
    [{ ...base, consultation_id: undefined }, 'missing', 'consultation_id'],
    [{ ...base, title: '长'.repeat(101) }, 'too_long', 'title'],
    [{ ...base, body: '字'.repeat(5001) }, 'too_long', 'body'],
    [{ ...base, type: '骂人' }, 'invalid', 'type'],
    [{ ...base, phone: 'call me' }, 'invalid', 'phone'],
    [{ ...base, title: 42 }, 'invalid', 'title'],
    [{ ...base, title: 'a\u0007b' }, 'invalid', 'title'],
    [{ ...base, consultation_id: 99999 }, 'invalid', 'consultation_id'],
    [{ ...base, consultation_id: -1 }, 'invalid', 'consultation_id'],
  ];
  for (const [body, code, field] of cases) {
    const r = await anon().req('POST', '/api/v1/messages', body);
    eq(r.status, 422, `status for ${field}/${code}`);
    eq([r.json.error.code, r.json.error.field], [code, field], 'error');
    assert(r.json.error.message.length > 0, 'message');
  }
  // exactly at the limits is fine
  const ok = await anon().req('POST', '/api/v1/messages', { ...base, title: '长'.repeat(100), body: '字'.repeat(5000) });
  eq(ok.status, 201, 'at the limits');
});

test('hostile strings are stored and returned verbatim as JSON text', async () => {
  const evil = '<script>alert(1)</script>"\'&<img src=x onerror=alert(2)>';
  const r = await anon().req('POST', '/api/v1/messages', { consultation_id: cons, title: evil, body: evil, type: '建议' });
  eq(r.status, 201, 'status');
  const t = await anon().req('GET', `/api/v1/messages/${r.json.tracking_code}`);
  eq(t.json.title, evil, 'title round trip');
  assert(t.headers.get('content-type').startsWith('application/json'), 'served as JSON');
  assert(t.headers.get('x-content-type-options') === 'nosniff', 'nosniff');
});

test('404 and 405', async () => {
  let r = await anon().req('GET', '/api/v1/messages/ZZZZ-ZZZZ-ZZZZ');
  eq(r.status, 404, 'unknown code'); eq(r.json.error.code, 'not_found', 'code');
  r = await anon().req('GET', '/api/v1/nothing-here');
  eq(r.status, 404, 'unknown route');
  r = await anon().req('GET', '/api/v1/consultations/424242');
  eq(r.status, 404, 'unknown consultation');
  r = await anon().req('DELETE', '/api/v1/consultations');
  eq(r.status, 405, 'wrong method'); eq(r.json.error.code, 'method_not_allowed', 'code');
  assert(/GET/.test(r.headers.get('allow')) && /POST/.test(r.headers.get('allow')), 'Allow header');
  r = await anon().req('GET', '/no-such-page.html');
  eq(r.status, 404, 'unknown page');
  r = await anon().req('GET', '/../../etc/passwd');
  assert(r.status === 404 || r.status === 400, 'no path traversal');
});

test('login: 401 on a wrong password, cookie is HttpOnly and SameSite=Strict', async () => {
  const c = anon();
  let r = await c.login('traffic', 'wrong-password');
  eq(r.status, 401, 'wrong password');
  r = await c.login('nobody', 'whatever-pass');
  eq(r.status, 401, 'unknown login');
  r = await c.login('traffic', PW.traffic);
  eq(r.status, 200, 'login');
  assert(r.json.csrf_token.length >= 32, 'csrf token');
  const sc = r.headers.get('set-cookie');
  assert(/HttpOnly/.test(sc) && /SameSite=Strict/.test(sc), 'cookie flags: ' + sc);
  r = await c.req('GET', '/api/v1/me');
  eq(r.json.role, 'handler', 'me'); eq(r.json.department, '交通运输局', 'dept');
});

test('401 on official endpoints without a session', async () => {
  for (const [m, p] of [['GET', '/api/v1/inbox'], ['GET', '/api/v1/me'], ['GET', `/api/v1/messages/${trafficMsg.id}`],
                        ['POST', `/api/v1/messages/${trafficMsg.id}/replies`], ['GET', '/api/v1/users']]) {
    const r = await anon().req(m, p, m === 'POST' ? { body: 'x' } : undefined);
    eq(r.status, 401, `${m} ${p}`);
  }
  const forged = new Client(srv.base);
  forged.cookie = 'minyi_session=' + 'a'.repeat(64);
  eq((await forged.req('GET', '/api/v1/inbox')).status, 401, 'forged cookie');
});

test('a handler sees only their department in the inbox; an admin sees all', async () => {
  const t = anon(); await t.login('traffic', PW.traffic);
  const r = await t.req('GET', '/api/v1/inbox');
  eq(r.status, 200, 'status');
  assert(r.json.messages.some(m => m.id === trafficMsg.id), 'own message listed');
  assert(r.json.messages.every(m => m.department === '交通运输局'), 'only own department');
  const a = anon(); await a.login('root', PW.admin);
  const all = await a.req('GET', '/api/v1/inbox?limit=500');
  assert(all.json.messages.some(m => m.id === housingMsg.id) && all.json.messages.some(m => m.id === trafficMsg.id), 'admin sees all');
  eq((await t.req('GET', '/api/v1/inbox?state=bogus')).status, 422, 'bad state filter');
  // Keyset pages: one at a time, newest first, every message once, then next = null.
  const ids = [];
  let after = '', pages = 0;
  for (;;) {
    const p = await a.req('GET', `/api/v1/inbox?limit=1${after ? '&after=' + encodeURIComponent(after) : ''}`);
    eq(p.status, 200, 'page');
    ids.push(...p.json.messages.map(m => m.id));
    pages++;
    if (p.json.next === null) break;
    after = p.json.next;
  }
  eq(ids, all.json.messages.map(m => m.id), 'pages of one cover the inbox in order');
  eq(all.json.total, ids.length, 'total from the running figures');
  eq((await a.req('GET', '/api/v1/inbox?offset=50')).status, 422, 'no offset paging');
  eq((await a.req('GET', '/api/v1/inbox?after=bogus')).json.error.field, 'after', 'a cursor we did not give');
  const full = await t.req('GET', `/api/v1/messages/${trafficMsg.id}`);
  eq(full.status, 200, 'official view');
  eq(full.json.phone, '13812345678', 'handler of the department sees the original');
  eq((await t.req('GET', `/api/v1/messages/${housingMsg.id}`)).status, 403, 'other department refused');
});

test('replies: CSRF required, other departments refused, citizen sees the reply', async () => {
  const t = anon(); await t.login('traffic', PW.traffic);
  let r = await t.req('POST', `/api/v1/messages/${trafficMsg.id}/replies`, { body: '已安排维修。' }, { csrf: false });
  eq(r.status, 403, 'no CSRF'); eq(r.json.error.code, 'csrf', 'code');
  r = await t.req('POST', `/api/v1/messages/${trafficMsg.id}/replies`, { body: 'x' }, { csrf: false, headers: { 'X-CSRF-Token': 'forged' } });
  eq(r.status, 403, 'wrong CSRF');
  r = await t.req('POST', `/api/v1/messages/${housingMsg.id}/replies`, { body: '不是我的' });
  eq(r.status, 403, 'department A on department B'); eq(r.json.error.code, 'forbidden', 'code');
  r = await t.req('POST', `/api/v1/messages/${trafficMsg.id}/replies`, {});
  eq(r.status, 422, 'missing body');
  r = await t.req('POST', '/api/v1/messages/999999/replies', { body: 'x' });
  eq(r.status, 404, 'unknown message');
  r = await t.req('POST', `/api/v1/messages/${trafficMsg.id}/replies`, { body: '您好，已安排维修，本周内完成。' });
  eq(r.status, 201, 'reply');
  const pub = await anon().req('GET', `/api/v1/messages/${trafficMsg.tracking_code}`);
  eq(pub.json.state, 'replied', 'state');
  eq(pub.json.replies.length, 1, 'one reply');
  eq(pub.json.replies[0].body, '您好，已安排维修，本周内完成。', 'reply body');
  eq(pub.json.replies[0].department, '交通运输局', 'reply department');
  assert(pub.json.replies[0].created_at, 'reply time');
  const a = anon(); await a.login('root', PW.admin);
  eq((await a.req('POST', `/api/v1/messages/${housingMsg.id}/replies`, { body: '管理员答复' })).status, 201, 'admin replies anywhere');
  const ev = await a.req('GET', `/api/v1/messages/${trafficMsg.id}`);
  assert(ev.json.events.some(e => e.kind === 'reply' && e.actor === 'traffic'), 'audit event');
});

test('an admin creates a department, a consultation and a handler; a handler may not', async () => {
  const a = anon(); await a.login('root', PW.admin);
  let r = await a.req('POST', '/api/v1/departments', { name: '水务局' });
  eq(r.status, 201, 'department');
  eq((await a.req('POST', '/api/v1/departments', { name: '水务局' })).status, 409, 'duplicate department');
  r = await a.req('POST', '/api/v1/consultations', { title: '供水条例修订征求意见', description: '欢迎提出意见', kind: 'consultation' });
  eq(r.status, 201, 'consultation');
  const list = await anon().req('GET', '/api/v1/consultations');
  assert(list.json.consultations.some(c => c.title === '供水条例修订征求意见'), 'listed');
  r = await a.req('POST', '/api/v1/users', { login: 'water', password: 'water-pass-1', role: 'handler', department: '水务局' });
  eq(r.status, 201, 'handler account');
  eq((await a.req('POST', '/api/v1/users', { login: 'water', password: 'water-pass-1', role: 'handler', department: '水务局' })).status, 409, 'duplicate login');
  eq((await a.req('POST', '/api/v1/users', { login: 'w2', password: 'short', role: 'handler', department: '水务局' })).status, 422, 'short password');
  eq((await a.req('POST', '/api/v1/users', { login: 'w3', password: 'long-enough-1', role: 'handler' })).status, 422, 'handler without department');
  eq((await a.req('POST', '/api/v1/users', { login: 'w4', password: 'long-enough-1', role: 'king' })).status, 422, 'bad role');
  const w = anon();
  eq((await w.login('water', 'water-pass-1')).status, 200, 'new handler logs in');
  eq((await w.req('POST', '/api/v1/departments', { name: '偷偷建的局' })).status, 403, 'handler cannot create departments');
  eq((await w.req('POST', '/api/v1/consultations', { title: 'x' })).status, 403, 'handler cannot create consultations');
  eq((await w.req('GET', '/api/v1/users')).status, 403, 'handler cannot list users');
});

test('logout ends the session', async () => {
  const t = anon(); await t.login('traffic', PW.traffic);
  eq((await t.req('POST', '/api/v1/logout', undefined, { csrf: false })).status, 403, 'logout needs CSRF');
  eq((await t.req('POST', '/api/v1/logout')).status, 200, 'logout');
  const again = new Client(srv.base); again.cookie = t.cookie;
  eq((await again.req('GET', '/api/v1/inbox')).status, 401, 'old cookie is dead');
});

test('pages are served with security headers', async () => {
  const r = await anon().req('GET', '/');
  eq(r.status, 200, 'home page');
  assert(r.headers.get('content-type').startsWith('text/html'), 'html');
  assert(/script-src 'self'/.test(r.headers.get('content-security-policy')), 'CSP');
});

test('durability: a message answered 201 survives kill -9', async () => {
  const r = await anon().req('POST', '/api/v1/messages', { consultation_id: cons, title: '断电前的留言', body: '必须保存', type: '建议' });
  eq(r.status, 201, 'created');
  await srv.kill9();
  await srv.start();
  const t = await anon().req('GET', `/api/v1/messages/${r.json.tracking_code}`);
  eq(t.status, 200, 'still there after restart');
  eq(t.json.title, '断电前的留言', 'title');
});

test('CLI refuses bad input with clear messages', async () => {
  let r = minyiFails(['user', 'add', 'x y', '--role', 'admin', '--db', srv.db], 'password123\n');
  assert(r.status === 2 && /login/.test(r.stderr), 'bad login: ' + r.stderr);
  r = minyiFails(['user', 'add', 'ok', '--role', 'emperor', '--db', srv.db], 'password123\n');
  assert(r.status === 2 && /role/.test(r.stderr), 'bad role: ' + r.stderr);
  r = minyiFails(['user', 'add', 'ok', '--role', 'handler', '--dept', '不存在的局', '--db', srv.db], 'password123\n');
  assert(r.status === 1 && /no department/.test(r.stderr), 'unknown dept: ' + r.stderr);
  r = minyiFails(['user', 'add', 'ok', '--role', 'admin', '--db', srv.db], 'short\n');
  assert(r.status === 1 && /at least 8/.test(r.stderr), 'short password: ' + r.stderr);
  r = minyiFails(['dept', 'add', '交通运输局', '--db', srv.db]);
  assert(r.status === 1 && /already exists/.test(r.stderr), 'duplicate dept: ' + r.stderr);
  r = minyiFails(['dept', 'add', '', '--db', srv.db]);
  assert(r.status === 1 && /empty/.test(r.stderr), 'empty dept: ' + r.stderr);
  r = minyiFails(['consultation', 'add', '--db', srv.db]);
  eq(r.status, 2, 'missing title');
  r = minyiFails(['serve', '--bogus']);
  eq(r.status, 2, 'unknown serve option');
  r = minyiFails(['frobnicate']);
  eq(r.status, 2, 'unknown command');
  assert(/serve/.test(minyi(['--help'])) && /--listen/.test(minyi(['serve', '--help'])), 'help texts');
  r = minyiFails(['dept', 'list', '--db', 'postgres://localhost/x']);
  assert(r.status === 1 && /PostgreSQL/.test(r.stderr), 'postgres not yet: ' + r.stderr);
  const out = minyi(['user', 'add', 'cliuser', '--role', 'leader', '--db', srv.db], 'leader-pass-1\n');
  assert(/cliuser/.test(out), 'password from stdin');
});

test('415 for bodies that are not declared JSON (cross-site forms cannot post JSON)', async () => {
  const body = JSON.stringify({ consultation_id: cons, title: '表单提交', body: '内容', type: '建议' });
  for (const ct of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/jsonp']) {
    const r = await anon().req('POST', '/api/v1/messages', body, { raw: true, headers: { 'Content-Type': ct } });
    eq(r.status, 415, ct); eq(r.json.error.code, 'unsupported_media_type', 'code');
  }
  const ok = await anon().req('POST', '/api/v1/messages', body, { raw: true, headers: { 'Content-Type': 'application/json; charset=utf-8' } });
  eq(ok.status, 201, 'JSON with a charset is fine');
});

// Last: it locks 127.0.0.1 out of logins for this server.
test('password guessing is throttled: 429 with Retry-After after 10 failures', async () => {
  for (let i = 0; i < 10; i++) eq((await anon().login('root', 'guess-' + i)).status, 401, 'guess ' + i);
  const r = await anon().login('root', PW.admin);
  eq(r.status, 429, 'even the right password waits');
  eq(r.json.error.code, 'too_many_attempts', 'code');
  assert(Number(r.headers.get('retry-after')) > 0, 'Retry-After');
});

let res = { passed: 0, failed: 1 };
try {
  await setup();
  res = await run('api/skeleton');
} catch (e) {
  console.log(`FAIL api/skeleton: setup\n  ${e.stack || e}`);
}
const code = await srv.stop();
if (code !== 0 && code !== null) {
  console.log(`FAIL api/skeleton: server exited with status ${code} (sanitizer report?)\n${srv.log.slice(-3000)}`);
  res.failed++;
}
srv.cleanup();
console.log(`${res.passed} passed, ${res.failed} failed`);
process.exit(res.failed ? 1 : 0);
