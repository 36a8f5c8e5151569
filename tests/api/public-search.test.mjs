// public-search.test.mjs: the public full-text search (GET /api/v1/public/search)
// over published messages and their published replies: 1- and 2-character
// queries, snippets from masked text only (escaped, <mark> the only markup),
// paging and exact totals, and that held, rejected, spam, unpublished
// messages and unapproved replies never show in search, totals, the home
// page's counts or the public list.
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

const search = async (q, extra = '') => {
  const r = await anon().req('GET', `/api/v1/public/search?q=${encodeURIComponent(q)}${extra}`);
  eq(r.status, 200, `search ${q}`);
  return r;
};
const ids = r => r.json.results.map(x => x.id);

async function setup() {
  minyi(['demo', '--db', srv.db]);
  cons = Number(minyi(['consultation', 'add', '检索测试', '--kind', 'board', '--db', srv.db]).match(/\d+/)[0]);
  minyi(['words', 'add', '禁词乙', '--db', srv.db]);
  minyi(['dept', 'rule', '交通运输局', '渡轮', '--db', srv.db]);
  srv.addUser('traffic', 'handler', '交通运输局', PW.traffic);
  srv.addUser('root', 'admin', null, PW.root);
  await srv.start();
  admin = new Client(srv.base); await admin.login('root', PW.root);
  traffic = new Client(srv.base); await traffic.login('traffic', PW.traffic);
  await post('ferry', { title: '渡轮码头太挤', body: '渡轮早上挤不上去，请联系我13812345678，<b>谢谢</b> & 盼复。' });
  await post('private', { title: '渡轮不公开', body: '渡轮问题，请勿公开。', publish: false });
  await post('held', { title: '渡轮禁词乙', body: '渡轮禁词乙留言。' });
  await post('rejected', { title: '渡轮禁词乙二', body: '渡轮禁词乙再次。' });
  await post('spam', { title: '渡轮禁词乙三', body: '渡轮禁词乙广告。' });
  for (let i = 0; i < 5; i++) await post(`p${i}`, { title: `渡轮班次${i}`, body: `第${i}班渡轮晚点。`, type: '建议' });
  eq((await admin.req('POST', `/api/v1/messages/${posted.rejected.id}/moderation`, { decision: 'reject', reason: '不当内容' })).status, 200, 'reject');
  eq((await admin.req('POST', `/api/v1/messages/${posted.spam.id}/moderation`, { decision: 'spam', reason: '广告' })).status, 200, 'spam');
  eq((await traffic.req('POST', `/api/v1/messages/${posted.ferry.id}/replies`, { body: '已增开航班，咨询请拨13987654321。' })).status, 201, 'reply');
  // A reply waiting for the head's approval is not public, so not searchable.
  const depts = (await admin.req('GET', '/api/v1/departments')).json.departments;
  const t = depts.find(d => d.name === '交通运输局').id;
  eq((await admin.req('PUT', `/api/v1/departments/${t}`, { reply_approval: true })).status, 200, 'approval on');
  const pend = await traffic.req('POST', `/api/v1/messages/${posted.p0.id}/replies`, { body: '待审批的答复：航道疏浚' });
  assert(pend.status === 201 || pend.status === 202, 'pending reply: ' + pend.status);
}

test('one- and two-character queries find published messages, best first, with marked snippets', async () => {
  let r = await search('渡');
  eq(r.json.total, 6, 'ferry + five p messages');
  eq(r.json.total_approx, false, 'exact');
  r = await search('渡轮');
  eq(r.json.total, 6, 'two characters');
  r = await search('码头');
  eq(ids(r), [posted.ferry.id], 'only the ferry message');
  const hit = r.json.results[0];
  eq(hit.matched_in, 'message', 'found in the message');
  assert(hit.title_html.includes('<mark>码头</mark>'), 'title marked: ' + hit.title_html);
  for (const k of ['id', 'title', 'snippet', 'type', 'state', 'department', 'created_at']) assert(k in hit, 'field ' + k);
  assert(!('tracking_code' in hit) && !JSON.stringify(r.json).includes(posted.ferry.tracking_code), 'no tracking code');
});

test('snippets are escaped masked text; only <mark> is markup; PII is not findable', async () => {
  const r = await search('谢谢');
  eq(ids(r), [posted.ferry.id], 'found');
  const s = r.json.results[0].snippet;
  assert(s.includes('&lt;b&gt;<mark>谢谢</mark>&lt;/b&gt;'), 'escaped: ' + s);
  assert(s.includes('&amp;'), 'ampersand escaped: ' + s);
  assert(s.replace(/<\/?mark>/g, '').indexOf('<') < 0, 'no other tag: ' + s);
  assert(s.includes('138****5678') && !s.includes('13812345678'), 'phone masked: ' + s);
  // The index holds the original text; a search for the number must find nothing and count nothing.
  for (const q of ['13812345678', '13987654321']) {
    const x = await search(q);
    eq([x.json.total, x.json.results.length], [0, 0], 'no hit on a masked number ' + q);
  }
  const all = await search('渡轮', '&limit=50');
  assert(!all.text.includes('13812345678') && !all.text.includes('13987654321'), 'no phone in any result');
});

test('published replies are searched, unapproved ones are not', async () => {
  let r = await search('航班');
  eq(ids(r), [posted.ferry.id], 'found by its reply');
  eq(r.json.results[0].matched_in, 'reply', 'matched in the reply');
  assert(r.json.results[0].snippet.includes('<mark>航班</mark>') && r.json.results[0].snippet.includes('139****4321'), 'reply snippet masked: ' + r.json.results[0].snippet);
  r = await search('疏浚');
  eq(r.json.total, 0, 'a pending reply is not public');
});

test('held, rejected, spam and unpublished messages are never found or counted', async () => {
  for (const q of ['渡轮', '禁词乙', '公开', '广告', '渡']) {
    const r = await search(q, '&limit=50');
    for (const k of ['private', 'held', 'rejected', 'spam'])
      assert(!ids(r).includes(posted[k].id), `${k} found by ${q}`);
  }
  eq((await search('禁词乙')).json.total, 0, 'no count of held, rejected or spam');
  eq((await search('勿公开')).json.total, 0, 'no count of unpublished');
  // The home page's and the consultation page's counts are of public messages only.
  const home = (await anon().req('GET', '/api/v1/consultations')).json.consultations.find(c => c.id === cons);
  eq(home.message_count, 6, 'home page count: public messages only');
  assert(!('received_count' in home), 'the intake count is for officials');
  const page = await anon().req('GET', `/api/v1/consultations/${cons}`);
  eq([page.json.message_count, 'received_count' in page.json], [6, false], 'consultation page count');
  const official = (await admin.req('GET', '/api/v1/consultations')).json.consultations.find(c => c.id === cons);
  eq(official.received_count, 10, 'officials see every message taken in');
});

test('paging: pages of a query cover each hit once; totals stay exact', async () => {
  const seen = [];
  for (let off = 0; off < 8; off += 2) {
    const r = await search('渡轮', `&limit=2&offset=${off}`);
    eq(r.json.total, 6, 'total on every page');
    seen.push(...ids(r));
  }
  eq(seen.length, 6, 'six hits over the pages');
  eq(new Set(seen).size, 6, 'no repeats');
  const past = await search('渡轮', '&offset=100');
  eq([past.json.total, past.json.results.length], [6, 0], 'past the end');
});

test('bad queries get clear errors', async () => {
  eq((await anon().req('GET', '/api/v1/public/search')).status, 422, 'missing q');
  const p = await anon().req('GET', '/api/v1/public/search?q=' + encodeURIComponent('！？'));
  eq([p.status, p.json.error.field], [422, 'q'], 'punctuation only');
  eq((await anon().req('GET', '/api/v1/public/search?q=%FF')).status, 400, 'bad UTF-8');
  eq((await anon().req('GET', '/api/v1/public/search?q=' + encodeURIComponent('长'.repeat(201)))).status, 422, 'too long');
});

let res = { passed: 0, failed: 1 };
try { await setup(); res = await run('api/public-search'); }
catch (e) { console.log(`FAIL api/public-search: setup\n  ${e.stack || e}`); }
const code = await srv.stop();
if (code !== 0 && code !== null) { console.log(`FAIL api/public-search: server exited with ${code}\n${srv.log.slice(-3000)}`); res.failed++; }
srv.cleanup();
console.log(`${res.passed} passed, ${res.failed} failed`);
process.exit(res.failed ? 1 : 0);
