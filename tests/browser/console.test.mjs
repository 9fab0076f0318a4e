// The staff console in headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core),
// with JavaScript switched off: every step is a plain link or form, as the console promises.
// Started by tests/console_browser_test.cc, which runs the real stack (repay-banksim + repay
// serve), creates the staff accounts and two refund proposals, and passes them in the
// environment:
//   CONSOLE_URL, REFUND_APPROVE, REFUND_REJECT, MAKER, CHECKER, LOCKY, PASSWORD,
//   MAX_FAILED (console_max_failed_logins), FORBIDDEN (comma-separated full card, ID and mobile
//   numbers that no page may ever contain).
// Exits 0 when every check passed; prints what failed otherwise.
import { chromium } from 'playwright-core';

const env = (k) => {
  const v = process.env[k];
  if (!v) throw new Error(`missing environment variable ${k}`);
  return v;
};
const base = env('CONSOLE_URL');
const approveNo = env('REFUND_APPROVE');
const rejectNo = env('REFUND_REJECT');
const maker = env('MAKER');
const checker = env('CHECKER');
const locky = env('LOCKY');
const password = env('PASSWORD');
const maxFailed = Number(env('MAX_FAILED'));
const forbidden = env('FORBIDDEN').split(',').filter((s) => s.length > 0);

let failures = 0;
function check(ok, what) {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
  if (!ok) failures++;
}

// /work/shared/testing.md: without the background-networking flags Chromium keeps trying to
// reach the internet. Playwright adds --headless and a fresh --user-data-dir itself.
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
         '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});

const seen = [];  // every page's HTML, checked for full numbers at the end
async function visit(page, path) {
  const r = await page.goto(base + path);
  seen.push(await page.content());
  return r;
}
async function after(page) {
  await page.waitForLoadState('load');
  seen.push(await page.content());
}
async function text(page, selector) {
  const el = await page.$(selector);
  return el ? (await el.textContent()).trim() : '';
}
async function login(ctx, who, pw) {
  const page = await ctx.newPage();
  await visit(page, '/login');
  await page.fill('input[name=login]', who);
  await page.fill('input[name=password]', pw);
  await Promise.all([page.waitForNavigation(), page.click('button:has-text("Log in")')]);
  await after(page);
  return page;
}
const newContext = () => browser.newContext({ javaScriptEnabled: false });

try {
  // 1. The maker logs in, sees the proposal pending review, and may not approve it.
  const makerCtx = await newContext();
  const m = await login(makerCtx, maker, password);
  check(new URL(m.url()).pathname === '/refunds', `${maker} logged in lands on /refunds (${m.url()})`);
  check((await text(m, `tr[data-refund="${approveNo}"]`)).includes('PENDING_REVIEW'),
        'the proposal is listed pending review');
  check((await text(m, `tr[data-refund="${approveNo}"]`)).includes('*'), 'with its masked debit card');
  await visit(m, `/refunds/${approveNo}`);
  check((await text(m, '#discrepancy')).length > 0, 'the discrepancy behind it is shown');
  check((await text(m, '#original')).includes('TxnNo'), 'and the original repayment');
  await Promise.all([m.waitForNavigation(), m.click('#approve button')]);
  await after(m);
  check((await text(m, '#notice')).includes('MAKER_CHECKER'), `the maker is refused: ${await text(m, '#notice')}`);
  check((await text(m, '#state')).startsWith('PENDING_REVIEW'), 'and the proposal stays pending');

  // 2. The checker approves it; the processor sends it and the bank answers SUCCESS.
  const checkerCtx = await newContext();
  const c = await login(checkerCtx, checker, password);
  await visit(c, `/refunds/${approveNo}`);
  await c.fill('#approve textarea[name=comment]', 'statement shows the late debit');
  await Promise.all([c.waitForNavigation(), c.click('#approve button')]);
  await after(c);
  check(c.url().endsWith('done=approved'), `approved (${c.url()})`);
  check((await text(c, '#notice')).startsWith('Approved'), 'the page says so');
  let state = await text(c, '#state');
  for (let i = 0; i < 120 && !state.startsWith('SUCCESS'); i++) {
    await new Promise((r) => setTimeout(r, 500));
    await visit(c, `/refunds/${approveNo}`);
    state = await text(c, '#state');
  }
  check(state.startsWith('SUCCESS'), `the refund was sent and succeeded (state ${state})`);
  check((await text(c, '#sent')).startsWith('RS'), `with its ReqSn (${await text(c, '#sent')})`);
  check((await text(c, '#approvers')).includes(`staff:${checker}`), 'approved by the checker');

  // 3. The checker rejects the other one, with a comment.
  await visit(c, `/refunds/${rejectNo}`);
  await c.fill('#reject textarea[name=comment]', 'the card center refunded it itself');
  await Promise.all([c.waitForNavigation(), c.click('#reject button')]);
  await after(c);
  check((await text(c, '#state')).startsWith('REJECTED'), `rejected (state ${await text(c, '#state')})`);

  // 4. A POST without the CSRF token (or with a wrong one) is refused, whoever sends it.
  const noToken = await checkerCtx.request.post(`${base}/refunds/${approveNo}/approve`,
      { form: { comment: 'forged' }, maxRedirects: 0 });
  check(noToken.status() === 403, `a POST without a CSRF token is refused (${noToken.status()})`);
  const wrongToken = await checkerCtx.request.post(`${base}/exceptions/1/note`,
      { form: { csrf: 'not-the-token', note: 'forged' }, maxRedirects: 0 });
  check(wrongToken.status() === 403, `a POST with a wrong CSRF token is refused (${wrongToken.status()})`);
  const loginNoToken = await (await newContext()).request.post(`${base}/login`,
      { form: { login: checker, password }, maxRedirects: 0 });
  check(loginNoToken.status() === 403, `a login without its form token is refused (${loginNoToken.status()})`);

  // 5. The other pages render for a logged-in reviewer.
  for (const p of ['/exceptions', '/batches', '/reconciliation', '/audit?entity=refund&entity_id=' + approveNo]) {
    const r = await visit(c, p);
    check(r.status() === 200, `${p} renders (${r.status()})`);
  }
  check((await text(c, '#audit')).includes(`staff:${checker}`), 'the audit trail shows the approval');

  // 6. Locked out after repeated failures; the right password no longer helps.
  const lockCtx = await newContext();
  let l;
  for (let i = 0; i < maxFailed; i++) l = await login(lockCtx, locky, 'wrong password ' + i);
  check((await text(l, '#notice')).includes('locked'), `locked after ${maxFailed} failures: ${await text(l, '#notice')}`);
  l = await login(lockCtx, locky, password);
  check(new URL(l.url()).pathname === '/login', 'the right password is refused while locked');
  check((await text(l, '#notice')).includes('locked'), 'and says why');

  // 7. Log out: the session is over.
  await Promise.all([c.waitForNavigation(), c.click('header form button')]);
  await visit(c, '/refunds');
  check(new URL(c.url()).pathname === '/login', 'after logging out the console asks for a login');

  // No page ever carried a full card, ID or mobile number.
  const leaks = forbidden.filter((n) => seen.some((html) => html.includes(n)));
  check(leaks.length === 0, `no full card, ID or mobile number on ${seen.length} pages (leaks: ${leaks.length})`);
} catch (e) {
  console.log('FAIL', e && e.stack ? e.stack : e);
  failures++;
} finally {
  await browser.close();
}
console.log(failures === 0 ? 'browser test passed' : `${failures} check(s) failed`);
process.exit(failures === 0 ? 0 : 1);
