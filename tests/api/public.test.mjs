// public.test.mjs: messages and replies in public (留言公开) over HTTP: the
// citizen's publish choice, the public list with filters and keyset pages,
// the public page of a message, supports, and that nothing held, rejected
// or unpublished leaks into any of them.
import { Server, Client, minyi, waitAnalyzed, test, assert, eq, run } from './lib.mjs';

const srv = new Server();
const PW = { traffic: 'traffic-pass-1', root: 'admin-pass-123' };
const anon = () => new Client(srv.base);
let cons, admin, traffic;
const posted = {};

async function post(key, fields) {
  const r = await anon().req('POST', '/api/v1/messages', { consultation_id: cons, type: '投诉', ...fields });
  eq(r.status, 201, `post ${key}`);
  posted[key] = r.json;
  await waitAnalyzed(admin, r.json.id);
  return r.json;
}

async function listAll(query) {
  const seen = [];
  let after = null;
  for (let page = 0; page < 50; page++) {
    const r = await anon().req('GET', `/api/v1/public/messages?consultation=${cons}&limit=3${query || ''}${after ? '&after=' + encodeURIComponent(after) : ''}`);
    eq(r.status, 200, 'list page');
    seen.push(...r.json.messages);
    after = r.json.next;
    if (!after) return seen;
  }
  throw new Error('pagination did not end');
}

async function setup() {
  minyi(['demo', '--db', srv.db]);
  cons = Number(minyi(['consultation', 'add', '公开留言测试', '--kind', 'board', '--db', srv.db]).match(/\d+/)[0]);
  minyi(['words', 'add', '禁词甲', '--db', srv.db]);
  minyi(['dept', 'rule', '交通运输局', '公交', '--db', srv.db]);
  srv.addUser('traffic', 'handler', '交通运输局', PW.traffic);
  srv.addUser('root', 'admin', null, PW.root);
  await srv.start();
  admin = new Client(srv.base); await admin.login('root', PW.root);
  traffic = new Client(srv.base); await traffic.login('traffic', PW.traffic);
  await post('bus', { title: '公交车太挤 电话13812345678', body: '每天早上公交车挤不上去，请加开班次。联系电话13812345678。', phone: '13812345678' });
  await post('light', { title: '路灯坏了', body: '小区门口路灯坏了一个月。', type: '求助' });
  await post('private', { title: '不公开的留言', body: '这条留言请不要公开。', publish: false });
  await post('held', { title: '含有禁词甲的留言', body: '这里有禁词甲。' });
  await post('rejected', { title: '另一条禁词甲留言', body: '禁词甲再次出现。' });
  for (let i = 0; i < 5; i++) await post(`p${i}`, { title: `公交站牌问题${i}`, body: `第${i}个公交站牌看不清楚，请更换。`, type: '建议' });
  eq((await admin.req('POST', `/api/v1/messages/${posted.rejected.id}/moderation`, { decision: 'reject', reason: '含不当内容' })).status, 200, 'reject');
  eq((await traffic.req('POST', `/api/v1/messages/${posted.bus.id}/replies`, { body: '已加开班次，如有疑问请拨打13987654321。' })).status, 201, 'reply');
}

test('the publish choice is validated and defaults to published', async () => {
  const r = await anon().req('POST', '/api/v1/messages', { consultation_id: cons, title: 't', body: 'b', type: '建议', publish: 'yes' });
  eq([r.status, r.json.error.field], [422, 'publish'], 'publish must be a boolean');
  const all = await listAll();
  const ids = all.map(m => m.id);
  assert(ids.includes(posted.light.id), 'published by default');
  assert(!ids.includes(posted.private.id), 'unpublished never listed');
});

test('held, rejected and unpublished messages appear in no public list, page or sort', async () => {
  for (const q of ['', '&sort=replied', '&sort=supported', '&type=投诉', '&state=unreplied']) {
    const ids = (await listAll(q)).map(m => m.id);
    for (const k of ['private', 'held', 'rejected'])
      assert(!ids.includes(posted[k].id), `${k} listed with ${q}`);
  }
  for (const k of ['private', 'held', 'rejected'])
    eq((await anon().req('GET', `/api/v1/public/messages/${posted[k].id}`)).status, 404, `${k} page`);
  for (const k of ['private', 'held', 'rejected'])
    eq((await anon().req('POST', `/api/v1/public/messages/${posted[k].id}/support`, {})).status, 404, `${k} support`);
  // ...while the citizen still tracks the unpublished one with the code
  eq((await anon().req('GET', `/api/v1/messages/${posted.private.tracking_code}`)).status, 200, 'tracking still works');
});

test('keyset pages cover every public message exactly once, newest first', async () => {
  const all = await listAll();
  const ids = all.map(m => m.id);
  eq(new Set(ids).size, ids.length, 'no repeats');
  eq(ids.length, 7, 'bus, light and five p messages');
  eq(ids, [...ids].sort((a, b) => b - a), 'newest first');
  const bad = await anon().req('GET', '/api/v1/public/messages?after=abc');
  eq([bad.status, bad.json.error.code], [422, 'invalid'], 'bad cursor');
  eq((await anon().req('GET', '/api/v1/public/messages?sort=replied&after=12')).status, 422, 'cursor of another sort');
  eq((await anon().req('GET', '/api/v1/public/messages?from=2020-13-01')).status, 422, 'bad date');
  eq((await anon().req('GET', '/api/v1/public/messages?state=open')).status, 422, 'bad state');
});

test('personal data is masked and the tracking code never shown', async () => {
  const r = await anon().req('GET', `/api/v1/public/messages?consultation=${cons}&limit=100`);
  const text = r.text;
  assert(!text.includes('13812345678') && !text.includes('13987654321'), 'phone numbers masked in the list');
  for (const k of Object.keys(posted)) assert(!text.includes(posted[k].tracking_code), 'no tracking code in the list');
  const bus = r.json.messages.find(m => m.id === posted.bus.id);
  assert(bus.title.includes('138****5678'), 'masked title: ' + bus.title);
  assert(bus.reply && bus.reply.includes('139****4321'), 'masked reply excerpt: ' + bus.reply);
  const p = await anon().req('GET', `/api/v1/public/messages/${posted.bus.id}`);
  eq(p.status, 200, 'public page');
  assert(!p.text.includes(posted.bus.tracking_code), 'no tracking code on the page');
  assert(!p.text.includes('13812345678') && !p.text.includes('13987654321'), 'masked page');
  assert(!('phone' in p.json), 'no phone field');
  eq(p.json.replies.length, 1, 'the reply is shown');
  assert(p.json.replies[0].body.includes('139****4321'), 'masked reply: ' + p.json.replies[0].body);
});

test('filters: type, state, department; sort by reply time', async () => {
  const complaints = await listAll('&type=求助');
  eq(complaints.map(m => m.id), [posted.light.id], 'type');
  const replied = await listAll('&state=replied');
  eq(replied.map(m => m.id), [posted.bus.id], 'state replied');
  const unreplied = await listAll('&state=unreplied');
  eq(unreplied.length, 6, 'state unreplied');
  const depts = (await admin.req('GET', '/api/v1/departments')).json.departments;
  const traffic = depts.find(d => d.name === '交通运输局').id;
  const inDept = await listAll(`&department=${traffic}`);
  assert(inDept.length >= 6 && inDept.every(m => m.department === '交通运输局'), 'department');
  const byReply = await listAll('&sort=replied');
  eq(byReply.map(m => m.id), [posted.bus.id], 'only replied messages, latest reply first');
  const today = new Date().toISOString().slice(0, 10);
  eq((await listAll(`&from=${today}&to=${today}`)).length, 7, 'date range includes today');
  eq((await listAll('&to=2000-01-01')).length, 0, 'date range before everything');
});

test('support: once per visitor, counted, and sorted by', async () => {
  const a = anon(), b = anon();
  let r = await a.req('POST', `/api/v1/public/messages/${posted.light.id}/support`, {});
  eq([r.status, r.json.supports], [201, 1], 'first support');
  assert(/minyi_visitor=[0-9a-f]{64}/.test(a.cookie), 'visitor cookie set');
  r = await a.req('POST', `/api/v1/public/messages/${posted.light.id}/support`, {});
  eq(r.status, 409, 'one support per visitor');
  r = await b.req('POST', `/api/v1/public/messages/${posted.light.id}/support`, {});
  eq([r.status, r.json.supports], [201, 2], 'another visitor');
  r = await b.req('POST', `/api/v1/public/messages/${posted.p0.id}/support`, {});
  eq([r.status, r.json.supports], [201, 1], 'another message');
  const bySupport = await listAll('&sort=supported');
  eq(bySupport.slice(0, 2).map(m => [m.id, m.supports]), [[posted.light.id, 2], [posted.p0.id, 1]], 'most supported first');
  eq(bySupport.length, 7, 'every public message in the supported order too');
  eq((await anon().req('GET', `/api/v1/public/messages/${posted.light.id}`)).json.supports, 2, 'count on the page');
  r = await anon().req('POST', `/api/v1/public/messages/${posted.light.id}/support`, 'x', { raw: true, headers: { 'Content-Type': 'text/plain' } });
  eq(r.status, 415, 'cross-site form posts refused');
});

let res = { passed: 0, failed: 1 };
try { await setup(); res = await run('api/public'); }
catch (e) { console.log(`FAIL api/public: setup\n  ${e.stack || e}`); }
const code = await srv.stop();
if (code !== 0 && code !== null) { console.log(`FAIL api/public: server exited with ${code}\n${srv.log.slice(-3000)}`); res.failed++; }
srv.cleanup();
console.log(`${res.passed} passed, ${res.failed} failed`);
process.exit(res.failed ? 1 : 0);
