// hot.test.mjs: hot issues over HTTP: the most frequent message keywords of
// a window and the largest near-duplicate groups (mass campaigns), public,
// with personal data masked.
import { Server, Client, waitAnalyzed, minyi, test, assert, eq, run } from './lib.mjs';

const srv = new Server();
const PW = { root: 'admin-pass-123' };
const anon = () => new Client(srv.base);
let campaign = [];

async function setup() {
  minyi(['demo', '--db', srv.db]);
  srv.addUser('root', 'admin', null, PW.root);
  await srv.start();
  const a = new Client(srv.base); await a.login('root', PW.root);
  eq((await a.req('POST', '/api/v1/settings', { flood_check: 0 })).status, 200, 'all from 127.0.0.1');
  const post = async (title, body) => (await anon().req('POST', '/api/v1/messages', { consultation_id: 2, title, body, type: '投诉' })).json;
  for (const name of ['张三', '李四', '王五', '赵六', '钱七'])
    campaign.push(await post('强烈要求修复银杉路坑洼13812345678',
      `我是${name}，住在银杉路附近。强烈要求尽快修复银杉路的路面坑洼，雨天积水严重，车辆和行人通行非常危险，请立即处理。`));
  const other = await post('幼儿园收费过高', '孩子所在的民办幼儿园今年学费上涨一倍，请教育部门核查收费标准。');
  for (const m of [...campaign, other]) await waitAnalyzed(a, m.id);
}

test('the campaign is the top group, its keywords are hot', async () => {
  const r = await anon().req('GET', '/api/v1/hot');
  eq(r.status, 200, 'public');
  eq(r.json.days, 7, 'default window');
  const g = r.json.groups[0];
  assert(g, 'a group');
  eq([g.group_id, g.size, g.authors], [campaign[0].id, 5, 1], 'the campaign (one IP, so one sender)');
  eq(g.title, '强烈要求修复银杉路坑洼138****5678', 'title masked');
  assert(r.json.groups.every(x => x.size > 1), 'only real groups');
  const words = r.json.keywords.map(k => k.word);
  assert(words.includes('银杉路') || words.includes('坑洼'), 'campaign keywords: ' + words.join(' '));
  const top = r.json.keywords[0];
  assert(top.count >= 5 && top.previous === 0, 'top keyword counted per message: ' + JSON.stringify(top));
});

test('the window is 1 to 90 days', async () => {
  eq((await anon().req('GET', '/api/v1/hot?days=30')).status, 200, '30 days');
  eq((await anon().req('GET', '/api/v1/hot?days=0')).status, 422, 'too short');
  eq((await anon().req('GET', '/api/v1/hot?days=91')).status, 422, 'too long');
  eq((await anon().req('GET', '/api/v1/hot?days=x')).status, 422, 'not a number');
});

let res = { passed: 0, failed: 1 };
try { await setup(); res = await run('api/hot'); }
catch (e) { console.log(`FAIL api/hot: setup\n  ${e.stack || e}`); }
const code = await srv.stop();
if (code !== 0 && code !== null) { console.log(`FAIL api/hot: server exited with ${code}\n${srv.log.slice(-3000)}`); res.failed++; }
srv.cleanup();
console.log(`${res.passed} passed, ${res.failed} failed`);
process.exit(res.failed ? 1 : 0);
