// abuse.test.mjs: slow and abusive clients. While many connections send
// their headers one byte a second (slowloris) and one address floods the
// message intake, a normal client is still served, the flood gets 429 with
// Retry-After once over --submit-rate, and other citizens' messages all
// go in; an address opening more than --conns-per-ip connections has the
// rest refused. Local addresses 127.0.0.x stand for different clients.
//
// Short form in `make test` (100 slow connections, 300 flood posts);
// `make test-abuse` runs the long form (500 slow, 10,000 flood posts, 30 s)
// on the release build and also asserts the normal client's p99 <= 100 ms.
import { Server, minyi, test, assert, eq, run } from './lib.mjs';
import http from 'node:http';
import net from 'node:net';

const SLOW = Number(process.env.ABUSE_SLOW || 100);
const FLOOD = Number(process.env.ABUSE_FLOOD || 300);
const SECONDS = Number(process.env.ABUSE_SECONDS || 5);
const LONG = !!process.env.ABUSE_LONG;
const RATE = 20;           // messages per address per minute
const PER_IP = 64;         // connections per address

const srv = new Server(['--submit-rate', String(RATE), '--conns-per-ip', String(PER_IP), '--quiet']);
const sleep = ms => new Promise(r => setTimeout(r, ms));

/* One request on a keep-alive agent bound to a local address. */
function request(agent, method, path, body) {
  return new Promise((resolve, reject) => {
    const data = body ? Buffer.from(JSON.stringify(body)) : null;
    const req = http.request({ host: '127.0.0.1', port: srv.port, method, path, agent,
      headers: data ? { 'Content-Type': 'application/json', 'Content-Length': data.length } : {} }, res => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', d => { text += d; });
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, text }));
    });
    req.on('error', reject);
    req.setTimeout(20000, () => req.destroy(new Error('timeout')));
    if (data) req.write(data);
    req.end();
  });
}
const agentFrom = (addr, n = 1) => new http.Agent({ keepAlive: true, maxSockets: n, localAddress: addr });

/* A slowloris connection: a request line, then a header byte a second. */
function slowConnection(localAddress) {
  const s = net.connect({ host: '127.0.0.1', port: srv.port, localAddress });
  const c = { s, open: true, closedEarly: false, timer: null };
  s.on('connect', () => {
    s.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ');
    c.timer = setInterval(() => { if (c.open) s.write('a'); }, 1000);
  });
  s.on('error', () => {});
  s.on('close', () => { c.open = false; clearInterval(c.timer); });
  return c;
}

const pct = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(p * s.length))]; };

async function setup() {
  minyi(['demo', '--db', srv.db]);
  await srv.start();
}

test(`a normal client is served during ${SLOW} slowloris connections and a flood of ${FLOOD} posts`, async () => {
  // Slow connections spread over addresses, each under the per-IP limit.
  const slow = [];
  for (let i = 0; i < SLOW; i++) slow.push(slowConnection(`127.0.0.${10 + Math.floor(i / 50)}`));
  await sleep(1500);
  const openAtStart = slow.filter(c => c.open).length;
  eq(openAtStart, SLOW, 'slow connections are held open (not simply refused)');

  // The flood: one address, 16 connections in parallel.
  const floodAgent = agentFrom('127.0.0.3', 16);
  const flood = { created: 0, limited: 0, other: 0, retryAfter: true };
  let sent = 0;
  const floodWorker = async () => {
    while (sent < FLOOD) {
      const i = sent++;
      const r = await request(floodAgent, 'POST', '/api/v1/messages', { consultation_id: 2, title: '刷屏' + i, body: '重复提交的内容' + i, type: '建议' });
      if (r.status === 201) flood.created++;
      else if (r.status === 429) { flood.limited++; if (!(Number(r.headers['retry-after']) >= 1)) flood.retryAfter = false; }
      else flood.other++;
    }
  };
  const floodDone = Promise.all(Array.from({ length: 16 }, floodWorker));

  // Other citizens, each from their own address, a few messages each.
  const citizens = [];
  for (let k = 0; k < 10; k++) {
    const a = agentFrom(`127.0.0.${100 + k}`);
    citizens.push((async () => {
      const st = [];
      for (let j = 0; j < 5; j++) {
        st.push((await request(a, 'POST', '/api/v1/messages', { consultation_id: 2, title: `第${k}位市民的留言${j}`, body: '小区路灯坏了请维修', type: '投诉' })).status);
        await sleep(100);
      }
      return st;
    })());
  }

  // The normal client: one request after another for the whole attack.
  const normal = agentFrom('127.0.0.1');
  const lat = [];
  let bad = 0;
  const until = Date.now() + SECONDS * 1000;
  while (Date.now() < until) {
    const t0 = process.hrtime.bigint();
    const r = await request(normal, 'GET', '/api/v1/consultations');
    lat.push(Number(process.hrtime.bigint() - t0) / 1e6);
    if (r.status !== 200) bad++;
  }
  await floodDone;
  const others = (await Promise.all(citizens)).flat();
  const stillOpen = slow.filter(c => c.open).length;
  for (const c of slow) c.s.destroy();
  for (const a of [floodAgent, normal]) a.destroy();

  const p50 = pct(lat, 0.5), p99 = pct(lat, 0.99), max = lat.reduce((a, b) => Math.max(a, b), 0);
  console.log(`  normal client: ${lat.length} requests during the attack, p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, max ${max.toFixed(1)} ms`);
  console.log(`  flood of ${FLOOD} from one address: ${flood.created} created, ${flood.limited} got 429, ${flood.other} other`);
  console.log(`  other citizens: ${others.filter(s => s === 201).length}/${others.length} created; slow connections still open: ${stillOpen}/${SLOW}`);
  assert(lat.length >= 10, 'the normal client got answers during the attack');
  eq(bad, 0, 'every normal request answered 200');
  eq(flood.other, 0, 'the flood gets 201 or 429, nothing else');
  assert(flood.created <= RATE && flood.created >= 1, `at most ${RATE} flood messages accepted (${flood.created})`);
  eq(flood.limited, FLOOD - flood.created, 'the rest of the flood is refused with 429');
  assert(flood.retryAfter, 'every 429 says Retry-After');
  eq(others.filter(s => s === 201).length, others.length, 'every other citizen\'s message is accepted');
  if (LONG) assert(p99 <= 100, `normal client's p99 ${p99.toFixed(1)} ms <= 100 ms`);
});

test(`one address gets at most ${PER_IP} connections; the others are refused`, async () => {
  const conns = [];
  for (let i = 0; i < PER_IP + 20; i++) conns.push(slowConnection('127.0.0.99'));
  await sleep(1500);
  const open = conns.filter(c => c.open).length;
  for (const c of conns) c.s.destroy();
  console.log(`  ${PER_IP + 20} connections from one address: ${open} held open`);
  // Two accepts at the same instant may both pass the accept check, but the
  // count that follows shuts any connection over the limit: exactly PER_IP.
  eq(open, PER_IP, 'the limit holds');
  // and the address is served again once its connections are gone
  await sleep(300);
  const a = agentFrom('127.0.0.99');
  eq((await request(a, 'GET', '/healthz')).status, 200, 'served again');
  a.destroy();
});

let res = { passed: 0, failed: 1 };
try { await setup(); res = await run('api/abuse'); }
catch (e) { console.log(`FAIL api/abuse: setup\n  ${e.stack || e}`); }
const code = await srv.stop();
if (code !== 0 && code !== null) { console.log(`FAIL api/abuse: server exited with ${code}\n${srv.log.slice(-3000)}`); res.failed++; }
srv.cleanup();
console.log(`${res.passed} passed, ${res.failed} failed`);
process.exit(res.failed ? 1 : 0);
