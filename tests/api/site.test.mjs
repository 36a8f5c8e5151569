// site.test.mjs: the site's own settings (name, footer, 留言须知) and notices
// (通知公告) over HTTP: public reads, admin-only writes with CSRF, checks on
// unknown fields and lengths, withdrawn notices gone from the site but kept.
import { Server, Client, minyi, test, assert, eq, run } from './lib.mjs';

const srv = new Server();
const PW = { root: 'admin-pass-123', lead: 'leader-pass-1' };
const anon = () => new Client(srv.base);
let admin, leader;

async function setup() {
  minyi(['demo', '--db', srv.db]);
  srv.addUser('root', 'admin', null, PW.root);
  srv.addUser('lead', 'leader', null, PW.lead);
  await srv.start();
  admin = new Client(srv.base); await admin.login('root', PW.root);
  leader = new Client(srv.base); await leader.login('lead', PW.lead);
}

test('site settings: public defaults, admin edits, checks', async () => {
  let r = await anon().req('GET', '/api/v1/site');
  eq([r.status, r.json.name, r.json.notice, r.json.name_is_default], [200, '民意 · 网上群众路线平台', '', true], 'defaults');
  eq((await anon().req('PUT', '/api/v1/site', { name: 'x' })).status, 401, 'login needed');
  eq((await leader.req('PUT', '/api/v1/site', { name: 'x' })).status, 403, 'admins only');
  eq((await admin.req('PUT', '/api/v1/site', { name: 'x' }, { csrf: false })).status, 403, 'CSRF needed');
  r = await admin.req('PUT', '/api/v1/site', { colour: 'red' });
  eq([r.status, r.json.error.field], [422, 'colour'], 'unknown field');
  r = await admin.req('PUT', '/api/v1/site', { name: '' });
  eq([r.status, r.json.error.field], [422, 'name'], 'a name is required');
  r = await admin.req('PUT', '/api/v1/site', { icp: 'x'.repeat(61) });
  eq([r.status, r.json.error.code], [422, 'too_long'], 'too long');
  r = await admin.req('PUT', '/api/v1/site', { name: '某市人民政府网上群众工作平台', host: '某市人民政府办公室', icp: '京ICP备12345678号',
    notice: '请文明留言。\n不得含有违法内容。' });
  eq(r.status, 200, 'saved');
  r = await anon().req('GET', '/api/v1/site');
  eq([r.json.name, r.json.host, r.json.icp, r.json.notice], ['某市人民政府网上群众工作平台', '某市人民政府办公室', '京ICP备12345678号', '请文明留言。\n不得含有违法内容。'], 'read back');
  eq(r.json.name_is_default, false, 'a name set by an admin is no longer the default');
});

test('notices: published by admins, newest first, withdrawn but kept', async () => {
  eq((await anon().req('POST', '/api/v1/notices', { title: 't' })).status, 401, 'login needed');
  eq((await leader.req('POST', '/api/v1/notices', { title: 't' })).status, 403, 'admins only');
  let r = await admin.req('POST', '/api/v1/notices', { body: 'no title' });
  eq([r.status, r.json.error.field], [422, 'title'], 'title required');
  const a = (await admin.req('POST', '/api/v1/notices', { title: '关于开展征求意见的通知', body: '欢迎参与。' })).json.id;
  const b = (await admin.req('POST', '/api/v1/notices', { title: '<b>第二条</b>通知', body: '' })).json.id;
  r = await anon().req('GET', '/api/v1/notices');
  eq(r.json.notices.map(n => [n.id, n.title]), [[b, '<b>第二条</b>通知'], [a, '关于开展征求意见的通知']], 'newest first, text as given');
  eq((await leader.req('DELETE', `/api/v1/notices/${a}`)).status, 403, 'admins only');
  eq((await admin.req('DELETE', `/api/v1/notices/${a}`)).status, 200, 'withdrawn');
  eq((await admin.req('DELETE', `/api/v1/notices/${a}`)).status, 404, 'only once');
  r = await anon().req('GET', '/api/v1/notices');
  eq(r.json.notices.map(n => n.id), [b], 'withdrawn notice gone from the site');
});

let res = { passed: 0, failed: 1 };
try { await setup(); res = await run('api/site'); }
catch (e) { console.log(`FAIL api/site: setup\n  ${e.stack || e}`); }
const code = await srv.stop();
if (code !== 0 && code !== null) { console.log(`FAIL api/site: server exited with ${code}\n${srv.log.slice(-3000)}`); res.failed++; }
srv.cleanup();
console.log(`${res.passed} passed, ${res.failed} failed`);
process.exit(res.failed ? 1 : 0);
