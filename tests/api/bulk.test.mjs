// bulk.test.mjs: POST /api/v1/messages/bulk: transfer, return and close on
// a selection go through the same transition table, department check and
// audit as one at a time; each message gets its own result, refused ones
// with the reason; roles that may never do the action get 403.
import { Server, Client, minyi, test, assert, eq, run } from './lib.mjs';

const srv = new Server();
const PW = 'bulk-pass-123';
const anon = () => new Client(srv.base);
const as = async (login) => { const c = new Client(srv.base); eq((await c.login(login, PW)).status, 200, 'login ' + login); return c; };
let traffic, edu, leader, moderator, admin, head;

async function setup() {
  minyi(['demo', '--db', srv.db]);
  srv.addUser('traffic', 'handler', '交通运输局', PW);
  srv.addUser('thead', 'head', '交通运输局', PW);
  srv.addUser('edu', 'handler', '教育局', PW);
  srv.addUser('boss', 'leader', null, PW);
  srv.addUser('mod', 'moderator', null, PW);
  srv.addUser('root', 'admin', null, PW);
  await srv.start();
  [traffic, head, edu, leader, moderator, admin] = await Promise.all(['traffic', 'thead', 'edu', 'boss', 'mod', 'root'].map(as));
}

/* A new message routed to 交通运输局 by its keywords ("公交"). */
async function newMsg() {
  const r = await anon().req('POST', '/api/v1/messages', { consultation_id: 2, title: '公交站台破损' + Math.random(), body: '公交站台的顶棚破了，下雨漏水。', type: '投诉' });
  eq(r.status, 201, 'message posted');
  return r.json.id;
}
async function repliedMsg() {
  const id = await newMsg();
  eq((await traffic.req('POST', `/api/v1/messages/${id}/replies`, { body: '已安排维修。' })).status, 201, 'reply');
  return id;
}
const view = async (id) => (await admin.req('GET', `/api/v1/messages/${id}`)).json;
const byId = (res) => Object.fromEntries(res.json.results.map(x => [x.id, x]));

test('close: replied ones close, an unanswered one is refused with its reason; each audited', async () => {
  const a = await repliedMsg(), b = await repliedMsg(), open = await newMsg();
  const r = await traffic.req('POST', '/api/v1/messages/bulk', { ids: [a, b, open, a], action: 'close', note: '统一办结' });
  eq([r.status, r.json.done, r.json.refused], [200, 2, 1], 'two done, one refused');
  eq(r.json.results.length, 3, 'a message selected twice is acted on once');
  const x = byId(r);
  eq([x[a].ok, x[a].from, x[a].state], [true, 'replied', 'closed'], 'first closed');
  eq([x[open].ok, x[open].status, x[open].code], [false, 409, 'conflict'], 'the unanswered one refused');
  assert(/only from: replied/.test(x[open].error), 'the refusal says why: ' + x[open].error);
  const v = await view(b);
  eq([v.state, v.resolution], ['closed', '统一办结'], 'closed with the note');
  const e = v.events.filter(ev => ev.kind === 'close').at(-1);
  eq([e.actor, e.detail.from, e.detail.to, e.detail.reason], ['traffic', 'replied', 'closed', '统一办结'], 'audited like a single close');
  eq((await view(open)).state, 'assigned', 'the refused one is untouched');
});

test('return: reason required for the whole request; another department\'s message refused per id', async () => {
  const mine = await newMsg(), other = await newMsg();
  eq((await admin.req('POST', `/api/v1/messages/${other}/transfer`, { department: '教育局' })).status, 200, 'moved to 教育局');
  let r = await traffic.req('POST', '/api/v1/messages/bulk', { ids: [mine], action: 'return' });
  eq([r.status, r.json.error.field], [422, 'reason'], 'no reason: the request is refused');
  r = await traffic.req('POST', '/api/v1/messages/bulk', { ids: [mine, other, 99999999], action: 'return', reason: '不属于本局' });
  const x = byId(r);
  eq([r.status, r.json.done, r.json.refused], [200, 1, 2], 'one returned');
  eq([x[mine].from, x[mine].state], ['assigned', 'new'], 'returned to the unrouted queue');
  eq([x[other].status, x[other].code], [403, 'forbidden'], 'another department\'s message');
  eq(x[99999999].status, 404, 'no such message');
  const e = (await view(mine)).events.filter(ev => ev.kind === 'return').at(-1);
  eq([e.detail.reason, e.detail.to], ['不属于本局', 'new'], 'audited');
  eq((await view(other)).state, 'assigned', 'the other department\'s message is untouched');
});

test('transfer: to a department by name; the same department and closed ones refused', async () => {
  const a = await newMsg(), b = await newMsg(), done = await repliedMsg();
  eq((await traffic.req('POST', `/api/v1/messages/${done}/close`, { note: 'x' })).status, 200, 'closed');
  let r = await head.req('POST', '/api/v1/messages/bulk', { ids: [a, b], action: 'transfer', department: '不存在的局' });
  eq([r.status, r.json.error.field], [422, 'department'], 'unknown department');
  r = await head.req('POST', '/api/v1/messages/bulk', { ids: [a, b, done], action: 'transfer', department: '教育局', reason: '职责调整' });
  const x = byId(r);
  eq([r.json.done, r.json.refused], [2, 1], 'two transferred');
  eq([x[a].state, x[a].department_id > 0], ['assigned', true], 'transferred');
  eq(x[done].status, 409, 'a closed message cannot be transferred');
  const v = await view(a);
  eq(v.department, '教育局', 'now with 教育局');
  const e = v.events.filter(ev => ev.kind === 'transfer').at(-1);
  eq([e.actor, e.detail.reason], ['thead', '职责调整'], 'audited');
  r = await admin.req('POST', '/api/v1/messages/bulk', { ids: [a], action: 'transfer', department: '教育局' });
  eq([r.json.results[0].status, r.json.results[0].field === undefined], [422, true], 'already with this department');
  eq((await edu.req('GET', `/api/v1/messages/${a}`)).status, 200, '教育局 sees it now');
});

test('roles: leaders, moderators and citizens may not; handlers only their own; CSRF required', async () => {
  const id = await repliedMsg();
  for (const [c, who] of [[leader, 'leader'], [moderator, 'moderator']]) {
    const r = await c.req('POST', '/api/v1/messages/bulk', { ids: [id], action: 'close' });
    eq([r.status, r.json.error.code], [403, 'forbidden'], who + ' refused');
  }
  eq((await anon().req('POST', '/api/v1/messages/bulk', { ids: [id], action: 'close' })).status, 401, 'no session');
  eq((await traffic.req('POST', '/api/v1/messages/bulk', { ids: [id], action: 'close' }, { csrf: false })).status, 403, 'no CSRF token');
  let r = await edu.req('POST', '/api/v1/messages/bulk', { ids: [id], action: 'close' });
  eq([r.status, r.json.done, r.json.results[0].status], [200, 0, 403], 'a handler of another department: refused per message');
  eq((await view(id)).state, 'replied', 'untouched');
  r = await admin.req('POST', '/api/v1/messages/bulk', { ids: [id], action: 'close' });
  eq([r.json.done, r.json.results[0].state], [1, 'closed'], 'an admin closes any department\'s message');
});

test('malformed requests: unknown action, decline not offered in bulk, bad ids, too many', async () => {
  const bad = [
    [{ ids: [1], action: 'delete' }, 'action'], [{ ids: [1], action: 'decline', reason: 'x' }, 'action'],
    [{ ids: [1] }, 'action'], [{ action: 'close' }, 'ids'], [{ ids: [], action: 'close' }, 'ids'],
    [{ ids: ['1'], action: 'close' }, 'ids'], [{ ids: [0], action: 'close' }, 'ids'], [{ ids: 5, action: 'close' }, 'ids'],
    [{ ids: Array.from({ length: 501 }, (_, i) => i + 1), action: 'close' }, 'ids'],
  ];
  for (const [body, field] of bad) {
    const r = await traffic.req('POST', '/api/v1/messages/bulk', body);
    eq([r.status, r.json.error.field], [422, field], JSON.stringify(body).slice(0, 60));
  }
  eq((await traffic.req('POST', '/api/v1/messages/bulk', '[1,2]', { raw: true })).status, 400, 'not an object');
  eq((await traffic.req('GET', '/api/v1/messages/bulk')).status, 404, 'GET is the message view: no message "bulk"');
});

let res = { passed: 0, failed: 1 };
try { await setup(); res = await run('api/bulk'); }
catch (e) { console.log(`FAIL api/bulk: setup\n  ${e.stack || e}`); }
const code = await srv.stop();
if (code !== 0 && code !== null) { console.log(`FAIL api/bulk: server exited with ${code}\n${srv.log.slice(-3000)}`); res.failed++; }
srv.cleanup();
console.log(`${res.passed} passed, ${res.failed} failed`);
process.exit(res.failed ? 1 : 0);
