// groupmove.test.mjs: a message that bridges two campaigns merges the
// younger into the older; a big campaign's rows move in steps on the
// server's background thread (the analyzer's transaction only records the
// merge), and the groups' sizes stay what a recount says.
import { Server, Client, minyi, waitAnalyzed, test, assert, eq, run } from './lib.mjs';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const srv = new Server();
const PW = 'move-pass-123';
const N = 2100;                       // above the 2,000 rows a merge moves at once
const sql = (q) => srv.sql(q);
// Runs of CJK characters sharing nothing: A = p+Q, B = Q+R, C = R+s, so
// A~B and B~C while A and C share nothing (as tests/text/dedup_test.c).
const run_ = (base, n) => Array.from({ length: n }, (_, i) => String.fromCodePoint(base + i * 7)).join('');
const p = run_(0x4E00, 12), q = run_(0x5000, 80), r = run_(0x6000, 80), s = run_(0x7000, 12);
let admin;

async function setup() {
  minyi(['demo', '--db', srv.db]);
  let tsv = 'id\ttitle\tbody\ttype\n';
  for (let i = 0; i < N; i++) tsv += `a${i}\t${p}\t${p}${q}\t建议\n`;
  for (let i = 0; i < N; i++) tsv += `c${i}\t${s}\t${r}${s}\t建议\n`;
  writeFileSync(join(srv.dir, 'two.tsv'), tsv);
  minyi(['import', '--quiet', '--db', srv.db, '--consultation', '2', '--data', join(srv.dir, 'two.tsv')]);
  srv.addUser('root', 'admin', null, PW);
  await srv.start();
  admin = new Client(srv.base);
  eq((await admin.login('root', PW)).status, 200, 'login');
}

test('a bridge merges a campaign of 2,100 into the older one: recorded by the analyzer, moved in steps in the background', async () => {
  const ga = Number(sql("SELECT group_id FROM messages WHERE source_id = 'a0'"));
  const gc = Number(sql("SELECT group_id FROM messages WHERE source_id = 'c0'"));
  eq([sql(`SELECT count(*) FROM messages WHERE group_id = ${ga}`), sql(`SELECT count(*) FROM messages WHERE group_id = ${gc}`)], [String(N), String(N)], 'two campaigns');
  const b = await new Client(srv.base).req('POST', '/api/v1/messages', { consultation_id: 2, title: q.slice(0, 6) + r.slice(0, 6), body: q + r, type: '建议' });
  eq(b.status, 201, 'the bridge');
  eq((await waitAnalyzed(admin, b.json.id)).group_id, ga, 'it joins the older campaign');
  const ev = sql(`SELECT json_extract(detail, '$.from_group') || ' ' || json_extract(detail, '$.moved') || ' ' || json_extract(detail, '$.in_steps') FROM events WHERE kind = 'group_merged' AND message_id = ${b.json.id}`);
  eq(ev, `${gc} ${N} 1`, 'the merge is audited, its rows to move in steps');
  let left = N;
  for (let i = 0; i < 400 && left; i++) {
    left = Number(sql(`SELECT count(*) FROM messages WHERE group_id = ${gc}`));
    if (left) await new Promise(res => setTimeout(res, 50));
  }
  eq(left, 0, 'every row of the younger campaign moved');
  eq(sql(`SELECT count(*) FROM messages WHERE group_id = ${ga}`), String(2 * N + 1), 'one campaign');
  eq(sql('SELECT count(*) FROM group_moves WHERE finished_at IS NULL'), '0', 'the move finished');
  eq((await admin.req('GET', `/api/v1/groups/${ga}`)).json.size, 2 * N + 1, 'the group page says so');
  const check = minyi(['check', '--db', srv.db]);
  assert(/all checks passed/.test(check), 'minyi check: ' + check.split('\n').filter(l => !/^ok/.test(l)).join(' | '));
});

let res = { passed: 0, failed: 1 };
try { await setup(); res = await run('api/groupmove'); }
catch (e) { console.log(`FAIL api/groupmove: setup\n  ${e.stack || e}`); }
const code = await srv.stop();
if (code !== 0 && code !== null) { console.log(`FAIL api/groupmove: server exited with ${code}\n${srv.log.slice(-3000)}`); res.failed++; }
srv.cleanup();
console.log(`${res.passed} passed, ${res.failed} failed`);
process.exit(res.failed ? 1 : 0);
