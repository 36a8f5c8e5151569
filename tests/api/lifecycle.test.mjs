// lifecycle.test.mjs: the officials' side of a message over HTTP: close,
// return, decline, extensions, urging, reopening by rating and by follow-up,
// replies awaiting the head's approval, corrected replies, and deadlines in
// working days across weekends, holidays and make-up days.
import { Server, Client, minyi, waitAnalyzed, test, assert, eq, run } from './lib.mjs';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const srv = new Server();
const PW = 'lifecycle-pass-1';
const anon = () => new Client(srv.base);
const as = async (login) => { const c = new Client(srv.base); eq((await c.login(login, PW)).status, 200, 'login ' + login); return c; };
let traffic, head, edu, eduHead, leader, moderator, admin;

async function setup() {
  minyi(['demo', '--db', srv.db]);
  srv.addUser('traffic', 'handler', '交通运输局', PW);
  srv.addUser('traffic2', 'handler', '交通运输局', PW);
  srv.addUser('thead', 'head', '交通运输局', PW);
  srv.addUser('edu', 'handler', '教育局', PW);
  srv.addUser('ehead', 'head', '教育局', PW);
  srv.addUser('boss', 'leader', null, PW);
  srv.addUser('mod', 'moderator', null, PW);
  srv.addUser('root', 'admin', null, PW);
  await srv.start();
  [traffic, head, edu, eduHead, leader, moderator, admin] =
    await Promise.all(['traffic', 'thead', 'edu', 'ehead', 'boss', 'mod', 'root'].map(as));
}

/* A new message routed to 交通运输局 by its keywords ("公交"). */
async function newMsg(type = '投诉') {
  const r = await anon().req('POST', '/api/v1/messages', { consultation_id: 2, title: '公交站台破损' + Math.random(), body: '公交站台的顶棚破了，下雨漏水。', type });
  eq(r.status, 201, 'message posted');
  return r.json;
}
async function replied() {
  const m = await newMsg();
  eq((await traffic.req('POST', `/api/v1/messages/${m.id}/replies`, { body: '已安排维修。' })).status, 201, 'reply');
  return m;
}
const official = async (m, c = admin) => (await c.req('GET', `/api/v1/messages/${m.id}`)).json;
const publicView = async (m) => (await anon().req('GET', `/api/v1/messages/${m.tracking_code}`)).json;
const lastEvent = (view, kind) => view.events.filter(e => e.kind === kind).at(-1);

test('close: only a replied message, by its department; the note is public and audited', async () => {
  const m = await newMsg();
  let r = await traffic.req('POST', `/api/v1/messages/${m.id}/close`, { note: '已办结' });
  eq([r.status, r.json.error.field], [409, 'state'], 'an unanswered message cannot be closed');
  assert(/only from: replied/.test(r.json.error.message), 'the error says from where: ' + r.json.error.message);
  eq((await traffic.req('POST', `/api/v1/messages/${m.id}/replies`, { body: '已修复。' })).status, 201, 'reply');
  eq((await edu.req('POST', `/api/v1/messages/${m.id}/close`, { note: 'x' })).status, 403, 'another department');
  eq((await leader.req('POST', `/api/v1/messages/${m.id}/close`, { note: 'x' })).status, 403, 'leaders edit nothing');
  eq((await moderator.req('POST', `/api/v1/messages/${m.id}/close`, { note: 'x' })).status, 403, 'moderators neither');
  eq((await anon().req('POST', `/api/v1/messages/${m.id}/close`, { note: 'x' })).status, 401, 'no session');
  r = await traffic.req('POST', `/api/v1/messages/${m.id}/close`, { note: '顶棚已更换，办结。' });
  eq([r.status, r.json.from, r.json.state], [200, 'replied', 'closed'], 'closed');
  const p = await publicView(m);
  eq([p.state, p.resolution], ['closed', '顶棚已更换，办结。'], 'the citizen sees 办结 and the note');
  const e = lastEvent(await official(m), 'close');
  eq([e.actor, e.detail.from, e.detail.to, e.detail.reason], ['traffic', 'replied', 'closed', '顶棚已更换，办结。'], 'audit: who, from, to, reason');
  assert(/^\d{4}-\d\d-\d\dT/.test(e.at), 'audit: when');
  eq((await traffic.req('POST', `/api/v1/messages/${m.id}/close`, { note: 'again' })).status, 409, 'closing twice');
  eq((await traffic.req('POST', `/api/v1/messages/${m.id}/replies`, { body: '再答复' })).status, 409, 'a closed message takes no reply');
});

test('return: to the unrouted queue, with a required reason', async () => {
  const m = await newMsg();
  let r = await traffic.req('POST', `/api/v1/messages/${m.id}/return`, {});
  eq([r.status, r.json.error.field], [422, 'reason'], 'reason required');
  eq((await edu.req('POST', `/api/v1/messages/${m.id}/return`, { reason: 'x' })).status, 403, 'another department');
  eq((await leader.req('POST', `/api/v1/messages/${m.id}/return`, { reason: 'x' })).status, 403, 'leader');
  r = await traffic.req('POST', `/api/v1/messages/${m.id}/return`, { reason: '不属于本局职责' });
  eq([r.status, r.json.from, r.json.state], [200, 'assigned', 'new'], 'returned');
  eq((await traffic.req('GET', `/api/v1/messages/${m.id}`)).status, 403, 'no longer the department\'s');
  const triage = (await admin.req('GET', '/api/v1/inbox?triage=1&limit=500')).json.messages;
  assert(triage.some(x => x.id === m.id), 'in the triage inbox');
  const e = lastEvent(await official(m), 'return');
  eq([e.detail.from, e.detail.to, e.detail.reason], ['assigned', 'new', '不属于本局职责'], 'audited');
  eq((await admin.req('POST', `/api/v1/messages/${m.id}/return`, { reason: 'again' })).status, 409, 'only an assigned message returns');
});

test('decline: reason required, shown to the citizen; nothing more happens to it', async () => {
  const m = await newMsg();
  eq((await traffic.req('POST', `/api/v1/messages/${m.id}/decline`, { reason: '' })).status, 422, 'empty reason');
  eq((await moderator.req('POST', `/api/v1/messages/${m.id}/decline`, { reason: 'x' })).status, 403, 'moderator');
  const r = await head.req('POST', `/api/v1/messages/${m.id}/decline`, { reason: '属于司法程序，不予受理' });
  eq([r.status, r.json.state], [200, 'declined'], 'declined by the head');
  const p = await publicView(m);
  eq([p.state, p.resolution], ['declined', '属于司法程序，不予受理'], 'the citizen sees why');
  eq((await traffic.req('POST', `/api/v1/messages/${m.id}/replies`, { body: 'x' })).status, 409, 'no reply');
  eq((await traffic.req('POST', `/api/v1/messages/${m.id}/transfer`, { department: '教育局' })).status, 409, 'no transfer');
  eq((await traffic.req('POST', `/api/v1/messages/${m.id}/return`, { reason: 'x' })).status, 409, 'no return');
  const declined = (await traffic.req('GET', '/api/v1/inbox?state=declined&limit=500')).json.messages;
  assert(declined.some(x => x.id === m.id), 'the inbox filters declined messages');
});

test('extension: the handler asks, the head approves, the deadline moves in working days', async () => {
  const m = await newMsg();
  const before = (await official(m, traffic)).due_at;
  let r = await traffic.req('POST', `/api/v1/messages/${m.id}/extensions`, { days: 3 });
  eq([r.status, r.json.error.field], [422, 'reason'], 'reason required');
  r = await traffic.req('POST', `/api/v1/messages/${m.id}/extensions`, { days: 0, reason: 'x' });
  eq([r.status, r.json.error.field], [422, 'days'], 'days from 1');
  eq((await leader.req('POST', `/api/v1/messages/${m.id}/extensions`, { days: 3, reason: 'x' })).status, 403, 'leader');
  r = await traffic.req('POST', `/api/v1/messages/${m.id}/extensions`, { days: 3, reason: '需要现场勘查' });
  eq([r.status, r.json.status, r.json.days], [201, 'pending', 3], 'requested');
  const ext = r.json.id;
  eq((await traffic.req('POST', `/api/v1/messages/${m.id}/extensions`, { days: 2, reason: 'again' })).status, 409, 'one pending at a time');
  eq((await traffic.req('POST', `/api/v1/extensions/${ext}/decision`, { approve: true })).status, 403, 'handlers do not approve');
  eq((await eduHead.req('POST', `/api/v1/extensions/${ext}/decision`, { approve: true })).status, 403, 'another department\'s head');
  eq((await leader.req('POST', `/api/v1/extensions/${ext}/decision`, { approve: true })).status, 403, 'leader');
  eq((await head.req('POST', `/api/v1/extensions/${ext}/decision`, { approve: 'yes' })).status, 422, 'approve is a boolean');
  const pending = (await head.req('GET', '/api/v1/extensions')).json.extensions;
  assert(pending.some(x => x.id === ext), 'the head sees it waiting');
  eq((await eduHead.req('GET', '/api/v1/extensions')).json.extensions.some(x => x.id === ext), false, 'not another department\'s head');
  r = await head.req('POST', `/api/v1/extensions/${ext}/decision`, { approve: true, reason: '同意' });
  eq([r.status, r.json.status, r.json.decided_by, r.json.due_before], [200, 'approved', 'thead', before], 'approved');
  const after = (await official(m, traffic)).due_at;
  eq(r.json.due_after, after, 'the message has the new deadline');
  const gained = (Date.parse(after) - Date.parse(before)) / 86400e3;
  assert(gained >= 3 && gained <= 5 + 7, '3 working days later (weekends in between): ' + gained);
  const p = await publicView(m);
  eq([p.due_at, p.extensions.length, p.extensions[0].days], [after, 1, 3], 'the citizen sees the new date');
  eq((await head.req('POST', `/api/v1/extensions/${ext}/decision`, { approve: false })).status, 409, 'decided once');
  const e = lastEvent(await official(m), 'extension_approved');
  eq([e.actor, e.detail.due_before, e.detail.due_after], ['thead', before, after], 'audited');
  // A refusal leaves the deadline alone.
  r = await traffic.req('POST', `/api/v1/messages/${m.id}/extensions`, { days: 10, reason: '再延' });
  eq((await admin.req('POST', `/api/v1/extensions/${r.json.id}/decision`, { approve: false, reason: '不同意' })).json.status, 'refused', 'refused by an admin');
  eq((await official(m)).due_at, after, 'deadline unchanged');
});

test('urging: leaders and admins; counted and shown to the department', async () => {
  const m = await newMsg();
  eq((await traffic.req('POST', `/api/v1/messages/${m.id}/urge`, { note: 'x' })).status, 403, 'handler');
  eq((await head.req('POST', `/api/v1/messages/${m.id}/urge`, { note: 'x' })).status, 403, 'head');
  eq((await moderator.req('POST', `/api/v1/messages/${m.id}/urge`, { note: 'x' })).status, 403, 'moderator');
  let r = await leader.req('POST', `/api/v1/messages/${m.id}/urge`, { note: '请尽快处理' });
  eq([r.status, r.json.state], [200, 'assigned'], 'urged, state unchanged');
  eq((await admin.req('POST', `/api/v1/messages/${m.id}/urge`, {})).status, 200, 'an admin urges too');
  const v = await official(m, traffic);
  eq([v.urge_count, v.urges.length, v.urges[1].by, v.urges[1].note], [2, 2, 'boss', '请尽快处理'], 'on the message');
  const row = (await traffic.req('GET', '/api/v1/inbox?limit=500')).json.messages.find(x => x.id === m.id);
  eq([row.urge_count, typeof row.urged_at], [2, 'string'], 'in the inbox');
  const e = lastEvent(v, 'urge');
  eq([e.actor, e.detail.from, e.detail.to], ['root', 'assigned', 'assigned'], 'audited');
  const done = await replied();
  eq((await leader.req('POST', `/api/v1/messages/${done.id}/urge`, {})).status, 409, 'a replied message is not urged');
});

test('reopen: a rating of 1 or 2 sends it back once, with the comment', async () => {
  const m = await replied();
  let r = await anon().req('POST', `/api/v1/messages/${m.tracking_code}/rating`, { score: 2, comment: '根本没修' });
  eq(r.status, 201, 'rated');
  let v = await official(m, traffic);
  eq([v.state, v.reopen_count, v.rating], ['assigned', 1, null], 'back with the department, rating cleared for the new answer');
  const e = lastEvent(v, 'reopen');
  eq([e.detail.by, e.detail.score, e.detail.reason, e.detail.from, e.detail.to], ['rating', 2, '根本没修', 'replied', 'assigned'], 'with the comment');
  assert(v.days_left >= 1, 'a fresh deadline: ' + v.days_left);
  eq((await traffic.req('POST', `/api/v1/messages/${m.id}/replies`, { body: '重新维修完毕。' })).status, 201, 'answered again');
  r = await anon().req('POST', `/api/v1/messages/${m.tracking_code}/rating`, { score: 1 });
  eq(r.status, 201, 'rated again');
  v = await official(m);
  eq([v.state, v.reopen_count, v.rating.score], ['replied', 1, 1], 'only once');
  const good = await replied();
  await anon().req('POST', `/api/v1/messages/${good.tracking_code}/rating`, { score: 3 });
  eq((await official(good)).state, 'replied', 'a 3 does not reopen');
});

test('reopen: one follow-up question on a replied message', async () => {
  const m = await newMsg();
  let r = await anon().req('POST', `/api/v1/messages/${m.tracking_code}/followup`, { body: '什么时候修？' });
  eq(r.status, 409, 'not before the reply');
  await traffic.req('POST', `/api/v1/messages/${m.id}/replies`, { body: '下周修。' });
  eq((await anon().req('POST', `/api/v1/messages/${m.tracking_code}/followup`, {})).status, 422, 'body required');
  r = await anon().req('POST', `/api/v1/messages/${m.tracking_code}/followup`, { body: '下周几？' });
  eq(r.status, 201, 'asked');
  const p = await publicView(m);
  eq([p.state, p.followup.body], ['assigned', '下周几？'], 'reopened, the question shown');
  const e = lastEvent(await official(m), 'reopen');
  eq([e.detail.by, e.detail.reason], ['followup', '下周几？'], 'audited');
  await traffic.req('POST', `/api/v1/messages/${m.id}/replies`, { body: '周三。' });
  eq((await anon().req('POST', `/api/v1/messages/${m.tracking_code}/followup`, { body: '再问' })).status, 409, 'once');
});

test('replies wait for the head when the department says so', async () => {
  const depts = (await admin.req('GET', '/api/v1/departments')).json.departments;
  const edu_ = depts.find(d => d.name === '教育局');
  eq((await head.req('PUT', `/api/v1/departments/${edu_.id}`, { reply_approval: true })).status, 403, 'admins set it');
  eq((await admin.req('PUT', `/api/v1/departments/${edu_.id}`, { reply_approval: 1 })).status, 422, 'a boolean');
  eq((await admin.req('PUT', `/api/v1/departments/${edu_.id}`, { reply_approval: true })).status, 200, 'set');
  const m = (await anon().req('POST', '/api/v1/messages', { consultation_id: 2, title: '学校门口拥堵', body: '学校放学时门口拥堵', type: '建议' })).json;
  let r = await edu.req('POST', `/api/v1/messages/${m.id}/replies`, { body: '已协调交警。' });
  eq([r.status, r.json.status], [201, 'pending'], 'waiting for approval');
  const reply = r.json.id;
  let p = await publicView(m);
  eq([p.state, p.replies.length], ['assigned', 0], 'the citizen sees nothing yet');
  eq((await official(m, edu)).replies[0].status, 'pending', 'the department sees it waiting');
  eq((await edu.req('POST', `/api/v1/replies/${reply}/decision`, { approve: true })).status, 403, 'not by the handler');
  eq((await head.req('POST', `/api/v1/replies/${reply}/decision`, { approve: true })).status, 403, 'not by another head');
  assert((await eduHead.req('GET', '/api/v1/replies?status=pending')).json.replies.some(x => x.id === reply), 'in the head\'s list');
  r = await eduHead.req('POST', `/api/v1/replies/${reply}/decision`, { approve: true });
  eq([r.status, r.json.status], [200, 'published'], 'approved');
  p = await publicView(m);
  eq([p.state, p.replies.length, p.replies[0].body], ['replied', 1, '已协调交警。'], 'published');
  eq((await eduHead.req('POST', `/api/v1/replies/${reply}/decision`, { approve: true })).status, 409, 'decided once');
  // A refused reply stays internal; the head's own reply is published at once.
  const m2 = (await anon().req('POST', '/api/v1/messages', { consultation_id: 2, title: '学校食堂', body: '学校食堂太贵', type: '投诉' })).json;
  const r2 = (await edu.req('POST', `/api/v1/messages/${m2.id}/replies`, { body: '草率的答复' })).json.id;
  eq((await eduHead.req('POST', `/api/v1/replies/${r2}/decision`, { approve: false, reason: '请补充' })).json.status, 'refused', 'refused');
  eq((await publicView(m2)).state, 'assigned', 'still open');
  eq((await eduHead.req('POST', `/api/v1/messages/${m2.id}/replies`, { body: '食堂价格将公示。' })).json.status, 'published', 'heads publish directly');
  await admin.req('PUT', `/api/v1/departments/${edu_.id}`, { reply_approval: false });
});

test('a published reply is corrected; the page says so and the audit keeps each version', async () => {
  const m = await newMsg();
  const rid = (await traffic.req('POST', `/api/v1/messages/${m.id}/replies`, { body: '周一维修。' })).json.id;
  eq((await traffic.req('PUT', `/api/v1/replies/${rid}`, { body: '周二维修。' })).status, 422, 'reason required');
  eq((await edu.req('PUT', `/api/v1/replies/${rid}`, { body: 'x', reason: 'y' })).status, 403, 'another department');
  eq((await leader.req('PUT', `/api/v1/replies/${rid}`, { body: 'x', reason: 'y' })).status, 403, 'leader');
  eq((await traffic.req('PUT', '/api/v1/replies/999999', { body: 'x', reason: 'y' })).status, 404, 'no such reply');
  let r = await traffic.req('PUT', `/api/v1/replies/${rid}`, { body: '周二维修。', reason: '日期写错' });
  eq([r.status, r.json.body], [200, '周二维修。'], 'corrected');
  r = await traffic.req('PUT', `/api/v1/replies/${rid}`, { body: '周三维修。', reason: '又改期' });
  const p = await publicView(m);
  eq(p.replies[0].body, '周三维修。', 'the public sees the correction');
  assert(/^\d{4}-/.test(p.replies[0].edited_at), '已修改 with its time');
  const versions = (await official(m)).events.filter(e => e.kind === 'reply_correct');
  eq(versions.map(e => [e.detail.previous, e.detail.body, e.detail.reason]),
     [['周一维修。', '周二维修。', '日期写错'], ['周二维修。', '周三维修。', '又改期']], 'every version kept');
});

test('templates with placeholders, drafts, internal notes: never public', async () => {
  eq((await traffic.req('POST', '/api/v1/templates', { name: 'x', body: 'y' })).status, 403, 'handlers do not keep templates');
  let r = await head.req('POST', '/api/v1/templates', { name: '已受理', body: '您于{{date}}反映的“{{title}}”（查询码 {{tracking_code}}）已由{{department}}受理。' });
  eq([r.status, r.json.department], [201, '交通运输局'], 'a head adds one for the department');
  const tid = r.json.id;
  eq((await head.req('POST', '/api/v1/templates', { name: '已受理', body: 'again' })).status, 409, 'names are unique per department');
  eq((await admin.req('POST', '/api/v1/templates', { name: '通用', body: '感谢您的留言。' })).status, 201, 'an admin adds one for everyone');
  eq((await edu.req('GET', '/api/v1/templates')).json.templates.map(t => t.name), ['通用'], 'another department sees only everyone\'s');
  eq((await eduHead.req('DELETE', `/api/v1/templates/${tid}`)).status, 403, 'not another head\'s');
  const m = await newMsg();
  let v = await official(m, traffic);
  const t = v.templates.find(x => x.name === '已受理');
  assert(t.body.includes(m.tracking_code) && t.body.includes('交通运输局') && !t.body.includes('{{'), 'placeholders filled: ' + t.body);
  eq((await traffic.req('PUT', `/api/v1/messages/${m.id}/draft`, { body: '草稿一' })).status, 200, 'draft saved');
  eq((await edu.req('PUT', `/api/v1/messages/${m.id}/draft`, { body: 'x' })).status, 403, 'another department');
  eq((await official(m, traffic)).draft.body, '草稿一', 'the draft comes back');
  eq((await official(m, head)).draft, null, 'drafts are each official\'s own');
  eq((await traffic.req('POST', `/api/v1/messages/${m.id}/notes`, { body: '内部：需联系公交集团' })).status, 201, 'note');
  eq((await leader.req('POST', `/api/v1/messages/${m.id}/notes`, { body: 'x' })).status, 403, 'leaders write none');
  v = await official(m, leader);
  eq(v.notes.map(n => [n.body, n.author]), [['内部：需联系公交集团', 'traffic']], 'officials read the notes');
  const p = await publicView(m);
  assert(!('notes' in p) && !('draft' in p) && !('templates' in p) && !JSON.stringify(p).includes('内部'), 'nothing of it in public');
  await traffic.req('POST', `/api/v1/messages/${m.id}/replies`, { body: t.body });
  eq((await official(m, traffic)).draft, null, 'publishing the reply ends the draft');
  eq((await head.req('DELETE', `/api/v1/templates/${tid}`)).status, 200, 'the head removes it');
});

test('inbox: sorted by deadline with keyset pages, filters, the badge, urged on top', async () => {
  // Three open messages of different types (deadlines 5, 7, 15 working days) and a replied one.
  const tag = 'INBOX' + Math.random().toString(36).slice(2, 6);
  const post = async (type, t) => (await anon().req('POST', '/api/v1/messages', { consultation_id: 2, title: `公交${t}${tag}`, body: `公交${t}。`, type, region: '岳麓区' })).json;
  const c = await post('投诉', '投诉'), q = await post('咨询', '咨询'), h = await post('求助', '求助');
  for (const m of [c, q, h]) await waitAnalyzed(admin, m.id);   // the keyword filter needs the search index
  let r = await traffic.req('GET', `/api/v1/inbox?sort=due&q=${tag}&limit=2`);
  eq(r.status, 200, 'sorted by deadline');
  eq(r.json.messages.map(m => m.id), [q.id, h.id], "nearest deadline first " + JSON.stringify(r.json.messages.map(m => [m.id, m.type, m.due_at])));
  assert(r.json.next && r.json.next.startsWith('due.'), 'a cursor of this order: ' + r.json.next);
  r = await traffic.req('GET', `/api/v1/inbox?sort=due&q=${tag}&limit=2&after=${encodeURIComponent(r.json.next)}`);
  eq([r.json.messages.map(m => m.id), r.json.next], [[c.id], null], 'the next page, the last');
  eq((await traffic.req('GET', `/api/v1/inbox?sort=due&after=id..5`)).status, 422, 'a cursor of another order');
  eq((await traffic.req('GET', '/api/v1/inbox?sort=oldest')).status, 422, 'unknown sort');
  eq((await traffic.req('GET', '/api/v1/inbox?type=咨询&q=' + tag)).json.messages.map(m => m.id), [q.id], 'by type');
  eq((await traffic.req('GET', '/api/v1/inbox?type=闲聊')).status, 422, 'unknown type');
  eq((await traffic.req('GET', `/api/v1/inbox?region=岳麓区&q=${tag}`)).json.messages.length, 3, 'by region');
  eq((await traffic.req('GET', `/api/v1/inbox?region=雨花区&q=${tag}`)).json.messages.length, 0, 'another region');
  const today = new Date().toISOString().slice(0, 10);
  eq((await traffic.req('GET', `/api/v1/inbox?from=${today}&to=${today}&q=${tag}`)).json.messages.length, 3, 'by date');
  eq((await traffic.req('GET', `/api/v1/inbox?to=2020-01-01&q=${tag}`)).json.messages.length, 0, 'before any');
  eq((await traffic.req('GET', '/api/v1/inbox?from=yesterday')).status, 422, 'a bad date');
  eq((await traffic.req('GET', '/api/v1/inbox?due=later')).status, 422, 'due is overdue or soon');
  eq((await traffic.req('GET', `/api/v1/inbox?due=overdue&q=${tag}`)).json.messages.length, 0, 'nothing overdue among them');
  await leader.req('POST', `/api/v1/messages/${c.id}/urge`, { note: '尽快' });
  r = await traffic.req('GET', '/api/v1/inbox');
  assert(r.json.urged.some(m => m.id === c.id), 'urged on top of the first page');
  assert(r.json.counts.urged >= 1 && r.json.counts.overdue >= 0 && r.json.counts.due_soon >= 0, 'the badge: ' + JSON.stringify(r.json.counts));
  eq((await traffic.req('GET', `/api/v1/inbox?urged=1&q=${tag}`)).json.messages.map(m => m.id), [c.id], 'only urged');
  await traffic.req('POST', `/api/v1/messages/${q.id}/replies`, { body: '可以。' });
  eq((await traffic.req('GET', `/api/v1/inbox?sort=due&q=${tag}`)).json.messages.map(m => m.id), [h.id, c.id], 'a replied message leaves the deadline order');
  eq((await edu.req('GET', `/api/v1/inbox?q=${tag}`)).json.messages.length, 0, 'another department sees none');
});

test('deadlines: working days across weekends, holidays and make-up days', async () => {
  // 2026-09-30 is a Wednesday. 国庆: 10-01..10-07 off, Saturday 10-10 a make-up working day.
  eq((await traffic.req('POST', '/api/v1/holidays', { day: '2026-10-01', kind: 'holiday' })).status, 403, 'admins edit the calendar');
  eq((await admin.req('POST', '/api/v1/holidays', { day: '2026-02-30', kind: 'holiday' })).status, 422, 'not a date');
  eq((await admin.req('POST', '/api/v1/holidays', { day: '2026-10-01', kind: 'party' })).status, 422, 'unknown kind');
  for (let d = 1; d <= 7; d++) eq((await admin.req('POST', '/api/v1/holidays', { day: `2026-10-0${d}`, kind: 'holiday' })).status, 200, 'holiday');
  eq((await admin.req('POST', '/api/v1/holidays', { day: '2026-10-10', kind: 'workday' })).status, 200, 'make-up day');
  eq((await admin.req('POST', '/api/v1/holidays', { day: '2026-12-25', kind: 'holiday' })).status, 200, 'one to remove');
  const cal = (await admin.req('POST', '/api/v1/holidays', { day: '2026-12-25', kind: null })).json.days;
  eq([cal.length, cal.find(d => d.day === '2026-10-10').kind], [8, 'workday'], 'the calendar');
  // Imported messages keep their time; their deadlines count from it.
  const file = join(srv.dir, 'old.jsonl');
  const row = (title, type, at) => JSON.stringify({ title, body: title + '。', type, created_at: at });
  writeFileSync(file, [row('国庆前咨询公交', '咨询', '2026-09-30T02:00:00Z'), row('国庆前求助公交', '求助', '2026-09-30T02:00:00Z'),
                       row('周五投诉公交', '投诉', '2026-11-06T09:00:00Z')].join('\n') + '\n');
  minyi(['import', '--data', file, '--consultation', '2', '--db', srv.db]);
  const inbox = (await admin.req('GET', '/api/v1/inbox?limit=500')).json.messages;
  const due = (t) => inbox.find(x => x.title === t).due_at;
  // 咨询 5: 10-08 Thu, 10-09 Fri, 10-10 Sat (make-up), 10-12 Mon, 10-13 Tue; end of day in China = 15:59:59Z.
  eq(due('国庆前咨询公交'), '2026-10-13T15:59:59Z', '5 working days over the holiday and a make-up day');
  // 求助 7: ... 10-13, 10-14 Wed, 10-15 Thu.
  eq(due('国庆前求助公交'), '2026-10-15T15:59:59Z', '7 working days');
  // 投诉 15 from Friday 11-06 (17:00 in China): 11-09 .. 11-27 (three weeks, no holiday).
  eq(due('周五投诉公交'), '2026-11-27T15:59:59Z', '15 working days over weekends');
  const old = inbox.find(x => x.title === '国庆前咨询公交');
  eq([old.overdue, old.days_left < 0], [true, true], 'long past: overdue, negative days left');
  const fresh = await official(await newMsg('咨询'), traffic);
  eq(fresh.overdue, false, 'a new message is not overdue');
  assert(fresh.days_left >= 4 && fresh.days_left <= 5, '5 working days left (4 late in the day): ' + fresh.days_left);
  assert(fresh.actions.includes('close') === false && fresh.actions.includes('return'), 'the actions the handler may take now: ' + fresh.actions);
});

let res = { passed: 0, failed: 1 };
try { await setup(); res = await run('api/lifecycle'); }
catch (e) { console.log(`FAIL api/lifecycle: setup\n  ${e.stack || e}`); }
const code = await srv.stop();
if (code !== 0 && code !== null) { console.log(`FAIL api/lifecycle: server exited with ${code}\n${srv.log.slice(-3000)}`); res.failed++; }
srv.cleanup();
console.log(`${res.passed} passed, ${res.failed} failed`);
process.exit(res.failed ? 1 : 0);
