// groupreply.test.mjs: one reply to a whole campaign (whole_group) in steps.
// A group larger than one step: the request answers the first step (202),
// the server's background thread the rest, one transaction a step; members
// that came after the request are left for a later answer; a job left
// unfinished resumes when the server starts again.
import { Server, Client, minyi, waitAnalyzed, test, assert, eq, run } from './lib.mjs';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const srv = new Server();
const PW = 'group-pass-123';
const N = 450;                        // more than two steps of 200
const sql = (q) => srv.sql(q);
const letter = (i) => `我是居民${i}号，住在C市C2区梧桐小区。小区北门外的路灯已经坏了${10 + (i % 20)}天，晚上一片漆黑，老人孩子出行很不安全，强烈要求有关部门尽快修复路灯。`;
let admin, group, ids;

async function waitJob(c, job) {
  for (let i = 0; i < 600; i++) {
    const r = await c.req('GET', `/api/v1/group-replies/${job}`);
    eq(r.status, 200, 'job status');
    if (r.json.status === 'done') return r.json;
    await new Promise(res => setTimeout(res, 50));
  }
  throw new Error(`group reply ${job} did not finish within 30 s`);
}

async function setup() {
  minyi(['demo', '--db', srv.db]);
  let tsv = 'id\ttitle\tbody\ttype\n';
  for (let i = 0; i < N; i++) tsv += `gr${i}\t梧桐小区北门路灯不亮\t${letter(i)}\t投诉\n`;
  writeFileSync(join(srv.dir, 'campaign.tsv'), tsv);
  minyi(['import', '--quiet', '--db', srv.db, '--consultation', '2', '--data', join(srv.dir, 'campaign.tsv')]);
  srv.addUser('root', 'admin', null, PW);
  await srv.start();
  admin = new Client(srv.base);
  eq((await admin.login('root', PW)).status, 200, 'login');
  group = Number(sql("SELECT group_id FROM messages WHERE source_id = 'gr0'"));
  ids = sql(`SELECT id FROM messages WHERE group_id = ${group} ORDER BY id`).split('\n').map(Number);
  eq(ids.length, N, 'the campaign is one group');
}

test('a campaign larger than a step: the first step in the request, the rest in the background, each member answered once', async () => {
  // One member answered on its own before: the group reply leaves it.
  eq((await admin.req('POST', `/api/v1/messages/${ids[5]}/replies`, { body: '已派人查看。' })).status, 201, 'one reply');
  const rep = await admin.req('POST', `/api/v1/messages/${ids[0]}/replies`, { body: '梧桐小区北门路灯已列入本周维修计划。', whole_group: true });
  eq(rep.status, 202, 'the rest goes on in the background: ' + JSON.stringify(rep.json));
  eq([rep.json.group_id, rep.json.replied, rep.json.status], [group, 199, 'running'], 'the first step: 200 members read, one of them answered before');
  // A copy that comes after the request is not part of it.
  const late = await new Client(srv.base).req('POST', '/api/v1/messages', { consultation_id: 2, title: '梧桐小区北门路灯不亮', body: letter(N), type: '投诉' });
  eq(late.status, 201, 'a late copy');
  eq((await waitAnalyzed(admin, late.json.id)).group_id, group, 'the late copy joins the group');
  const job = await waitJob(admin, rep.json.job_id);
  eq([job.group_id, job.replied, job.user], [group, N - 1, 'root'], 'every open member answered: ' + JSON.stringify(job));
  assert(job.finished_at, 'finished_at');
  eq(sql(`SELECT count(*) FROM messages m WHERE group_id = ${group} AND id <= ${ids[N - 1]} AND state = 'replied'
          AND (SELECT count(*) FROM replies r WHERE r.message_id = m.id) = 1`), String(N), 'each member: replied, one reply');
  eq(sql(`SELECT count(*) FROM events WHERE kind = 'reply' AND json_extract(detail, '$.group_id') = ${group}`), String(N - 1), 'an audit event each');
  const code = sql(`SELECT tracking_code FROM messages WHERE id = ${ids[N - 1]}`);
  const pub = await new Client(srv.base).req('GET', `/api/v1/messages/${code}`);
  eq([pub.json.state, pub.json.replies.at(-1).body], ['replied', '梧桐小区北门路灯已列入本周维修计划。'], 'the last member\'s citizen sees it');
  const lateRow = sql(`SELECT state <> 'replied' FROM messages WHERE id = ${late.json.id}`);
  eq(lateRow, '1', 'the late copy is left for a later answer');
});

test('a job left unfinished resumes when the server starts again', async () => {
  eq(await srv.stop(), 0, 'server stopped cleanly');
  const late = sql(`SELECT max(id) FROM messages`);
  const user = sql(`SELECT id FROM users WHERE login = 'root'`);
  // As a job stopped between steps leaves it.
  sql(`INSERT INTO group_replies(group_id, department_id, user_id, body, upto, done_upto, replied)
       VALUES (${group}, 0, ${user}, '路灯已修复，感谢监督。', ${late}, ${ids[300]}, 0)`);
  const job = Number(sql('SELECT max(id) FROM group_replies'));
  await srv.start();
  admin = new Client(srv.base);
  eq((await admin.login('root', PW)).status, 200, 'login again');
  const j = await waitJob(admin, job);
  eq(j.replied, 1, 'one member was open: the late copy');
  eq(sql(`SELECT state FROM messages WHERE id = ${late}`), 'replied', 'the late copy, in the group by now, answered by the resumed job');
});

test('a group reply job: 404 when unknown, 401 without a login', async () => {
  eq((await admin.req('GET', '/api/v1/group-replies/999999')).status, 404, 'unknown');
  eq((await admin.req('GET', '/api/v1/group-replies/x')).status, 404, 'not an id');
  eq((await new Client(srv.base).req('GET', '/api/v1/group-replies/1')).status, 401, 'anonymous');
});

let res = { passed: 0, failed: 1 };
try { await setup(); res = await run('api/groupreply'); }
catch (e) { console.log(`FAIL api/groupreply: setup\n  ${e.stack || e}`); }
const code = await srv.stop();
if (code !== 0 && code !== null) { console.log(`FAIL api/groupreply: server exited with ${code}\n${srv.log.slice(-3000)}`); res.failed++; }
srv.cleanup();
console.log(`${res.passed} passed, ${res.failed} failed`);
process.exit(res.failed ? 1 : 0);
