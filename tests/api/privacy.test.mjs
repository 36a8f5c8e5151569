// privacy.test.mjs: personal data stays private over HTTP: official replies,
// rating comments and moderators' reasons are masked in the public tracking
// view (the department sees the original); the reply form's preview endpoint
// uses the server's masker; a rejected message tells its author why and
// nothing internal; the phone field takes full-width digits and refuses
// nonsense; `minyi export` masks replies unless --unmasked.
import { Server, Client, waitAnalyzed, minyi, test, assert, eq, run } from './lib.mjs';

const srv = new Server();
const PW = { root: 'admin-pass-123', mod: 'moderator-pass-1', traffic: 'traffic-pass-1' };
const as = async (who) => { const c = new Client(srv.base); const r = await c.login(who, PW[who]); eq(r.status, 200, 'login ' + who); return c; };
const citizen = () => new Client(srv.base);
const post = async (extra) => {
  const r = await citizen().req('POST', '/api/v1/messages', { consultation_id: 2, type: '投诉', ...extra });
  eq(r.status, 201, 'post: ' + r.text);
  return r.json;
};

async function setup() {
  minyi(['demo', '--db', srv.db]);
  srv.addUser('root', 'admin', null, PW.root);
  srv.addUser('mod', 'moderator', null, PW.mod);
  srv.addUser('traffic', 'handler', '交通运输局', PW.traffic);
  minyi(['words', 'add', '违禁词语', '--db', srv.db]);
  await srv.start();
}

const REPLY = '您好，已安排维修。如有疑问请拨打13812345678或0731-19165453，身份证430102199003001234请勿公开。';
let msg;

test('an official reply is masked on the public tracking page, the department sees it whole', async () => {
  msg = await post({ title: '公交站台雨棚破损', body: '雨天候车很不方便，请尽快维修。' });
  const t = await as('traffic');
  await waitAnalyzed(await as('root'), msg.id);
  eq((await t.req('POST', `/api/v1/messages/${msg.id}/replies`, { body: REPLY })).status, 201, 'reply');
  const pub = await citizen().req('GET', `/api/v1/messages/${msg.tracking_code}`);
  eq(pub.status, 200, 'tracking view');
  const body = pub.json.replies[0].body;
  for (const raw of ['13812345678', '19165453', '430102199003001234']) assert(!pub.text.includes(raw), `public view leaks ${raw}: ${body}`);
  assert(body.includes('138****5678') && body.includes('0731-******53') && body.includes('430102********1234'), 'masked forms: ' + body);
  eq(pub.json.withheld, false, 'not withheld');
  const off = await t.req('GET', `/api/v1/messages/${msg.id}`);
  eq(off.json.replies[0].body, REPLY, 'the department sees the original');
});

test("a citizen's rating comment is masked in public", async () => {
  const c = citizen();
  const r = await c.req('POST', `/api/v1/messages/${msg.tracking_code}/rating`, { score: 4, comment: '满意，我的电话１３９８７６５４３２１随时联系' });
  eq(r.status, 201, 'rate');
  const pub = await c.req('GET', `/api/v1/messages/${msg.tracking_code}`);
  eq(pub.json.rating.score, 4, 'score');
  eq(pub.json.rating.comment, '满意，我的电话１３９****４３２１随时联系', 'comment masked (full-width digits too)');
  const off = await (await as('traffic')).req('GET', `/api/v1/messages/${msg.id}`);
  assert(off.json.rating.comment.includes('１３９８７６５４３２１'), 'officials see the original');
});

test('the reply preview returns the masked form and the spans found by the server', async () => {
  eq((await citizen().req('POST', '/api/v1/pii', { text: REPLY })).status, 401, 'officials only');
  const t = await as('traffic');
  eq((await t.req('POST', '/api/v1/pii', { text: REPLY }, { csrf: false })).status, 403, 'CSRF');
  eq((await t.req('POST', '/api/v1/pii', {})).status, 422, 'text required');
  const r = await t.req('POST', '/api/v1/pii', { text: REPLY });
  eq(r.status, 200, 'preview');
  eq(r.json.count, 3, 'three items');
  eq(r.json.spans.map(s => s.type), ['mobile', 'landline', 'idcard'], 'types');
  eq(r.json.spans[1].text, '0731-19165453', 'span text');
  const pub = await citizen().req('GET', `/api/v1/messages/${msg.tracking_code}`);
  eq(r.json.masked, pub.json.replies[0].body, 'the preview is exactly what the public sees');
  const clean = await t.req('POST', '/api/v1/pii', { text: '2020年已列入计划，预计投资1200万元。' });
  eq(clean.json.count, 0, 'no personal data in ordinary numbers');
});

test('a rejected message: not published, the moderator\'s reason, no internal details', async () => {
  const m = await post({ title: '关于违禁词语的意见', body: '这里有违禁词语，联系13812345678。' });
  const root = await as('root');
  const a = await waitAnalyzed(root, m.id);
  eq(a.moderation, 'held', 'held by the sensitive word');
  let pub = await citizen().req('GET', `/api/v1/messages/${m.tracking_code}`);
  eq(pub.json.withheld, true, 'held: withheld');
  eq(pub.json.rejection, undefined, 'held: no rejection yet');
  const mod = await as('mod');
  const reason = '含有不文明用语，请修改后重新提交。咨询电话0731-88889999';
  eq((await mod.req('POST', `/api/v1/messages/${m.id}/moderation`, { decision: 'reject', reason })).status, 200, 'reject');
  pub = await citizen().req('GET', `/api/v1/messages/${m.tracking_code}`);
  eq(pub.json.withheld, true, 'rejected: withheld');
  eq(pub.json.moderation, 'rejected', 'rejected');
  eq(pub.json.rejection.decision, 'reject', 'decision');
  eq(pub.json.rejection.reason, '含有不文明用语，请修改后重新提交。咨询电话0731-******99', 'reason, masked');
  assert(pub.json.rejection.at, 'when');
  for (const k of ['hold_reason', 'spam_score', 'events', 'id', 'label', 'author']) eq(pub.json[k], undefined, `no ${k} in public`);
  assert(!pub.text.includes('违禁词语","') && !/spans|signals|score"/.test(pub.text.replace('"rating"', '')), 'no spans or scores: ' + pub.text);
});

test('the phone field takes full-width digits and refuses nonsense', async () => {
  const m = await post({ title: '路灯不亮', body: '晚上很黑', phone: '１３８　１２３４　５６７８' });
  const off = await (await as('root')).req('GET', `/api/v1/messages/${m.id}`);
  eq(off.json.phone, '138 1234 5678', 'stored normalised');
  const pub = await citizen().req('GET', `/api/v1/messages/${m.tracking_code}`);
  eq(pub.json.phone, '138 **** 5678', 'masked in public');
  for (const phone of ['00000', '11111111111', '12345', '电话']) {
    const r = await citizen().req('POST', '/api/v1/messages', { consultation_id: 2, type: '投诉', title: 't', body: 'b', phone });
    eq(r.status, 422, `phone ${phone}`);
    eq(r.json.error.field, 'phone', 'names the field');
  }
  const r = await citizen().req('POST', '/api/v1/messages', { consultation_id: 2, type: '投诉', title: 't', body: 'b', phone: '00000' });
  assert(/mobile|landline/.test(r.json.error.message), 'says what a phone number looks like: ' + r.json.error.message);
});

test('minyi export masks replies unless --unmasked', async () => {
  const out = minyi(['export', '--db', srv.db, '--consultation', '2']);
  const row = out.split('\n').filter(Boolean).map(l => JSON.parse(l)).find(o => o.tracking_code === msg.tracking_code);
  assert(row && row.reply, 'exported with its reply');
  assert(!row.reply.includes('13812345678') && row.reply.includes('138****5678') && row.reply.includes('0731-******53'), 'masked: ' + row.reply);
  const raw = minyi(['export', '--db', srv.db, '--consultation', '2', '--unmasked']);
  assert(raw.includes('13812345678'), '--unmasked keeps the original');
});

test("an official's phone: set through the admin API, stored sealed, listed masked", async () => {
  const root = await as('root');
  const bad = await root.req('POST', '/api/v1/users', { login: 'h-bad', password: 'password-123', role: 'handler', department: '交通运输局', phone: '00000' });
  eq([bad.status, bad.json.error.field], [422, 'phone'], 'nonsense refused');
  eq((await root.req('GET', '/api/v1/users')).json.users.some(u => u.login === 'h-bad'), false, 'no account made');
  const r = await root.req('POST', '/api/v1/users', { login: 'h-phone', password: 'password-123', role: 'handler', department: '交通运输局', phone: '１３９ ８７６５ ４３２１' });
  eq(r.status, 201, 'created');
  const list = await root.req('GET', '/api/v1/users');
  const u = list.json.users.find(x => x.login === 'h-phone');
  eq(u.phone, '139 **** 4321', 'masked in the list');
  assert(!list.text.includes('98765') && !list.text.includes('８７６５'), 'no whole number in the list');
  const plain = list.json.users.find(x => x.login === 'traffic');
  eq(plain.phone, null, 'no phone: null');
  eq((await (await as('traffic')).req('GET', '/api/v1/users')).status, 403, 'admins only');
  const dump = minyi(['export', '--db', srv.db, '--unmasked']);
  assert(!dump.includes('98765432'), 'not in exports either');
});

let res = { passed: 0, failed: 1 };
try { await setup(); res = await run('api/privacy'); }
catch (e) { console.log(`FAIL api/privacy: setup\n  ${e.stack || e}`); }
const code = await srv.stop();
if (code !== 0 && code !== null) { console.log(`FAIL api/privacy: server exited with ${code}\n${srv.log.slice(-3000)}`); res.failed++; }
srv.cleanup();
console.log(`${res.passed} passed, ${res.failed} failed`);
process.exit(res.failed ? 1 : 0);
