// stats.test.mjs: the public reply / on-time / satisfaction figures and the
// citizen's rating of a reply, over HTTP.
import { Server, Client, minyi, test, assert, eq, run } from './lib.mjs';

const srv = new Server();
const PW = { traffic: 'traffic-pass-1', root: 'admin-pass-123' };
const anon = () => new Client(srv.base);
let replied, open;

async function setup() {
  minyi(['demo', '--db', srv.db]);
  srv.addUser('traffic', 'handler', '交通运输局', PW.traffic);
  srv.addUser('root', 'admin', null, PW.root);
  await srv.start();
  const post = async (title) => (await anon().req('POST', '/api/v1/messages', { consultation_id: 2, title, body: title + '，请处理。', type: '投诉' })).json;
  replied = await post('公交站牌被撞坏');
  open = await post('地铁口共享单车乱停');
  const t = new Client(srv.base); await t.login('traffic', PW.traffic);
  eq((await t.req('POST', `/api/v1/messages/${replied.id}/replies`, { body: '已修复。' })).status, 201, 'reply');
}

test('every message has a reply deadline', async () => {
  const r = await anon().req('GET', `/api/v1/messages/${open.tracking_code}`);
  assert(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/.test(r.json.due_at), 'due_at ' + r.json.due_at);
  // 投诉: 15 working days, due at the end of that day (China time): three weeks, give or take holidays.
  const days = (Date.parse(r.json.due_at) - Date.parse(r.json.created_at)) / 86400e3;
  assert(days > 20 && days < 30, 'about three weeks: ' + days);
  assert(r.json.due_at.endsWith('T15:59:59Z'), 'end of the day in China: ' + r.json.due_at);
});

test('a citizen rates the reply once, only after it is replied', async () => {
  let r = await anon().req('POST', `/api/v1/messages/${open.tracking_code}/rating`, { score: 5 });
  eq(r.status, 409, 'no reply yet');
  r = await anon().req('POST', `/api/v1/messages/${replied.tracking_code}/rating`, { score: 6 });
  eq([r.status, r.json.error.field], [422, 'score'], 'score out of range');
  r = await anon().req('POST', `/api/v1/messages/${replied.tracking_code}/rating`, {});
  eq([r.status, r.json.error.code], [422, 'missing'], 'score missing');
  r = await anon().req('POST', `/api/v1/messages/${replied.tracking_code}/rating`, { score: 4, comment: '修得很快<script>' });
  eq(r.status, 201, 'rated');
  r = await anon().req('POST', `/api/v1/messages/${replied.tracking_code}/rating`, { score: 1 });
  eq(r.status, 409, 'only once');
  r = await anon().req('POST', '/api/v1/messages/ZZZZ-ZZZZ-ZZZZ/rating', { score: 3 });
  eq(r.status, 404, 'unknown code');
  const v = await anon().req('GET', `/api/v1/messages/${replied.tracking_code}`);
  eq([v.json.rating.score, v.json.rating.comment], [4, '修得很快<script>'], 'rating shown');
});

test('public figures: reply, on-time and satisfaction rates per department', async () => {
  eq((await anon().req('GET', '/api/v1/stats?fresh=1')).status, 401, 'skipping the cache is for officials');
  const a = new Client(srv.base); await a.login('root', PW.root);
  const r = await a.req('GET', '/api/v1/stats?fresh=1');
  eq(r.status, 200, 'fresh figures');
  eq((await anon().req('GET', '/api/v1/stats')).status, 200, 'public');
  const d = r.json.departments.find(x => x.department === '交通运输局');
  // demo: 1 replied message routed here; this test: 2 more, one replied and rated 4
  eq([d.received, d.replied, d.on_time, d.rated], [3, 2, 2, 1], 'counts');
  eq(d.reply_rate, 2 / 3, 'reply rate');
  eq(d.on_time_rate, 1, 'on time');
  eq(d.satisfaction, 1, 'a 4 counts as satisfied');
  eq(d.overdue, 0, 'nothing overdue yet');
  const empty = r.json.departments.find(x => x.department === '商务局');
  eq([empty.received, empty.reply_rate, empty.satisfaction], [0, null, null], 'no messages: null rates');
  eq(r.json.totals.received >= 3, true, 'totals');
  eq([r.json.deadlines['咨询'], r.json.deadlines['求助'], r.json.deadlines['投诉']], [5, 7, 15], 'deadlines by type');
  assert(r.json.daily.length >= 1 && r.json.daily.at(-1).received >= 2, 'daily counts');
});

test('deadlines per type are admin settings with a range', async () => {
  const a = new Client(srv.base); await a.login('root', PW.root);
  eq((await a.req('POST', '/api/v1/settings', { deadline_consult: 0 })).status, 422, 'too small');
  eq((await a.req('POST', '/api/v1/settings', { deadline_consult: 7.5 })).status, 422, 'whole days');
  eq((await a.req('POST', '/api/v1/settings', { reply_days: 7 })).status, 422, 'the old calendar-day setting is gone');
  eq((await a.req('POST', '/api/v1/settings', { deadline_consult: 1 })).status, 200, 'set');
  const m = (await anon().req('POST', '/api/v1/messages', { consultation_id: 2, title: '新期限', body: '一天', type: '咨询' })).json;
  const v = await anon().req('GET', `/api/v1/messages/${m.tracking_code}`);
  const days = (Date.parse(v.json.due_at) - Date.parse(v.json.created_at)) / 86400e3;
  assert(days > 0 && days <= 4, 'one working day, over a weekend at most: ' + days);
  eq((await a.req('POST', '/api/v1/settings', { deadline_consult: 5 })).status, 200, 'back to the default');
});

test('ECharts is served locally', async () => {
  const r = await anon().req('GET', '/vendor/echarts/echarts.min.js');
  eq(r.status, 200, 'served');
  assert(r.headers.get('content-type').startsWith('text/javascript'), 'as JavaScript');
  eq((await anon().req('GET', '/vendor/echarts/../../package.json')).status, 404, 'no escape from the vendor folder');
});

let res = { passed: 0, failed: 1 };
try { await setup(); res = await run('api/stats'); }
catch (e) { console.log(`FAIL api/stats: setup\n  ${e.stack || e}`); }
const code = await srv.stop();
if (code !== 0 && code !== null) { console.log(`FAIL api/stats: server exited with ${code}\n${srv.log.slice(-3000)}`); res.failed++; }
srv.cleanup();
console.log(`${res.passed} passed, ${res.failed} failed`);
process.exit(res.failed ? 1 : 0);
