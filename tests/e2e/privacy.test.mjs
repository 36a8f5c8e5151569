// privacy.test.mjs: in Chromium, the reply form warns a handler about
// personal data in a reply and shows the server's masked form before it is
// published (a second click publishes); an unsent reply survives an expired
// session (kept in localStorage, restored after logging in again); the
// citizen's tracking page shows the reply masked, and a rejected message
// says it was not published and why, with nothing internal.
import { writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import {
  DB, RUN, tmp, group, check, run, runTests, until, startServer, stopServer, launchBrowser,
  shot, text, login, newPage as sharedNewPage, desktopContext, postJson, apiLogin, getJson,
} from './lib.mjs';

const HANDLER = { login: `p-h-${RUN}`, password: `pw-${RUN}-handler-secret` };
const MOD = { login: `p-mod-${RUN}`, password: `pw-${RUN}-mod-secret` };
const DEPT = `隐私局-${RUN}`;
const KEYWORD = `井盖${RUN}`;
const WORD = '违禁词语';
const PART1 = '您好，已安排维修，如有疑问请拨打13812345678联系。';
const PART2 = '另：负责人身份证430102199003001234。';
const logs = [];
let base = '';
let browser = null;
let msg = null;

const newPage = (ctx) => sharedNewPage(ctx, logs);

async function main() {
  await group('server', 'server: demo data, a department with a keyword, a handler, a moderator', [], async () => {
    run(['demo', '--db', DB]);
    run(['dept', 'add', DEPT, '--db', DB]);
    run(['dept', 'rule', DEPT, KEYWORD, '--db', DB]);
    run(['words', 'add', WORD, '--db', DB]);
    const file = join(tmp, 'pw');
    for (const [u, role, dept] of [[HANDLER, 'handler', DEPT], [MOD, 'moderator', null]]) {
      writeFileSync(file, u.password + '\n', { mode: 0o600 });
      run(['user', 'add', u.login, '--role', role, ...(dept ? ['--dept', dept] : []), '--password-file', file, '--db', DB]);
    }
    rmSync(file);
    base = await startServer('privacy-server.log');
    const r = await postJson(base, '/api/v1/messages', { consultation_id: 2, type: '投诉', title: `${KEYWORD}缺失`, body: `路口的${KEYWORD}丢了，很危险。` });
    check(r.status === 201, `post answered ${r.status}`);
    msg = r.body;
    browser = await launchBrowser('privacy-chromium.log');
  });

  let ctx = null;
  let p = null;
  await group('warn', 'handler: the reply form shows the personal data found and the masked form; publishing needs a second click', ['server'], async () => {
    ctx = await desktopContext(browser);
    p = await newPage(ctx);
    await login(p, base, HANDLER);
    await p.goto(`${base}/message.html?id=${msg.id}`);
    await p.locator('#reply-section:not([hidden])').waitFor();
    await p.locator('#f-reply').fill(PART1);
    await p.locator('#reply-pii:not([hidden])').waitFor();
    const what = await text(p, '#reply-pii-what');
    check(what.includes('手机号') && what.includes('1 处'), `warning reads "${what}"`);
    const masked = await text(p, '#reply-pii-masked');
    check(masked.includes('138****5678') && !masked.includes('13812345678'), `masked form reads "${masked}"`);
    await p.locator('#reply-submit').click();
    await until(async () => (await text(p, '#reply-submit')).includes('确认发布'), 10000, 'the button asks for confirmation');
    const pub = await getJson(base, `/api/v1/messages/${msg.tracking_code}`);
    check((pub.body.replies || []).length === 0, 'published on the first click');
    await shot(p, 'privacy-reply-warning');
    await p.reload();
    await p.locator('#reply-draft-note:not([hidden])').waitFor();
    check(await p.locator('#f-reply').inputValue() === PART1, 'draft not restored after a reload');
  });

  await group('expired', 'handler: the session expires while writing; the draft survives the login and is published masked', ['warn'], async () => {
    await p.locator('#f-reply').fill(PART1 + PART2);
    // The server forgets every session: what an expiry does.
    const del = spawnSync('sqlite3', [DB.replace(/^sqlite:/, ''), 'DELETE FROM sessions;'], { encoding: 'utf8' });
    check(del.status === 0, `sqlite3: ${del.stderr}`);
    await new Promise((r) => setTimeout(r, 1000));   // the preview's turn: it gets a 401 and must stay
    check(/message\.html/.test(p.url()), 'the preview sent the handler away while typing');
    await p.locator('#reply-submit').click();
    await p.waitForURL(/login\.html\?next=/);
    await p.locator('#f-login').fill(HANDLER.login);
    await p.locator('#f-password').fill(HANDLER.password);
    await p.locator('#login-submit').click();
    await p.waitForURL(/message\.html\?id=/);
    await p.locator('#reply-draft-note:not([hidden])').waitFor();
    check(await p.locator('#f-reply').inputValue() === PART1 + PART2, 'the draft was lost across the login');
    await shot(p, 'privacy-draft-restored');
    await p.locator('#reply-pii:not([hidden])').waitFor();
    await p.locator('#reply-submit').click();
    await until(async () => (await text(p, '#reply-submit')).includes('确认发布'), 10000, 'the button asks for confirmation');
    await p.locator('#reply-submit').click();
    await p.locator('.notice', { hasText: '答复已发布' }).waitFor();
    check(await p.evaluate((k) => localStorage.getItem(k), `minyi.reply-draft.${msg.id}`) === null, 'draft kept after publishing');
    await p.reload();
    await p.locator('#replies .reply').first().waitFor();
    check(await p.locator('#f-reply').inputValue() === '', 'an old draft came back after publishing');
  });

  await group('track', 'citizen: the tracking page shows the reply masked', ['expired'], async () => {
    const c = await newPage(await desktopContext(browser));
    await c.goto(`${base}/track.html?code=${encodeURIComponent(msg.tracking_code)}`);
    await c.locator('.reply').first().waitFor();
    const all = await text(c, 'main');
    check(all.includes('138****5678') && all.includes('430102********1234'), 'masked forms not shown');
    check(!all.includes('13812345678') && !all.includes('199003001234'), 'the tracking page shows personal data of the reply');
  });

  await group('rejected', 'citizen: a rejected message says it was not published and why, nothing internal', ['server'], async () => {
    const r = await postJson(base, '/api/v1/messages', { consultation_id: 2, type: '咨询', title: `关于${WORD} ${RUN}`, body: `这里有${WORD}。` });
    check(r.status === 201, `post answered ${r.status}`);
    const mod = await apiLogin(base, MOD);
    await until(async () => (await postJson(base, `/api/v1/messages/${r.body.id}/moderation`,
      { decision: 'reject', reason: '含有不文明用语，请修改后重新提交。' }, mod)).status === 200, 20000, 'the moderator rejects it once held');
    const c = await newPage(await desktopContext(browser));
    await c.goto(`${base}/track.html?code=${encodeURIComponent(r.body.tracking_code)}`);
    await c.locator('#m-rejection-reason').waitFor();
    check((await text(c, '#m-moderation')).includes('没有公开'), 'does not say it was not published');
    check((await text(c, '#m-rejection-reason')).includes('含有不文明用语'), 'no reason');
    const all = await text(c, 'main');
    check(!/spam|评分|敏感词|score/i.test(all), `internal details on the page: ${all}`);
    await shot(c, 'privacy-track-rejected');
  });

  await group('clean', 'no script errors or dialogs; the server stops cleanly', ['server'], async () => {
    for (const l of logs) check(!l.errors.length && !l.dialogs.length, `page log: ${[...l.errors, ...l.dialogs].join(' | ')}`);
    await stopServer();
  });
}

await runTests(main);
