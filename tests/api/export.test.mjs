// export.test.mjs: the export buttons over HTTP: the inbox (its filters and
// its department scope), the statistics (from the API's own JSON) and the
// audit log, as CSV with a byte order mark or as Excel .xlsx (opened with
// python3-openpyxl), Chinese column names, personal data masked unless the
// official may see it and asks.
import { Server, Client, minyi, test, assert, eq, run, waitAnalyzed } from './lib.mjs';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';

const srv = new Server();
const PW = 'export-pass-123';
const anon = () => new Client(srv.base);
const as = async (login) => { const c = new Client(srv.base); eq((await c.login(login, PW)).status, 200, 'login ' + login); return c; };
let root, traffic, edu, leader, moderator;

async function setup() {
  minyi(['demo', '--db', srv.db]);
  srv.addUser('root', 'admin', null, PW);
  srv.addUser('traffic', 'handler', '交通运输局', PW);
  srv.addUser('edu', 'handler', '教育局', PW);
  srv.addUser('boss', 'leader', null, PW);
  srv.addUser('mod', 'moderator', null, PW);
  await srv.start();
  [root, traffic, edu, leader, moderator] = await Promise.all(['root', 'traffic', 'edu', 'boss', 'mod'].map(as));
  for (const [t, b] of [['公交站台破损 13912345678', '公交站台的顶棚破了'], ['公交线路太少', '公交线路太少，请增加'], ['学校门口拥堵', '学校门口早上很堵']]) {
    const r = await anon().req('POST', '/api/v1/messages', { consultation_id: 2, title: t, body: b, type: '投诉' });
    eq(r.status, 201, 'posted');
    // routed and searchable before the exports are compared with the inbox
    // (on a loaded machine the analyzer may still be behind)
    await waitAnalyzed(root, r.json.id);
  }
}

async function download(c, path) {
  const res = await fetch(srv.base + path, { headers: { Cookie: c.cookie } });
  return { status: res.status, type: res.headers.get('content-type'), disp: res.headers.get('content-disposition'), bytes: Buffer.from(await res.arrayBuffer()) };
}
const csvRows = (b) => b.toString('utf8').replace(/^\uFEFF/, '').trim().split('\n');

/* Opens an .xlsx with openpyxl (Debian's python3): {sheet: [[cells]...]}. */
function openXlsx(bytes) {
  const f = join(srv.dir, `t${Math.random()}.xlsx`);
  writeFileSync(f, bytes);
  const py = 'import json,sys,openpyxl\nwb=openpyxl.load_workbook(sys.argv[1])\n'
    + 'print(json.dumps({ws.title:[[c for c in r] for r in ws.iter_rows(values_only=True)] for ws in wb.worksheets}, ensure_ascii=False, default=str))';
  return JSON.parse(execFileSync('/usr/bin/python3', ['-c', py, f], { encoding: 'utf8' }));
}

test('inbox CSV: Chinese headers, a byte order mark, the department scope, phone numbers masked', async () => {
  const r = await download(traffic, '/api/v1/inbox/export?format=csv');
  eq([r.status, r.type], [200, 'text/csv; charset=utf-8'], 'a CSV');
  assert(/attachment; filename="inbox-\d{8}\.csv"/.test(r.disp), 'an attachment: ' + r.disp);
  eq([...r.bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'starts with the UTF-8 byte order mark');
  const rows = csvRows(r.bytes);
  assert(rows[0].startsWith('编号,查询码,留言主题,留言类型,办理状态,承办部门'), 'Chinese headers: ' + rows[0]);
  const inbox = (await traffic.req('GET', '/api/v1/inbox?limit=500')).json.messages;
  eq(rows.length, inbox.length + 1, 'the same rows as the handler\'s inbox');
  assert(rows.every(x => !x.includes('学校门口')), 'not another department\'s');
  assert(rows.some(x => x.includes('公交站台破损 139****5678')), 'the phone number masked: ' + rows.join(' | '));
  const un = csvRows((await download(traffic, '/api/v1/inbox/export?format=csv&unmasked=1')).bytes);
  assert(un.some(x => x.includes('13912345678')), 'the department\'s handler may ask for it unmasked');
  eq((await download(leader, '/api/v1/inbox/export?format=csv&unmasked=1')).status, 403, 'a leader exports masked only');
  const f = csvRows((await download(root, '/api/v1/inbox/export?format=csv&q=' + encodeURIComponent('学校'))).bytes);
  assert(f.length >= 2 && f.slice(1).every(x => x.includes('学校')), 'the current filters apply (keyword): ' + f.join(' | '));
});

test('inbox xlsx: opens in another reader with the same rows', async () => {
  const r = await download(root, '/api/v1/inbox/export?format=xlsx&type=' + encodeURIComponent('投诉'));
  eq([r.status, r.type], [200, 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'], 'an Excel file');
  eq(r.bytes.subarray(0, 2).toString(), 'PK', 'a zip');
  const wb = openXlsx(r.bytes);
  const sheet = wb['待办留言'];
  eq(sheet[0].slice(0, 3), ['编号', '查询码', '留言主题'], 'headers');
  const inbox = (await root.req('GET', '/api/v1/inbox?limit=500&type=' + encodeURIComponent('投诉'))).json.messages;
  eq(sheet.length, inbox.length + 1, 'the rows of the filtered inbox');
  eq(sheet.slice(1).map(x => x[0]), inbox.map(m => m.id), 'in the inbox\'s order');
  assert(sheet.slice(1).every(x => typeof x[0] === 'number'), 'ids are numbers');
  assert(sheet.some(x => x[2] === '公交站台破损 139****5678'), 'masked in Excel too');
});

test('refusals: no session, a moderator, a bad format or filter', async () => {
  eq((await download(anon(), '/api/v1/inbox/export?format=csv')).status, 401, 'no session');
  eq((await download(root, '/api/v1/inbox/export?format=pdf')).status, 422, 'unknown format');
  eq((await download(root, '/api/v1/inbox/export?format=csv&state=bogus')).status, 422, 'a bad filter');
  eq((await download(traffic, '/api/v1/audit/export?format=csv')).status, 403, 'the audit log is for admins');
  eq((await download(moderator, '/api/v1/audit/export?format=xlsx')).status, 403, 'moderators neither');
});

test('statistics: the API\'s JSON as sheets, every field it has, with the totals row', async () => {
  const json = (await root.req('GET', '/api/v1/stats')).json;
  const r = await download(root, '/api/v1/stats/export?format=xlsx');
  eq(r.status, 200, 'exported');
  const wb = openXlsx(r.bytes);
  const sheet = wb['部门统计'];
  assert(sheet && sheet[0].includes('部门') && sheet[0].includes('收到留言') && sheet[0].includes('答复率'), 'Chinese headers: ' + JSON.stringify(sheet && sheet[0]));
  // Every field of the API's rows has a column (rated and satisfaction are earlier names of ratings and satisfaction_rate).
  const keys = Object.keys(json.departments[0] || json.totals).filter(k => k !== 'rated' && k !== 'satisfaction');
  assert(sheet[0].length >= keys.length, `every field of the JSON has a column (${keys.length} fields, ${sheet[0].length} columns)`);
  assert(sheet[0].includes('首次答复90分位（小时）') || !keys.includes('first_reply_hours_p90'), 'new fields named in Chinese');
  eq(sheet.length, json.departments.length + 2, 'a row per department, the header and 合计');
  eq(sheet.at(-1)[sheet[0].indexOf('部门')], '合计', 'the totals row');
  const col = sheet[0].indexOf('收到留言');
  eq(sheet.at(-1)[col], json.totals.received, 'the totals as the API says');
  const csv = csvRows((await download(leader, '/api/v1/stats/export?format=csv')).bytes);
  assert(csv[0].includes('部门') && csv.some(x => x.startsWith('合计')), 'CSV too: ' + csv[0]);
  eq((await download(root, '/api/v1/stats/export?format=csv&from=2026-13-01')).status, 422, 'the statistics\' own errors stand');
});

test('audit log: admins, filters, details masked unless asked', async () => {
  const id = (await anon().req('POST', '/api/v1/messages', { consultation_id: 2, title: '公交', body: '公交车太挤', type: '投诉' })).json.id;
  eq((await root.req('POST', `/api/v1/messages/${id}/transfer`, { department: '教育局', reason: '请联系 13800001111 核实' })).status, 200, 'transfer');
  let r = await download(root, `/api/v1/audit/export?format=csv&kind=transfer`);
  const rows = csvRows(r.bytes);
  eq(rows[0], '时间,操作人,操作类型,留言编号,详情', 'headers');
  assert(rows.length >= 2 && rows.slice(1).every(x => x.includes(',transfer,')), 'filtered');
  assert(rows.some(x => x.includes('138****1111')) && !rows.some(x => x.includes('13800001111')), 'masked by default');
  r = await download(root, `/api/v1/audit/export?format=xlsx&kind=transfer&unmasked=1`);
  const wb = openXlsx(r.bytes);
  assert(wb['审计日志'].some(x => String(x[4]).includes('13800001111')), 'an admin may have it unmasked');
});

let res = { passed: 0, failed: 1 };
try { await setup(); res = await run('api/export'); }
catch (e) { console.log(`FAIL api/export: setup\n  ${e.stack || e}`); }
const code = await srv.stop();
if (code !== 0 && code !== null) { console.log(`FAIL api/export: server exited with ${code}\n${srv.log.slice(-3000)}`); res.failed++; }
srv.cleanup();
console.log(`${res.passed} passed, ${res.failed} failed`);
process.exit(res.failed ? 1 : 0);
