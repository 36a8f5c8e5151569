// kill9.test.mjs: durability under crashes. Concurrent citizens post
// messages; every 201 is recorded with what was sent; the server is killed
// with SIGKILL at a random moment and restarted. After each restart every
// acknowledged message (of every round so far) must be stored byte-identical
// (title, body, type, region, phone, read back with `minyi export
// --unmasked`) and `minyi check` (SQLite integrity check plus minyi's
// invariants) must pass. CRASH_ROUNDS rounds (default 3; `make test-crash`
// runs 20). Ends with "N passed, N failed".
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { minyi, startLoad, stored, compare, check, Server, runSuite } from './load.mjs';

const ROUNDS = Number(process.env.CRASH_ROUNDS || 3);
const CLIENTS = Number(process.env.CRASH_CLIENTS || 8);
const dir = mkdtempSync(join(tmpdir(), 'minyi-crash-'));
const db = `sqlite:${join(dir, 'minyi.db')}`;
const acked = [];

await runSuite('crash', dir, async (result, state) => {
  minyi(['consultation', 'add', '崩溃测试', '--kind', 'board', '--db', db]);
  const cons = Number(minyi(['consultation', 'list', '--db', db]).match(/^(\d+)/m)[1]);
  const srv = state.srv = new Server(dir, db);
  await srv.start();
  let totalKilledInFlight = 0;
  for (let round = 1; round <= ROUNDS; round++) {
    const before = acked.length;
    const load = startLoad({ base: () => srv.base, consultation: cons, clients: CLIENTS, tag: `r${round}`, acked });
    // Let some messages through (at least 20), then kill at a random moment.
    const t0 = Date.now();
    while (acked.length - before < 20 && Date.now() - t0 < 60000) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 700)));
    const { sig } = await srv.kill9();
    const inRound = acked.length - before;
    await srv.start();                       // restart while the clients keep trying
    await new Promise((r) => setTimeout(r, 100));
    await load.stop();
    totalKilledInFlight += load.stats.failed;
    const bad = compare(acked, stored(db));
    const [ok, out] = check(db);
    result(sig === 'SIGKILL' && bad.length === 0 && ok,
      `round ${round}: killed (${sig}) after ${inRound} acknowledged; all ${acked.length} acknowledged so far stored byte-identical; check clean`,
      [...bad.slice(0, 5), bad.length > 5 ? `... ${bad.length} differences` : '', ok ? '' : out].filter(Boolean).join('\n  '));
  }
  console.log(`crash: ${ROUNDS} rounds, ${acked.length} messages acknowledged, ${totalKilledInFlight} requests failed while the server was down`);
});
