// Browser test of administration and bulk work: an admin disables a
// handler's account on the admin page (the handler can no longer log in,
// the audit log page shows it), and another handler closes several
// replied messages at once with the inbox's checkboxes and bulk bar.
import {
  group, check, runTests, run, until, startServer, stopServer, launchBrowser, DB, tmp, RUN,
  login, newPage, desktopContext, text, apiLogin, postJson, shot,
} from './lib.mjs';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const PW = 'admin-e2e-pass-1';
const users = { admin: { login: 'root', password: PW }, handler: { login: 'traffic', password: PW }, temp: { login: 'temp', password: PW } };

await runTests(async () => {
  let base, browser, ctx;
  const logs = [];
  const ids = [];

  await group('server', 'server: demo data, an admin and two handlers; three replied messages; serve', [], async () => {
    run(['demo', '--db', DB]);
    const pw = join(tmp, 'pw');
    writeFileSync(pw, PW + '\n');
    run(['user', 'add', 'root', '--role', 'admin', '--password-file', pw, '--db', DB]);
    run(['user', 'add', 'traffic', '--role', 'handler', '--dept', '交通运输局', '--password-file', pw, '--db', DB]);
    run(['user', 'add', 'temp', '--role', 'handler', '--dept', '交通运输局', '--password-file', pw, '--db', DB]);
    base = await startServer('admin-server.log');
    const h = await apiLogin(base, users.handler);
    for (let i = 0; i < 3; i++) {
      const p = await postJson(base, '/api/v1/messages', { consultation_id: 2, title: `公交线路调整 ${i} ${RUN}`, body: '公交线路调整建议。', type: '建议' });
      check(p.status === 201, `post: ${p.status}`);
      const r = await fetch(`${base}/api/v1/messages/${p.body.id}/replies`, {
        method: 'POST', headers: { 'Content-Type': 'application/json', Cookie: h.cookie, 'X-CSRF-Token': h.csrf }, body: JSON.stringify({ body: '已研究采纳。' }),
      });
      check(r.status === 201, `reply: ${r.status}`);
      ids.push(p.body.id);
    }
  });

  await group('browser', 'browser: launch chromium', ['server'], async () => {
    browser = await launchBrowser('admin-chromium.log');
    ctx = await desktopContext(browser);
  });

  await group('disable', 'admin: disables an account on the admin page; that account cannot log in', ['browser'], async () => {
    const p = await newPage(ctx, logs);
    await login(p, base, users.admin);
    await p.goto(`${base}/admin.html`);
    const row = p.locator('#u-list tr[data-login="temp"]');
    await row.waitFor();
    await row.locator('button[data-action="disable"]').click();
    await until(async () => (await p.locator('#u-list tr[data-login="temp"] button[data-action="enable"]').count()) === 1, 10000, 'the row offers 启用');
    check((await p.locator('#u-list tr[data-login="temp"]').innerText()).includes('已停用'), 'the row says 已停用');
    await p.locator('#dl-deadline_consult').waitFor();
    check(await p.locator('#dl-deadline_consult').inputValue() === '5', 'the deadline form shows 咨询\'s 5 working days');
    check(!(await p.locator('#notice, #dl-notice').first().innerText()).trim(), 'no error on the admin page');
    await shot(p, 'admin-user-disabled');
    const r = await fetch(`${base}/api/v1/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(users.temp) });
    check(r.status === 403, `login of the disabled account answered ${r.status}`);
    await p.goto(`${base}/audit.html?kind=user_disable`);
    await p.locator('#audit-table tbody tr').first().waitFor();
    check((await text(p, '#audit-table tbody tr')).includes('root'), 'the audit log shows who');
    await shot(p, 'admin-audit');
    await p.close();
  });

  await group('bulk', 'handler: selects replied messages in the inbox and closes them in one go', ['disable'], async () => {
    const p = await newPage(ctx, logs);
    await login(p, base, users.handler);
    await p.goto(`${base}/inbox.html?state=replied`);
    await p.locator('#inbox-table').waitFor();
    for (const id of ids) await p.locator(`#inbox-table tr[data-id="${id}"] input.pick`).check();
    await until(async () => (await text(p, '#bulk-count')).includes('已选 3 条'), 5000, 'three selected');
    await p.locator('#bulk-action').selectOption('close');
    await p.locator('#bulk-reason').fill('已答复，统一办结');
    await p.locator('#bulk-submit').click();
    await until(async () => (await text(p, '#notice')).includes('已处理 3 条'), 10000, 'the outcome notice');
    await shot(p, 'admin-inbox-bulk-closed');
    await p.goto(`${base}/digest.html`);
    await p.locator('#digest-table tbody tr').first().waitFor();
    check((await text(p, '#digest-table tbody tr')).includes('交通运输局'), 'the digest page shows the handler\'s department');
    for (const id of ids) {
      const v = await (await fetch(`${base}/api/v1/messages/${id}`, { headers: { Cookie: (await apiLogin(base, users.admin)).cookie } })).json();
      check(v.state === 'closed' && v.resolution === '已答复，统一办结', `message ${id} closed with the note: ${v.state}`);
    }
    await p.close();
  });

  await group('clean', 'no script errors or dialogs in any page', ['bulk'], async () => {
    const bad = logs.flatMap((l) => [...l.errors, ...l.dialogs]);
    check(!bad.length, bad.join(' | '));
  });

  await group('stop', 'server: stops cleanly on SIGTERM, no sanitizer report', ['server'], async () => {
    await stopServer();
  });
});
