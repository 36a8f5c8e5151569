// backup.test.mjs: `minyi backup` while the server takes writes, then
// `minyi restore` and `minyi check`. Every message acknowledged before the
// backup started must be in the restored database byte-identical; restore
// refuses to overwrite a database without --force and refuses a damaged
// backup; with --force it replaces a live server's database cleanly.
// Ends with "N passed, N failed".
import { mkdtempSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { BIN, minyi, startLoad, stored, compare, check, Server, runSuite } from './load.mjs';

const dir = mkdtempSync(join(tmpdir(), 'minyi-backup-'));
const db = `sqlite:${join(dir, 'live.db')}`;
const bak = join(dir, 'backup.db');
const restored = `sqlite:${join(dir, 'restored.db')}`;
const acked = [];

function run(args) {   // async: the load keeps going while it runs
  return new Promise((res) => {
    const p = spawn(BIN, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d) => { out += d; });
    p.stderr.on('data', (d) => { out += d; });
    p.on('exit', (code) => res({ code, out }));
  });
}

await runSuite('backup', dir, async (result, state) => {
  minyi(['consultation', 'add', '备份测试', '--kind', 'board', '--db', db]);
  const srv = state.srv = new Server(dir, db);
  await srv.start();
  const load = startLoad({ base: () => srv.base, consultation: 1, clients: 6, tag: 'b', acked });
  const t0 = Date.now();
  while (acked.length < 60 && Date.now() - t0 < 60000) await new Promise((r) => setTimeout(r, 10));
  const before = acked.slice();                  // acknowledged before the backup started
  const b = await run(['backup', bak, '--db', db]);
  const during = acked.length - before.length;
  await new Promise((r) => setTimeout(r, 200));
  await load.stop();
  result(b.code === 0 && existsSync(bak), `backup under load exits 0 (${during} messages acknowledged while it ran)`, b.out);

  const r = await run(['restore', bak, '--db', restored]);
  result(r.code === 0 && /check passed/.test(r.out), 'restore into a new database verifies the backup and checks the result', r.out);
  const got = stored(restored);
  const bad = compare(before, got);
  result(bad.length === 0 && got.size >= before.length,
    `all ${before.length} messages acknowledged before the backup are restored byte-identical (${got.size} in the backup)`,
    bad.slice(0, 5).join('\n  '));
  const extra = [...got.keys()].filter((k) => !acked.some((a) => a.code === k));
  result(extra.length === 0, 'the backup holds no message that was never acknowledged', extra.slice(0, 5).join(' '));
  const [ok, out] = check(restored);
  result(ok, 'minyi check passes on the restored database', out);

  const again = await run(['restore', bak, '--db', restored]);
  result(again.code === 1 && /--force/.test(again.out), 'restore refuses to overwrite an existing database without --force', again.out);
  const junk = join(dir, 'junk.db');
  writeFileSync(junk, readFileSync(bak).subarray(0, 4096 * 3));     // a truncated copy
  const j = await run(['restore', junk, '--db', `sqlite:${join(dir, 'other.db')}`]);
  result(j.code === 1 && !existsSync(join(dir, 'other.db')), 'a truncated backup is refused before anything is written', j.out);

  // --force onto the running server's database: it serves the backup's content.
  const f = await run(['restore', bak, '--db', db, '--force']);
  const probe = before[before.length - 1];
  const pub = await fetch(`${srv.base}/api/v1/messages/${probe.code}`).then((x) => x.json());
  const [ok2, out2] = check(db);
  const live = stored(db);
  result(f.code === 0 && pub.tracking_code === probe.code && ok2 && live.size === got.size,
    'restore --force replaces a live database: the server answers from it and the check passes', `${f.out}\n  ${out2}`);
});
