// load.mjs: concurrent citizens posting messages, for the crash and backup
// tests. Every 201 is recorded with exactly what was sent; anything else
// (connection refused or reset while the server is down) is counted, not
// recorded: only acknowledged messages are promised to survive.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

export const BIN = process.env.MINYI_BIN
  || (existsSync('build/asan/minyi') ? 'build/asan/minyi' : './minyi');

export function minyi(args) {
  return execFileSync(BIN, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 28 });
}

// Text that exercises storage: multi-byte Chinese, quotes, a newline, emoji.
const BITS = ['路灯不亮', '公交站台', '噪音扰民', '"引号"', "单引号'", '\\反斜杠', 'emoji😀', '全角１２３', 'tab\there', 'a&b<c>'];
function text(rnd, n) {
  let s = '';
  for (let i = 0; i < n; i++) s += BITS[Math.floor(rnd() * BITS.length)];
  return s;
}

// A small deterministic generator per client (mulberry32).
function gen(seed) {
  return () => {
    seed |= 0; seed = (seed + 0x6D2B79F5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Starts `clients` loops posting to base() (a function: the port changes on
// restart) until stop() is called. acked: array the 201s are pushed to, as
// {code, at, consultation_id, title, body, type, region, phone}.
export function startLoad({ base, consultation, clients = 8, tag = 'x', acked }) {
  let running = true;
  const stats = { sent: 0, acked: 0, failed: 0 };
  const loops = [];
  for (let c = 0; c < clients; c++) {
    const rnd = gen(c * 7919 + tag.length * 31 + Date.now());
    loops.push((async () => {
      for (let seq = 0; running; seq++) {
        const msg = {
          consultation_id: consultation,
          title: `${tag}-${c}-${seq} ${text(rnd, 2)}`,
          body: `${text(rnd, 3 + Math.floor(rnd() * 20))}\n第${seq}条`,
          type: ['建议', '咨询', '投诉', '求助', '感谢'][seq % 5],
          region: seq % 3 ? `区域${c}` : undefined,
          phone: seq % 4 === 0 ? `1390000${String(c * 1000 + (seq % 1000)).padStart(4, '0')}` : undefined,
        };
        stats.sent++;
        try {
          const r = await fetch(`${base()}/api/v1/messages`, {
            method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(msg),
          });
          const j = await r.json().catch(() => null);
          if (r.status === 201 && j && j.tracking_code) {
            stats.acked++;
            acked.push({ code: j.tracking_code, at: Date.now(), ...msg });
          } else {
            stats.failed++;
            if (r.status !== 201 && r.status < 500) throw new Error(`post answered ${r.status}: ${JSON.stringify(j)}`);
          }
        } catch (e) {
          if (/answered 4/.test(e.message)) throw e;
          stats.failed++;
          await new Promise((res) => setTimeout(res, 20));   // server down: try again shortly
        }
      }
    })());
  }
  return { stats, stop: async () => { running = false; await Promise.all(loops); } };
}

// The messages of db as minyi exports them (unmasked), by tracking code.
export function stored(db) {
  const out = minyi(['export', '--db', db, '--unmasked']);
  const map = new Map();
  for (const line of out.split('\n')) if (line) { const o = JSON.parse(line); map.set(o.tracking_code, o); }
  return map;
}

// Compares each acknowledged message with what is stored; returns the
// differences as strings (missing, or a field not byte-identical).
export function compare(acked, map) {
  const bad = [];
  for (const a of acked) {
    const s = map.get(a.code);
    if (!s) { bad.push(`${a.code} (${a.title}) missing`); continue; }
    for (const f of ['title', 'body', 'type', 'region', 'phone']) {
      if ((a[f] ?? '') !== (s[f] ?? '')) bad.push(`${a.code} ${f}: sent ${JSON.stringify(a[f])}, stored ${JSON.stringify(s[f])}`);
    }
  }
  return bad;
}

// `minyi check`: returns [ok, output].
export function check(db) {
  try { return [true, minyi(['check', '--db', db])]; } catch (e) { return [false, `${e.stdout}${e.stderr}`]; }
}

// A server on a free port, restartable after a SIGKILL.
export class Server {
  constructor(dir, db) { this.dir = dir; this.db = db; this.log = ''; }
  async start() {
    const portFile = join(this.dir, 'port');
    rmSync(portFile, { force: true });
    this.proc = spawn(BIN, ['serve', '--listen', '127.0.0.1:0', '--db', this.db, '--web', 'web', '--port-file', portFile, '--quiet', '--submit-rate', '0'],
      { stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc.stdout.on('data', (d) => { this.log += d; });
    this.proc.stderr.on('data', (d) => { this.log += d; });
    this.exited = new Promise((res) => this.proc.on('exit', (code, sig) => res({ code, sig })));
    for (let i = 0; i < 1200; i++) {
      if (this.proc.exitCode !== null) throw new Error(`server exited ${this.proc.exitCode}: ${this.log.slice(-500)}`);
      if (existsSync(portFile) && readFileSync(portFile, 'utf8').trim()) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    this.base = `http://127.0.0.1:${Number(readFileSync(portFile, 'utf8').trim())}`;
  }
  async kill9() { this.proc.kill('SIGKILL'); return this.exited; }
  async stop() {
    if (this.proc.exitCode !== null) return this.proc.exitCode;
    this.proc.kill('SIGTERM');
    return (await this.exited).code;
  }
}

// Runs body(result, state) as one suite: result(ok, name, detail) reports a
// case; body puts its server in state.srv, which is then stopped and must
// exit cleanly (a sanitizer report fails it). Always removes dir, prints
// "N passed, N failed" and exits.
export async function runSuite(suite, dir, body) {
  let passed = 0, failed = 0;
  const result = (ok, name, detail) => {
    if (ok) { passed++; console.log(`ok   ${suite}: ${name}`); } else { failed++; console.log(`FAIL ${suite}: ${name}\n  ${detail}`); }
  };
  const state = { srv: null };
  try {
    await body(result, state);
    if (state.srv) {
      const code = await state.srv.stop();
      result(code === 0, 'the server stops cleanly', `exit status ${code}: ${state.srv.log.slice(-2000)}`);
    }
  } catch (e) {
    result(false, 'harness', e.stack || e);
    if (state.srv && state.srv.proc && state.srv.proc.exitCode === null) state.srv.proc.kill('SIGKILL');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}
