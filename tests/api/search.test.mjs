// search.test.mjs: message search over HTTP (issue 3): one- and two-character
// Chinese queries find their messages, results carry highlighted snippets, a
// handler searches only their department, bad queries get clear errors.
import { Server, Client, waitAnalyzed, minyi, test, assert, eq, run } from './lib.mjs';

const srv = new Server();
const PW = { admin: 'admin-pass-123', traffic: 'traffic-pass-1' };
let ids = {};

async function setup() {
  minyi(['demo', '--db', srv.db]);
  srv.addUser('root', 'admin', null, PW.admin);
  srv.addUser('traffic', 'handler', '交通运输局', PW.traffic);
  await srv.start();
  const anon = new Client(srv.base);
  const post = async (key, title, body) => {
    const r = await anon.req('POST', '/api/v1/messages', { consultation_id: 2, title, body, type: '投诉' });
    eq(r.status, 201, 'post ' + key);
    ids[key] = r.json.id;
  };
  await post('bus', '公交车晚点严重', '12路公交早高峰经常晚点半小时以上，影响上班。');
  await post('noise', '夜间施工噪音扰民', '工地晚上十一点以后还在打桩，居民无法入睡。');
  await post('latin', 'APP无法登录', '市民服务App登录时提示ＥＲＲＯＲ，请修复。');
  // Messages become searchable once the analyzer has indexed them.
  const a = new Client(srv.base); await a.login('root', PW.admin);
  for (const id of Object.values(ids)) await waitAnalyzed(a, id);
}

const login = async (who) => { const c = new Client(srv.base); await c.login(who, PW[who === 'root' ? 'admin' : who]); return c; };

test('a two-character word finds its message, with a highlighted snippet', async () => {
  const a = await login('root');
  const r = await a.req('GET', '/api/v1/search?q=' + encodeURIComponent('晚点'));
  eq(r.status, 200, 'status');
  assert(r.json.total >= 1 && r.json.results.some(x => x.id === ids.bus), 'found');
  const hit = r.json.results.find(x => x.id === ids.bus);
  assert(hit.snippet.includes('\u0002晚点\u0003'), 'snippet marks the match: ' + JSON.stringify(hit.snippet));
  assert(!r.json.results.some(x => x.id === ids.noise), 'no unrelated message');
});

test('a single character finds its messages', async () => {
  const a = await login('root');
  const r = await a.req('GET', '/api/v1/search?q=' + encodeURIComponent('桩'));
  assert(r.json.results.some(x => x.id === ids.noise), 'found by one character');
});

test('several terms must all match; Latin text is case- and width-insensitive', async () => {
  const a = await login('root');
  let r = await a.req('GET', '/api/v1/search?q=' + encodeURIComponent('施工 居民'));
  assert(r.json.results.some(x => x.id === ids.noise), 'both terms');
  r = await a.req('GET', '/api/v1/search?q=' + encodeURIComponent('施工 公交'));
  eq(r.json.total, 0, 'no message has both');
  r = await a.req('GET', '/api/v1/search?q=error');
  assert(r.json.results.some(x => x.id === ids.latin), 'full-width ＥＲＲＯＲ found by "error"');
  r = await a.req('GET', '/api/v1/search?q=' + encodeURIComponent('"app'));
  eq(r.status, 200, 'a stray quote is not a syntax error');
});

test('a handler searches only their department', async () => {
  const t = await login('traffic');
  const r = await t.req('GET', '/api/v1/search?q=' + encodeURIComponent('晚上'));
  assert(r.json.results.every(x => x.department === '交通运输局'), 'own department only');
  const b = await t.req('GET', '/api/v1/search?q=' + encodeURIComponent('公交'));
  assert(b.json.results.some(x => x.id === ids.bus), 'own message found');
});

test('messages held for moderation are not found', async () => {
  const a = await login('root');
  eq((await a.req('POST', '/api/v1/sensitive-words', { word: '暗语测试' })).status, 201, 'word');
  const r = await new Client(srv.base).req('POST', '/api/v1/messages', { consultation_id: 2, title: '公交暗语测试', body: '含有暗语测试的留言', type: '投诉' });
  for (let i = 0; i < 600; i++) {
    const m = await a.req('GET', `/api/v1/messages/${r.json.id}`);
    if (m.json.analyzed) { eq(m.json.moderation, 'held', 'held'); break; }
    await new Promise(res => setTimeout(res, 50));
  }
  const s = await a.req('GET', '/api/v1/search?q=' + encodeURIComponent('暗语'));
  eq(s.json.total, 0, 'not found while held');
});

test('bad queries: 401 without login, 422 for empty or punctuation-only, 400 for bad UTF-8', async () => {
  eq((await new Client(srv.base).req('GET', '/api/v1/search?q=x')).status, 401, 'login');
  const a = await login('root');
  eq((await a.req('GET', '/api/v1/search')).status, 422, 'missing q');
  eq((await a.req('GET', '/api/v1/search?q=' + encodeURIComponent('！？…'))).status, 422, 'punctuation only');
  eq((await a.req('GET', '/api/v1/search?q=%FF%FE')).status, 400, 'invalid UTF-8');
  eq((await a.req('GET', '/api/v1/search?q=' + encodeURIComponent('长'.repeat(201)))).status, 422, 'too long');
});

let res = { passed: 0, failed: 1 };
try { await setup(); res = await run('api/search'); }
catch (e) { console.log(`FAIL api/search: setup\n  ${e.stack || e}`); }
const code = await srv.stop();
if (code !== 0 && code !== null) { console.log(`FAIL api/search: server exited with ${code}\n${srv.log.slice(-3000)}`); res.failed++; }
srv.cleanup();
console.log(`${res.passed} passed, ${res.failed} failed`);
process.exit(res.failed ? 1 : 0);
