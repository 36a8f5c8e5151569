// lib.mjs: helpers for the API tests: start the real server on a free port
// with a temporary database, make accounts through the CLI, tiny test runner
// whose last line is "N passed, N failed".
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const BIN = process.env.MINYI_BIN
  || (existsSync('build/asan/minyi') ? 'build/asan/minyi' : './minyi');

export function minyi(args, input) {
  return execFileSync(BIN, args, { input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
}

/* Runs minyi expecting failure; returns {status, stderr}. */
export function minyiFails(args, input) {
  try {
    execFileSync(BIN, args, { input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
    return { status: 0, stderr: '' };
  } catch (e) {
    return { status: e.status, stderr: String(e.stderr) };
  }
}

export class Server {
  constructor(extraArgs = []) {
    this.dir = mkdtempSync(join(tmpdir(), 'minyi-api-'));
    this.db = `sqlite:${join(this.dir, 'minyi.db')}`;
    this.extraArgs = extraArgs;
    this.log = '';
  }
  async start() {
    const portFile = join(this.dir, 'port');
    // Tests post many messages from 127.0.0.1: no per-address submission
    // limit unless a test sets one (tests/api/abuse.test.mjs does).
    const limits = this.extraArgs.includes('--submit-rate') ? [] : ['--submit-rate', '0'];
    rmSync(portFile, { force: true });
    this.proc = spawn(BIN, ['serve', '--listen', '127.0.0.1:0', '--db', this.db, '--web', 'web',
                            '--port-file', portFile, ...limits, ...this.extraArgs], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc.stdout.on('data', d => { this.log += d; });
    this.proc.stderr.on('data', d => { this.log += d; });
    this.exited = new Promise(res => this.proc.on('exit', (code, sig) => res({ code, sig })));
    for (let i = 0; i < 200; i++) {
      if (existsSync(portFile) && readFileSync(portFile, 'utf8').trim()) break;
      await new Promise(r => setTimeout(r, 50));
    }
    this.port = Number(readFileSync(portFile, 'utf8').trim());
    this.base = `http://127.0.0.1:${this.port}`;
  }
  /* Graceful stop; returns the exit status (non-zero on a sanitizer report). */
  async stop() {
    if (!this.proc || this.proc.exitCode !== null) return this.proc?.exitCode;
    this.proc.kill('SIGTERM');
    const r = await this.exited;
    return r.code;
  }
  async kill9() {
    this.proc.kill('SIGKILL');
    await this.exited;
  }
  cleanup() { rmSync(this.dir, { recursive: true, force: true }); }
  /* A statement run by the sqlite3 shell on the server's database file; its output, trimmed. */
  sql(q) { return execFileSync('sqlite3', [this.db.replace(/^sqlite:/, ''), q], { encoding: 'utf8' }).trim(); }
  addUser(login, role, dept, password) {
    const pw = join(this.dir, `pw-${login}`);
    writeFileSync(pw, password + '\n');
    const args = ['user', 'add', login, '--role', role, '--password-file', pw, '--db', this.db];
    if (dept) args.push('--dept', dept);
    minyi(args);
  }
}

/* A client with its own cookie jar and CSRF token. */
export class Client {
  constructor(base) { this.base = base; this.cookie = ''; this.csrf = ''; }
  async req(method, path, body, { raw = false, csrf = true, headers = {} } = {}) {
    const h = { ...headers };
    if (this.cookie) h.Cookie = this.cookie;
    if (csrf && this.csrf) h['X-CSRF-Token'] = this.csrf;
    let data;
    if (body !== undefined) {
      data = raw ? body : JSON.stringify(body);
      if (!h['Content-Type']) h['Content-Type'] = 'application/json';
    }
    const res = await fetch(this.base + path, { method, headers: h, body: data });
    const setCookie = res.headers.get('set-cookie');
    if (setCookie) this.cookie = setCookie.split(';')[0];
    const text = await res.text();
    let json = null;
    try { json = JSON.parse(text); } catch { /* not JSON */ }
    return { status: res.status, json, text, headers: res.headers };
  }
  async login(login, password) {
    const r = await this.req('POST', '/api/v1/login', { login, password });
    if (r.status === 200) this.csrf = r.json.csrf_token;
    return r;
  }
}

/* Polls the official view of a message until the background analyzer has
 * been through it; returns that view. */
export async function waitAnalyzed(c, id) {
  for (let i = 0; i < 600; i++) {
    const r = await c.req('GET', `/api/v1/messages/${id}`);
    if (r.json && r.json.analyzed) return r.json;
    await new Promise(res => setTimeout(res, 50));
  }
  throw new Error(`message ${id} was not analyzed within 30 s`);
}

/* A Server-Sent Events reader over fetch (what EventSource does in a
 * browser): collects {event, data (parsed JSON)} in arrival order. */
export function listenEvents(base, path) {
  const ctl = new AbortController();
  const events = [];
  const ready = fetch(base + path, { signal: ctl.signal, headers: { Accept: 'text/event-stream' } }).then(async (res) => {
    if (res.status !== 200) throw new Error(`${path} answered ${res.status}`);
    const reader = res.body.getReader();
    const dec = new TextDecoder();
    let buf = '';
    (async () => {
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buf += dec.decode(value, { stream: true });
          let k;
          while ((k = buf.indexOf('\n\n')) >= 0) {
            const block = buf.slice(0, k); buf = buf.slice(k + 2);
            let event = 'message', data = '';
            for (const line of block.split('\n')) {
              if (line.startsWith('event: ')) event = line.slice(7);
              else if (line.startsWith('data: ')) data += line.slice(6);
            }
            if (data) events.push({ event, data: JSON.parse(data) });
          }
        }
      } catch { /* aborted */ }
    })();
    return res;
  });
  return { events, ready, close: () => ctl.abort() };
}

/* Waits (5 s at most) for an event matching pred among events. */
export async function waitEvent(events, pred, what) {
  for (let i = 0; i < 200; i++) {
    const e = events.find(pred);
    if (e) return e;
    await new Promise(r => setTimeout(r, 25));
  }
  throw new Error(`no event: ${what}; got ${JSON.stringify(events).slice(0, 500)}`);
}

const tests = [];
export function test(name, fn) { tests.push({ name, fn }); }

export function assert(cond, msg) { if (!cond) throw new Error(msg || 'assertion failed'); }
export function eq(actual, expected, msg) {
  const a = JSON.stringify(actual), e = JSON.stringify(expected);
  if (a !== e) throw new Error(`${msg || 'value'}: got ${a}, expected ${e}`);
}

export async function run(suite) {
  let passed = 0, failed = 0;
  for (const t of tests) {
    try { await t.fn(); passed++; console.log(`ok   ${suite}: ${t.name}`); }
    catch (e) { failed++; console.log(`FAIL ${suite}: ${t.name}\n  ${e.stack || e}`); }
  }
  return { passed, failed };
}
