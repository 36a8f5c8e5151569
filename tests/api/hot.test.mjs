// hot.test.mjs: hot issues over HTTP: issues (place + problem, live), the
// most frequent message keywords of a window, the largest near-duplicate
// groups (mass campaigns) and trending words, public, personal data masked.
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

test('a burst about one place becomes the top hot issue within seconds', async () => {
  const a = new Client(srv.base); await a.login('root', PW.root);
  const post = async (title, body) => (await anon().req('POST', '/api/v1/messages', { consultation_id: 2, title, body, type: '投诉' })).json;
  // Different words, one place and one problem (all from 127.0.0.1, so one
  // author: it must outgrow the 5-message campaign above on size alone);
  // and the same place with another problem.
  const burst = [
    ['枫林雅苑小区楼下烧烤店油烟扰民', '枫林雅苑小区临街的烧烤店每晚油烟很大，窗户都不敢开。'],
    ['投诉枫林雅苑烧烤油烟', '我家住枫林雅苑，楼下烧烤摊油烟直排进屋，老人咳嗽不止。'],
    ['枫林雅苑烧烤店油烟太大', '枫林雅苑一楼商铺开烧烤店，油烟和噪音一直到凌晨。'],
    ['枫林雅苑小区油烟污染', '枫林雅苑小区底商烧烤油烟污染严重，请环保部门查处。'],
    ['枫林雅苑烧烤油烟何时管', '反映多次了，枫林雅苑楼下烧烤店的油烟还是没人管。'],
    ['请整治枫林雅苑烧烤油烟', '枫林雅苑小区门口烧烤店占道经营，油烟熏人。'],
    ['枫林雅苑小区烧烤店扰民', '枫林雅苑小区烧烤店油烟加上喝酒吵闹，居民无法休息。'],
  ];
  const t0 = Date.now();
  const ids = [];
  for (const [title, body] of burst) ids.push((await post(title, body)).id);
  const parking = await post('枫林雅苑小区车位只售不租', '枫林雅苑小区开发商车位只卖不租，价格高得离谱，业主无处停车。');
  let top;
  for (let i = 0; i < 100; i++) {
    const r = await anon().req('GET', '/api/v1/hot?days=7');
    eq(r.status, 200, 'public');
    top = r.json.issues && r.json.issues[0];
    if (top && top.size === burst.length) break;
    await new Promise(res => setTimeout(res, 100));
  }
  assert(top && top.size === burst.length, 'the burst is the top issue: ' + JSON.stringify(top));
  assert(Date.now() - t0 < 15000, 'within seconds');
  assert(top.place.includes('枫林雅苑'), 'place: ' + top.place);
  assert(top.description.includes('枫林雅苑') && /油烟|烧烤/.test(top.problem), 'place + problem: ' + top.description);
  assert(top.heat > 0 && top.first_at && top.last_at && top.trend && top.trend.recent === burst.length, 'heat, time range, trend: ' + JSON.stringify(top));
  // Its link lists its messages, newest first; the parking complaint is another issue.
  const m = await anon().req('GET', top.messages);
  eq(m.status, 200, 'messages link');
  eq(m.json.messages.map(x => x.id), ids.slice().reverse(), 'members');
  assert(!m.json.messages.some(x => x.id === parking.id), 'a different problem at the same place stays apart');
  eq((await anon().req('GET', '/api/v1/hot/99999/messages')).status, 404, 'unknown issue');
  eq((await anon().req('GET', '/api/v1/hot/x/messages')).status, 404, 'bad issue id');
  // Trending words: the burst's problem rises; filler never does.
  const tr = await anon().req('GET', '/api/v1/trends?days=1');
  eq(tr.status, 200, 'trends public');
  const words = tr.json.words.map(w => w.word);
  assert(words.includes('油烟') || words.includes('烧烤'), 'trending: ' + words.join(' '));
  assert(!words.some(w => ['居民', '坚决', '希望', '问题'].includes(w)), 'no filler: ' + words.join(' '));
  eq((await anon().req('GET', '/api/v1/trends?days=8')).status, 422, 'trends window 1-7');
});

test('public supports count towards the heat of their issue', async () => {
  const r0 = await anon().req('GET', '/api/v1/hot?days=7');
  const top = r0.json.issues[0];
  const m = await anon().req('GET', top.messages);
  const ids = m.json.messages.map(x => x.id);
  // Three visitors support two of its messages (each Client is a new visitor cookie).
  for (const id of [ids[0], ids[0], ids[1]]) eq((await anon().req('POST', `/api/v1/public/messages/${id}/support`, {})).status, 201, 'supported');
  const r1 = await anon().req('GET', '/api/v1/hot?days=7');
  const after = r1.json.issues.find(x => x.issue_id === top.issue_id);
  eq(after.likes, top.likes + 3, 'likes of the issue');
  assert(after.heat > top.heat, `heat rises: ${top.heat} -> ${after.heat}`);
  eq((await anon().req('POST', '/api/v1/public/messages/99999/support', {})).status, 404, 'unknown message');
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
