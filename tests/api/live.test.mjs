// live.test.mjs: live sessions (在线访谈) over HTTP: scheduling (who may,
// video URL checks), questions screened (held ones approved by a moderator),
// one vote per visitor, the moderator's pick, officials' answers, all seen
// live by a second client through Server-Sent Events, and the transcript
// after the end (no more questions then).
import { Server, Client, minyi, test, assert, eq, run, listenEvents, waitEvent } from './lib.mjs';

const srv = new Server();
const PW = { lead: 'leader-pass-1', mod: 'moderator-pass-1', traffic: 'traffic-pass-1' };
const anon = () => new Client(srv.base);
let leader, mod, handler, session;
const q = {};

const listen = (path) => listenEvents(srv.base, path);
const waitFor = waitEvent;

async function setup() {
  minyi(['demo', '--db', srv.db]);
  minyi(['words', 'add', '禁词丙', '--db', srv.db]);
  srv.addUser('lead', 'leader', null, PW.lead);
  srv.addUser('mod', 'moderator', null, PW.mod);
  srv.addUser('traffic', 'handler', '交通运输局', PW.traffic);
  await srv.start();
  leader = new Client(srv.base); await leader.login('lead', PW.lead);
  mod = new Client(srv.base); await mod.login('mod', PW.mod);
  handler = new Client(srv.base); await handler.login('traffic', PW.traffic);
}

test('scheduling: leaders and admins; the video is an http(s) URL', async () => {
  eq((await anon().req('POST', '/api/v1/live', { title: 't' })).status, 401, 'citizen');
  eq((await handler.req('POST', '/api/v1/live', { title: 't' })).status, 403, 'handler');
  let r = await leader.req('POST', '/api/v1/live', { title: 't', video_url: 'javascript:alert(1)' });
  eq([r.status, r.json.error.field], [422, 'video_url'], 'no javascript: URLs');
  r = await leader.req('POST', '/api/v1/live', { title: 't', starts_at: '明天' });
  eq([r.status, r.json.error.field], [422, 'starts_at'], 'bad time');
  r = await leader.req('POST', '/api/v1/live', { title: '交通局长在线访谈', description: '谈谈城市交通', starts_at: '2026-12-01T02:00:00Z',
    video_url: 'https://live.example.gov.cn/stream.m3u8' });
  eq(r.status, 201, 'scheduled');
  session = r.json.id;
  const g = await anon().req('GET', `/api/v1/live/${session}`);
  eq([g.json.status, g.json.video_url, g.json.questions], ['scheduled', 'https://live.example.gov.cn/stream.m3u8', []], 'read back');
});

test('questions, votes, pick and answer arrive live at a second client', async () => {
  const w = listen(`/api/v1/live/${session}/events`);
  await w.ready;
  await waitFor(w.events, e => e.event === 'status', 'status on connect');
  eq((await mod.req('PUT', `/api/v1/live/${session}`, { status: 'live' })).status, 200, 'started');
  await waitFor(w.events, e => e.event === 'status' && e.data.status === 'live', 'live status');
  let r = await anon().req('POST', `/api/v1/live/${session}/questions`, { body: '地铁什么时候通到新区？我的电话13812345678' });
  eq([r.status, r.json.held], [201, false], 'question shown');
  q.metro = r.json.id;
  const qe = await waitFor(w.events, e => e.event === 'question' && e.data.id === q.metro, 'question event');
  assert(qe.data.body.includes('138****5678') && !qe.data.body.includes('13812345678'), 'masked: ' + qe.data.body);
  r = await anon().req('POST', `/api/v1/live/${session}/questions`, { body: '公交站台能不能加雨棚？' });
  q.bus = r.json.id;
  const v1 = anon(), v2 = anon();
  eq((await v1.req('POST', `/api/v1/questions/${q.bus}/vote`, {})).json.votes, 1, 'first vote');
  eq((await v1.req('POST', `/api/v1/questions/${q.bus}/vote`, {})).status, 409, 'one vote per person');
  eq((await v2.req('POST', `/api/v1/questions/${q.bus}/vote`, {})).json.votes, 2, 'second person');
  await waitFor(w.events, e => e.event === 'vote' && e.data.id === q.bus && e.data.votes === 2, 'vote event');
  eq((await handler.req('POST', `/api/v1/questions/${q.bus}/pick`, {})).status, 403, 'handlers do not pick');
  eq((await mod.req('POST', `/api/v1/questions/${q.bus}/pick`, {})).status, 200, 'picked');
  await waitFor(w.events, e => e.event === 'current' && e.data.id === q.bus, 'current event');
  eq((await mod.req('POST', `/api/v1/questions/${q.bus}/answer`, { body: 'x' })).status, 403, 'moderators do not answer');
  r = await leader.req('POST', `/api/v1/questions/${q.bus}/answer`, { body: '明年改造100个站台，加装雨棚。' });
  eq([r.status, r.json.state], [200, 'answered'], 'answered');
  const ae = await waitFor(w.events, e => e.event === 'answer' && e.data.id === q.bus, 'answer event');
  eq(ae.data.answer, '明年改造100个站台，加装雨棚。', 'answer text');
  eq((await mod.req('POST', `/api/v1/questions/${q.bus}/pick`, {})).status, 404, 'an answered question is not picked again');
  w.close();
});

test('a held question is shown only after approval', async () => {
  const w = listen(`/api/v1/live/${session}/events`);
  await w.ready;
  const r = await anon().req('POST', `/api/v1/live/${session}/questions`, { body: '这里有禁词丙' });
  eq([r.status, r.json.held], [201, true], 'held');
  eq((await anon().req('POST', `/api/v1/questions/${r.json.id}/vote`, {})).status, 404, 'no votes while held');
  assert(!(await anon().req('GET', `/api/v1/live/${session}`)).json.questions.some(x => x.id === r.json.id), 'not listed');
  const queue = await mod.req('GET', '/api/v1/questions/held');
  assert(queue.json.questions.some(x => x.id === r.json.id && x.hold_reason.sensitive), 'in the queue');
  eq((await mod.req('POST', `/api/v1/questions/${r.json.id}/moderation`, { decision: 'approve' })).status, 200, 'approved');
  await waitFor(w.events, e => e.event === 'question' && e.data.id === r.json.id, 'question after approval');
  w.close();
});

test('after the end: the transcript stays, no new questions', async () => {
  eq((await mod.req('PUT', `/api/v1/live/${session}`, { status: 'over' })).status, 422, 'bad status');
  eq((await mod.req('PUT', `/api/v1/live/${session}`, { status: 'ended' })).status, 200, 'ended');
  const r = await anon().req('POST', `/api/v1/live/${session}/questions`, { body: '还有问题' });
  eq(r.status, 409, 'no questions after the end');
  const g = await anon().req('GET', `/api/v1/live/${session}`);
  eq(g.json.status, 'ended', 'status');
  const answered = g.json.questions.filter(x => x.state === 'answered');
  eq(answered.map(x => [x.id, x.answer]), [[q.bus, '明年改造100个站台，加装雨棚。']], 'transcript');
  assert(!JSON.stringify(g.json).includes('13812345678'), 'masked in the transcript');
});

let res = { passed: 0, failed: 1 };
try { await setup(); res = await run('api/live'); }
catch (e) { console.log(`FAIL api/live: setup\n  ${e.stack || e}`); }
const code = await srv.stop();
if (code !== 0 && code !== null) { console.log(`FAIL api/live: server exited with ${code}\n${srv.log.slice(-3000)}`); res.failed++; }
srv.cleanup();
console.log(`${res.passed} passed, ${res.failed} failed`);
process.exit(res.failed ? 1 : 0);
