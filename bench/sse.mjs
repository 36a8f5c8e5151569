// sse.mjs: fan-out of live updates (Server-Sent Events) to many viewers.
// Opens N raw TCP connections to GET /api/v1/posts/ID/events on a running
// minyi, waits until every one has its first event, then, ROUNDS times,
// a moderator approves a held comment and the delay until each viewer has
// it is recorded (from just before the approval request to the arrival).
// Prints p50/p99/max over all viewers and rounds, how many got every
// comment, and a checksum of the comment ids received.
//   node bench/sse.mjs PORT POST_ID N ROUNDS COOKIE CSRF COMMENT_IDS(comma-separated)
import net from 'node:net';
import { createHash } from 'node:crypto';

const [port, post, n, rounds, cookie, csrf, idsArg] = process.argv.slice(2);
const N = Number(n), ROUNDS = Number(rounds);
const ids = idsArg.split(',').map(Number);
const viewers = [];
let connected = 0;

function open(i) {
  return new Promise((resolve) => {
    const v = { got: new Map(), buf: '', ready: false, sock: null };
    const s = net.connect({ host: '127.0.0.1', port: Number(port) }, () => {
      s.write(`GET /api/v1/posts/${post}/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n`);
    });
    v.sock = s;
    s.setEncoding('utf8');
    s.on('data', (d) => {
      v.buf += d;
      if (!v.ready && v.buf.includes('event: views')) { v.ready = true; connected++; resolve(v); }
      let k;
      while ((k = v.buf.indexOf('event: comment\ndata: ')) >= 0) {
        const end = v.buf.indexOf('\n', k + 21);
        if (end < 0) break;
        const data = JSON.parse(v.buf.slice(k + 21, end));
        v.got.set(data.id, performance.now());
        v.buf = v.buf.slice(end);
      }
      if (v.buf.length > 65536) v.buf = v.buf.slice(-4096);
    });
    s.on('error', () => resolve(v));
    viewers[i] = v;
  });
}

const t0 = performance.now();
const BATCH = 500;
for (let i = 0; i < N; i += BATCH) {
  const part = [];
  for (let j = i; j < Math.min(N, i + BATCH); j++) part.push(open(j));
  await Promise.all(part);
}
const connectSec = (performance.now() - t0) / 1e3;
console.log(`viewers connected: ${connected}/${N} in ${connectSec.toFixed(1)} s`);
// Tell the caller (bench/sse.sh) to read the server's memory now.
console.log('READY');
await new Promise((r) => process.stdin.once('data', r));

const delays = [];
for (let r = 0; r < ROUNDS; r++) {
  const id = ids[r];
  const sent = performance.now();
  const res = await fetch(`http://127.0.0.1:${port}/api/v1/comments/${id}/moderation`, {
    method: 'POST', headers: { 'Content-Type': 'application/json', Cookie: cookie, 'X-CSRF-Token': csrf },
    body: JSON.stringify({ decision: 'approve' }),
  });
  if (res.status !== 200) { console.log(`approval answered ${res.status}`); process.exit(1); }
  const deadline = performance.now() + 10000;
  while (performance.now() < deadline && viewers.some((v) => v.ready && !v.got.has(id))) await new Promise((x) => setTimeout(x, 5));
  for (const v of viewers) if (v.ready) delays.push(v.got.has(id) ? v.got.get(id) - sent : Infinity);
}
delays.sort((a, b) => a - b);
const q = (p) => delays[Math.min(delays.length - 1, Math.floor(p * delays.length))];
const missed = delays.filter((d) => d === Infinity).length;
const sum = createHash('sha256');
for (const v of viewers) if (v.ready) sum.update([...v.got.keys()].sort().join(','));
console.log(`delivery delay over ${ROUNDS} approvals x ${connected} viewers: p50 ${q(0.5).toFixed(1)} ms, p99 ${q(0.99).toFixed(1)} ms, max ${delays[delays.length - 1].toFixed(1)} ms, missed ${missed}`);
console.log(`checksum ${sum.digest('hex').slice(0, 16)}`);
for (const v of viewers) v.sock?.destroy();
process.exit(0);
