// stats.test.mjs: the public reply / on-time / satisfaction figures and the
// citizen's rating of a reply, over HTTP.
import { Server, Client, minyi, test, assert, eq, run } from './lib.mjs';

const srv = new Server();
const PW = { traffic: 'traffic-pass-1', root: 'admin-pass-123', boss: 'leader-pass-12', head: 'head-pass-123' };
const anon = () => new Client(srv.base);
let replied, open;

async function setup() {
  minyi(['demo', '--db', srv.db]);
  srv.addUser('traffic', 'handler', '交通运输局', PW.traffic);
  srv.addUser('root', 'admin', null, PW.root);
  srv.addUser('boss', 'leader', null, PW.boss);
  srv.addUser('thead', 'head', '交通运输局', PW.head);
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
  const a = new Client(srv.base); await a.login('root', PW.root);
  const r = await a.req('GET', '/api/v1/stats');
  eq(r.status, 200, 'figures');
  eq(r.json.view, 'official', 'an admin gets the official view');
  eq((await anon().req('GET', '/api/v1/stats')).status, 200, 'public');
  const d = r.json.departments.find(x => x.department === '交通运输局');
  // demo: 1 replied message routed here; this test: 2 more, one replied and rated 4
  eq([d.received, d.replied, d.on_time, d.ratings], [3, 2, 2, 1], 'counts');
  eq(d.reply_rate, 2 / 3, 'reply rate');
  eq(d.on_time_rate, 1, 'on time');
  eq([d.satisfied, d.satisfaction_rate], [1, null], 'a 4 counts as satisfied; one rating is no percentage');
  eq(r.json.min_ratings, 5, 'the threshold is stated');
  eq(d.overdue, 0, 'nothing overdue yet');
  const empty = r.json.departments.find(x => x.department === '商务局');
  eq([empty.received, empty.reply_rate, empty.satisfaction_rate], [0, null, null], 'no messages: null rates');
  eq(r.json.totals.received >= 3, true, 'totals');
  eq([r.json.deadlines['咨询'], r.json.deadlines['求助'], r.json.deadlines['投诉']], [5, 7, 15], 'deadlines by type');
  assert(r.json.daily.length >= 1 && r.json.daily.at(-1).received >= 2, 'daily counts');
});

test('stats: periods, one department, and who sees what', async () => {
  const today = new Date().toISOString().slice(0, 10);
  const pub = await anon().req('GET', '/api/v1/stats');
  eq(pub.json.view, 'public', 'anyone gets the public view');
  const tp = pub.json.departments.find(x => x.department === '交通运输局');
  assert(tp && !('urged' in tp) && 'closed' in tp, 'public rows: no supervision figures');
  assert(pub.json.departments.length > 1, 'public: every department');
  // A period before any message: zeros; today: this test's messages.
  const a = new Client(srv.base); await a.login('root', PW.root);
  const old = await a.req('GET', '/api/v1/stats?from=2000-01-01&to=2000-12-31');
  eq([old.status, old.json.totals.received, old.json.daily.length], [200, 0, 0], 'an empty period');
  const now = await a.req('GET', `/api/v1/stats?from=${today}&to=${today}`);
  const tn = now.json.departments.find(x => x.department === '交通运输局');
  assert(tn.received >= 2 && 'urged' in tn && 'extended' in tn, 'today, official: ' + JSON.stringify(tn));
  eq([now.json.from, now.json.to], [today, today], 'the period is echoed');
  const one = await a.req('GET', `/api/v1/stats?department=${tn.department_id}`);
  eq(one.json.departments.map(x => x.department_id), [tn.department_id], 'one department');
  for (const [q, field] of [['from=2024-13-01', 'from'], ['to=yesterday', 'to'], ['from=2025-02-01&to=2025-01-01', 'to'], ['department=x', 'department']]) {
    const b = await a.req('GET', `/api/v1/stats?${q}`);
    eq([b.status, b.json.error.field], [422, field], q);
  }
  // A handler: their own department, official; another department refused.
  const t = new Client(srv.base); await t.login('traffic', PW.traffic);
  const own = await t.req('GET', '/api/v1/stats');
  eq([own.json.view, own.json.departments.length, own.json.departments[0].department], ['official', 1, '交通运输局'], 'handler: own department');
  const other = r => r.json.departments.find(x => x.department !== '交通运输局').department_id;
  eq((await t.req('GET', `/api/v1/stats?department=${other(pub)}`)).status, 403, 'handler: not another department');
  const tpub = await t.req('GET', '/api/v1/stats?public=1');
  eq([tpub.json.view, tpub.json.departments.length], ['public', pub.json.departments.length], 'public=1: the public dashboard when logged in');
  // A leader: everything, official.
  const l = new Client(srv.base); await l.login('boss', PW.boss);
  const ls = await l.req('GET', '/api/v1/stats');
  eq([ls.json.view, ls.json.departments.length], ['official', pub.json.departments.length], 'leader: all departments');
  eq(ls.json.totals.received, pub.json.totals.received, 'the same figures');
});


test('official figures: closed, urged, extended, first-reply times; a head sees their own department only', async () => {
  const l = new Client(srv.base); await l.login('boss', PW.boss);
  const t = new Client(srv.base); await t.login('traffic', PW.traffic);
  const h = new Client(srv.base); await h.login('thead', PW.head);
  const dept = async (c) => (await c.req('GET', '/api/v1/stats')).json.departments.find(x => x.department === '交通运输局');
  const before = await dept(l);
  eq((await l.req('POST', `/api/v1/messages/${open.id}/urge`, { note: '请尽快办理' })).status, 200, 'urged');
  const ext = await t.req('POST', `/api/v1/messages/${open.id}/extensions`, { days: 3, reason: '需要现场勘查' });
  eq(ext.status, 201, 'extension asked');
  eq((await h.req('POST', `/api/v1/extensions/${ext.json.id}/decision`, { approve: true })).status, 200, 'approved by the head');
  eq((await t.req('POST', `/api/v1/messages/${replied.id}/close`, { note: '已修复，办结。' })).status, 200, 'closed');
  const d = await dept(l);
  eq([d.urged - before.urged, d.extended - before.extended, d.closed - before.closed], [1, 1, 1], 'urged, extended, closed counted');
  for (const k of ['received', 'replied', 'reply_rate', 'on_time_rate', 'satisfaction_rate', 'ratings', 'closed', 'overdue', 'urged', 'extended',
    'first_reply_hours_avg', 'first_reply_hours_p90']) assert(k in d, 'field ' + k);
  eq([d.ratings, d.satisfaction_rate], [1, null], 'fewer than 5 ratings: no rate, the count instead');
  assert(typeof d.first_reply_hours_avg === 'number' && typeof d.first_reply_hours_p90 === 'number', 'first-reply times ' + JSON.stringify(d));
  assert(d.first_reply_hours_p90 >= 0 && d.first_reply_hours_p90 <= 1, 'answered within the hour: p90 in the first bucket');
  // The head: their own department, official; another one refused.
  const hs = await h.req('GET', '/api/v1/stats');
  eq([hs.status, hs.json.view, hs.json.departments.map(x => x.department)], [200, 'official', ['交通运输局']], 'head: own department');
  eq([hs.json.departments[0].urged, hs.json.departments[0].extended], [d.urged, d.extended], 'head: the same figures');
  const other = (await l.req('GET', '/api/v1/stats')).json.departments.find(x => x.department !== '交通运输局').department_id;
  eq((await h.req('GET', `/api/v1/stats?department=${other}`)).status, 403, 'head: not another department');
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
