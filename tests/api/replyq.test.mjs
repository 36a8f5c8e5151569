// replyq.test.mjs: reply quality for officials: the hint while a handler
// types a reply (scored, never stored, never a block), and the per-department
// figures recorded as replies are published (added or corrected).
import { Server, Client, minyi, test, assert, eq, run } from './lib.mjs';

const srv = new Server();
const PW = 'replyq-pass-1';
const anon = () => new Client(srv.base);
const as = async (login) => { const c = new Client(srv.base); eq((await c.login(login, PW)).status, 200, 'login ' + login); return c; };
let traffic, edu, leader;

async function setup() {
  minyi(['demo', '--db', srv.db]);
  srv.addUser('traffic', 'handler', '交通运输局', PW);
  srv.addUser('edu', 'handler', '教育局', PW);
  srv.addUser('boss', 'leader', null, PW);
  await srv.start();
  [traffic, edu, leader] = await Promise.all(['traffic', 'edu', 'boss'].map(as));
}

/* A new message routed to 交通运输局 by its keywords ("公交"). */
async function newMsg() {
  const r = await anon().req('POST', '/api/v1/messages', { consultation_id: 2, title: '公交站台顶棚破损' + Math.random(),
    body: '公交站台的顶棚破了，下雨漏水，乘客只能淋雨。请问什么时候能修好？', type: '投诉' });
  eq(r.status, 201, 'message posted');
  return r.json;
}
const GOOD = '您反映的公交站台顶棚破损漏水问题，我局已责成市公交公司安排维修人员现场查看，将于3月5日前完成顶棚更换，修好前设置临时雨棚。联系电话：0731-12345678。';
const POOR = '收到，感谢您的来信。';
const hint = (c, id, body) => c.req('POST', '/api/v1/reply-quality', { message_id: id, body });
const depts = async () => (await leader.req('GET', '/api/v1/reply-quality/departments')).json.departments;

test('the hint scores a draft: a concrete, relevant reply above a polite nothing', async () => {
  const m = await newMsg();
  const good = await hint(traffic, m.id, GOOD), poor = await hint(traffic, m.id, POOR);
  eq([good.status, poor.status], [200, 200], 'scored');
  assert(good.json.score > poor.json.score + 20, `good ${good.json.score} vs poor ${poor.json.score}`);
  eq(good.json.has, { action: true, time: true, unit: true, contact: true }, 'the concrete parts found');
  assert(good.json.relevance > poor.json.relevance, 'relevance');
  eq([poor.json.questions, poor.json.answered], [1, 0], 'the citizen asked when; the poor reply does not say');
  for (const k of ['relevance', 'questions', 'action', 'time', 'contact']) assert(poor.json.missing.includes(k), 'missing ' + k + ': ' + poor.json.missing);
  eq(good.json.timeliness, 1, 'within the deadline');
  // A hint stores nothing and blocks nothing: the poor reply can still be sent.
  eq((await depts()).find(d => d.department === '交通运输局'), undefined, 'nothing recorded by hints');
});

test('the hint: login, a message the official may read, a body', async () => {
  const m = await newMsg();
  eq((await hint(anon(), m.id, GOOD)).status, 401, 'no session');
  eq((await hint(edu, m.id, GOOD)).status, 403, 'another department');
  eq((await hint(leader, m.id, GOOD)).status, 200, 'leaders may read every message');
  eq((await hint(traffic, 99999, GOOD)).status, 404, 'unknown message');
  let r = await traffic.req('POST', '/api/v1/reply-quality', { body: GOOD });
  eq([r.status, r.json.error.field], [422, 'message_id'], 'message_id required');
  r = await hint(traffic, m.id, '');
  eq([r.status, r.json.error.field], [422, 'body'], 'body required');
});

test('published replies are recorded per department, corrections replace their score', async () => {
  const a = await newMsg(), b = await newMsg();
  const sa = (await hint(traffic, a.id, GOOD)).json.score, sb = (await hint(traffic, b.id, POOR)).json.score;
  const ra = await traffic.req('POST', `/api/v1/messages/${a.id}/replies`, { body: GOOD });
  eq(ra.status, 201, 'good reply published');
  eq((await traffic.req('POST', `/api/v1/messages/${b.id}/replies`, { body: POOR })).status, 201, 'the poor one too: never a block');
  let d = (await depts()).find(x => x.department === '交通运输局');
  assert(d, 'the department has figures: ' + JSON.stringify(await depts()));
  eq(d.replies, 2, 'two replies');
  assert(Math.abs(d.score - (sa + sb) / 2) < 1, `mean score ${d.score} vs hints ${sa} ${sb}`);
  for (const k of ['relevance', 'completeness', 'boilerplate', 'timeliness']) assert(d[k] >= 0 && d[k] <= 1, k + ' ' + d[k]);
  eq(d.timeliness, 1, 'both on time');
  // The poor reply corrected into a good one: still two replies, a higher mean.
  const rid = (await traffic.req('GET', `/api/v1/messages/${b.id}`)).json.replies.at(-1).id;
  eq((await traffic.req('PUT', `/api/v1/replies/${rid}`, { body: GOOD, reason: '补充处理情况' })).status, 200, 'corrected');
  const d2 = (await depts()).find(x => x.department === '交通运输局');
  eq(d2.replies, 2, 'still two replies');
  assert(d2.score > d.score + 10, `corrected: ${d.score} -> ${d2.score}`);
  eq((await anon().req('GET', '/api/v1/reply-quality/departments')).status, 401, 'officials only');
});

let res = { passed: 0, failed: 1 };
try { await setup(); res = await run('api/replyq'); }
catch (e) { console.log(`FAIL api/replyq: setup\n  ${e.stack || e}`); }
const code = await srv.stop();
if (code !== 0 && code !== null) { console.log(`FAIL api/replyq: server exited with ${code}\n${srv.log.slice(-3000)}`); res.failed++; }
srv.cleanup();
console.log(`${res.passed} passed, ${res.failed} failed`);
process.exit(res.failed ? 1 : 0);
