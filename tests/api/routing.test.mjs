// routing.test.mjs: classification and routing in the server (issue 4): a
// model trained by `minyi train` is uploaded and activated, labels are mapped
// to departments, new messages are routed by the background analyzer, a
// low-confidence one lands in triage, and a transfer is recorded as a
// correction that `minyi train --from-db` learns from.
import { Server, Client, waitAnalyzed, minyi, test, assert, eq, run } from './lib.mjs';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const DATA = '../shared/data/teddy2020c/labeled_titles.tsv';
const srv = new Server();
const PW = { admin: 'admin-pass-123', traffic: 'traffic-pass-1', edu: 'edu-pass-123' };
const admin = () => { const c = new Client(srv.base); return c.login('root', PW.admin).then(() => c); };
let modelPath, modelId;

async function setup() {
  minyi(['demo', '--db', srv.db]);
  srv.addUser('root', 'admin', null, PW.admin);
  srv.addUser('traffic', 'handler', '交通运输局', PW.traffic);
  srv.addUser('edu', 'handler', '教育局', PW.edu);
  modelPath = join(srv.dir, 'titles.model');
  minyi(['train', '--data', DATA, '--model', modelPath, '--folds', '0']);
  await srv.start();
}

test('a model file is refused when it is not one', async () => {
  const a = await admin();
  const r = await a.req('POST', '/api/v1/models', Buffer.from('MINYICLS garbage'), { raw: true, headers: { 'Content-Type': 'application/octet-stream' } });
  eq(r.status, 422, 'garbage model'); eq(r.json.error.field, 'model', 'field');
  const t = new Client(srv.base); await t.login('traffic', PW.traffic);
  const f = await t.req('POST', '/api/v1/models', readFileSync(modelPath), { raw: true, headers: { 'Content-Type': 'application/octet-stream' } });
  eq(f.status, 403, 'handlers cannot upload models');
});

test('an admin uploads and activates a model trained by minyi train (larger than the JSON body limit)', async () => {
  const a = await admin();
  const bytes = readFileSync(modelPath);
  assert(bytes.length > 65536, `model is ${bytes.length} bytes`);
  const r = await a.req('POST', '/api/v1/models?name=titles&activate=1', bytes, { raw: true, headers: { 'Content-Type': 'application/octet-stream' } });
  eq(r.status, 201, 'upload');
  eq(r.json.active, true, 'active');
  eq(r.json.labels.length, 7, 'labels');
  modelId = r.json.id;
  const l = await a.req('GET', '/api/v1/models');
  assert(l.json.models.some(m => m.id === modelId && m.active), 'listed as active');
});

test('labels are mapped to departments', async () => {
  const a = await admin();
  const map = { 交通运输: '交通运输局', 教育文体: '教育局', 城乡建设: '住房和城乡建设局', 环境保护: '生态环境局',
                劳动和社会保障: '人力资源和社会保障局', 卫生计生: '卫生健康委员会', 商贸旅游: '商务局' };
  for (const [label, department] of Object.entries(map)) {
    const r = await a.req('POST', '/api/v1/labels', { label, department });
    eq(r.status, 200, `map ${label}`);
  }
  const bad = await a.req('POST', '/api/v1/labels', { label: 'x', department: '不存在的局' });
  eq(bad.status, 422, 'unknown department');
  const r = await a.req('GET', '/api/v1/labels');
  eq(r.json.labels.length, 7, 'seven mappings');
});

test('a new message is classified and routed by the analyzer', async () => {
  const a = await admin();
  // No keyword of the demo rules ("学校", "教育", ...) appears: the model must do it.
  const r = await new Client(srv.base).req('POST', '/api/v1/messages', {
    consultation_id: 2, title: '孩子中考报名的体育成绩怎么计算', body: '初三学生体育考试项目和分数怎么算，想咨询一下。', type: '咨询' });
  eq(r.status, 201, 'created');
  const m = await waitAnalyzed(a, r.json.id);
  eq(m.label, '教育文体', 'label');
  assert(m.confidence > 0 && m.confidence <= 1, 'confidence ' + m.confidence);
  eq(m.department, '教育局', 'routed department');
  eq(m.state, 'assigned', 'state');
  const edu = new Client(srv.base); await edu.login('edu', PW.edu);
  const inbox = await edu.req('GET', '/api/v1/inbox');
  assert(inbox.json.messages.some(x => x.id === r.json.id && x.label === '教育文体'), 'in the 教育局 inbox with its label');
  assert(m.events.some(e => e.kind === 'analyzed' && e.detail.route_by === 'model'), 'routing audited');
  eq((await edu.req('POST', `/api/v1/messages/${r.json.id}/replies`, { body: '体育成绩按中考方案计入总分。' })).status, 201, 'answered: a confirmed example');
});

test('below the confidence threshold a message goes to the triage inbox', async () => {
  const a = await admin();
  eq((await a.req('POST', '/api/v1/settings', { triage_threshold: 1.5 })).status, 422, 'threshold out of range');
  eq((await a.req('POST', '/api/v1/settings', { nonsense: 0.5 })).status, 422, 'unknown setting');
  const s = await a.req('POST', '/api/v1/settings', { triage_threshold: 0.999 });
  eq(s.status, 200, 'set threshold'); eq(s.json.triage_threshold, 0.999, 'stored');
  const r = await new Client(srv.base).req('POST', '/api/v1/messages', {
    consultation_id: 2, title: '你好', body: '请问一下这个事情找谁', type: '咨询' });
  const m = await waitAnalyzed(a, r.json.id);
  eq(m.department, null, 'not routed');
  eq(m.state, 'new', 'state');
  assert(m.confidence < 0.999, 'low confidence');
  const t = await a.req('GET', '/api/v1/inbox?triage=1');
  assert(t.json.messages.some(x => x.id === r.json.id), 'in triage');
  assert(t.json.messages.every(x => x.department === null), 'triage holds only unrouted messages');
  const h = new Client(srv.base); await h.login('traffic', PW.traffic);
  eq((await h.req('GET', '/api/v1/inbox?triage=1')).status, 403, 'handlers have no triage inbox');
  // The admin routes it by hand: a transfer out of triage.
  const tr = await a.req('POST', `/api/v1/messages/${r.json.id}/transfer`, { department: '交通运输局' });
  eq(tr.status, 200, 'admin transfers from triage');
  await a.req('POST', '/api/v1/settings', { triage_threshold: 0.6 });
});

test('a handler transfers a misrouted message; it is recorded as a correction', async () => {
  const a = await admin();
  await a.req('POST', '/api/v1/settings', { triage_threshold: 0 });   // route whatever the model says
  const r = await new Client(srv.base).req('POST', '/api/v1/messages', {
    consultation_id: 2, title: '学校暑假补课乱收费', body: '学校组织初三学生暑假补课，每人收费两千元。', type: '投诉' });
  const m = await waitAnalyzed(a, r.json.id);
  eq(m.department, '教育局', 'routed by the model: ' + JSON.stringify({label: m.label, moderation: m.moderation, hold: m.hold_reason, spam: m.spam_score}));
  const h = new Client(srv.base); await h.login('edu', PW.edu);
  eq((await h.req('POST', `/api/v1/messages/${r.json.id}/transfer`, { department: '教育局' })).status, 422, 'same department');
  eq((await h.req('POST', `/api/v1/messages/${r.json.id}/transfer`, { department: '交通运输局' }, { csrf: false })).status, 403, 'CSRF');
  eq((await h.req('POST', `/api/v1/messages/${r.json.id}/transfer`, { department: '不存在的局' })).status, 422, 'unknown department');
  const tr = await h.req('POST', `/api/v1/messages/${r.json.id}/transfer`, { department: '交通运输局', reason: '收费问题由价格部门处理' });
  eq(tr.status, 200, 'transfer');
  const after = await a.req('GET', `/api/v1/messages/${r.json.id}`);
  eq(after.json.department, '交通运输局', 'moved');
  const ev = after.json.events.find(e => e.kind === 'transfer');
  assert(ev && ev.actor === 'edu' && ev.detail.reason === '收费问题由价格部门处理', 'transfer audited: ' + JSON.stringify(after.json.events));
  eq((await h.req('POST', `/api/v1/messages/${r.json.id}/replies`, { body: 'x' })).status, 403, 'old department may no longer reply');
  eq((await h.req('POST', `/api/v1/messages/${r.json.id}/transfer`, { department: '教育局' })).status, 403, 'nor transfer it back');
  const t = new Client(srv.base); await t.login('traffic', PW.traffic);
  eq((await t.req('POST', `/api/v1/messages/${r.json.id}/replies`, { body: '已转价格监管部门核查。' })).status, 201, 'new department replies');
  await a.req('POST', '/api/v1/settings', { triage_threshold: 0.6 });
});

test('minyi train --from-db learns from the corrected history', async () => {
  const out = join(srv.dir, 'fromdb.model');
  let text;
  try {
    text = minyi(['train', '--from-db', '--db', srv.db, '--model', out, '--folds', '0']);
  } catch (e) { throw new Error('train --from-db failed: ' + e.stderr); }
  assert(existsSync(out), 'model written');
  // The answered 中考 message is 教育文体; the transferred 补课 message now counts for 交通运输 (its new department).
  assert(/交通运输\s+[1-9]/.test(text) && /教育文体\s+1\b/.test(text), 'class counts from the corrected history: ' + text.slice(0, 400));
});

let res = { passed: 0, failed: 1 };
try { await setup(); res = await run('api/routing'); }
catch (e) { console.log(`FAIL api/routing: setup\n  ${e.stack || e}`); }
const code = await srv.stop();
if (code !== 0 && code !== null) { console.log(`FAIL api/routing: server exited with ${code}\n${srv.log.slice(-3000)}`); res.failed++; }
srv.cleanup();
console.log(`${res.passed} passed, ${res.failed} failed`);
process.exit(res.failed ? 1 : 0);
