// consult.test.mjs: consultations on a draft (网上意见征求) and their feedback
// report over HTTP: a Markdown document split into sections, opening and
// closing times enforced on intake, comments on one section with counts,
// adoption decisions after closing, and the report (JSON and Markdown),
// private until published and masked when public.
import { Server, Client, minyi, test, assert, eq, run, waitAnalyzed } from './lib.mjs';

const srv = new Server();
const PW = { root: 'admin-pass-123' };
const anon = () => new Client(srv.base);
let admin, cons;
const DOC = '本规划向社会公开征求意见。\n\n# 第一章 总体要求\n坚持以人民为中心。\n\n# 第二章 交通\n建设地铁三号线。\n\n## 第三章 教育\n新建学校十所。\n';
const ids = {};

const iso = (ms) => new Date(ms).toISOString();

async function setup() {
  minyi(['demo', '--db', srv.db]);
  srv.addUser('root', 'admin', null, PW.root);
  await srv.start();
  admin = new Client(srv.base); await admin.login('root', PW.root);
  const r = await admin.req('POST', '/api/v1/consultations', { title: '城市发展规划（征求意见稿）', document: DOC,
    opens_at: iso(Date.now() - 3600e3), closes_at: iso(Date.now() + 3600e3) });
  eq(r.status, 201, 'create with a document');
  cons = r.json.id;
}

test('the document is split into numbered sections, with open and close times', async () => {
  const r = await anon().req('GET', `/api/v1/consultations/${cons}`);
  eq(r.status, 200, 'get');
  eq(r.json.sections.map(s => [s.no, s.title, s.comment_count]), [[1, '第一章 总体要求', 0], [2, '第二章 交通', 0], [3, '第三章 教育', 0]], 'sections');
  eq(r.json.sections[1].text, '建设地铁三号线。', 'section text');
  eq(r.json.preamble, '本规划向社会公开征求意见。', 'preamble');
  assert(/Z$/.test(r.json.opens_at) && /Z$/.test(r.json.closes_at), 'times');
  const bad = await admin.req('POST', '/api/v1/consultations', { title: 'x', opens_at: '明天' });
  eq([bad.status, bad.json.error.field], [422, 'opens_at'], 'bad time');
  const order = await admin.req('POST', '/api/v1/consultations', { title: 'y', opens_at: iso(Date.now()), closes_at: iso(Date.now() - 1000) });
  eq([order.status, order.json.error.field], [422, 'closes_at'], 'closes before it opens');
});

test('citizens comment on the whole draft or on one section', async () => {
  const post = (fields) => anon().req('POST', '/api/v1/messages', { consultation_id: cons, type: '建议', ...fields });
  let r = await post({ title: '地铁三号线应延伸到新区', body: '建议地铁三号线延伸到新区，联系人电话13812345678。', section: 2 });
  eq(r.status, 201, 'on section 2');
  ids.metro = r.json.id;
  for (let i = 0; i < 3; i++) {
    r = await post({ title: '增加学位', body: `新区学校太少，孩子上学难，建议新建学校${i}。`, section: 3 });
    eq(r.status, 201, 'on section 3');
    ids[`school${i}`] = r.json.id;
  }
  r = await post({ title: '整体很好', body: '规划很好。' });
  eq(r.status, 201, 'on the whole');
  r = await post({ title: 't', body: 'b', section: 9 });
  eq([r.status, r.json.error.field], [422, 'section'], 'no such section');
  r = await post({ title: 't', body: 'b', section: 'two' });
  eq([r.status, r.json.error.field], [422, 'section'], 'section must be a number');
  // An unpublished comment on section 2 is handled but never counted in public.
  r = await post({ title: '不公开的意见', body: '建议地铁站增加无障碍电梯。', section: 2, publish: false });
  eq(r.status, 201, 'unpublished, on section 2');
  for (const id of [...Object.values(ids), r.json.id]) await waitAnalyzed(admin, id);
  const g = await anon().req('GET', `/api/v1/consultations/${cons}`);
  eq(g.json.sections.map(s => s.comment_count), [0, 1, 3], 'public comment counts per section');
});

test('intake is refused before opening and after closing, with a clear error', async () => {
  const later = await admin.req('POST', '/api/v1/consultations', { title: '尚未开始', opens_at: iso(Date.now() + 86400e3) });
  let r = await anon().req('POST', '/api/v1/messages', { consultation_id: later.json.id, title: 't', body: 'b', type: '建议' });
  eq([r.status, r.json.error.code], [422, 'closed'], 'not open yet');
  assert(/opens at/.test(r.json.error.message), r.json.error.message);
  const past = await admin.req('POST', '/api/v1/consultations', { title: '已经结束', closes_at: iso(Date.now() - 1000) });
  r = await anon().req('POST', '/api/v1/messages', { consultation_id: past.json.id, title: 't', body: 'b', type: '建议' });
  eq([r.status, r.json.error.code], [422, 'closed'], 'closed');
  assert(/closed at/.test(r.json.error.message), r.json.error.message);
});

test('adoption waits for the close; the report is private until published', async () => {
  let r = await admin.req('POST', `/api/v1/consultations/${cons}/adoptions`, { message_id: ids.metro, decision: 'adopted', reason: '已纳入规划' });
  eq(r.status, 409, 'not before closing');
  eq((await anon().req('PUT', `/api/v1/consultations/${cons}`, { status: 'closed' })).status, 401, 'edit needs login');
  r = await admin.req('PUT', `/api/v1/consultations/${cons}`, { closes_at: iso(Date.now() - 1000) });
  eq(r.status, 200, 'close by time');
  r = await admin.req('POST', `/api/v1/consultations/${cons}/adoptions`, { message_id: ids.metro, decision: 'maybe', reason: 'x' });
  eq([r.status, r.json.error.field], [422, 'decision'], 'bad decision');
  r = await admin.req('POST', `/api/v1/consultations/${cons}/adoptions`, { message_id: ids.metro, decision: 'adopted' });
  eq([r.status, r.json.error.field], [422, 'reason'], 'a reason is required');
  r = await admin.req('POST', `/api/v1/consultations/${cons}/adoptions`, { message_id: 1, decision: 'adopted', reason: 'x' });
  eq([r.status, r.json.error.field], [422, 'message_id'], 'a message of another consultation');
  r = await admin.req('POST', `/api/v1/consultations/${cons}/adoptions`, { message_id: ids.metro, decision: 'adopted', reason: '已纳入规划第二章' });
  eq(r.status, 201, 'adopted');
  r = await admin.req('POST', `/api/v1/consultations/${cons}/adoptions`, { message_id: ids.school0, decision: 'partial', reason: '新建学校五所' });
  eq(r.status, 201, 'partially adopted');
  eq((await anon().req('GET', `/api/v1/consultations/${cons}/feedback`)).status, 401, 'draft report is for admins');
  const fb = await admin.req('GET', `/api/v1/consultations/${cons}/feedback`);
  eq(fb.status, 200, 'admin sees the draft report');
  eq(fb.json.total, 5, 'total comments (publicly listed: the unpublished one is not counted)');
  const bySection = {};
  for (const c of fb.json.counts) bySection[c.section] = (bySection[c.section] || 0) + c.n;
  eq(bySection, { 0: 1, 2: 1, 3: 3 }, 'counts by section');
  eq(fb.json.decisions.map(d => [d.message_id, d.decision]), [[ids.metro, 'adopted'], [ids.school0, 'partial']], 'decisions, adopted first');
  assert(fb.json.decisions[0].body.includes('138****5678'), 'masked: ' + fb.json.decisions[0].body);
});

test('published report: public, masked, as JSON and Markdown', async () => {
  let r = await admin.req('POST', `/api/v1/consultations/${cons}/feedback/publish`, { summary: '共采纳意见 1 条，部分采纳 1 条。' });
  eq(r.status, 200, 'publish');
  r = await anon().req('GET', `/api/v1/consultations/${cons}/feedback`);
  eq(r.status, 200, 'public after publishing');
  assert(!r.text.includes('13812345678'), 'masked');
  eq(r.json.summary, '共采纳意见 1 条，部分采纳 1 条。', 'summary');
  const md = await anon().req('GET', `/api/v1/consultations/${cons}/feedback.md`);
  eq(md.status, 200, 'markdown');
  assert(md.headers.get('content-type').startsWith('text/markdown'), 'content type');
  assert(md.text.startsWith('# 城市发展规划（征求意见稿） 意见征求情况反馈'), md.text.slice(0, 80));
  assert(md.text.includes('### 采纳：地铁三号线应延伸到新区') && md.text.includes('理由：已纳入规划第二章'), 'adopted item');
  assert(md.text.includes('| 第三章 教育 | 建议 | 3 |'), 'counts table');
  assert(!md.text.includes('13812345678'), 'masked markdown');
  eq(md.headers.get('content-language'), 'zh-CN', 'Chinese by default');
});

test('the Markdown report follows the reader\'s language like the page', async () => {
  const en = await anon().req('GET', `/api/v1/consultations/${cons}/feedback.md?lang=en`);
  eq(en.status, 200, 'markdown in English');
  eq(en.headers.get('content-language'), 'en', 'content language');
  // The catalog's English (web/i18n/en.json), the citizens' and officials' text as written.
  assert(en.text.startsWith('# 城市发展规划（征求意见稿）: feedback on the consultation'), en.text.slice(0, 80));
  assert(en.text.includes('\n\n5 public comments\n'), 'total: ' + en.text.slice(0, 200));
  assert(en.text.includes('## Comments by section and type') && en.text.includes('| Section | Type | Count |'), 'counts heading');
  assert(en.text.includes('| 第三章 教育 | Suggestion | 3 |'), 'a type in English: ' + en.text);
  assert(en.text.includes('### Adopted: 地铁三号线应延伸到新区') && en.text.includes('Reason: 已纳入规划第二章'), 'adopted item');
  assert(en.text.includes('### Partly adopted: '), 'partly adopted item');
  for (const zh of ['意见征求情况反馈', '公开的意见', '意见分布', '章节', '条数', '集中反映的意见', '采纳情况', '理由：', '部分采纳：'])
    assert(!en.text.includes(zh), `no Chinese interface text left (${zh}): ` + en.text);
  assert(!en.text.includes('13812345678'), 'masked markdown');
  // Without ?lang: the language button's cookie, then Accept-Language (q=0 refuses), then Chinese.
  const byCookie = await anon().req('GET', `/api/v1/consultations/${cons}/feedback.md`, undefined, { headers: { Cookie: 'minyi_lang=en', 'Accept-Language': 'zh-CN' } });
  eq(byCookie.headers.get('content-language'), 'en', 'cookie before Accept-Language');
  const byHeader = await anon().req('GET', `/api/v1/consultations/${cons}/feedback.md`, undefined, { headers: { 'Accept-Language': 'fr-FR, en-GB;q=0.8, zh;q=0.5' } });
  eq(byHeader.headers.get('content-language'), 'en', 'first supported tag of Accept-Language');
  assert(byHeader.text.includes('## Decision'), 'English text');
  const refused = await anon().req('GET', `/api/v1/consultations/${cons}/feedback.md`, undefined, { headers: { 'Accept-Language': 'en;q=0, de' } });
  eq(refused.headers.get('content-language'), 'zh-CN', 'q=0 refuses English; none left: Chinese');
  const zh = await anon().req('GET', `/api/v1/consultations/${cons}/feedback.md?lang=zh-CN`, undefined, { headers: { 'Accept-Language': 'en' } });
  assert(zh.text.includes('## 采纳情况') && zh.text.includes('| 章节 | 类型 | 条数 |'), 'Chinese when the page asks for it');
  const odd = await anon().req('GET', `/api/v1/consultations/${cons}/feedback.md?lang=%00xx`, undefined, { headers: { 'Accept-Language': ';;,,q=,' } });
  eq(odd.status, 200, 'a language nobody speaks: the default');
  eq(odd.headers.get('content-language'), 'zh-CN', 'default');
});

let res = { passed: 0, failed: 1 };
try { await setup(); res = await run('api/consult'); }
catch (e) { console.log(`FAIL api/consult: setup\n  ${e.stack || e}`); }
const code = await srv.stop();
if (code !== 0 && code !== null) { console.log(`FAIL api/consult: server exited with ${code}\n${srv.log.slice(-3000)}`); res.failed++; }
srv.cleanup();
console.log(`${res.passed} passed, ${res.failed} failed`);
process.exit(res.failed ? 1 : 0);
