// roles.test.mjs: the role x endpoint matrix. Every role (no session,
// handler and head of the message's department, handler and head of another,
// leader, moderator, admin) calls every official endpoint on a message made
// ready for it; allowed calls must succeed, the others get 401 or 403.
import { Server, Client, minyi, test, assert, eq, run } from './lib.mjs';

const srv = new Server();
const PW = 'roles-pass-123';
const ROLES = { anon: null, handler: 'traffic', head: 'thead', otherHandler: 'edu', otherHead: 'ehead', leader: 'boss', moderator: 'mod', admin: 'root' };
const clients = {};
let trafficId;

async function setup() {
  minyi(['demo', '--db', srv.db]);
  srv.addUser('traffic', 'handler', '交通运输局', PW);
  srv.addUser('thead', 'head', '交通运输局', PW);
  srv.addUser('edu', 'handler', '教育局', PW);
  srv.addUser('ehead', 'head', '教育局', PW);
  srv.addUser('boss', 'leader', null, PW);
  srv.addUser('mod', 'moderator', null, PW);
  srv.addUser('root', 'admin', null, PW);
  await srv.start();
  for (const [role, login] of Object.entries(ROLES)) {
    clients[role] = new Client(srv.base);
    if (login) eq((await clients[role].login(login, PW)).status, 200, 'login ' + login);
  }
  trafficId = (await clients.admin.req('GET', '/api/v1/departments')).json.departments.find(d => d.name === '交通运输局').id;
}

/* A fresh message of 交通运输局 (routed by the keyword 公交), optionally answered. */
async function message({ reply = false } = {}) {
  const m = (await new Client(srv.base).req('POST', '/api/v1/messages',
    { consultation_id: 2, title: '公交线路调整' + Math.random(), body: '建议调整公交线路。', type: '建议' })).json;
  if (reply) m.reply = (await clients.handler.req('POST', `/api/v1/messages/${m.id}/replies`, { body: '已研究。' })).json.id;
  return m;
}

const ALL = Object.keys(ROLES).filter(r => r !== 'anon');
const DEPT = ['handler', 'head', 'admin'];
/* endpoint: [name, allowed roles, async setup -> [method, path, body]] */
const matrix = [
  ['GET message', ['handler', 'head', 'leader', 'moderator', 'admin'], async () => ['GET', `/api/v1/messages/${(await message()).id}`]],
  ['POST reply', DEPT, async () => ['POST', `/api/v1/messages/${(await message()).id}/replies`, { body: '答复' }]],
  ['POST transfer', DEPT, async () => ['POST', `/api/v1/messages/${(await message()).id}/transfer`, { department: '教育局' }]],
  ['POST close', DEPT, async () => ['POST', `/api/v1/messages/${(await message({ reply: true })).id}/close`, { note: '办结' }]],
  ['POST return', DEPT, async () => ['POST', `/api/v1/messages/${(await message()).id}/return`, { reason: '非本部门' }]],
  ['POST decline', DEPT, async () => ['POST', `/api/v1/messages/${(await message()).id}/decline`, { reason: '不予受理' }]],
  ['POST assign', ['head', 'admin'], async () => ['POST', `/api/v1/messages/${(await message()).id}/assign`, { user: 'traffic' }]],
  ['POST urge', ['leader', 'admin'], async () => ['POST', `/api/v1/messages/${(await message()).id}/urge`, { note: '督办' }]],
  ['POST extension', DEPT, async () => ['POST', `/api/v1/messages/${(await message()).id}/extensions`, { days: 2, reason: '需要时间' }]],
  ['POST extension decision', ['head', 'admin'], async () => {
    const m = await message();
    const x = (await clients.handler.req('POST', `/api/v1/messages/${m.id}/extensions`, { days: 2, reason: '需要时间' })).json.id;
    return ['POST', `/api/v1/extensions/${x}/decision`, { approve: true }];
  }],
  ['PUT reply (correction)', DEPT, async () => ['PUT', `/api/v1/replies/${(await message({ reply: true })).reply}`, { body: '更正', reason: '笔误' }]],
  ['POST reply decision', ['head', 'admin'], async () => {
    await clients.admin.req('PUT', `/api/v1/departments/${trafficId}`, { reply_approval: true });
    const m = await message({ reply: true });
    await clients.admin.req('PUT', `/api/v1/departments/${trafficId}`, { reply_approval: false });
    return ['POST', `/api/v1/replies/${m.reply}/decision`, { approve: true }];
  }],
  ['GET inbox', ALL, async () => ['GET', '/api/v1/inbox']],
  ['GET extensions', ['handler', 'head', 'otherHandler', 'otherHead', 'leader', 'admin'], async () => ['GET', '/api/v1/extensions']],
  ['GET pending replies', ['handler', 'head', 'otherHandler', 'otherHead', 'leader', 'admin'], async () => ['GET', '/api/v1/replies?status=pending']],
  ['GET templates', ['handler', 'head', 'otherHandler', 'otherHead', 'leader', 'admin'], async () => ['GET', '/api/v1/templates']],
  ['POST template', ['head', 'otherHead', 'admin'], async () => ['POST', '/api/v1/templates', { name: 'T' + Math.random(), body: '您好' }]],
  ['POST note', DEPT, async () => ['POST', `/api/v1/messages/${(await message()).id}/notes`, { body: '内部备注' }]],
  ['PUT draft', DEPT, async () => ['PUT', `/api/v1/messages/${(await message()).id}/draft`, { body: '草稿' }]],
  ['GET holidays', ALL, async () => ['GET', '/api/v1/holidays']],
  ['POST holidays', ['admin'], async () => ['POST', '/api/v1/holidays', { day: '2027-01-01', kind: 'holiday' }]],
  ['PUT department', ['admin'], async () => ['PUT', `/api/v1/departments/${trafficId}`, { reply_approval: false }]],
  ['POST settings', ['admin'], async () => ['POST', '/api/v1/settings', { deadline_help: 7 }]],
  ['GET users', ['admin'], async () => ['GET', '/api/v1/users']],
  ['GET moderation', ['moderator', 'admin'], async () => ['GET', '/api/v1/moderation']],
];

for (const [name, allowed, prepare] of matrix) {
  test(name, async () => {
    const got = {}, want = {};
    for (const role of Object.keys(ROLES)) {
      const [method, path, body] = await prepare();
      const r = await clients[role].req(method, path, body);
      got[role] = r.status >= 200 && r.status < 300 ? 'ok' : r.status;
      want[role] = allowed.includes(role) ? 'ok' : role === 'anon' ? 401 : 403;
    }
    eq(got, want, name);
  });
}

test('a head is a department account: it needs a department', async () => {
  const r = await clients.admin.req('POST', '/api/v1/users', { login: 'nohead', password: 'password-123', role: 'head' });
  eq([r.status, r.json.error.field], [422, 'department'], 'no department');
  const ok = await clients.admin.req('POST', '/api/v1/users', { login: 'newhead', password: 'password-123', role: 'head', department: '教育局' });
  eq(ok.status, 201, 'created');
  const c = new Client(srv.base);
  eq((await c.login('newhead', 'password-123')).json.user.role, 'head', 'logs in as head');
  assert((await c.req('GET', '/api/v1/inbox')).json.messages.every(m => m.department === '教育局'), 'sees only its department');
});

let res = { passed: 0, failed: 1 };
try { await setup(); res = await run('api/roles'); }
catch (e) { console.log(`FAIL api/roles: setup\n  ${e.stack || e}`); }
const code = await srv.stop();
if (code !== 0 && code !== null) { console.log(`FAIL api/roles: server exited with ${code}\n${srv.log.slice(-3000)}`); res.failed++; }
srv.cleanup();
console.log(`${res.passed} passed, ${res.failed} failed`);
process.exit(res.failed ? 1 : 0);
