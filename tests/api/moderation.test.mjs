// moderation.test.mjs: what a national intake must catch (issue 5), over
// HTTP: spam held then approved and published with personal data masked,
// sensitive words held with their spans, a mail-merge campaign grouped,
// moderators' decisions audited and learnt from (minyi train-spam --from-db).
import { Server, Client, waitAnalyzed, minyi, minyiFails, test, assert, eq, run } from './lib.mjs';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';

const srv = new Server();
const PW = { root: 'admin-pass-123', mod: 'moderator-pass-1', traffic: 'traffic-pass-1' };
const as = async (who) => { const c = new Client(srv.base); const r = await c.login(who, PW[who]); eq(r.status, 200, 'login ' + who); return c; };
const citizen = () => new Client(srv.base);
const post = async (title, body, extra = {}) => {
  const r = await citizen().req('POST', '/api/v1/messages', { consultation_id: 2, title, body, type: '投诉', ...extra });
  eq(r.status, 201, 'post');
  return r.json;
};

async function setup() {
  minyi(['demo', '--db', srv.db]);
  srv.addUser('root', 'admin', null, PW.root);
  srv.addUser('mod', 'moderator', null, PW.mod);
  srv.addUser('traffic', 'handler', '交通运输局', PW.traffic);
  await srv.start();
}

const SPAM_TITLE = '低价代办驾照加微信';
const SPAM_BODY = '专业代办驾照、贷款、发票，价格优惠，加微信 dz88888 或QQ 123456789 咨询，'
  + '访问 http://www.daiban-example.cn 了解详情，电话13800138000，限时折扣八折！';
let spamMsg;

test('spam is held for moderation, not shown to handlers, never deleted', async () => {
  spamMsg = await post(SPAM_TITLE, SPAM_BODY, { phone: '13800138000' });
  const m = await waitAnalyzed(await as('root'), spamMsg.id);
  eq(m.moderation, 'held', 'held');
  assert(m.spam_score >= 0.8, 'spam score ' + m.spam_score);
  assert(m.hold_reason && m.hold_reason.spam && /url|contact|sales/.test(m.hold_reason.spam.signals), 'reasons: ' + JSON.stringify(m.hold_reason));
  const pub = await citizen().req('GET', `/api/v1/messages/${spamMsg.tracking_code}`);
  eq(pub.status, 200, 'the author can still track it');
  eq(pub.json.moderation, 'held', 'public state');
  const t = await as('traffic');
  const inbox = await t.req('GET', '/api/v1/inbox?limit=500');
  assert(!inbox.json.messages.some(x => x.id === spamMsg.id), 'not in any inbox while held');
  const q = await (await as('mod')).req('GET', '/api/v1/moderation');
  eq(q.status, 200, 'queue');
  assert(q.json.messages.some(x => x.id === spamMsg.id), 'in the moderation queue');
  eq((await t.req('GET', '/api/v1/moderation')).status, 403, 'handlers have no moderation queue');
});

test('an ordinary complaint is not held', async () => {
  const r = await post('公交车司机态度恶劣', '今天早上乘坐12路公交，司机对老人大声呵斥，请公交公司加强管理。');
  const m = await waitAnalyzed(await as('root'), r.id);
  eq(m.moderation, 'none', 'not held');
  assert(m.spam_score < 0.8, 'low spam score ' + m.spam_score);
});

test('a moderator approves a held message: published, routed, personal data still masked', async () => {
  const mod = await as('mod');
  eq((await mod.req('POST', `/api/v1/messages/${spamMsg.id}/moderation`, { decision: 'approve' }, { csrf: false })).status, 403, 'CSRF');
  eq((await mod.req('POST', `/api/v1/messages/${spamMsg.id}/moderation`, { decision: 'maybe' })).status, 422, 'bad decision');
  const r = await mod.req('POST', `/api/v1/messages/${spamMsg.id}/moderation`, { decision: 'approve' });
  eq(r.status, 200, 'approve');
  eq((await mod.req('POST', `/api/v1/messages/${spamMsg.id}/moderation`, { decision: 'approve' })).status, 404, 'not held any more');
  const m = await waitAnalyzed(await as('root'), spamMsg.id);
  eq(m.moderation, 'approved', 'approved');
  assert(m.department && m.state === 'assigned', 'routed after approval: ' + m.department + ' ' + m.state);
  assert(m.events.some(e => e.kind === 'moderate' && e.actor === 'mod' && e.detail.decision === 'approve'), 'audited');
  const pub = await citizen().req('GET', `/api/v1/messages/${spamMsg.tracking_code}`);
  eq(pub.json.moderation, 'approved', 'public state');
  assert(!pub.json.body.includes('13800138000') && pub.json.body.includes('138****8000'), 'mobile masked in public: ' + pub.json.body);
  eq(pub.json.phone, '138****8000', 'phone field masked');
  const inbox = await (await as('root')).req('GET', '/api/v1/inbox?limit=500');
  assert(inbox.json.messages.some(x => x.id === spamMsg.id && x.department === m.department), 'now in the department inbox');
});

test('reject needs a reason; "spam" teaches the spam model', async () => {
  const x = await post('兼职刷单日赚五百', '在家兼职刷单，日赚500元，加QQ 987654321，微信 shuadan666，点击 www.shuadan-example.com 立即领取红包优惠！');
  const y = await post('高价回收购物卡', '高价回收购物卡、加油卡，现金秒结，联系微信 huishou99，http://huishou-example.cn 价格最优！');
  const mod = await as('mod');
  await waitAnalyzed(await as('root'), x.id);
  await waitAnalyzed(await as('root'), y.id);
  eq((await mod.req('POST', `/api/v1/messages/${x.id}/moderation`, { decision: 'reject' })).status, 422, 'reject without reason');
  eq((await mod.req('POST', `/api/v1/messages/${x.id}/moderation`, { decision: 'spam' })).status, 200, 'mark spam');
  eq((await mod.req('POST', `/api/v1/messages/${y.id}/moderation`, { decision: 'reject', reason: '广告' })).status, 200, 'reject');
  const pub = await citizen().req('GET', `/api/v1/messages/${y.tracking_code}`);
  eq(pub.json.moderation, 'rejected', 'public sees the rejection');
  eq(pub.json.state, 'closed', 'closed');
  // moderators' decisions (spam + the approval above as ham) train the naive Bayes model
  const out = minyi(['train-spam', '--from-db', '--db', srv.db]);
  assert(/spam model \d+/.test(out) && /1 spam/.test(out) && /1 ham/.test(out), 'trained: ' + out);
  const r = minyiFails(['train-spam', '--from-db', '--db', srv.db, '--activate']);
  assert(r.status === 1 && /needs 20 of each/.test(r.stderr), 'too few decisions to activate: ' + r.stderr);
});

test('sensitive words hold a message, matched through spaces and full-width forms, with spans', async () => {
  const a = await as('root');
  eq((await a.req('POST', '/api/v1/sensitive-words', { word: '违禁词语' })).status, 201, 'add word');
  eq((await a.req('POST', '/api/v1/sensitive-words', { word: '违禁词语' })).status, 409, 'duplicate');
  eq((await (await as('traffic')).req('POST', '/api/v1/sensitive-words', { word: 'x' })).status, 403, 'handlers cannot edit the list');
  const r = await post('路灯问题', '小区路灯不亮，另外有人在群里发 违 禁.词 语 的内容。');
  const m = await waitAnalyzed(a, r.id);
  eq(m.moderation, 'held', 'held');
  const span = m.hold_reason.sensitive[0];
  eq(span.word, '违禁词语', 'word');
  eq(span.text, '违 禁.词 语', 'span covers the original text');
  eq(span.field, 'body', 'field');
  // Approved by a moderator, it is routed and never held again for the same word.
  eq((await (await as('mod')).req('POST', `/api/v1/messages/${r.id}/moderation`, { decision: 'approve' })).status, 200, 'approve');
  const ok = await waitAnalyzed(a, r.id);
  eq(ok.moderation, 'approved', 'stays approved');
  assert(ok.department && ok.state === 'assigned', 'routed after approval: ' + ok.department);
  eq(ok.events.filter(e => e.kind === 'held').length, 1, 'held once, not again after approval');
  const list = await a.req('GET', '/api/v1/sensitive-words');
  const id = list.json.words.find(w => w.word === '违禁词语').id;
  eq((await a.req('DELETE', `/api/v1/sensitive-words/${id}`)).status, 200, 'delete');
  const r2 = await post('路灯问题二', '同样有人发 违禁词语。');
  eq((await waitAnalyzed(a, r2.id)).moderation, 'none', 'no longer held after deletion');
});

test('a mail-merge campaign lands in one group; a different complaint about the same place does not', async () => {
  const a = await as('root');
  // All test messages come from 127.0.0.1: switch the per-sender flood signal off for this one.
  eq((await a.req('POST', '/api/v1/settings', { flood_check: 0 })).status, 200, 'flood check off');
  const template = (name, road, days) =>
    `我是${name}，住在A市A3区${road}附近。强烈要求尽快修复${road}上的路面坑洼，已经${days}天没人处理，雨天积水严重，车辆和行人通行非常危险，请有关部门立即处理。`;
  const variants = [['张三', '枫林路', '十'], ['李四', '枫林路', '十五'], ['王五', '枫林路', '二十'], ['赵六', '枫林路', '十']];
  const ids = [];
  for (const [n, road, d] of variants) ids.push((await post('强烈要求修复枫林路路面', template(n, road, d))).id);
  const other = (await post('枫林路夜市噪音扰民', 'A市A3区枫林路夜市每天营业到凌晨两点，音响声音很大，附近居民无法休息，希望管理一下营业时间。')).id;
  const ms = [];
  for (const id of ids) ms.push(await waitAnalyzed(a, id));
  const g = ms[0].group_id;
  assert(g > 0 && ms.every(m => m.group_id === g), 'one group: ' + ms.map(m => m.group_id));
  const o = await waitAnalyzed(a, other);
  assert(o.group_id !== g, 'the noise complaint is its own group');
  const grp = await a.req('GET', `/api/v1/groups/${g}`);
  eq(grp.status, 200, 'group');
  eq(grp.json.size, 4, 'size');
  eq(grp.json.representative_id, ids[0], 'representative is the first');
  eq(grp.json.members.map(m => m.id), ids, 'every member kept');
  const pub = await citizen().req('GET', `/api/v1/messages/${ms[3].tracking_code}`);
  eq(pub.json.group_size, 4, 'the public view says how many similar messages there are');
  const inbox = await a.req('GET', `/api/v1/inbox?group=${g}`);
  eq(inbox.json.total, 4, 'inbox filtered by group: ' + JSON.stringify(ms.map(m => [m.moderation, m.hold_reason, m.department])));
  assert(inbox.json.messages.every(x => x.group_size === 4), 'inbox rows carry the group size');
  // One answer for the whole campaign: every citizen sees it on their own tracking page.
  eq((await a.req('POST', `/api/v1/messages/${ids[1]}/replies`, { body: '已安排修复。', whole_group: 'yes' })).status, 422, 'whole_group must be boolean');
  const rep = await a.req('POST', `/api/v1/messages/${ids[1]}/replies`, { body: '枫林路路面已列入本周维修计划。', whole_group: true });
  eq(rep.status, 201, 'group reply');
  eq(rep.json.replied, 4, 'all four answered');
  for (const m of ms) {
    const p = await citizen().req('GET', `/api/v1/messages/${m.tracking_code}`);
    eq([p.json.state, p.json.replies.length, p.json.replies[0].body], ['replied', 1, '枫林路路面已列入本周维修计划。'], 'member ' + m.id);
  }
  const again = await a.req('POST', `/api/v1/messages/${ids[1]}/replies`, { body: '补充答复', whole_group: true });
  eq(again.json.replied, 0, 'answered members are not answered twice by a group reply');
});

test('the same text again and again from one sender is a flood and is held', async () => {
  const a = await as('root');
  eq((await a.req('POST', '/api/v1/settings', { flood_check: 1 })).status, 200, 'flood check on');
  const text = '请尽快解决我们小区门口道路积水的问题，已经反映多次了。';
  const ids = [];
  for (let i = 0; i < 6; i++) ids.push((await post('道路积水', text)).id);
  const last = await waitAnalyzed(a, ids[5]);
  eq(last.moderation, 'held', 'held');
  assert(/flood/.test(last.hold_reason.spam.signals), 'flood signal: ' + JSON.stringify(last.hold_reason));
  eq(last.group_id, ids[0], 'and grouped with its copies');
});

test('a campaign imported while the server runs: a copy posted afterwards joins its group', async () => {
  const a = await as('root');
  eq((await a.req('POST', '/api/v1/settings', { flood_check: 0 })).status, 200, 'flood check off');
  const text = (name, days) =>
    `我是${name}，家住B市B7区松涛小区。小区东门外的污水管道破裂，污水漫到人行道上已经${days}天，臭味很大，孩子上学都要绕路走，请有关部门尽快派人抢修。`;
  const file = join(srv.dir, 'campaign.jsonl');
  const rows = [['钱一', '五'], ['孙二', '六'], ['周三', '七']].map(([n, d], i) =>
    JSON.stringify({ id: `c${i}`, title: '松涛小区东门污水管道破裂', body: text(n, d), type: '投诉' }));
  writeFileSync(file, rows.join('\n') + '\n');
  // The import analyses its rows itself: the server's analyzer never sees them pending.
  minyi(['import', '--data', file, '--consultation', '2', '--db', srv.db]);
  const list = (await a.req('GET', `/api/v1/inbox?limit=50&q=${encodeURIComponent('松涛小区')}`)).json.messages;
  eq(list.length, 3, 'the three imported');
  const imported = [];
  for (const m of list) imported.push(await waitAnalyzed(a, m.id));
  const g = imported[0].group_id;
  assert(g > 0 && imported.every(m => m.group_id === g), 'the import grouped them: ' + imported.map(m => m.group_id));
  const r = await post('松涛小区东门污水管道破裂', text('吴四', '八'));
  eq((await waitAnalyzed(a, r.id)).group_id, g, 'the new copy joins the imported campaign');
  eq((await a.req('GET', `/api/v1/groups/${g}`)).json.size, 4, 'a group of four');
});

let res = { passed: 0, failed: 1 };
try { await setup(); res = await run('api/moderation'); }
catch (e) { console.log(`FAIL api/moderation: setup\n  ${e.stack || e}`); }
const code = await srv.stop();
if (code !== 0 && code !== null) { console.log(`FAIL api/moderation: server exited with ${code}\n${srv.log.slice(-3000)}`); res.failed++; }
srv.cleanup();
console.log(`${res.passed} passed, ${res.failed} failed`);
process.exit(res.failed ? 1 : 0);
