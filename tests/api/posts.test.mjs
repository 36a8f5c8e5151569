// posts.test.mjs: leaders' posts (领导发帖) over HTTP: who may publish,
// comments screened like messages (shown at once, or held and shown after a
// moderator's approval), personal data masked, image upload checks, and
// the live stream (Server-Sent Events) that two clients watch at once.
import { Server, Client, minyi, test, assert, eq, run, listenEvents, waitEvent } from './lib.mjs';

const srv = new Server();
const PW = { lead: 'leader-pass-1', mod: 'moderator-pass-1', traffic: 'traffic-pass-1' };
const anon = () => new Client(srv.base);
let leader, mod, post;

/* An EventSource-like reader over fetch: collects {event, data} in order. */
const listen = (path) => listenEvents(srv.base, path);
const waitFor = waitEvent;

async function setup() {
  minyi(['demo', '--db', srv.db]);
  minyi(['words', 'add', '禁词乙', '--db', srv.db]);
  srv.addUser('lead', 'leader', null, PW.lead);
  srv.addUser('mod', 'moderator', null, PW.mod);
  srv.addUser('traffic', 'handler', '交通运输局', PW.traffic);
  await srv.start();
  leader = new Client(srv.base); await leader.login('lead', PW.lead);
  mod = new Client(srv.base); await mod.login('mod', PW.mod);
}

test('leaders publish posts; citizens and handlers cannot', async () => {
  eq((await anon().req('POST', '/api/v1/posts', { title: 't', body: 'b' })).status, 401, 'citizen');
  const h = new Client(srv.base); await h.login('traffic', PW.traffic);
  eq((await h.req('POST', '/api/v1/posts', { title: 't', body: 'b' })).status, 403, 'handler');
  let r = await leader.req('POST', '/api/v1/posts', { title: '' , body: 'b' });
  eq([r.status, r.json.error.field], [422, 'title'], 'title required');
  r = await leader.req('POST', '/api/v1/posts', { title: '新春致辞', body: '祝全市人民新春快乐！欢迎大家留言。' });
  eq(r.status, 201, 'published');
  post = r.json.id;
  const list = await anon().req('GET', '/api/v1/posts');
  assert(list.json.posts.some(p => p.id === post), 'listed');
});

test('live stream: views climb and comments arrive at every viewer', async () => {
  const a = listen(`/api/v1/posts/${post}/events`), b = listen(`/api/v1/posts/${post}/events`);
  const res = await a.ready; await b.ready;
  assert(res.headers.get('content-type').startsWith('text/event-stream'), 'event stream');
  await waitFor(a.events, e => e.event === 'views', 'initial views');
  const v1 = (await anon().req('GET', `/api/v1/posts/${post}`)).json.views;
  await waitFor(a.events, e => e.event === 'views' && e.data.views === v1, `views ${v1} live`);
  await new Promise(r => setTimeout(r, 250));
  const v2 = (await anon().req('GET', `/api/v1/posts/${post}`)).json.views;
  assert(v2 === v1 + 1, `views climb: ${v1} then ${v2}`);
  await waitFor(b.events, e => e.event === 'views' && e.data.views === v2, `second viewer sees ${v2}`);
  const c = await anon().req('POST', `/api/v1/posts/${post}/comments`, { body: '新年好！有事请打13812345678' });
  eq([c.status, c.json.held], [201, false], 'comment shown at once');
  for (const s of [a, b]) {
    const e = await waitFor(s.events, e => e.event === 'comment' && e.data.id === c.json.id, 'comment event');
    eq(e.data.body, '新年好！有事请打138****5678', 'masked in the event');
  }
  const p = await anon().req('GET', `/api/v1/posts/${post}`);
  eq(p.json.comments.map(x => x.body), ['新年好！有事请打138****5678'], 'masked on the page');
  a.close(); b.close();
});

test('a held comment appears only after a moderator approves it', async () => {
  const a = listen(`/api/v1/posts/${post}/events`);
  await a.ready;
  const c = await anon().req('POST', `/api/v1/posts/${post}/comments`, { body: '这里有禁词乙' });
  eq([c.status, c.json.held], [201, true], 'held');
  const r = await anon().req('POST', `/api/v1/posts/${post}/comments`, {});
  eq([r.status, r.json.error.field], [422, 'body'], 'empty comment');
  eq((await anon().req('POST', '/api/v1/posts/999999/comments', { body: 'x' })).status, 404, 'no such post');
  await new Promise(r => setTimeout(r, 200));
  assert(!a.events.some(e => e.event === 'comment' && e.data.id === c.json.id), 'held comment streamed');
  assert(!(await anon().req('GET', `/api/v1/posts/${post}`)).json.comments.some(x => x.id === c.json.id), 'held comment listed');
  eq((await anon().req('GET', '/api/v1/comments/held')).status, 401, 'queue needs login');
  const q = await mod.req('GET', '/api/v1/comments/held');
  assert(q.json.comments.some(x => x.id === c.json.id && x.hold_reason.sensitive), 'in the queue with the reason');
  eq((await leader.req('POST', `/api/v1/comments/${c.json.id}/moderation`, { decision: 'approve' })).status, 403, 'leaders do not moderate');
  eq((await mod.req('POST', `/api/v1/comments/${c.json.id}/moderation`, { decision: 'reject' })).status, 422, 'a rejection needs a reason');
  eq((await mod.req('POST', `/api/v1/comments/${c.json.id}/moderation`, { decision: 'approve' })).status, 200, 'approved');
  await waitFor(a.events, e => e.event === 'comment' && e.data.id === c.json.id, 'approved comment arrives live');
  eq((await mod.req('POST', `/api/v1/comments/${c.json.id}/moderation`, { decision: 'approve' })).status, 404, 'decided once');
  a.close();
});

test('image upload: type read from the bytes, size limited, served back', async () => {
  const png = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082', 'hex');
  const put = (body, type = 'image/png') => leader.req('PUT', `/api/v1/posts/${post}/image`, body, { raw: true, headers: { 'Content-Type': type } });
  eq((await put(Buffer.from('<svg onload=alert(1)>'), 'image/png')).status, 415, 'not an image');
  eq((await put(Buffer.alloc(3 << 20, 0xff))).status, 413, 'too large');
  eq((await anon().req('PUT', `/api/v1/posts/${post}/image`, png, { raw: true, headers: { 'Content-Type': 'image/png' } })).status, 401, 'login needed');
  const r = await put(png);
  eq([r.status, r.json.type], [200, 'image/png'], 'uploaded');
  const g = await fetch(`${srv.base}/api/v1/posts/${post}/image`);
  eq([g.status, g.headers.get('content-type')], [200, 'image/png'], 'served');
  eq(Buffer.from(await g.arrayBuffer()).equals(png), true, 'same bytes');
  eq((await anon().req('GET', `/api/v1/posts/${post}`)).json.has_image, true, 'has_image');
});

test('viewers still connected when the server stops do not hold it up', async () => {
  const a = listen(`/api/v1/posts/${post}/events`);
  await a.ready;
  await waitFor(a.events, e => e.event === 'views', 'connected');
  // left open on purpose: the shutdown below must end it and exit cleanly
});

let res = { passed: 0, failed: 1 };
try { await setup(); res = await run('api/posts'); }
catch (e) { console.log(`FAIL api/posts: setup\n  ${e.stack || e}`); }
const code = await srv.stop();
if (code !== 0 && code !== null) { console.log(`FAIL api/posts: server exited with ${code}\n${srv.log.slice(-3000)}`); res.failed++; }
srv.cleanup();
console.log(`${res.passed} passed, ${res.failed} failed`);
process.exit(res.failed ? 1 : 0);
