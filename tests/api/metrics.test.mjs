// metrics.test.mjs: GET /metrics in the Prometheus text format: requests by
// route pattern (never a raw path with a tracking code in it) and status,
// latency histograms, the analyzer queue, held and overdue messages; read
// by loopback clients, --metrics-allow addresses and admins only.
import { Server, Client, minyi, test, assert, eq, run } from './lib.mjs';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

// No analyzer: the queue only grows, so its gauge is exact. 127.0.0.1 is a
// trusted proxy, so a forwarded request is a remote visitor.
const srv = new Server(['--no-analyzer', '--trusted-proxy', '127.0.0.1', '--metrics-allow', '192.0.2.0/24']);
const PW = 'admin-pass-123';

async function setup() {
  minyi(['demo', '--db', srv.db]);
  srv.addUser('root', 'admin', null, PW);
  // Two old unanswered messages are overdue; one old answered one is not.
  const f = join(srv.dir, 'old.tsv');
  writeFileSync(f, 'title\tbody\tcreated_at\ttype\treply\treplied_at\n'
    + '路灯不亮\t请维修\t2020/3/5 08:00\t投诉\t\t\n井盖丢失\t很危险\t2020/3/6 08:00\t投诉\t\t\n'
    + '公交改线\t不方便\t2020/3/7 08:00\t建议\t已答复\t2020/3/8 08:00\n');
  // --no-analyze: the rows wait for the analyzer, so the queue gauge has something to count.
  minyi(['import', '--consultation', '2', '--data', f, '--db', srv.db, '--no-analyze']);
  await srv.start();
}

const anon = () => new Client(srv.base);
function value(text, name, labels = '') {
  const line = text.split('\n').find(l => l.startsWith(name + (labels ? '{' + labels + '}' : '') + ' '));
  return line === undefined ? undefined : Number(line.split(' ').pop());
}

test('requests by route pattern and status, with histograms', async () => {
  const codes = [];
  for (let i = 0; i < 3; i++) {
    const r = await anon().req('POST', '/api/v1/messages', { consultation_id: 2, title: '噪音扰民' + i, body: '夜间施工', type: '投诉' });
    eq(r.status, 201, 'post');
    codes.push(r.json.tracking_code);
  }
  for (const c of codes) eq((await anon().req('GET', '/api/v1/messages/' + c)).status, 200, 'track');
  eq((await anon().req('GET', '/api/v1/messages/NONE-NONE-NONE')).status, 404, 'unknown code');
  eq((await anon().req('POST', '/api/v1/messages', '{', { raw: true })).status, 400, 'bad JSON');
  const r = await anon().req('GET', '/metrics');
  eq(r.status, 200, 'loopback reads metrics');
  assert(r.headers.get('content-type').startsWith('text/plain; version=0.0.4'), 'Prometheus content type');
  const t = r.text;
  eq(value(t, 'minyi_http_requests_total', 'route="/api/v1/messages",method="POST",status="201"'), 3, 'posts');
  eq(value(t, 'minyi_http_requests_total', 'route="/api/v1/messages",method="POST",status="400"'), 1, 'bad posts');
  eq(value(t, 'minyi_http_requests_total', 'route="/api/v1/messages/*",method="GET",status="200"'), 3, 'lookups by pattern');
  eq(value(t, 'minyi_http_requests_total', 'route="/api/v1/messages/*",method="GET",status="404"'), 1, 'misses');
  for (const c of codes) assert(!t.includes(c), 'no raw path with a tracking code');
  eq(value(t, 'minyi_http_request_duration_seconds_count', 'route="/api/v1/messages",method="POST",status="201"'), 3, 'histogram count');
  eq(value(t, 'minyi_http_request_duration_seconds_bucket', 'route="/api/v1/messages",method="POST",status="201",le="+Inf"'), 3, '+Inf bucket');
  // buckets are cumulative
  const buckets = t.split('\n').filter(l => l.startsWith('minyi_http_request_duration_seconds_bucket{route="/api/v1/messages",method="POST",status="201"'))
    .map(l => Number(l.split(' ').pop()));
  assert(buckets.length === 14 && buckets.every((v, i) => i === 0 || v >= buckets[i - 1]), 'cumulative buckets ' + buckets);
  assert(/# TYPE minyi_http_request_duration_seconds histogram/.test(t), 'histogram type');
  // every sample line is "name{labels} number"
  for (const l of t.split('\n').filter(l => l && !l.startsWith('#')))
    assert(/^[a-z_]+(\{[^}]*\})? -?[0-9.e+]+$/.test(l), 'sample syntax: ' + l);
});

test('analyzer queue, held, overdue and error gauges', async () => {
  let t = (await anon().req('GET', '/metrics')).text;
  const q0 = value(t, 'minyi_analyzer_queue_messages');
  assert(q0 >= 6, 'unanalyzed messages queued: ' + q0);   // demo messages, 3 imported, 3 posted
  eq(value(t, 'minyi_messages_overdue'), 2, 'two old unanswered messages are overdue');
  eq(value(t, 'minyi_messages_held'), 0, 'nothing held');
  eq(value(t, 'minyi_messages_analyzed_total'), 0, 'no analyzer');
  eq(value(t, 'minyi_db_errors_total'), 0, 'no database errors');
  await anon().req('POST', '/api/v1/messages', { consultation_id: 2, title: '再来一条', body: '排队', type: '建议' });
  t = (await anon().req('GET', '/metrics')).text;
  eq(value(t, 'minyi_analyzer_queue_messages'), q0 + 1, 'the queue grows by one');
  assert(value(t, 'minyi_analyzer_lag_seconds') >= 0, 'lag');
  assert(value(t, 'minyi_messages_rate_limited_total') === 0, 'rate-limited counter');
});

test('remote visitors are refused; --metrics-allow addresses and admins may read', async () => {
  let r = await anon().req('GET', '/metrics', undefined, { headers: { 'X-Forwarded-For': '198.51.100.9' } });
  eq(r.status, 403, 'a visitor through the proxy');
  assert(!r.text.includes('minyi_http'), 'no figures in the refusal');
  r = await anon().req('GET', '/metrics', undefined, { headers: { 'X-Forwarded-For': '192.0.2.5' } });
  eq(r.status, 200, 'the monitoring network');
  const a = new Client(srv.base);
  eq((await a.login('root', PW)).status, 200, 'admin login');
  r = await a.req('GET', '/metrics', undefined, { headers: { 'X-Forwarded-For': '198.51.100.9' } });
  eq(r.status, 200, 'an admin from anywhere');
  eq((await anon().req('POST', '/metrics', '{}', { raw: true })).status, 405, 'read only');
});

let res = { passed: 0, failed: 1 };
try { await setup(); res = await run('api/metrics'); }
catch (e) { console.log(`FAIL api/metrics: setup\n  ${e.stack || e}`); }
const code = await srv.stop();
if (code !== 0 && code !== null) { console.log(`FAIL api/metrics: server exited with ${code}\n${srv.log.slice(-3000)}`); res.failed++; }
srv.cleanup();
console.log(`${res.passed} passed, ${res.failed} failed`);
process.exit(res.failed ? 1 : 0);
