// Shared harness of the browser tests (flow.test.mjs, work.test.mjs): step
// groups with "ok   e2e: NAME" / "FAIL e2e: NAME: why" lines and the final
// "N passed, N failed"; the minyi server on a free 127.0.0.1 port with a
// temporary database; Debian's chromium attached over CDP; page helpers.
// Whatever happens, the server and the browser (its whole process group)
// are killed and the temporary directory removed.
//
// Binary: $MINYI_BIN, else ./build/asan/minyi if present, else ./minyi.

import { chromium } from 'playwright-core';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, existsSync, rmSync, createWriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const OUT = join(ROOT, 'tests/e2e/out');
export const BIN = process.env.MINYI_BIN
  || (existsSync(join(ROOT, 'build/asan/minyi')) ? join(ROOT, 'build/asan/minyi') : join(ROOT, 'minyi'));
export const CHROMIUM = '/usr/bin/chromium';
export const STEP_TIMEOUT = 20000;

mkdirSync(OUT, { recursive: true });
export const tmp = mkdtempSync(join(tmpdir(), 'minyi-e2e-'));
export const DB = `sqlite:${join(tmp, 'minyi.db')}`;
export const RUN = Math.random().toString(36).slice(2, 8);

let server = null;
let browser = null;
let chrome = null;      // the chromium process (its own process group)
let serverLog = null;   // stream to tests/e2e/out/<name>
let serverLogPath = '';
let passed = 0;
let failed = 0;
const status = {};   // group id -> true (passed) | false
const titles = {};   // group id -> name

// ---------- harness ----------

export function reason(e) {
  const s = (e && (e.message || String(e))) || 'unknown error';
  return s.split('\n').filter(Boolean).slice(0, 3).join(' | ');
}

// group(id, name, needs, fn): runs fn unless a group it needs (by id) failed,
// in which case it is reported as FAIL "not run" rather than skipped.
export async function group(id, name, needs, fn) {
  titles[id] = name;
  const missing = needs.filter((n) => status[n] !== true);
  if (missing.length) {
    console.log(`FAIL e2e: ${name}: not run, needs ${missing.map((n) => `"${titles[n] || n}"`).join(', ')}`);
    failed++;
    status[id] = false;
    return;
  }
  try {
    await fn();
    console.log(`ok   e2e: ${name}`);
    passed++;
    status[id] = true;
  } catch (e) {
    console.log(`FAIL e2e: ${name}: ${reason(e)}`);
    failed++;
    status[id] = false;
  }
}

export function check(cond, msg) {
  if (!cond) throw new Error(msg);
}

// Runs main() (the groups), then always cleans up, prints the summary line
// and exits 1 on any failure.
export async function runTests(main) {
  try {
    await main();
  } catch (e) {
    console.log(`FAIL e2e: harness: ${reason(e)}`);
    failed++;
  } finally {
    await cleanup();
  }
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}

// A minyi command (not the server); throws with its stderr on failure.
export function run(args, input, bin = BIN) {
  const r = spawnSync(bin, args, { cwd: ROOT, input, encoding: 'utf8', timeout: 120000 });
  if (r.error) throw new Error(`${args.join(' ')}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`minyi ${args.join(' ')} exited ${r.status}: ${(r.stderr || '').trim()}`);
  return r.stdout;
}

// Retries fn (an async check that throws or returns false) until it passes;
// for work the server does in the background. Short pauses, no long sleeps.
export async function until(fn, ms, what) {
  const end = Date.now() + ms;
  let last = null;
  for (let pause = 50; ; pause = Math.min(pause * 2, 400)) {
    try {
      const v = await fn();
      if (v !== false) return v;
      last = null;
    } catch (e) { last = e; }
    if (Date.now() > end) throw new Error(`${what} (waited ${ms} ms)${last ? ': ' + reason(last) : ''}`);
    await new Promise((r) => setTimeout(r, pause));
  }
}

async function waitPortFile(file, ms) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (server.exitCode !== null) throw new Error(`server exited with ${server.exitCode} (see ${serverLogPath})`);
    if (existsSync(file)) {
      const port = parseInt(readFileSync(file, 'utf8').trim(), 10);
      if (port > 0) return port;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`server wrote no port to ${file} in ${ms} ms`);
}

async function waitHealthy(base, ms) {
  const end = Date.now() + ms;
  let last = '';
  while (Date.now() < end) {
    if (server.exitCode !== null) throw new Error(`server exited with ${server.exitCode} (see ${serverLogPath})`);
    try {
      const r = await fetch(`${base}/healthz`);
      if (r.status === 200) return;
      last = `status ${r.status}`;
    } catch (e) { last = e.message; }
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`server not healthy after ${ms} ms: ${last}`);
}

// Starts `minyi serve` on the test database; resolves to its base URL.
// Port 0 and --port-file: the server picks a free port itself (no race).
export async function startServer(logName = 'server.log') {
  const portFile = join(tmp, 'port');
  serverLogPath = join(OUT, logName);
  serverLog = createWriteStream(serverLogPath);
  const log = serverLog;
  server = spawn(BIN, ['serve', '--listen', '127.0.0.1:0', '--port-file', portFile, '--db', DB,
    '--web', join(ROOT, 'web'), '--submit-rate', '0'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  // end: false, both streams share the file; stopServer() closes it once the
  // process is gone (sanitizer reports come last, on stderr).
  server.stdout.pipe(log, { end: false });
  server.stderr.pipe(log, { end: false });
  const port = await waitPortFile(portFile, 30000);
  const base = `http://127.0.0.1:${port}`;
  await waitHealthy(base, 30000);
  return base;
}

// SIGTERM, then checks the exit status and the log for sanitizer reports.
export async function stopServer() {
  check(server, 'server never started');
  const closed = new Promise((r) => server.once('close', (code, sig) => r({ code, sig })));
  server.kill('SIGTERM');
  const res = await Promise.race([closed, new Promise((r) => setTimeout(() => r(null), 15000))]);
  check(res, 'server still running 15 s after SIGTERM');
  await new Promise((r) => serverLog.end(r));
  const log = readFileSync(serverLogPath, 'utf8');
  const m = log.match(/^.*(AddressSanitizer|LeakSanitizer|runtime error:).*$/m);
  check(!m, `sanitizer report in ${serverLogPath}: ${m && m[0]}`);
  check(res.code === 0, `server exit status ${res.code}${res.sig ? ' signal ' + res.sig : ''}`);
}

// Starts chromium by hand and attaches over CDP: Playwright's launch()
// refuses a --user-data-dir argument, and one browser must hold several
// contexts (citizen, officials, phone).
export async function launchBrowser(logName = 'chromium.log') {
  const args = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
    `--user-data-dir=${mkdtempSync(join(tmp, 'chromium-'))}`,
    '--remote-debugging-address=127.0.0.1', '--remote-debugging-port=0', 'about:blank'];
  chrome = spawn(CHROMIUM, args, { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  const clog = createWriteStream(join(OUT, logName));
  const ws = await new Promise((res, rej) => {
    let buf = '';
    const t = setTimeout(() => rej(new Error('chromium gave no DevTools endpoint in 30 s')), 30000);
    chrome.stderr.on('data', (d) => {
      clog.write(d);
      if (buf.length < 65536) buf += d;
      const m = buf.match(/DevTools listening on (ws:\/\/\S+)/);
      if (m) { clearTimeout(t); res(m[1]); }
    });
    chrome.on('error', (e) => { clearTimeout(t); rej(e); });
    chrome.on('exit', (c) => { clearTimeout(t); rej(new Error(`chromium exited ${c}: ${buf.slice(-300)}`)); });
  });
  browser = await chromium.connectOverCDP(ws);
  return browser;
}

let cleaned = false;
export async function cleanup() {
  if (cleaned) return;
  cleaned = true;
  if (browser) { try { await browser.close(); } catch (e) { /* already gone */ } }
  if (chrome && chrome.exitCode === null) {
    // Browser plus its renderer/zygote children: signal the whole group.
    try { process.kill(-chrome.pid, 'SIGTERM'); } catch (e) { /* gone */ }
    const gone = await Promise.race([
      new Promise((r) => chrome.once('exit', () => r(true))),
      new Promise((r) => setTimeout(() => r(false), 5000)),
    ]);
    if (!gone) { try { process.kill(-chrome.pid, 'SIGKILL'); } catch (e) { /* gone */ } }
  }
  if (server && server.exitCode === null) {
    server.kill('SIGTERM');
    const gone = await Promise.race([
      new Promise((r) => server.once('exit', () => r(true))),
      new Promise((r) => setTimeout(() => r(false), 5000)),
    ]);
    if (!gone) server.kill('SIGKILL');
  }
  try { rmSync(tmp, { recursive: true, force: true }); } catch (e) { /* best effort */ }
}
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, async () => { await cleanup(); process.exit(130); });
}
process.on('exit', () => {
  if (server && server.exitCode === null) server.kill('SIGKILL');
  if (chrome && chrome.exitCode === null) { try { process.kill(-chrome.pid, 'SIGKILL'); } catch (e) { /* gone */ } }
});

// ---------- pages ----------

// Collects what a page does that a test must notice: dialogs (an injected
// script running) and uncaught errors. (Console errors are not counted: the
// tests provoke 401/403/404/422 answers on purpose, which chromium logs.)
export function watch(page, log) {
  page.on('dialog', async (d) => { log.dialogs.push(d.message()); await d.dismiss().catch(() => {}); });
  page.on('pageerror', (e) => log.errors.push(`pageerror: ${e.message}`));
  page.setDefaultTimeout(STEP_TIMEOUT);
}

export function newLog() { return { dialogs: [], errors: [] }; }

export async function shot(page, name) {
  await page.screenshot({ path: join(OUT, `${name}.png`), fullPage: true });
}

export const text = (page, sel) => page.locator(sel).first().innerText();

// Logs in on the login page and waits to leave it. Any earlier session of
// the page's context is dropped first (the login page would skip itself).
export async function login(page, base, user) {
  await page.context().clearCookies();
  await page.goto(`${base}/login.html`);
  await page.locator('#f-login').fill(user.login);
  await page.locator('#f-password').fill(user.password);
  await page.locator('#login-submit').click();
  await page.waitForURL((u) => !/\/login\.html/.test(String(u)));
}

// Fails when the page is wider than the screen (sideways scrolling).
export async function fits(page, width, name) {
  const w = await page.evaluate(() => document.documentElement.scrollWidth);
  check(w <= width + 1, `${name} is ${w}px wide on a ${width}px screen`);
}

// ---- helpers shared by the browser tests -----------------------------------

/* A new page in ctx whose dialogs and script errors are collected in logs. */
export function newPage(ctx, logs) {
  return ctx.newPage().then((p) => { const log = newLog(); logs.push(log); watch(p, log); return p; });
}

export function desktopContext(browser) {
  return browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'zh-CN' });
}

/* GET an API path with the page's session. */
export function apiGet(page, path) {
  return page.evaluate(async (p) => {
    const r = await fetch(p, { headers: { Accept: 'application/json' } });
    return { status: r.status, body: await r.json().catch(() => null) };
  }, path);
}

/* API calls from the test itself; session = apiLogin's result. */
export async function getJson(base, path, session) {
  const headers = { Accept: 'application/json' };
  if (session) headers.Cookie = session.cookie;
  const r = await fetch(`${base}${path}`, { headers });
  return { status: r.status, body: await r.json().catch(() => null) };
}

export async function postJson(base, path, body, session) {
  const headers = { 'Content-Type': 'application/json', Accept: 'application/json' };
  if (session) { headers.Cookie = session.cookie; headers['X-CSRF-Token'] = session.csrf; }
  const r = await fetch(`${base}${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
  return { status: r.status, body: await r.json().catch(() => null) };
}

/* The Set-Cookie headers of a fetch() answer. Node 18 (Debian 12's) has no
 * Headers.getSetCookie(); there the joined header is split before each
 * "name=" (a comma inside an Expires date is followed by a day, not a name). */
export function setCookies(headers) {
  if (typeof headers.getSetCookie === 'function') return headers.getSetCookie();
  const joined = headers.get('set-cookie');
  return joined ? joined.split(/,(?=\s*[^;,=\s]+=)/).map((c) => c.trim()) : [];
}

/* An official's session for API calls: the cookie and the CSRF token. */
export async function apiLogin(base, user) {
  const r = await fetch(`${base}/api/v1/login`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ login: user.login, password: user.password }),
  });
  check(r.status === 200, `login ${user.login} answered ${r.status}`);
  const cookie = setCookies(r.headers).map((c) => c.split(';')[0]).find((c) => c.startsWith('minyi_session='));
  check(cookie, `login ${user.login} set no minyi_session cookie`);
  return { cookie, csrf: (await r.json()).csrf_token };
}

/* The answer to an intercepted request, fetched by Playwright, or the error
 * as a string. Playwright's fetches share one keep-alive pool across tests;
 * a pooled connection the server closes after its idle timeout (30 s) can
 * reset as it is reused, and a route whose fetch throws is never answered:
 * the page then waits forever (a CI run timed out so in waitForLoadState).
 * A browser retries an idempotent request on a reused connection that
 * resets, so GET and HEAD are retried here too; anything else is not. An
 * error left is returned, named in the test's violations, not a hang. */
async function proxyFetch(route) {
  const idempotent = ['GET', 'HEAD'].includes(route.request().method());
  for (let attempt = 1; ; attempt++) {
    try {
      return await route.fetch({ timeout: 8000 });   // three tries fit in waitForLoadState's 30 s
    } catch (e) {
      const why = String(e && e.message || e).split('\n')[0];
      if (!idempotent || attempt === 3) return why;
      console.error(`# proxy: ${route.request().url()} try ${attempt} failed (${why}); again`);
    }
  }
}

/* A page that loads everything under a stricter Content-Security-Policy than
 * the server's, collecting every violation: proof the pages need no inline
 * script or style. open(ctx) makes the page (default ctx.newPage()). */
export async function strictCspPage(browser, open = (ctx) => ctx.newPage()) {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'zh-CN' });
  const violations = [];
  await ctx.route('**/*', async (route) => {
    const resp = await proxyFetch(route);
    if (typeof resp === 'string') {
      violations.push(`proxy: ${route.request().method()} ${route.request().url()}: ${resp}`);
      await route.abort('failed').catch(() => {});
      return;
    }
    await route.fulfill({
      response: resp,
      headers: { ...resp.headers(), 'content-security-policy': "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; object-src 'none'; base-uri 'none'" },
    }).catch(() => {});   // the page may have gone on meanwhile
  });
  const p = await open(ctx);
  p.on('console', (m) => { if (/Content.Security.Policy/i.test(m.text())) violations.push(m.text()); });
  await p.exposeFunction('__cspViolation', (v) => violations.push(v));
  await p.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => window.__cspViolation(`${e.violatedDirective} ${e.blockedURI}`));
  });
  return { ctx, p, violations };
}
