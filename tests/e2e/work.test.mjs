// Browser test of the work after intake: moderation, classifier routing,
// triage, transfer. Starts the real minyi server with demo data and CLI
// accounts (admin, moderator, two handlers in two departments), and drives
// chromium through the pages:
//   sensitive word added on the moderation page -> a citizen's message with
//   the word spelled with spaces is held (tracking page: 审核中) -> the
//   moderator sees the span highlighted, approves -> handler A's inbox;
//   `minyi train` model uploaded and activated on the admin page -> a message
//   with no mapped label lands in triage -> labels mapped, threshold set -> a
//   new message is routed by the model, its label shown to handler A, who
//   transfers it -> audit trail and handler B's inbox; three identical
//   messages -> one near-duplicate group on the inbox, message and tracking
//   pages; a held message rejected with a reason on a phone -> 未通过审核.
// The analyzer works in the background: every wait polls, none sleeps blind.
//
// Output and binaries as flow.test.mjs (harness: lib.mjs). The model is
// trained with $MINYI_BIN, else the release ./minyi, else the server binary.

import { writeFileSync, rmSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ROOT, BIN, DB, RUN, tmp, group, check, run, runTests, until, startServer, stopServer, launchBrowser,
  watch, newLog, shot, text, login, fits,
  newPage as sharedNewPage, desktopContext as sharedDesktopContext, apiGet,
  strictCspPage,
} from './lib.mjs';

const TRAIN_BIN = process.env.MINYI_BIN || (existsSync(join(ROOT, 'minyi')) ? join(ROOT, 'minyi') : BIN);
const TRAIN_DATA = join(ROOT, '../shared/data/teddy2020c/labeled_titles.tsv');
const WAIT = 20000;   // the analyzer's background work

const pw = (who) => `pw-${RUN}-${who}-secret`;
const ADMIN = { login: `w-admin-${RUN}`, password: pw('admin') };
const MOD = { login: `w-mod-${RUN}`, password: pw('mod') };
const HA = { login: `w-ha-${RUN}`, password: pw('ha') };
const HB = { login: `w-hb-${RUN}`, password: pw('hb') };
const DEPT_A = `e2e受理局-${RUN}`;
const DEPT_B = `e2e转办局-${RUN}`;
const KEYWORD = `天桥${RUN}`;           // keyword rule -> DEPT_A (before a model is active)
const WORD = '代开发票';
const SPACED = [...WORD].join(' ');     // what the citizen typed
const INJECT = '<img src=x onerror=alert(1)>';
const HELD_TITLE = `人行天桥上有人散发小广告 ${RUN}`;
const HELD_BODY = `${KEYWORD}上每天都有人散发“${SPACED}”的小广告，影响市容，请有关部门处理。\n原文：${INJECT}`;
const TRIAGE_TITLE = `关于路灯夜间不亮的问题 ${RUN}`;
const MODEL_TITLE = `地铁站出口自动扶梯经常停运 ${RUN}`;
const MODEL_BODY = '地铁三号线人民广场站2号出口的自动扶梯一个月内停运了五次，老人上下很不方便，请尽快维修。';
const DUP_TITLE = `建议延长图书馆周末开放时间 ${RUN}`;
const DUP_BODY = '市图书馆周末下午五点就闭馆，上班族平时没时间去，建议周末延长到晚上九点。';
const REASON = `此事属于${DEPT_B}职责（${RUN}）`;

let base = '';
let browser = null;
let boardId = 0;
let labels = [];        // the labels of the training data, as the model must report them
let modelPath = '';
let citizen = null;     // desktop contexts, one per person
let adminCtx = null;
let modCtx = null;
let haCtx = null;
let hbCtx = null;
let phone = null;
let modelMsgId = 0;
let modelCode = '';
const logs = [];

const newPage = (ctx) => sharedNewPage(ctx, logs);
const desktopContext = () => sharedDesktopContext(browser);

// Reloads the page until the locator is attached (work done in the background).
async function reloadUntil(page, locator, what) {
  await until(async () => {
    if (await locator.count()) return true;
    await page.reload();
    await page.waitForLoadState('networkidle');
    return (await locator.count()) > 0;
  }, WAIT, what);
}

// Clicks 刷新 on the moderation page until the item is listed.
async function waitQueued(page, item, what) {
  await until(async () => {
    if (await item.count()) return true;
    await page.locator('#q-refresh').click();
    await page.locator('#queue[aria-busy="false"]').waitFor();
    return (await item.count()) > 0;
  }, WAIT, what);
}

async function submitMessage(page, title, body) {
  await page.goto(`${base}/consultation.html?id=${boardId}`);
  await page.locator('#message-form').waitFor();
  await page.getByLabel('投诉').check();
  await page.locator('#f-title').fill(title);
  await page.locator('#f-body').fill(body);
  await page.locator('#submit').click();
  await page.locator('#done').waitFor();
  return (await text(page, '#done-code')).trim();
}

async function main() {
  await group('server', 'server: demo data, CLI departments, admin, moderator, two handlers, serve', [], async () => {
    check(existsSync(BIN), `no minyi binary at ${BIN} (build it or set MINYI_BIN)`);
    check(/admin/.test(run(['demo', '--db', DB])), 'minyi demo printed no admin login');
    run(['dept', 'add', DEPT_A, '--db', DB]);
    run(['dept', 'add', DEPT_B, '--db', DB]);
    run(['dept', 'rule', DEPT_A, KEYWORD, '--db', DB]);
    const file = join(tmp, 'pw');
    const add = (u, role, dept) => {
      writeFileSync(file, u.password + '\n', { mode: 0o600 });
      run(['user', 'add', u.login, '--role', role, ...(dept ? ['--dept', dept] : []), '--password-file', file, '--db', DB]);
    };
    add(ADMIN, 'admin');
    add(MOD, 'moderator');
    add(HA, 'handler', DEPT_A);
    add(HB, 'handler', DEPT_B);
    rmSync(file);
    base = await startServer('work-server.log');
    const cons = await (await fetch(`${base}/api/v1/consultations`)).json();
    const board = (cons.consultations || []).find((c) => c.kind === 'board' && c.status === 'open');
    check(board, 'demo data has no open message board');
    boardId = board.id;
  });

  await group('browser', 'browser: launch chromium', [], async () => {
    browser = await launchBrowser('work-chromium.log');
    citizen = await desktopContext();
    phone = await browser.newContext({
      viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: 'zh-CN',
    });
  });

  await group('words', 'admin: adds a sensitive word on the moderation page; a duplicate is refused at the field', ['server', 'browser'], async () => {
    adminCtx = await desktopContext();
    const p = await newPage(adminCtx);
    await login(p, base, ADMIN);
    await p.waitForURL(/admin\.html/);
    await p.locator('.site-nav a[href="/moderation.html"]').click();
    await p.waitForURL(/moderation\.html/);
    await p.locator('#moderation:not([hidden])').waitFor();
    check(await p.locator('#w-form').isVisible(), 'admin gets no add-word form');
    await p.locator('#w-word').fill(WORD);
    await p.locator('#w-submit').click();
    await p.locator('#w-list li .word', { hasText: WORD }).waitFor();
    check((await text(p, '#w-form .form-ok')).includes(WORD), 'no confirmation after adding the word');
    await p.locator('#w-word').fill(WORD);
    await p.locator('#w-submit').click();
    await p.locator('#err-w-word:not([hidden])').waitFor();
    check((await text(p, '#err-w-word')).includes('已在列表'), `duplicate word error says "${await text(p, '#err-w-word')}"`);
    check(await p.locator('#w-list li .word', { hasText: WORD }).count() === 1, 'word listed twice');
    await p.close();
  });

  let heldCode = '';
  await group('held', 'citizen: a message with the word spelled with spaces is held; tracking page says 审核中', ['words'], async () => {
    const p = await newPage(citizen);
    heldCode = await submitMessage(p, HELD_TITLE, HELD_BODY);
    await p.locator('#done-link').click();
    await p.waitForURL(/track\.html\?code=/);
    const badge = p.locator('.doc-head .badge', { hasText: '审核中' });
    await reloadUntil(p, badge, 'tracking page never showed 审核中');
    check((await text(p, '#m-moderation')).includes('审核'), 'no moderation note on the tracking page');
    check(await p.locator('.steps').count() === 0, 'progress steps shown for a held message');
    check(await p.locator('main img').count() === 0, 'an <img> element was created from citizen text');
    await shot(p, 'desktop-track-held');
    await p.close();
  });

  await group('moderate', 'moderator: sees it held with the span highlighted; rejecting needs a reason; approves it', ['held'], async () => {
    modCtx = await desktopContext();
    const p = await newPage(modCtx);
    await login(p, base, MOD);
    await p.waitForURL(/moderation\.html/);
    // The nav is drawn once /api/v1/me answers: wait for it rather than race it on a loaded machine.
    await p.locator('.site-nav a[href="/moderation.html"]').waitFor({ timeout: 15000 }).catch(() => {});
    check(await p.locator('.site-nav a[href="/moderation.html"]').count() === 1, 'no 内容审核 link for a moderator');
    check(await p.locator('.site-nav a[href="/admin.html"]').count() === 0, 'a moderator is offered 系统管理');
    const item = p.locator('.mod-item', { hasText: HELD_TITLE });
    await waitQueued(p, item, 'held message never reached the moderation queue');
    const marks = item.locator('.mod-body mark.hit');
    check(await marks.count() === 1, `expected 1 highlighted span in the body, got ${await marks.count()}`);
    check((await marks.first().innerText()) === SPACED, `highlight is "${await marks.first().innerText()}", not "${SPACED}"`);
    check((await item.locator('.mod-body').innerText()).includes(INJECT), 'injection string not shown as literal text');
    check(await item.locator('img').count() === 0, 'the queue created an <img> from citizen text');
    check(await item.locator('.mod-title mark').count() === 0, 'title highlighted though the word is only in the body');
    check((await item.locator('.reason-words').innerText()).includes(WORD), 'reasons do not name the word');
    check(/\d\.\d\d/.test(await item.locator('.spam-score').innerText()), 'no spam score');
    check(await p.locator('#w-form').isHidden(), 'a moderator is offered the add-word form');
    check(await p.locator('#w-list li .word', { hasText: WORD }).count() === 1, 'moderator does not see the word list');
    await item.locator('button[data-decision="reject"]').click();
    await item.locator('.reject-form button[type="submit"]').click();
    await item.locator('.reject-form [data-error-for="reason"]:not([hidden])').waitFor();
    check(await item.locator('.reject-form textarea').getAttribute('aria-invalid') === 'true', 'reason not marked aria-invalid');
    await shot(p, 'desktop-moderation-held');
    await item.locator('.reject-form [data-cancel]').click();
    await item.locator('button[data-decision="approve"]').click();
    await p.locator('#q-status', { hasText: '已通过' }).waitFor();
    await item.waitFor({ state: 'detached' });
    await p.close();
  });

  await group('approved', 'handler A: the approved message reaches the inbox; highlight and decision on the message page', ['moderate'], async () => {
    haCtx = await desktopContext();
    const p = await newPage(haCtx);
    await login(p, base, HA);
    await p.waitForURL(/inbox\.html/);
    check(await p.locator('.site-nav a[href="/moderation.html"]').count() === 0, 'a handler is offered 内容审核');
    check(await p.locator('#tabs').isHidden(), 'a handler is offered the triage tab');
    const link = p.locator('#inbox-table a', { hasText: HELD_TITLE });
    await reloadUntil(p, link, 'approved message never reached handler A\'s inbox');
    await link.click();
    await p.locator('#m-body').waitFor();
    check((await text(p, '#m-body mark.hit')) === SPACED, 'word not highlighted on the message page');
    check((await text(p, '#hold')).includes('审核通过'), 'message page does not say it was approved');
    check(await p.locator('main img').count() === 0, 'message page created an <img> from citizen text');
    const ev = p.locator('#events li.ev-moderate');
    await ev.first().waitFor();
    const evText = await ev.first().innerText();
    check(evText.includes('审核通过') && evText.includes(MOD.login), `moderation event reads "${evText}"`);
    check((await text(p, '#events li.ev-held')).includes(WORD), 'held event does not name the word');
    await shot(p, 'desktop-message-approved');
    // The citizen's tracking page no longer says 审核中.
    const c = await newPage(citizen);
    await c.goto(`${base}/track.html?code=${encodeURIComponent(heldCode)}`);
    await c.locator('#m-body').waitFor();
    check(await c.locator('.doc-head .badge', { hasText: '审核中' }).count() === 0, 'tracking page still says 审核中');
    check((await c.locator('main').innerText()).includes(DEPT_A), 'tracking page does not name the department');
    await c.close();
    // A handler is not a moderator: the moderation page refuses.
    await p.goto(`${base}/moderation.html`);
    await p.locator('#notice:not([hidden])').waitFor();
    check((await text(p, '#notice')).includes('审核人员'), 'handler not refused on the moderation page');
    check(await p.locator('#moderation').isHidden(), 'moderation queue shown to a handler');
    await p.close();
  });

  await group('model', 'admin: a bad file is refused at the field; the trained model is uploaded and activated', ['server', 'browser'], async () => {
    check(existsSync(TRAIN_DATA), `no training data at ${TRAIN_DATA}`);
    modelPath = join(tmp, `model-${RUN}.bin`);
    run(['train', '--data', TRAIN_DATA, '--model', modelPath, '--folds', '0', '--quiet'], undefined, TRAIN_BIN);
    const rows = readFileSync(TRAIN_DATA, 'utf8').split('\n').slice(1).filter(Boolean);
    labels = [...new Set(rows.map((r) => r.split('\t')[1]).filter(Boolean))].sort();
    check(labels.length >= 2, 'training data has fewer than 2 labels');
    if (!adminCtx) adminCtx = await desktopContext();
    const p = await newPage(adminCtx);
    await p.goto(`${base}/admin.html`);
    if (/login\.html/.test(p.url())) { await login(p, base, ADMIN); await p.goto(`${base}/admin.html`); }
    await p.locator('#admin:not([hidden])').waitFor();
    // Hostile input first: not a model.
    const bogus = join(tmp, 'bogus.bin');
    writeFileSync(bogus, 'MINYICLS\nthis is not a model\n\u0000\u00ff');
    await p.locator('#m-file').setInputFiles(bogus);
    await p.locator('#m-submit').click();
    await p.locator('#err-m-file:not([hidden])').waitFor();
    check((await text(p, '#err-m-file')).includes('不是可用的模型'), `bad model error says "${await text(p, '#err-m-file')}"`);
    check(await p.locator('#m-list tr[data-id]').count() === 0, 'a bad file was listed as a model');
    const name = `e2e-${RUN}`;
    await p.locator('#m-file').setInputFiles(modelPath);
    await p.locator('#m-name').fill(name);
    check(await p.locator('#m-activate').isChecked(), 'activate box not checked by default');
    await p.locator('#m-submit').click();
    const row = p.locator('#m-list tr', { hasText: name });
    await row.waitFor();
    check((await row.innerText()).includes('使用中'), 'uploaded model not shown as active');
    for (const l of labels) check((await row.innerText()).includes(l), `model row does not list label ${l}`);
    check((await text(p, '#m-form .form-ok')).includes(`${labels.length} 个标签`), 'upload confirmation lacks the label count');
    await p.locator('#l-list select').first().waitFor();
    check(await p.locator('#l-list select').count() === labels.length, `label table has ${await p.locator('#l-list select').count()} selects, want ${labels.length}`);
    await p.close();
  });

  await group('triage', 'admin: with no label mapped, a new message goes to the 待分办 tab with its label', ['model'], async () => {
    const r = await fetch(`${base}/api/v1/messages`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ consultation_id: boardId, title: TRIAGE_TITLE, body: '小区外的路灯已经一个星期晚上不亮了，行人很不安全。', type: '投诉' }),
    });
    check(r.status === 201, `POST /api/v1/messages answered ${r.status}`);
    const p = await newPage(adminCtx);
    await p.goto(`${base}/inbox.html`);
    await p.locator('#tabs:not([hidden])').waitFor();
    await p.locator('#tab-triage').click();
    await p.waitForURL(/triage=1/);
    check(await p.locator('#tab-triage').getAttribute('aria-current') === 'page', 'triage tab not marked current');
    const rowLoc = p.locator('#inbox-table tr', { hasText: TRIAGE_TITLE });
    // Analysed: the label column is filled.
    await until(async () => {
      await p.reload();
      await p.locator('#inbox[aria-busy="false"]').waitFor();
      if (!(await rowLoc.count())) return false;
      return labels.includes((await rowLoc.locator('.label-tag').innerText().catch(() => '')).trim());
    }, WAIT, 'triage message never listed with a label');
    check(/\d+%/.test(await rowLoc.locator('.label-cell').innerText()), 'no confidence next to the label');
    check((await rowLoc.innerText()).includes('待分办'), 'triage row does not say 待分办');
    await shot(p, 'desktop-inbox-triage');
    await p.locator('#tab-all').click();
    await p.waitForURL((u) => !/triage=1/.test(String(u)));
    await p.close();
  });

  await group('labels', 'admin: maps every label to department A and lowers the triage threshold', ['model'], async () => {
    const p = await newPage(adminCtx);
    await p.goto(`${base}/admin.html`);
    await p.locator('#l-list select').first().waitFor();
    const n = await p.locator('#l-list select').count();
    for (let i = 0; i < n; i++) {
      const row = p.locator('#l-list tr').nth(i);
      await row.locator('select').selectOption(DEPT_A);
      await row.locator('.save-state.ok').waitFor();
    }
    // Out of range: refused at the field before sending.
    await p.locator('#s-triage').fill('1.5');
    await p.locator('#s-submit').click();
    await p.locator('#err-s-triage:not([hidden])').waitFor();
    await p.locator('#s-triage').fill('0.05');
    await p.locator('#s-submit').click();
    await p.locator('#s-form .form-ok:not([hidden])').waitFor();
    await shot(p, 'desktop-admin-models');
    // Saved on the server: a fresh page shows the same.
    await p.reload();
    await p.locator('#l-list select').first().waitFor();
    await until(async () => (await p.locator('#s-triage').inputValue()) === '0.05', 5000, 'triage threshold not kept');
    // The page loads departments, models and labels side by side and draws
    // the label rows again as each arrives: wait for the last drawing.
    for (let i = 0; i < n; i++) {
      const sel = p.locator('#l-list select').nth(i);
      let v = '';
      await until(async () => (v = await sel.inputValue()) === DEPT_A, 5000, '').catch(() => {});
      check(v === DEPT_A, `label ${i} maps to "${v}" after reload`);
    }
    const m = await apiGet(p, '/api/v1/labels');
    check((m.body.labels || []).length === labels.length, 'server does not list every label as mapped');
    await p.close();
  });

  await group('label', 'handler A: a new message is routed by the model; label and confidence on the message page', ['labels', 'approved'], async () => {
    const c = await newPage(citizen);
    modelCode = await submitMessage(c, MODEL_TITLE, MODEL_BODY);
    await c.close();
    const p = await newPage(haCtx);
    await p.goto(`${base}/inbox.html`);
    const link = p.locator('#inbox-table a', { hasText: MODEL_TITLE });
    await reloadUntil(p, link, 'model-routed message never reached handler A\'s inbox');
    const row = p.locator('#inbox-table tr', { hasText: MODEL_TITLE });
    const inboxLabel = (await row.locator('.label-tag').innerText()).trim();
    check(labels.includes(inboxLabel), `inbox label "${inboxLabel}" is not one of the model's`);
    await shot(p, 'desktop-inbox-labels');
    await link.click();
    await p.waitForURL(/message\.html\?id=\d+/);
    modelMsgId = Number(new URL(p.url()).searchParams.get('id'));
    await p.locator('#m-label').waitFor();
    const label = (await text(p, '#m-label')).trim();
    check(label === inboxLabel, `message page label "${label}" differs from the inbox "${inboxLabel}"`);
    const api = await apiGet(p, `/api/v1/messages/${modelMsgId}`);
    check(api.body.label === label, `page shows "${label}", API says "${api.body.label}"`);
    check((await text(p, '#m-confidence')) === `置信度 ${Math.round(api.body.confidence * 100)}%`,
      `confidence shown as "${await text(p, '#m-confidence')}" for ${api.body.confidence}`);
    const ev = await text(p, '#events li.ev-analyzed');
    check(ev.includes(`分类为「${label}」`) && ev.includes(`分办至「${DEPT_A}」`), `analysis event reads "${ev}"`);
    check(await p.locator('#transfer-section').isVisible(), 'no transfer form for the handling department');
    check(await p.locator(`#f-dept option[value="${DEPT_A}"]`).count() === 0, 'transfer offers the current department');
    await shot(p, 'desktop-message-label');
    await p.close();
  });

  await group('transfer', 'handler A: transfers it to department B with a reason; it leaves A\'s inbox', ['label'], async () => {
    const p = await newPage(haCtx);
    await p.goto(`${base}/message.html?id=${modelMsgId}`);
    await p.locator('#transfer-section:not([hidden])').waitFor();
    await p.locator('#transfer-submit').click();   // no department chosen
    await p.locator('#err-dept:not([hidden])').waitFor();
    await p.locator('#f-dept').selectOption(DEPT_B);
    await p.locator('#f-reason').fill(REASON);
    await p.locator('#transfer-submit').click();
    await p.locator('#notice', { hasText: `已转办至「${DEPT_B}」` }).waitFor();
    check((await text(p, '#message')).includes('移出本部门'), 'page does not say the message left the department');
    check(await p.locator('#transfer-section').isHidden(), 'transfer form still offered');
    await shot(p, 'desktop-message-transfer-done');
    await p.goto(`${base}/inbox.html`);
    await p.locator('#inbox[aria-busy="false"]').waitFor();
    check(await p.locator('#inbox-table a', { hasText: MODEL_TITLE }).count() === 0, 'transferred message still in A\'s inbox');
    await p.close();
  });

  await group('handlerB', 'handler B: the message is in B\'s inbox; the audit trail shows the transfer', ['transfer'], async () => {
    hbCtx = await desktopContext();
    const p = await newPage(hbCtx);
    await login(p, base, HB);
    await p.waitForURL(/inbox\.html/);
    const link = p.locator('#inbox-table a', { hasText: MODEL_TITLE });
    await link.waitFor();
    check((await p.locator('#inbox-table tr', { hasText: MODEL_TITLE }).innerText()).includes(DEPT_B), 'B\'s inbox row does not name B');
    await link.click();
    await p.locator('#events li.ev-transfer').waitFor();
    const ev = await text(p, '#events li.ev-transfer');
    check(ev.includes(`「${DEPT_A}」 → 「${DEPT_B}」`), `transfer event reads "${ev}"`);
    check(ev.includes(REASON), 'transfer event lacks the reason');
    check(ev.includes(HA.login), 'transfer event does not name handler A');
    check((await text(p, '.doc-head .badge')) === '已转办', 'state is not 已转办');
    check((await text(p, '#message .facts')).includes(DEPT_B), 'message page does not show department B');
    await shot(p, 'desktop-message-transferred');
    const c = await newPage(citizen);
    await c.goto(`${base}/track.html?code=${encodeURIComponent(modelCode)}`);
    await c.locator('#m-body').waitFor();
    check((await c.locator('main').innerText()).includes(DEPT_B), 'tracking page does not show department B');
    await c.close();
    await p.close();
  });

  await group('groups', 'handler A: three identical messages form a group: badge, group list, message and tracking pages; one reply answers all three', ['labels', 'approved'], async () => {
    const codes = [];
    for (let i = 0; i < 3; i++) {
      const r = await fetch(`${base}/api/v1/messages`, {
        method: 'POST', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ consultation_id: boardId, title: DUP_TITLE, body: DUP_BODY, type: '建议' }),
      });
      check(r.status === 201, `POST /api/v1/messages answered ${r.status}`);
      codes.push((await r.json()).tracking_code);
    }
    const p = await newPage(haCtx);
    await p.goto(`${base}/inbox.html`);
    const badges = p.locator('#inbox-table tr', { hasText: DUP_TITLE }).locator('.badge.group-size', { hasText: '相似 3' });
    await until(async () => {
      await p.reload();
      await p.locator('#inbox[aria-busy="false"]').waitFor();
      return (await badges.count()) === 3;
    }, WAIT, 'the three messages never showed a group badge of 3');
    await shot(p, 'desktop-inbox-group');
    await badges.first().click();
    await p.waitForURL(/inbox\.html\?group=\d+$/);
    await p.locator('#group-head:not([hidden])', { hasText: '共 3 条' }).waitFor();
    check(await p.locator('#tabs').isHidden(), 'tabs shown on a group page');
    await p.locator('#inbox-table').waitFor();
    check(await p.locator('#inbox-table tbody tr').count() === 3, `group list has ${await p.locator('#inbox-table tbody tr').count()} rows`);
    check(await p.locator('#inbox-table tbody tr', { hasText: DUP_TITLE }).count() === 3, 'group list shows other messages');
    await shot(p, 'desktop-inbox-group-members');
    await p.locator('#inbox-table a', { hasText: DUP_TITLE }).first().click();
    await p.locator('#m-group').waitFor();
    check((await text(p, '#m-group')) === '此留言及另外 2 条相似留言', `group link reads "${await text(p, '#m-group')}"`);
    const c = await newPage(citizen);
    await c.goto(`${base}/track.html?code=${encodeURIComponent(codes[1])}`);
    await c.locator('#m-group').waitFor();
    check((await text(c, '#m-group')).includes('共收到 3 条'), `tracking page says "${await text(c, '#m-group')}"`);
    await shot(c, 'desktop-track-group');
    // One answer for the whole group: every citizen sees it on their own tracking page.
    const answer = `图书馆周末开放时间将延长至晚九点（${RUN}）`;
    await p.locator('#whole-group-field:not([hidden])').waitFor();
    check((await text(p, '#whole-group-label')).includes('本组共 3 条'), `whole-group option reads "${await text(p, '#whole-group-label')}"`);
    await p.fill('#f-reply', answer);
    await p.check('#f-whole-group');
    await p.click('#reply-submit');
    await p.locator('.notice', { hasText: '答复已发布给 3 条留言' }).waitFor();
    await shot(p, 'desktop-message-group-reply');
    for (const code of [codes[0], codes[2]]) {
      await c.goto(`${base}/track.html?code=${encodeURIComponent(code)}`);
      await c.locator('.reply', { hasText: answer }).waitFor();
    }
    await c.close();
    await p.close();
  });

  await group('campaign', 'handler A: one reply to a campaign of 230 (more than one step): the page follows the background job to the end', ['groups'], async () => {
    // Imported beside the running server (no sender address, so no flood
    // check), routed to department A by its keyword, grouped by the import.
    const N = 230;
    const title = `${KEYWORD}电梯停运 ${RUN}`;
    let tsv = 'id\ttitle\tbody\ttype\n';
    for (let i = 0; i < N; i++) tsv += `cp${RUN}-${i}\t${title}\t我是居民${i}号，${KEYWORD}的电梯已经停运${10 + (i % 9)}天，老人和推婴儿车的居民只能绕远路，请尽快修复。\t投诉\n`;
    const file = join(tmp, 'campaign.tsv');
    writeFileSync(file, tsv);
    run(['import', '--quiet', '--db', DB, '--consultation', String(boardId), '--data', file]);
    const p = await newPage(haCtx);
    await p.goto(`${base}/inbox.html`);
    await reloadUntil(p, p.locator('#inbox-table tr', { hasText: title }).locator('.badge.group-size', { hasText: `相似 ${N}` }).first(), 'the campaign in the inbox');
    await p.locator('#inbox-table a', { hasText: title }).first().click();
    await p.locator('#whole-group-field:not([hidden])').waitFor();
    await p.fill('#f-reply', `电梯已恢复运行（${RUN}）`);
    await p.check('#f-whole-group');
    await p.click('#reply-submit');
    await p.locator('.notice', { hasText: `答复已发布给 ${N} 条留言` }).waitFor({ timeout: WAIT });
    await shot(p, 'desktop-message-campaign-reply');
    await p.close();
  });

  await group('reject', 'phone: admin rejects a held message with a reason; the tracking page says 未通过审核', ['words'], async () => {
    const title = `${WORD}，先开票后付款 ${RUN}`;
    const r = await fetch(`${base}/api/v1/messages`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ consultation_id: boardId, title, body: '各类发票，量大从优，加微信详谈。', type: '咨询' }),
    });
    check(r.status === 201, `POST /api/v1/messages answered ${r.status}`);
    const code = (await r.json()).tracking_code;
    const p = await newPage(phone);
    await login(p, base, ADMIN);
    await p.goto(`${base}/moderation.html`);
    const item = p.locator('.mod-item', { hasText: title });
    await waitQueued(p, item, 'message never reached the moderation queue');
    check((await item.locator('.mod-title mark.hit').innerText()) === WORD, 'word in the title not highlighted');
    await fits(p, 390, 'moderation');
    await shot(p, 'phone-moderation');
    await item.locator('button[data-decision="reject"]').click();
    await item.locator('.reject-form textarea').fill(`广告信息（${RUN}）`);
    await item.locator('.reject-form button[type="submit"]').click();
    await p.locator('#q-status', { hasText: '已驳回' }).waitFor();
    await item.waitFor({ state: 'detached' });
    await p.goto(`${base}/track.html?code=${encodeURIComponent(code)}`);
    await p.locator('.doc-head .badge', { hasText: '未通过审核' }).waitFor();
    check((await text(p, '#m-moderation')).includes('未通过审核'), 'no rejection note on the tracking page');
    await fits(p, 390, 'track-rejected');
    await shot(p, 'phone-track-rejected');
  });

  await group('phone', 'phone: admin, inbox and message pages fit a 390px screen', ['labels', 'transfer'], async () => {
    const p = await newPage(phone);
    await login(p, base, ADMIN);
    await p.goto(`${base}/admin.html`);
    await p.locator('#l-list select').first().waitFor();
    await fits(p, 390, 'admin');
    await shot(p, 'phone-admin');
    await p.goto(`${base}/inbox.html?triage=1`);
    await p.locator('#inbox-table').waitFor();
    await fits(p, 390, 'inbox-triage');
    await shot(p, 'phone-inbox-triage');
    await p.goto(`${base}/message.html?id=${modelMsgId}`);
    await p.locator('#events li.ev-transfer').waitFor();
    await fits(p, 390, 'message');
    await shot(p, 'phone-message-transferred');
    const c = await newPage(phone);
    await c.goto(`${base}/track.html?code=${encodeURIComponent(heldCode)}`);
    await c.locator('#m-body').waitFor();
    await fits(c, 390, 'track');
  });

  await group('csp', 'new pages run under a strict Content-Security-Policy', ['server', 'browser'], async () => {
    const { ctx, p, violations } = await strictCspPage(browser);
    await login(p, base, ADMIN);
    const paths = ['/moderation.html', '/admin.html', '/inbox.html?triage=1'];
    if (modelMsgId) paths.push(`/message.html?id=${modelMsgId}`);
    if (heldCode) paths.push(`/track.html?code=${encodeURIComponent(heldCode)}`);
    for (const path of paths) {
      await p.goto(`${base}${path}`);
      await p.waitForLoadState('networkidle');
    }
    check(violations.length === 0, `CSP violations: ${violations.slice(0, 3).join(' | ')}`);
    await ctx.close();
  });

  await group('errors', 'no script errors or dialogs in any page', ['browser'], async () => {
    const errs = logs.flatMap((l) => [...l.errors, ...l.dialogs.map((d) => `dialog: ${d}`)]);
    check(errs.length === 0, errs.slice(0, 3).join(' | '));
  });

  await group('shutdown', 'server: stops cleanly on SIGTERM, no sanitizer report', [], async () => {
    await stopServer();
  });
}

await runTests(main);
