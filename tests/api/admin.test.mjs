// admin.test.mjs: the administration API: accounts and departments edited
// and disabled (never deleted), password resets, routing keywords and the
// audit log with filters and keyset pages; everything admin-only on the
// server and CSRF-checked.
import { Server, Client, minyi, test, assert, eq, run } from './lib.mjs';

const srv = new Server();
const PW = 'admin-pass-123';
const anon = () => new Client(srv.base);
const as = async (login, pw = PW) => { const c = new Client(srv.base); eq((await c.login(login, pw)).status, 200, 'login ' + login); return c; };
let root, traffic, head, leader, moderator;
const users = async () => Object.fromEntries((await root.req('GET', '/api/v1/users')).json.users.map(u => [u.login, u]));
const depts = async () => Object.fromEntries((await root.req('GET', '/api/v1/departments')).json.departments.map(d => [d.name, d]));

async function setup() {
  minyi(['demo', '--db', srv.db]);
  srv.addUser('root', 'admin', null, PW);
  srv.addUser('traffic', 'handler', '交通运输局', PW);
  srv.addUser('thead', 'head', '交通运输局', PW);
  srv.addUser('boss', 'leader', null, PW);
  srv.addUser('mod', 'moderator', null, PW);
  srv.addUser('temp', 'handler', '教育局', PW);
  await srv.start();
  [root, traffic, head, leader, moderator] = await Promise.all(['root', 'traffic', 'thead', 'boss', 'mod'].map(l => as(l)));
}

test('only admins: every administration endpoint refuses the other roles and anonymous callers', async () => {
  const u = (await users()).temp, d = (await depts())['教育局'];
  const calls = [
    ['PUT', `/api/v1/users/${u.id}`, { disabled: true }], ['POST', `/api/v1/users/${u.id}/password`, {}],
    ['PUT', `/api/v1/departments/${d.id}`, { name: 'x' }], ['GET', '/api/v1/rules'], ['POST', '/api/v1/rules', { keyword: 'x', department: '教育局' }],
    ['DELETE', '/api/v1/rules/1'], ['GET', '/api/v1/audit'], ['GET', '/api/v1/users'],
  ];
  for (const [m, p, b] of calls) {
    for (const [c, who] of [[traffic, 'handler'], [head, 'head'], [leader, 'leader'], [moderator, 'moderator']]) {
      const r = await c.req(m, p, b);
      eq([r.status, r.json.error.code], [403, 'forbidden'], `${m} ${p} by a ${who}`);
    }
    eq((await anon().req(m, p, b)).status, 401, `${m} ${p} anonymous`);
    if (m !== 'GET') eq((await root.req(m, p, b, { csrf: false })).status, 403, `${m} ${p} without the CSRF token`);
  }
  eq((await users()).temp.disabled, false, 'nothing changed');
});

test('a disabled account cannot log in and its open session ends; enabling it restores both', async () => {
  const temp = await as('temp');
  const id = (await users()).temp.id;
  let r = await root.req('PUT', `/api/v1/users/${id}`, { disabled: true });
  eq([r.status, r.json.login, r.json.disabled], [200, 'temp', true], 'disabled');
  eq((await temp.req('GET', '/api/v1/me')).status, 401, 'the open session ended');
  r = await anon().login('temp', PW);
  eq([r.status, r.json.error.code], [403, 'account_disabled'], 'login refused with the reason');
  eq((await anon().login('temp', 'wrong-password')).status, 401, 'a wrong password still says only that');
  eq((await users()).temp.role, 'handler', 'nothing deleted: the account is still listed');
  r = await root.req('PUT', `/api/v1/users/${id}`, { disabled: false });
  eq([r.status, r.json.disabled], [200, false], 'enabled');
  await as('temp');
  const log = (await root.req('GET', '/api/v1/audit?kind=user_disable')).json.events;
  eq([log[0].actor, log[0].detail.login], ['root', 'temp'], 'audited');
  r = await root.req('PUT', `/api/v1/users/${(await users()).root.id}`, { disabled: true });
  eq([r.status, r.json.error.field], [422, 'disabled'], 'an admin cannot disable their own account');
});

test('edit an account: role and department checked', async () => {
  const id = (await users()).temp.id;
  let r = await root.req('PUT', `/api/v1/users/${id}`, { role: 'head', department: '交通运输局' });
  eq([r.status, r.json.role, r.json.department], [200, 'head', '交通运输局'], 'moved and promoted');
  eq((await root.req('PUT', `/api/v1/users/${id}`, { role: 'king' })).json.error.field, 'role', 'unknown role');
  eq((await root.req('PUT', `/api/v1/users/${id}`, { department: '不存在的局' })).json.error.field, 'department', 'unknown department');
  eq((await root.req('PUT', `/api/v1/users/${id}`, { department: null })).status, 422, 'a head needs a department');
  eq((await root.req('PUT', `/api/v1/users/${id}`, { disabled: 'yes' })).json.error.field, 'disabled', 'disabled must be a boolean');
  eq((await root.req('PUT', `/api/v1/users/${id}`, {})).status, 422, 'nothing to change');
  eq((await root.req('PUT', '/api/v1/users/999999', { disabled: true })).status, 404, 'no such account');
  r = await root.req('PUT', `/api/v1/users/${id}`, { role: 'handler', department: '教育局' });
  eq([r.status, r.json.role, r.json.department], [200, 'handler', '教育局'], 'back');
});

test('password reset: a given one or a generated one; the old password and sessions stop working', async () => {
  const temp = await as('temp');
  const id = (await users()).temp.id;
  eq((await root.req('POST', `/api/v1/users/${id}/password`, { password: 'short' })).json.error.field, 'password', 'too short');
  let r = await root.req('POST', `/api/v1/users/${id}/password`, { password: 'brand-new-pass' });
  eq([r.status, r.json.password], [200, undefined], 'set; a given password is not echoed');
  eq((await temp.req('GET', '/api/v1/me')).status, 401, 'sessions ended');
  eq((await anon().login('temp', PW)).status, 401, 'the old password fails');
  await as('temp', 'brand-new-pass');
  r = await root.req('POST', `/api/v1/users/${id}/password`, {});
  assert(r.status === 200 && typeof r.json.password === 'string' && r.json.password.length >= 12, 'a generated password, shown once');
  await as('temp', r.json.password);
  const e = (await root.req('GET', '/api/v1/audit?kind=password_reset')).json.events;
  eq(e.length, 2, 'two resets audited');
  assert(!JSON.stringify(e).includes(r.json.password) && !JSON.stringify(e).includes('brand-new-pass'), 'no password in the audit log');
  assert(!srv.log.includes('brand-new-pass'), 'nor in the server log');
  eq((await root.req('POST', '/api/v1/users/999999/password', {})).status, 404, 'no such account');
});

test('departments: renamed and disabled, never deleted; a disabled one takes no transfers and its keywords stop', async () => {
  const d = (await depts())['教育局'];
  let r = await root.req('PUT', `/api/v1/departments/${d.id}`, { name: '交通运输局' });
  eq([r.status, r.json.error.field], [409, 'name'], 'the name is taken');
  r = await root.req('PUT', `/api/v1/departments/${d.id}`, { name: '教育体育局' });
  eq([r.status, r.json.name], [200, '教育体育局'], 'renamed');
  eq((await users()).temp.department, '教育体育局', 'accounts follow the rename');
  r = await root.req('POST', '/api/v1/rules', { keyword: '学校食堂', department: '教育体育局' });
  eq(r.status, 201, 'keyword added');
  const rule = r.json.rules.find(x => x.keyword === '学校食堂');
  assert(rule && rule.department === '教育体育局' && rule.id > 0, 'listed with its id');
  const post = async () => (await anon().req('POST', '/api/v1/messages', { consultation_id: 2, title: '学校食堂卫生差', body: '学校食堂卫生条件差。', type: '投诉' })).json.id;
  await new Promise(res => setTimeout(res, 2100));   // the server re-reads the rules every 2 s
  const m1 = await post();
  eq((await root.req('GET', `/api/v1/messages/${m1}`)).json.department, '教育体育局', 'routed by the new keyword');
  r = await root.req('PUT', `/api/v1/departments/${d.id}`, { disabled: true });
  eq([r.status, r.json.disabled], [200, true], 'disabled');
  eq((await root.req('GET', '/api/v1/rules')).json.rules.some(x => x.id === rule.id), false, 'its keywords no longer apply');
  const other = (await anon().req('POST', '/api/v1/messages', { consultation_id: 2, title: '公交站台', body: '公交站台破了。', type: '投诉' })).json.id;
  r = await root.req('POST', `/api/v1/messages/${other}/transfer`, { department: '教育体育局' });
  eq([r.status, r.json.error.message], [422, 'the department is disabled'], 'no transfer to a disabled department');
  eq((await root.req('GET', `/api/v1/messages/${m1}`)).json.department, '教育体育局', 'its messages stay');
  r = await root.req('PUT', `/api/v1/departments/${d.id}`, { disabled: false, reply_approval: false });
  eq([r.status, r.json.disabled], [200, false], 'enabled again');
  eq((await root.req('DELETE', `/api/v1/rules/${rule.id}`)).status, 200, 'keyword removed');
  eq((await root.req('DELETE', `/api/v1/rules/${rule.id}`)).status, 404, 'gone');
  eq((await root.req('PUT', `/api/v1/departments/${d.id}`, { disabled: 1 })).json.error.field, 'disabled', 'a boolean');
  eq((await root.req('PUT', `/api/v1/departments/${d.id}`, {})).status, 422, 'nothing to change');
  eq((await root.req('PUT', '/api/v1/departments/999999', { name: 'x' })).status, 404, 'no such department');
  eq((await root.req('POST', '/api/v1/rules', { keyword: '', department: '教育体育局' })).json.error.field, 'keyword', 'empty keyword');
});

test('audit log: filters by actor, kind, message and date; keyset pages that neither skip nor repeat', async () => {
  const ids = [];
  for (let i = 0; i < 7; i++) ids.push((await anon().req('POST', '/api/v1/messages', { consultation_id: 2, title: '公交线路' + i, body: '公交线路调整建议。', type: '建议' })).json.id);
  for (const id of ids) eq((await traffic.req('POST', `/api/v1/messages/${id}/replies`, { body: '收到' })).status, 201, 'reply');
  let r = await root.req('GET', '/api/v1/audit?actor=traffic&kind=reply&limit=3');
  eq(r.status, 200, 'listed');
  assert(r.json.kinds.includes('reply') && r.json.kinds.includes('login'), 'the kinds for the filter: ' + r.json.kinds);
  const seen = [];
  let page = r.json, pages = 0;
  for (;;) {
    pages++;
    for (const e of page.events) { eq([e.actor, e.kind], ['traffic', 'reply'], 'filtered'); seen.push(e.id); }
    if (!page.next) break;
    page = (await root.req('GET', `/api/v1/audit?actor=traffic&kind=reply&limit=3&after=${encodeURIComponent(page.next)}`)).json;
  }
  eq([seen.length, new Set(seen).size, pages], [7, 7, 3], 'seven replies over three pages, none twice');
  assert(seen.every((x, i) => i === 0 || x < seen[i - 1]), 'newest first');
  r = await root.req('GET', `/api/v1/audit?message=${ids[3]}`);
  assert(r.json.events.length >= 1 && r.json.events.every(e => e.message_id === ids[3]), 'one message');
  const today = new Date().toISOString().slice(0, 10);
  eq((await root.req('GET', `/api/v1/audit?from=${today}&to=${today}&kind=reply`)).json.events.length >= 7, true, 'today');
  eq((await root.req('GET', '/api/v1/audit?from=2001-01-01&to=2001-01-02')).json.events.length, 0, 'a day without events');
  for (const [q, field] of [['actor=nobody', 'actor'], ['message=abc', 'message'], ['from=2020-13-01', 'from'], ['after=garbage', 'after']])
    eq([(await root.req('GET', `/api/v1/audit?${q}`)).status, (await root.req('GET', `/api/v1/audit?${q}`)).json.error.field], [422, field], q);
});

test('digest: a head sees their department\'s day, leaders and admins every department; moderators none', async () => {
  const id = (await anon().req('POST', '/api/v1/messages', { consultation_id: 2, title: '公交站台', body: '公交站台破了。', type: '投诉' })).json.id;
  eq((await root.req('POST', `/api/v1/messages/${id}/urge`, { note: '尽快' })).status, 200, 'urged');
  let r = await head.req('GET', '/api/v1/digest');
  eq([r.status, r.json.departments.length, r.json.departments[0].name], [200, 1, '交通运输局'], 'own department only');
  const x = r.json.departments[0];
  assert(x.new >= 1 && x.urged >= 1 && x.urged_today >= 1, 'today\'s message and urging counted: ' + JSON.stringify(x));
  r = await leader.req('GET', '/api/v1/digest');
  assert(r.json.departments.length > 2 && r.json.departments.some(d => d.id === 0), 'every department and the unrouted queue');
  r = await leader.req('GET', `/api/v1/digest?department=${x.id}&date=2026-01-05`);
  eq([r.status, r.json.date, r.json.departments.length], [200, '2026-01-05', 1], 'one department, another day');
  eq((await head.req('GET', '/api/v1/digest?department=999')).json.departments[0].name, '交通运输局', 'a head cannot ask for another department');
  eq((await moderator.req('GET', '/api/v1/digest')).status, 403, 'moderator');
  eq((await anon().req('GET', '/api/v1/digest')).status, 401, 'anonymous');
  eq((await root.req('GET', '/api/v1/digest?date=2026-02-31')).json.error.field, 'date', 'bad date');
  eq((await root.req('GET', '/api/v1/digest?department=99999')).status, 404, 'unknown department');
});

let res = { passed: 0, failed: 1 };
try { await setup(); res = await run('api/admin'); }
catch (e) { console.log(`FAIL api/admin: setup\n  ${e.stack || e}`); }
const code = await srv.stop();
if (code !== 0 && code !== null) { console.log(`FAIL api/admin: server exited with ${code}\n${srv.log.slice(-3000)}`); res.failed++; }
srv.cleanup();
console.log(`${res.passed} passed, ${res.failed} failed`);
process.exit(res.failed ? 1 : 0);
