// The web console in a real browser (Debian's chromium driven by playwright-core) against a real crixd:
// each test starts crixd on a fresh scratch ledger with the sample market open all day, on free ports
// (FIX --port, console --http), and places orders with the real `crix order` command.
//
//   CRIXD=build/release/gateway/crixd CRIX=build/release/tools/crix node --test web/tests/
//
// Waits are on conditions with timeouts, never fixed sleeps. The sample market's console users
// (ops / ops-sample, miit / miit-sample) are the sample's only.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFile } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const CRIXD = process.env.CRIXD;
const CRIX = process.env.CRIX;
assert.ok(CRIXD && CRIX, 'set CRIXD and CRIX to the crixd and crix executables, e.g. ' +
  'CRIXD=build/release/gateway/crixd CRIX=build/release/tools/crix node --test web/tests/');

let chromium;
try {
  ({ chromium } = await import('playwright-core'));
} catch (e) {
  throw new Error(`playwright-core is not installed in web/node_modules (${e.message}): run scripts/install-deps.sh, ` +
    'or npm ci --prefix web');
}

const kOperator = { user: 'ops', password: 'ops-sample' };
const kRegulator = { user: 'miit', password: 'miit-sample' };
const kSeller = 'HB-TANGSHAN-IRON';  // facility HB-BF-450 (steel, Hebei)
const kBuyer = 'TJ-BOHAI-STEEL';     // project TJ-NEW-BF-2500 (steel, Tianjin)

// ---- the exchange ----------------------------------------------------------------------------------

// A random loopback port below the kernel's ephemeral range that binds now, as the C++ tests' free_port
// (tests/support/ports.cpp): a port from listen(0) is the kernel's next pick for another process's
// bind(0) or connect(), and under ctest -j4 another test took it before crixd could (twice, 2026-12-06).
function bindsNow(port) {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.on('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

async function freePort() {
  const range = fs.readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/);
  const lowest = 10000;
  const ephemeralLow = Number(range[0]) || 32768;
  for (let attempt = 0; attempt < 200; ++attempt) {
    const port = lowest + Math.floor(Math.random() * (ephemeralLow - lowest));
    if (await bindsNow(port)) return port;
  }
  throw new Error(`no free loopback port below ${ephemeralLow} in 200 tries`);
}

// The all-day market's zone, as the C++ tests' all_day_zone (tests/support/scratch_dir.cpp): the
// sample's, Asia/Shanghai, unless it is 21:00-01:00 there (UTC then), so that no run reaches the market's
// midnight, where its one session ends and a new trading day begins. Chosen once, when this file loads.
const beijingMinute = (Math.floor(Date.now() / 60000) + 480) % 1440;
const ZONE = beijingMinute >= 60 && beijingMinute < 21 * 60
  ? { name: 'Asia/Shanghai', offsetMinutes: 480, offsetText: '+08:00' }
  : { name: 'UTC', offsetMinutes: 0, offsetText: '+00:00' };

// The sample market (and its rules files) copied into `dir`, open all day on every day, in ZONE: as the
// C++ tests' all_day_market, line by line; holidays may span lines.
function allDayMarket(dir) {
  const sample = path.join(ROOT, 'config', 'sample');
  for (const f of fs.readdirSync(sample)) fs.copyFileSync(path.join(sample, f), path.join(dir, f));
  const out = [];
  let inHolidays = false;
  for (let line of fs.readFileSync(path.join(dir, 'market.toml'), 'utf8').split('\n')) {
    if (inHolidays) {
      inHolidays = !line.includes(']');
      continue;
    }
    if (line.startsWith('sessions = ')) {
      line = 'sessions = [[00:00:00, 23:59:00]]';
    } else if (line.startsWith('time_zone = ')) {
      line = `time_zone = "${ZONE.name}"`;
    } else if (line.startsWith('working_days = ')) {
      line = 'working_days = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]';
    } else if (line.startsWith('holidays = ')) {
      inHolidays = !line.includes(']');
      line = 'holidays = []';
    }
    out.push(line);
  }
  fs.writeFileSync(path.join(dir, 'market.toml'), out.join('\n'));
  return path.join(dir, 'market.toml');
}

async function until(what, check, timeoutMs) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

class Exchange {
  static async start() {
    const x = new Exchange();
    x.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crix-console-'));
    x.fixPort = await freePort();
    x.httpPort = await freePort();
    x.url = `http://127.0.0.1:${x.httpPort}`;
    x.market = allDayMarket(x.dir);
    x.ledger = path.join(x.dir, 'crix.ledger');
    try {
      await x.launch();
    } catch (e) {
      await x.stop();
      throw e;
    }
    return x;
  }

  // Starts crixd on this exchange's ledger and ports and waits until it is ready.
  async launch() {
    const errFile = path.join(this.dir, 'crixd.err');
    const err = fs.openSync(errFile, 'w');
    this.child = spawn(CRIXD, ['--market', this.market, '--ledger', this.ledger, '--port', String(this.fixPort),
      '--sync', 'os', '--log-dir', path.join(this.dir, 'logs'), '--http', `127.0.0.1:${this.httpPort}`],
    { stdio: ['ignore', 'ignore', err] });
    fs.closeSync(err);
    this.exited = new Promise((resolve) => this.child.on('exit', (code, signal) => resolve(signal ? 128 + os.constants.signals[signal] : code)));
    let exitCode = null;
    this.exited.then((c) => (exitCode = c));
    try {
      await until('crixd to be ready (GET /readyz 200) and take FIX connections', async () => {
        if (exitCode !== null) throw new Error(`crixd exited with ${exitCode}`);
        const ready = await fetch(this.url + '/readyz').then((r) => r.status === 200, () => false);
        return ready && (await canConnect(this.fixPort));
      }, 20000);
    } catch (e) {
      throw new Error(`${e.message}\ncrixd stderr:\n${fs.readFileSync(errFile, 'utf8')}`);
    }
  }

  // A graceful stop (SIGTERM); the exit code.
  async terminate() {
    if (!this.child || this.child.exitCode !== null || this.child.signalCode !== null) return this.child?.exitCode;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10000);
    const code = await this.exited;
    clearTimeout(timer);
    return code;
  }

  // `crix order --as WHO --port P ARGS...`, its session state in the scratch directory.
  order(who, args) {
    return new Promise((resolve) => {
      execFile(CRIX, ['order', '--as', who, '--port', String(this.fixPort), ...args], {
        env: { ...process.env, XDG_STATE_HOME: path.join(this.dir, 'state'), CRIX_PASSWORD: `demo-${who.toLowerCase()}` },
        timeout: 20000,
      }, (error, stdout, stderr) => resolve({ code: error ? (error.code ?? 1) : 0, out: stdout, err: stderr }));
    });
  }

  async orderOk(who, args) {
    const r = await this.order(who, args);
    assert.equal(r.code, 0, `crix order ${who} ${args.join(' ')} failed:\n${r.out}${r.err}`);
    return r;
  }

  // What crixd said, for a failed test's message: its stderr and the end of its log.
  diagnostics() {
    const read = (f) => (fs.existsSync(f) ? fs.readFileSync(f, 'utf8') : '(none)');
    const log = read(path.join(this.dir, 'logs', 'crixd.log')).split('\n').slice(-40).join('\n');
    return `--- crixd stderr ---\n${read(path.join(this.dir, 'crixd.err'))}\n--- crixd.log, last 40 lines ---\n${log}`;
  }

  async stop() {
    await this.terminate();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

function canConnect(port) {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.on('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
  });
}

// ---- the browser -----------------------------------------------------------------------------------

let browser;
before(async () => {
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium' });
});
after(async () => {
  await browser?.close();
});

// One exchange and one fresh browser context (no cookies) per test; both are closed whatever happens.
async function withConsole(body) {
  const x = await Exchange.start();
  const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1400, height: 1000 } });
  context.setDefaultTimeout(10000);
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  // What the Content-Security-Policy refused (an inline style, another origin) is only a console message.
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy/i.test(m.text())) errors.push(m.text());
  });
  try {
    await page.goto(x.url + '/');
    await body(x, page);
    assert.deepEqual(errors, [], 'the page threw');
  } catch (e) {
    const shot = path.join(os.tmpdir(), `crix-console-failure-${process.pid}-${Date.now()}.png`);
    await page.screenshot({ path: shot, fullPage: true }).catch(() => {});
    e.message += `\nthe page: ${shot}\n${x.diagnostics()}`;
    throw e;
  } finally {
    await context.close();
    await x.stop();
  }
}

// Each test gets 90 s (a few seconds normally, under ASan more), so a hang fails that test alone.
const browserTest = (name, body) => test(name, { timeout: 90000 }, body);

const byTestId = (page, id) => page.locator(`[data-testid="${id}"]`);

async function logIn(page, who) {
  await byTestId(page, 'login-user').fill(who.user);
  await byTestId(page, 'login-password').fill(who.password);
  await byTestId(page, 'login-submit').click();
  await byTestId(page, 'whoami').filter({ hasText: who.user }).waitFor();
  await page.locator('[data-testid="feed-status"][data-state="live"]').waitFor({ timeout: 5000 });
}

async function pickInstrument(page, symbol) {
  await page.locator(`[data-testid="instrument-picker"] option[value="${symbol}"]`).waitFor({ state: 'attached' });
  await byTestId(page, 'instrument-picker').selectOption(symbol);
}

// The instrument's halted state as the page shows it (from the feed).
function halted(page, symbol, value) {
  return page.locator(`[data-testid="halted-${symbol}"][data-halted="${value}"]`);
}

// ---- the tests -------------------------------------------------------------------------------------

browserTest('the page loads: the public view lists the instruments without a login, in Chinese first, and switches to English', async () => {
  await withConsole(async (x, page) => {
    await byTestId(page, 'instrument-row-STEEL-IRON').waitFor();
    assert.equal(await page.locator('[data-testid^="instrument-row-"]').count(), 5);
    assert.match(await byTestId(page, 'instrument-row-STEEL-IRON').innerText(), /580\.00/);  // reference price, yuan
    assert.ok(await byTestId(page, 'login-form').isVisible());
    // The sample's auction, not yet announced, with its terms; no announce form without the operator's role.
    await page.locator('[data-testid="auction-row-AU-HB-450"][data-state="configured"]').waitFor();
    assert.match(await byTestId(page, 'auction-row-AU-HB-450').innerText(), /STEEL-IRON[\s\S]*HB-TANGSHAN-IRON[\s\S]*500,000[\s\S]*550\.00/);
    assert.equal(await byTestId(page, 'auction-form').isVisible(), false);
    assert.equal(await page.locator('html').getAttribute('lang'), 'zh-CN');
    assert.match(await page.locator('h1').innerText(), /产能置换指标交易所/);
    // No login: no book, no operator controls.
    assert.equal(await byTestId(page, 'book').isVisible(), false);
    assert.equal(await page.locator('[data-testid^="op-"]:visible').count(), 0);
    await byTestId(page, 'lang-switch').click();
    await page.locator('h1', { hasText: 'operations and supervision console' }).waitFor();
    assert.equal(await page.locator('html').getAttribute('lang'), 'en');
    await byTestId(page, 'tab-supervision').click();
    await byTestId(page, 'elim-count').filter({ hasText: '0 rows' }).waitFor();  // nothing traded yet
    assert.equal(await byTestId(page, 'elim-csv').isVisible(), true);
  });
});

browserTest('an order placed over FIX shows in the book within a second', async () => {
  await withConsole(async (x, page) => {
    await logIn(page, kRegulator);
    await pickInstrument(page, 'STEEL-IRON');
    await x.orderOk(kSeller, ['sell', 'STEEL-IRON', 'HB-BF-450', '300', '580.00', '--tif', 'gtc']);
    const acked = Date.now();
    await page.locator('[data-testid="book-ask"][data-price="58000"][data-qty="300"]').waitFor({ timeout: 1000 });
    const shownAfter = Date.now() - acked;
    assert.ok(shownAfter <= 1000, `the ask showed ${shownAfter} ms after crix order's ack`);
    assert.match(await byTestId(page, 'book').innerText(), /580\.00\s+300\s+1/);
    await byTestId(page, 'depth-asks').waitFor();
    await x.orderOk(kBuyer, ['buy', 'STEEL-IRON', 'TJ-NEW-BF-2500', '50', '575.00', '--tif', 'gtc']);
    await page.locator('[data-testid="book-bid"][data-price="57500"][data-qty="50"]').waitFor({ timeout: 1000 });
  });
});

browserTest('a trade shows on the tape, in the intraday chart and in the book', async () => {
  await withConsole(async (x, page) => {
    await logIn(page, kOperator);
    await pickInstrument(page, 'STEEL-IRON');
    await x.orderOk(kSeller, ['sell', 'STEEL-IRON', 'HB-BF-450', '300', '580.00', '--tif', 'gtc']);
    const buy = await x.orderOk(kBuyer, ['buy', 'STEEL-IRON', 'TJ-NEW-BF-2500', '100', '580.00']);
    assert.match(buy.out, /fill: 100 t at 580\.00, trade (\d+)/);
    const row = page.locator('[data-testid="tape-row"][data-symbol="STEEL-IRON"]');
    await row.first().waitFor({ timeout: 1000 });
    const text = await row.first().innerText();
    for (const part of ['580.00', '100', kBuyer, kSeller, 'HB-BF-450', 'TJ-NEW-BF-2500']) assert.ok(text.includes(part), `tape row "${text}" lacks ${part}`);
    assert.match(text, /\d\d:\d\d:\d\d/);
    await page.locator('[data-testid="book-ask"][data-price="58000"][data-qty="200"]').waitFor({ timeout: 1000 });
    await byTestId(page, 'vwap-line').waitFor({ state: 'attached' });
    await byTestId(page, 'reference-line').waitFor({ state: 'attached' });
    assert.match(await byTestId(page, 'instrument-row-STEEL-IRON').innerText(), /580\.00[\s\S]*100/);  // last price, volume
    // The operator's orders (L3, polled every 3 s): a resting buy is a bid, the sell's rest an ask (every
    // order showed as an ask: the page read a FIX side code the API does not send).
    await x.orderOk(kBuyer, ['buy', 'STEEL-IRON', 'TJ-NEW-BF-2500', '50', '575.00', '--tif', 'gtc']);
    const bid = page.locator('[data-testid="book-order"][data-side="buy"]');
    await bid.waitFor({ timeout: 5000 });
    assert.match(await bid.innerText(), /买/);
    assert.match(await page.locator('[data-testid="book-order"][data-side="sell"]').innerText(), /卖/);
  });
});

browserTest('an operator halts an instrument from the page after a confirmation, crix order on it is then refused, and resume makes it trade', async () => {
  await withConsole(async (x, page) => {
    await logIn(page, kOperator);
    await halted(page, 'STEEL-IRON', 'false').waitFor();
    // The confirmation step: cancelling it does nothing.
    await byTestId(page, 'op-halt-STEEL-IRON').click();
    await byTestId(page, 'confirm-dialog').waitFor();
    assert.match(await byTestId(page, 'confirm-text').innerText(), /STEEL-IRON/);
    await byTestId(page, 'confirm-cancel').click();
    await byTestId(page, 'confirm-dialog').waitFor({ state: 'hidden' });
    const listed = await (await fetch(x.url + '/api/v1/instruments')).json();
    assert.equal(listed.items.find((i) => i.symbol === 'STEEL-IRON').halted, false, 'cancelled confirmation halted the instrument');

    await byTestId(page, 'op-halt-STEEL-IRON').click();
    await byTestId(page, 'confirm-reason').fill('browser test: suspected manipulation');
    await byTestId(page, 'confirm-ok').click();
    await halted(page, 'STEEL-IRON', 'true').waitFor({ timeout: 5000 });
    await byTestId(page, 'op-resume-STEEL-IRON').waitFor();
    const refused = await x.order(kSeller, ['sell', 'STEEL-IRON', 'HB-BF-450', '100', '580.00', '--tif', 'gtc']);
    assert.equal(refused.code, 1, `crix order during the halt: ${refused.out}${refused.err}`);
    assert.match(refused.err, /rejected: STEEL-IRON is halted/);
    // Other instruments still trade.
    await x.orderOk('XZ-LHASA-CEMENT', ['sell', 'CEMENT-CLINKER', 'XZ-CL-1000', '1000', '300.00', '--tif', 'gtc']);

    await byTestId(page, 'op-resume-STEEL-IRON').click();
    await byTestId(page, 'confirm-ok').click();
    await halted(page, 'STEEL-IRON', 'false').waitFor({ timeout: 5000 });
    await x.orderOk(kSeller, ['sell', 'STEEL-IRON', 'HB-BF-450', '100', '580.00', '--tif', 'gtc']);
    const buy = await x.orderOk(kBuyer, ['buy', 'STEEL-IRON', 'TJ-NEW-BF-2500', '100', '580.00']);
    assert.match(buy.out, /fill: 100 t at 580\.00/);
    await page.locator('[data-testid="tape-row"][data-symbol="STEEL-IRON"]').first().waitFor({ timeout: 1000 });
    // An auction announced from the form: opening now, closing in two hours of the market's time.
    const closes = new Date(Date.now() + (ZONE.offsetMinutes + 120) * 60000).toISOString().slice(0, 16);
    await page.locator('[data-testid="auction-pick"] option[value="AU-HB-450"]').waitFor({ state: 'attached' });
    await byTestId(page, 'auction-closes').fill(closes);
    await byTestId(page, 'auction-announce').click();
    assert.match(await byTestId(page, 'confirm-text').innerText(), /AU-HB-450/);
    await byTestId(page, 'confirm-ok').click();
    await page.locator('[data-testid="auction-row-AU-HB-450"][data-state="announced"]').waitFor({ timeout: 5000 });
    assert.match(await byTestId(page, 'auction-window-AU-HB-450').innerText(), new RegExp(`– ${closes.replace('T', ' ')}`));
    await byTestId(page, 'op-auction-cancel-AU-HB-450').waitFor();
    // The audit trail names the operator.
    await byTestId(page, 'tab-exchange').click();
    await byTestId(page, 'audit').locator('tbody tr', { hasText: 'ops' }).first().waitFor({ timeout: 5000 });
  });
});

browserTest('an operator suspends and reinstates a participant and revokes a trade from the page, each after a confirmation, and the tape marks the revoked trade', async () => {
  await withConsole(async (x, page) => {
    await x.orderOk(kSeller, ['sell', 'STEEL-IRON', 'HB-BF-450', '300', '580.00', '--tif', 'gtc']);
    const buy = await x.orderOk(kBuyer, ['buy', 'STEEL-IRON', 'TJ-NEW-BF-2500', '100', '580.00']);
    const trade = /trade (\d+)/.exec(buy.out)[1];
    await logIn(page, kOperator);
    await byTestId(page, 'tab-exchange').click();

    await byTestId(page, `op-suspend-${kSeller}`).click();
    assert.match(await byTestId(page, 'confirm-text').innerText(), new RegExp(kSeller));
    await byTestId(page, 'confirm-reason').fill('browser test: unpaid fees');
    await byTestId(page, 'confirm-ok').click();
    await byTestId(page, `participant-status-${kSeller}`).filter({ hasText: /已暂停|suspended/ }).waitFor({ timeout: 5000 });
    const refused = await x.order(kSeller, ['sell', 'STEEL-IRON', 'HB-BF-450', '100', '581.00', '--tif', 'gtc']);
    assert.notEqual(refused.code, 0, `crix order by a suspended participant: ${refused.out}${refused.err}`);
    assert.match(refused.out + refused.err, /suspended/);

    await byTestId(page, `op-reinstate-${kSeller}`).click();
    await byTestId(page, 'confirm-ok').click();
    await byTestId(page, `op-suspend-${kSeller}`).waitFor({ timeout: 5000 });
    await x.orderOk(kSeller, ['sell', 'STEEL-IRON', 'HB-BF-450', '100', '581.00', '--tif', 'gtc']);

    await byTestId(page, 'op-revoke-trade').fill(trade);
    await byTestId(page, 'op-revoke').click();
    assert.match(await byTestId(page, 'confirm-text').innerText(), new RegExp(trade));
    await byTestId(page, 'confirm-ok').click();
    await byTestId(page, 'toast').filter({ hasText: /已完成|Done/ }).waitFor({ timeout: 5000 });
    await byTestId(page, 'tab-supervision').click();
    await page.locator(`[data-testid="elim-row"][data-trade="${trade}"][data-status="revoked"]`).waitFor({ timeout: 5000 });

    // The tape marks it from the feed's revocation: struck through, with a badge (it was unmarked).
    await byTestId(page, 'tab-market').click();
    const revoked = page.locator(`[data-testid="tape-row"][data-trade="${trade}"][data-revoked="true"]`);
    await revoked.waitFor({ timeout: 5000 });
    assert.equal(await revoked.getByTestId('revoked-badge').innerText(), '已撤销');
    assert.match(await revoked.locator('td').first().evaluate((td) => getComputedStyle(td).textDecorationLine), /line-through/);
    assert.doesNotMatch(await revoked.getByTestId('revoked-badge').evaluate((b) => getComputedStyle(b).textDecorationLine), /line-through/);
    // The day's statistics keep it: they are the executions as they happened.
    await byTestId(page, 'daily').locator('tbody tr', { hasText: 'STEEL-IRON' }).waitFor();
    assert.match(await byTestId(page, 'daily').locator('tbody tr', { hasText: 'STEEL-IRON' }).innerText(), /STEEL-IRON\s+book\s+1\s+100\b/);
    // A new page's snapshot carries it.
    await page.reload();
    await page.locator(`[data-testid="tape-row"][data-trade="${trade}"][data-revoked="true"]`).waitFor({ timeout: 5000 });
    await byTestId(page, 'lang-switch').click();
    await page.locator(`[data-testid="tape-row"][data-trade="${trade}"] [data-testid="revoked-badge"]`, { hasText: 'revoked' }).waitFor();
  });
});

browserTest('a regulator sees no operator controls, and a direct POST to an action is refused with 403; failed logons show', async () => {
  await withConsole(async (x, page) => {
    await logIn(page, kRegulator);
    await byTestId(page, 'instrument-row-STEEL-IRON').waitFor();
    await byTestId(page, 'book').waitFor();
    assert.equal(await page.locator('[data-testid^="op-"]:visible').count(), 0, 'a regulator sees operator controls');
    const wrong = await x.order('TJ-RONGCHENG', ['--password', 'not-the-password', 'securities']);
    assert.equal(wrong.code, 1, `a wrong password logged on:\n${wrong.out}${wrong.err}`);
    await byTestId(page, 'tab-exchange').click();
    await byTestId(page, 'participant-row-TJ-RONGCHENG').waitFor();
    // The sessions table (polled from GET /api/v1/sessions) counts the failed logon.
    await page.locator('[data-testid="session-failed-TJ-RONGCHENG"]', { hasText: /^1$/ }).waitFor();
    assert.equal(await byTestId(page, 'session-failed-TJ-BOHAI-STEEL').innerText(), '0');
    // A session logged on while the page shows: the feed sent it at its logon; its later messages are
    // counted live from the poll (the row kept the logon's counts, and the last session's last-seen).
    x.order('SD-JINAN-STEEL', ['watch', 'STEEL-IRON']);  // ends when crixd stops
    await page.locator('[data-testid="session-row-SD-JINAN-STEEL"]', { hasText: /是|yes/ }).waitFor({ timeout: 5000 });
    const counted = async () => {
      const items = await page.evaluate(async () => (await (await fetch('/api/v1/sessions')).json()).items);
      const live = items.find((s) => s.participant === 'SD-JINAN-STEEL');
      return live.messages_in >= 2 && (await byTestId(page, 'session-in-SD-JINAN-STEEL').innerText()) === String(live.messages_in);
    };
    await until('the session row to count its messages after the logon', counted, 8000);
    await byTestId(page, 'health-accepting').waitFor();
    assert.equal(await page.locator('[data-testid^="op-"]:visible').count(), 0, 'a regulator sees operator controls');
    assert.equal(await byTestId(page, 'ops-panel').isVisible(), false);

    // The page's own session (its cookie) calling the API directly.
    const answer = await page.evaluate(async () => {
      const r = await fetch('/api/v1/actions/halt', { method: 'POST', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ symbol: 'STEEL-IRON', reason: 'not allowed' }) });
      return { status: r.status, body: await r.json() };
    });
    assert.equal(answer.status, 403);
    assert.equal(answer.body.code, 'forbidden');
    assert.match(answer.body.error, /operator/);
    // Without a session: 401.
    const anonymous = await fetch(x.url + '/api/v1/actions/halt', { method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ symbol: 'STEEL-IRON', reason: 'not allowed' }) });
    assert.equal(anonymous.status, 401);
    assert.equal((await anonymous.json()).code, 'unauthorized');
    // Nothing was halted: the instrument still trades.
    await x.orderOk(kSeller, ['sell', 'STEEL-IRON', 'HB-BF-450', '100', '580.00', '--tif', 'gtc']);
    const buy = await x.orderOk(kBuyer, ['buy', 'STEEL-IRON', 'TJ-NEW-BF-2500', '100', '580.00']);
    assert.match(buy.out, /fill: 100 t at 580\.00/);
  });
});

browserTest('the page survives a crixd restart: the feed reconnects, the ended session returns to the public view, a new login shows the replayed book', async () => {
  await withConsole(async (x, page) => {
    await logIn(page, kRegulator);
    await pickInstrument(page, 'STEEL-IRON');
    await x.orderOk(kSeller, ['sell', 'STEEL-IRON', 'HB-BF-450', '300', '580.00', '--tif', 'gtc']);
    await page.locator('[data-testid="book-ask"][data-price="58000"][data-qty="300"]').waitFor({ timeout: 1000 });
    assert.equal(await x.terminate(), 0);
    await page.locator('[data-testid="feed-status"][data-state="reconnecting"]').waitFor({ timeout: 5000 });
    await x.launch();
    // Console sessions live in crixd's memory: the old cookie is refused, the page falls back to public.
    await byTestId(page, 'login-form').waitFor({ timeout: 10000 });
    // ... and says so (the controls went away without a word).
    await byTestId(page, 'toast').filter({ hasText: /登录已失效|session ended/ }).waitFor({ timeout: 5000 });
    await logIn(page, kRegulator);
    await pickInstrument(page, 'STEEL-IRON');
    await page.locator('[data-testid="book-ask"][data-price="58000"][data-qty="300"]').waitFor({ timeout: 1000 });
  });
});

browserTest('every role sees that the exchange cannot be reached, in Chinese and in English, and when it can again', async () => {
  await withConsole(async (x, page) => {
    // A regulator's page beside the public one (its own context: its own cookie).
    const staffContext = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
    staffContext.setDefaultTimeout(10000);
    const staff = await staffContext.newPage();
    const errors = [];
    staff.on('pageerror', (e) => errors.push(e.message));
    staff.on('console', (m) => {
      if (m.type() === 'error' && /Content Security Policy/i.test(m.text())) errors.push(m.text());
    });
    try {
      await staff.goto(x.url + '/');
      await logIn(staff, kRegulator);
      await byTestId(page, 'instrument-row-STEEL-IRON').waitFor();
      for (const p of [page, staff]) assert.equal(await byTestId(p, 'reachability').isVisible(), false);

      assert.equal(await x.terminate(), 0);
      // The public page polls every 3 s; the regulator's also loses its feed.
      for (const p of [page, staff]) {
        await p.locator('[data-testid="reachability"][data-state="down"]').waitFor({ timeout: 8000 });
        assert.match(await byTestId(p, 'reachability').innerText(), /交易所无法连接.*\d\d:\d\d:\d\d/);
      }
      // What it had stays on the page, marked as old.
      assert.ok(await byTestId(page, 'instrument-row-STEEL-IRON').isVisible());
      await byTestId(page, 'lang-switch').click();
      await byTestId(page, 'reachability').filter({ hasText: /^Exchange unreachable/ }).waitFor();

      await x.launch();
      await page.locator('[data-testid="reachability"][data-state="recovered"]', { hasText: 'Exchange reachable again' }).waitFor({ timeout: 8000 });
      await staff.locator('[data-testid="reachability"][data-state="recovered"]', { hasText: '交易所已恢复连接' }).waitFor({ timeout: 8000 });
      // ... and then the sign goes away.
      await page.locator('[data-testid="reachability"][data-state="up"]').waitFor({ state: 'attached', timeout: 15000 });
      assert.equal(await byTestId(page, 'reachability').isVisible(), false);
      assert.equal(await page.locator('body').getAttribute('data-reach'), 'up');
      assert.deepEqual(errors, [], 'the regulator\'s page threw');
    } finally {
      await staffContext.close();
    }
  });
});

browserTest('the health panel counts the day\'s trades from the ledger across a restart, and after the close says no order is accepted', async () => {
  await withConsole(async (x, page) => {
    await x.orderOk(kSeller, ['sell', 'STEEL-IRON', 'HB-BF-450', '300', '580.00', '--tif', 'gtc']);
    await x.orderOk(kBuyer, ['buy', 'STEEL-IRON', 'TJ-NEW-BF-2500', '100', '580.00']);
    await x.orderOk(kBuyer, ['buy', 'STEEL-IRON', 'TJ-NEW-BF-2500', '100', '580.00']);
    await logIn(page, kOperator);
    await byTestId(page, 'tab-exchange').click();
    await byTestId(page, 'health-trades-today').filter({ hasText: /^2$/ }).waitFor();
    assert.equal(await byTestId(page, 'health-trades-since-start').innerText(), '2');
    await page.locator('[data-testid="health-accepting"][data-accepting="true"]').waitFor();
    assert.equal(await byTestId(page, 'health-accepting').innerText(), '是');

    // After the close the exchange is up but takes no order: it said "accepting: yes" beside "closed".
    await byTestId(page, 'op-close-day').click();
    await byTestId(page, 'confirm-ok').click();
    await page.locator('[data-testid="health-accepting"][data-accepting="false"]').waitFor({ timeout: 5000 });
    assert.equal(await byTestId(page, 'health-accepting').innerText(), '否（休市）');
    assert.equal(await byTestId(page, 'health-phase').innerText(), '休市');

    // A restart: the day's count is the ledger's and stays; the count since crixd's start begins again.
    assert.equal(await x.terminate(), 0);
    await x.launch();
    await byTestId(page, 'login-form').waitFor({ timeout: 10000 });
    await logIn(page, kOperator);
    await byTestId(page, 'tab-exchange').click();
    await byTestId(page, 'health-trades-since-start').filter({ hasText: /^0$/ }).waitFor();
    assert.equal(await byTestId(page, 'health-trades-today').innerText(), '2');
    assert.equal(await byTestId(page, 'health-accepting').getAttribute('data-accepting'), 'false');
    await byTestId(page, 'lang-switch').click();
    await byTestId(page, 'health-accepting').filter({ hasText: 'no (closed)' }).waitFor();
    assert.match(await byTestId(page, 'health').innerText(), /Trades today \(the ledger's daily statistics\)\s+2/);
  });
});

browserTest('the server\'s errors show in the page\'s language by their code, with the server\'s text after them', async () => {
  await withConsole(async (x, page) => {
    await byTestId(page, 'login-user').fill(kOperator.user);
    await byTestId(page, 'login-password').fill('not-the-password');
    await byTestId(page, 'login-submit').click();
    await byTestId(page, 'login-error').filter({ hasText: /^用户名或密码错误（服务器说明：.+）$/ }).waitFor();

    await logIn(page, kOperator);
    await byTestId(page, 'tab-exchange').click();
    // A market rule's refusal (422 rejected): no such trade.
    await byTestId(page, 'op-revoke-trade').fill('999999');
    await byTestId(page, 'op-revoke').click();
    await byTestId(page, 'confirm-ok').click();
    await byTestId(page, 'toast').filter({ hasText: /^被市场规则拒绝（服务器说明：.*999999.*）$/ }).waitFor({ timeout: 5000 });
    assert.doesNotMatch(await byTestId(page, 'toast').innerText(), /Refused/);

    await byTestId(page, 'lang-switch').click();
    await byTestId(page, 'op-revoke').click();
    await byTestId(page, 'confirm-ok').click();
    await byTestId(page, 'toast').filter({ hasText: /^Refused by a market rule \(the server said: .*999999.*\)$/ }).waitFor({ timeout: 5000 });
    // A lookup of nothing (404), drawn again in the other language, and a filter the server refuses.
    await byTestId(page, 'tab-supervision').click();
    await byTestId(page, 'project-id').fill('NO-SUCH-PROJECT');
    await byTestId(page, 'project-show').click();
    await byTestId(page, 'project-error').filter({ hasText: /^Not found \(the server said: .*NO-SUCH-PROJECT.*\)$/ }).waitFor();
    await byTestId(page, 'lang-switch').click();
    await byTestId(page, 'project-error').filter({ hasText: /^未找到（服务器说明：.*NO-SUCH-PROJECT.*）$/ }).waitFor();
    await byTestId(page, 'elim-region').fill('abc');
    await byTestId(page, 'elim-apply').click();
    await byTestId(page, 'toast').filter({ hasText: /^失败：未找到（服务器说明：.*abc.*）$/ }).waitFor({ timeout: 5000 });
  });
});

// Ticks at a round step (1, 2 or 5 times a power of ten), each a whole number of steps.
function assertRound(ticks, what) {
  assert.ok(ticks.length >= 2, `${what}: ${ticks.length} ticks`);
  const step = ticks[1] - ticks[0];
  const mantissa = step / 10 ** Math.floor(Math.log10(step));
  assert.ok([1, 2, 5].includes(mantissa), `${what}: a step of ${step} (${ticks.join(', ')})`);
  ticks.forEach((v, i) => assert.equal(v, ticks[0] + i * step, `${what}: evenly spaced (${ticks.join(', ')})`));
  assert.equal(ticks[0] % step, 0, `${what}: on whole steps (${ticks.join(', ')})`);
}

// Every text of every chart shown lies inside its chart's viewBox (the last x label was cut in half).
function clippedLabels(page) {
  return page.evaluate(() => [...document.querySelectorAll('svg.chart')].filter((svg) => svg.checkVisibility()).flatMap((svg) => {
    const w = svg.viewBox.baseVal.width;
    const h = svg.viewBox.baseVal.height;
    return [...svg.querySelectorAll('text')].map((t) => ({ text: t.textContent, b: t.getBBox() }))
      .filter(({ b }) => b.x < -0.5 || b.x + b.width > w + 0.5 || b.y < -0.5 || b.y + b.height > h + 0.5)
      .map(({ text, b }) => `${svg.dataset.testid}: "${text}" at ${b.x.toFixed(1)}..${(b.x + b.width).toFixed(1)} of ${w}`);
  }));
}

browserTest('the charts tick at round values, name their units, keep their last label inside, and draw no bar for a region without a cap', async () => {
  await withConsole(async (x, page) => {
    await x.orderOk(kSeller, ['sell', 'STEEL-IRON', 'HB-BF-450', '300', '580.00', '--tif', 'gtc']);
    await x.orderOk(kBuyer, ['buy', 'STEEL-IRON', 'TJ-NEW-BF-2500', '100', '580.00']);
    await x.orderOk(kBuyer, ['buy', 'STEEL-IRON', 'TJ-NEW-BF-2500', '200', '580.00']);
    await x.orderOk(kSeller, ['sell', 'STEEL-IRON', 'HB-BF-450', '100', '583.50', '--tif', 'gtc']);
    await x.orderOk(kBuyer, ['buy', 'STEEL-IRON', 'TJ-NEW-BF-2500', '50', '583.50']);
    // A bid for flat glass, counted in weight boxes.
    await x.orderOk('JS-NANJING-GLASS', ['buy', 'GLASS-FLAT', 'JS-NEW-FG-900', '100000', '119.00', '--tif', 'gtc']);
    await logIn(page, kRegulator);
    await pickInstrument(page, 'STEEL-IRON');

    const price = byTestId(page, 'price-chart');
    await price.getByTestId('vwap-line').waitFor({ state: 'attached' });
    assert.equal(await price.getByTestId('y-unit').textContent(), '价格（元/吨）');
    assert.equal(await price.getByTestId('x-unit').textContent(), `时间（UTC${ZONE.offsetText}）`);
    const fen = (texts) => texts.map((s) => Math.round(Number(s.replace(/,/g, '')) * 100));
    assertRound(fen(await price.getByTestId('y-tick').allTextContents()), 'the price axis');
    // Times at whole steps of the market's clock: seconds of the day, evenly spaced.
    const seconds = (await price.getByTestId('x-tick').allTextContents()).map((s) => {
      const [hh, mm, ss] = s.split(':').map(Number);
      return hh * 3600 + mm * 60 + ss;
    });
    assert.ok(seconds.length >= 2, `time ticks: ${seconds}`);
    const step = seconds[1] - seconds[0];
    assert.ok([1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600].includes(step), `a time step of ${step} s`);
    assert.ok(seconds.every((v, i) => v === seconds[0] + i * step && v % step === 0), `time ticks: ${seconds}`);
    assert.deepEqual(await clippedLabels(page), []);

    const depth = byTestId(page, 'depth-chart');
    assert.equal(await depth.getByTestId('y-unit').textContent(), '累计数量（吨）');
    assert.equal(await depth.getByTestId('x-unit').textContent(), '价格（元/吨）');
    assertRound(fen(await depth.getByTestId('x-tick').allTextContents()), 'the depth chart\'s prices');
    assertRound((await depth.getByTestId('y-tick').allTextContents()).map((s) => Number(s.replace(/,/g, ''))), 'the depth chart\'s quantities');

    // Glass: the instrument's own unit, from GET /api/v1/instruments.
    await pickInstrument(page, 'GLASS-FLAT');
    await depth.getByTestId('y-unit').filter({ hasText: '累计数量（重量箱）' }).waitFor();
    assert.equal(await depth.getByTestId('x-unit').textContent(), '价格（元/重量箱）');
    await byTestId(page, 'lang-switch').click();
    await depth.getByTestId('y-unit').filter({ hasText: 'Cumulative quantity (weight boxes)' }).waitFor();
    assert.equal(await depth.getByTestId('x-unit').textContent(), 'Price (yuan/weight box)');
    assert.deepEqual(await clippedLabels(page), []);

    // Regions: a bar against the cap only where there is one; "no cap" with the capacity elsewhere.
    await byTestId(page, 'lang-switch').click();
    await byTestId(page, 'tab-supervision').click();
    await byTestId(page, 'region-nocap').first().waitFor();
    const regions = await page.evaluate(async () => (await (await fetch('/api/v1/ledger/regions')).json()).regions);
    const capped = regions.filter((r) => r.cap_t !== null).length;
    assert.ok(capped > 0 && capped < regions.length, `${capped} of ${regions.length} regions capped`);
    assert.equal(await byTestId(page, 'region-bar').count(), capped);
    assert.equal(await byTestId(page, 'region-nocap').count(), regions.length - capped);
    for (const text of await byTestId(page, 'region-nocap').allTextContents()) assert.match(text, /^无上限 · [\d,]+ (吨|重量箱)/);
    await byTestId(page, 'region-nocap').filter({ hasText: /^无上限 · 2,100,000 重量箱/ }).waitFor();  // Tianjin's flat glass
    assert.deepEqual(await clippedLabels(page), []);
  });
});

browserTest('quantities carry their instrument\'s unit: weight boxes for flat glass, tonnes for the others', async () => {
  await withConsole(async (x, page) => {
    // The public view: the day's volume of each instrument.
    await byTestId(page, 'volume-GLASS-FLAT').filter({ hasText: /^0 重量箱$/ }).waitFor();
    assert.equal(await byTestId(page, 'volume-STEEL-IRON').innerText(), '0 吨');
    assert.match(await byTestId(page, 'auction-row-AU-HB-450').innerText(), /500,000 吨/);
    await byTestId(page, 'lang-switch').click();
    await byTestId(page, 'volume-GLASS-FLAT').filter({ hasText: /^0 weight boxes$/ }).waitFor();
    assert.equal(await byTestId(page, 'volume-STEEL-IRON').innerText(), '0 t');
    await byTestId(page, 'lang-switch').click();

    await x.orderOk(kSeller, ['sell', 'STEEL-IRON', 'HB-BF-450', '300', '580.00', '--tif', 'gtc']);
    await x.orderOk(kBuyer, ['buy', 'STEEL-IRON', 'TJ-NEW-BF-2500', '100', '580.00']);
    await logIn(page, kRegulator);
    await pickInstrument(page, 'STEEL-IRON');
    await byTestId(page, 'volume-STEEL-IRON').filter({ hasText: /^100 吨$/ }).waitFor();
    await page.locator('[data-testid="tape-row"]', { hasText: '100 吨' }).waitFor();
    await byTestId(page, 'book').locator('thead', { hasText: '卖 数量（吨）' }).waitFor();
    await byTestId(page, 'daily').locator('tbody tr', { hasText: /STEEL-IRON[\s\S]*100 吨/ }).waitFor();

    // The elimination list's rows name no industry: the heading says the units, unless the filter does.
    await byTestId(page, 'tab-supervision').click();
    await byTestId(page, 'elim-row').first().waitFor();
    assert.match(await byTestId(page, 'elim-sort-capacity_retired_t').innerText(), /（吨；平板玻璃为重量箱）$/);
    await byTestId(page, 'elim-industry').selectOption('steel');
    await byTestId(page, 'elim-row').first().filter({ hasText: /[\d,]+ 吨/ }).waitFor();
    assert.doesNotMatch(await byTestId(page, 'elim-sort-capacity_retired_t').innerText(), /重量箱/);
    // A glass project's progress, in weight boxes.
    await byTestId(page, 'project-id').fill('JS-NEW-FG-900');
    await byTestId(page, 'project-show').click();
    await byTestId(page, 'project-progress').filter({ hasText: /^0 \/ [\d,]+ 重量箱/ }).waitFor();
    assert.match(await byTestId(page, 'project').innerText(), /[\d,]+ 重量箱/);
  });
});

// How a table sits in its card: the page's and every shown card's sideways overflow, the table's box
// and that of the scrolling box around it (if any), and its card's.
function placement(page, testid) {
  return page.evaluate((testid) => {
    const doc = document.documentElement;
    const rect = (el) => {
      const r = el.getBoundingClientRect();
      return { left: Math.round(r.left), right: Math.round(r.right) };
    };
    const table = document.querySelector(`[data-testid="${testid}"]`);
    const card = table.closest('.card');
    const box = table.parentElement.closest('.scroll, .scroll-x');
    const inner = card.getBoundingClientRect().right - parseFloat(getComputedStyle(card).paddingRight);
    return {
      page: doc.scrollWidth - doc.clientWidth,
      cards: [...document.querySelectorAll('.card')].filter((c) => c.checkVisibility() && c.scrollWidth > c.clientWidth)
        .map((c) => `${c.querySelector('h2')?.textContent}: ${c.scrollWidth} > ${c.clientWidth}`),
      table: rect(table),
      cardInner: Math.round(inner),
      box: box && { ...rect(box), overflowX: getComputedStyle(box).overflowX, scrolls: box.scrollWidth > box.clientWidth },
    };
  }, testid);
}

browserTest('the trade tape fits its card and the elimination list scrolls inside its card, at 1280 and 800 px wide', async () => {
  await withConsole(async (x, page) => {
    await x.orderOk(kSeller, ['sell', 'STEEL-IRON', 'HB-BF-450', '300', '580.00', '--tif', 'gtc']);
    await x.orderOk(kBuyer, ['buy', 'STEEL-IRON', 'TJ-NEW-BF-2500', '100', '580.00']);
    await x.orderOk('XZ-LHASA-CEMENT', ['sell', 'CEMENT-CLINKER', 'XZ-CL-1000', '1000', '300.00', '--tif', 'gtc']);
    await x.orderOk('SC-CHENGDU-CEMENT', ['buy', 'CEMENT-CLINKER', 'SC-NEW-CL-4500', '1000', '300.00']);
    await logIn(page, kOperator);
    for (const width of [1280, 800]) {
      await page.setViewportSize({ width, height: 900 });
      await byTestId(page, 'tab-market').click();
      await byTestId(page, 'tape-row').nth(1).waitFor();
      const tape = await placement(page, 'tape');
      assert.equal(tape.page, 0, `${width} px: the page scrolls sideways`);
      assert.deepEqual(tape.cards, [], `${width} px: a card overflows`);
      // The whole tape in sight: the trade id and both sides, no hidden columns.
      assert.ok(tape.table.right <= tape.cardInner + 1, `${width} px: the tape ends at ${tape.table.right}, its card at ${tape.cardInner}`);
      assert.equal(tape.box.scrolls, false, `${width} px: the tape scrolls sideways`);
      assert.ok(await byTestId(page, 'tape-row').first().locator('td').first().isVisible());

      await byTestId(page, 'tab-supervision').click();
      await byTestId(page, 'elim-row').nth(1).waitFor();
      const elim = await placement(page, 'elimination');
      assert.equal(elim.page, 0, `${width} px: the page scrolls sideways`);
      assert.deepEqual(elim.cards, [], `${width} px: a card overflows`);
      // Its 20-odd columns scroll inside the card: the scrolling box ends inside it.
      assert.equal(elim.box.overflowX, 'auto');
      assert.ok(elim.box.right <= elim.cardInner + 1, `${width} px: the list's box ends at ${elim.box.right}, its card at ${elim.cardInner}`);
      assert.equal(elim.box.scrolls, elim.table.right > elim.box.right, `${width} px: the list scrolls when it is wider`);
    }
  });
});

browserTest('the page has an icon: /favicon.ico and the SVG its link names are served, and loading the page asks for nothing missing', async () => {
  await withConsole(async (x, page) => {
    // What the page asked for while it loaded (again, now that we listen): nothing 404s.
    const failed = [];
    page.on('response', (r) => {
      if (r.status() >= 400) failed.push(`${r.status()} ${r.url()}`);
    });
    await page.reload();
    await byTestId(page, 'instrument-row-STEEL-IRON').waitFor();
    const ico = await fetch(x.url + '/favicon.ico');
    assert.equal(ico.status, 200);
    assert.equal(ico.headers.get('content-type'), 'image/x-icon');
    const bytes = new Uint8Array(await ico.arrayBuffer());
    assert.deepEqual([...bytes.slice(0, 6)], [0, 0, 1, 0, 2, 0], 'an icon file of two images');
    // The browser's icon: the first <link rel="icon">, an SVG under /assets/.
    const href = await page.locator('link[rel="icon"]').first().getAttribute('href');
    const svg = await fetch(new URL(href, x.url));
    assert.equal(svg.status, 200);
    assert.equal(svg.headers.get('content-type'), 'image/svg+xml');
    assert.match(await svg.text(), /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    // Both decode as images in the page, under its Content-Security-Policy (a refusal fails withConsole;
    // headless chromium fetches no icon of its own).
    for (const src of [href, '/favicon.ico']) {
      const size = await page.evaluate(async (s) => {
        const img = new Image();
        img.src = s;
        await img.decode();
        return [img.naturalWidth, img.naturalHeight];
      }, src);
      assert.ok(size[0] >= 16 && size[0] === size[1], `${src}: ${size}`);
    }
    assert.deepEqual(failed, []);
  });
});

browserTest('the elimination list filters, sorts and exports CSV', async () => {
  await withConsole(async (x, page) => {
    // Two retirements: a blast furnace (steel) and a clinker line (cement).
    await x.orderOk(kSeller, ['sell', 'STEEL-IRON', 'HB-BF-450', '300', '580.00', '--tif', 'gtc']);
    await x.orderOk(kBuyer, ['buy', 'STEEL-IRON', 'TJ-NEW-BF-2500', '300', '580.00']);
    await x.orderOk('XZ-LHASA-CEMENT', ['sell', 'CEMENT-CLINKER', 'XZ-CL-1000', '1000', '300.00', '--tif', 'gtc']);
    await x.orderOk('SC-CHENGDU-CEMENT', ['buy', 'CEMENT-CLINKER', 'SC-NEW-CL-4500', '1000', '300.00']);
    await logIn(page, kRegulator);
    await byTestId(page, 'tab-supervision').click();
    const rows = page.locator('[data-testid="elim-row"]');
    await until('both retirements in the elimination list', async () => (await rows.count()) === 2, 5000);

    // Sort by facility, both ways.
    const facilities = () => rows.evaluateAll((rs) => rs.map((r) => r.dataset.facility).join(' '));
    await byTestId(page, 'elim-sort-facility').click();
    await until('rows sorted by facility', async () => (await facilities()) === 'HB-BF-450 XZ-CL-1000', 2000);
    await page.locator('[data-testid="elim-sort-facility"].sorted:not(.desc)').waitFor();
    await byTestId(page, 'elim-sort-facility').click();
    await until('rows sorted by facility, descending', async () => (await facilities()) === 'XZ-CL-1000 HB-BF-450', 2000);

    // Find in the results.
    await byTestId(page, 'elim-search').fill('XZ-CL');
    await until('the search to leave the clinker line', async () => (await rows.count()) === 1, 2000);
    assert.equal(await rows.first().getAttribute('data-facility'), 'XZ-CL-1000');
    await byTestId(page, 'elim-search').fill('');

    // The server's filter: steel only.
    await byTestId(page, 'elim-industry').selectOption('steel');
    await until('the industry filter to leave the blast furnace', async () =>
      (await rows.count()) === 1 && (await rows.first().getAttribute('data-facility')) === 'HB-BF-450', 5000);

    // CSV export of the filtered list: the same columns as the JSON items, one row.
    const [download] = await Promise.all([page.waitForEvent('download'), byTestId(page, 'elim-csv').click()]);
    const csv = fs.readFileSync(await download.path(), 'utf8').trim().split(/\r?\n/);
    const json = await page.evaluate(async () => (await (await fetch('/api/v1/ledger/elimination?industry=steel')).json()).items);
    assert.equal(json.length, 1);
    assert.equal(csv.length, 2, `CSV:\n${csv.join('\n')}`);
    assert.deepEqual(csv[0].split(','), Object.keys(json[0]));
    assert.ok(csv[1].includes('HB-BF-450') && !csv.join('\n').includes('XZ-CL-1000'), `CSV:\n${csv.join('\n')}`);

    // Back to every industry.
    await byTestId(page, 'elim-industry').selectOption('');
    await until('both retirements again', async () => (await rows.count()) === 2, 5000);

    // A filter the server refuses (no such region code) leaves no rows under it and no CSV link to the
    // refusal (the old rows stayed, counted under the new filter).
    await byTestId(page, 'elim-region').fill('abc');
    await byTestId(page, 'elim-apply').click();
    await until('the refused filter to empty the list', async () => (await rows.count()) === 0, 5000);
    assert.equal(await byTestId(page, 'elim-csv').getAttribute('href'), null);
    await byTestId(page, 'elim-region').fill('');
    await byTestId(page, 'elim-apply').click();
    await until('both retirements after the filter is cleared', async () => (await rows.count()) === 2, 5000);
    assert.match(await byTestId(page, 'elim-csv').getAttribute('href'), /^\/api\/v1\/ledger\/elimination/);
  });
});

browserTest('a regulator sees regional capacity against caps, project progress and facility history as crix ledger reports them', async () => {
  await withConsole(async (x, page) => {
    await x.orderOk(kSeller, ['sell', 'STEEL-IRON', 'HB-BF-450', '300', '580.00', '--tif', 'gtc']);
    await x.orderOk(kBuyer, ['buy', 'STEEL-IRON', 'TJ-NEW-BF-2500', '300', '580.00']);
    const ledger = (args) => new Promise((resolve, reject) => execFile(CRIX, ['ledger', ...args], (e, out, err) =>
      (e ? reject(new Error(`crix ledger ${args.join(' ')}: ${err}`)) : resolve(JSON.parse(out)))));
    const project = (await ledger(['project', x.ledger, 'TJ-NEW-BF-2500', '--json'])).project[0];
    assert.equal(project.credited_t, 200);  // 300 t in a key region at 1.5:1

    await logIn(page, kRegulator);
    await byTestId(page, 'tab-supervision').click();
    await byTestId(page, 'region-bar').first().waitFor();
    // Tianjin's steel: capacity against its 20 Mt cap.
    const tianjin = page.locator('[data-testid="region-bar"]', { has: page.locator('title', { hasText: /Tianjin/ }) });
    assert.ok(await tianjin.count() >= 1, 'no bar for Tianjin');

    await byTestId(page, 'project-id').fill('TJ-NEW-BF-2500');
    await byTestId(page, 'project-show').click();
    const progress = `${project.credited_t.toLocaleString('en-US')} / ${project.need_t.toLocaleString('en-US')}`;
    await byTestId(page, 'project-progress').filter({ hasText: progress }).waitFor();

    await byTestId(page, 'facility-id').fill('HB-BF-450');
    await byTestId(page, 'facility-show').click();
    await byTestId(page, 'facility').locator('tbody tr', { hasText: 'TJ-NEW-BF-2500' }).first().waitFor();
    assert.match(await byTestId(page, 'facility').innerText(), /HB-TANGSHAN-IRON/);
    // The language switch draws the shown project and facility again in the other language (they kept
    // 成交记录 under an English page).
    assert.match(await byTestId(page, 'facility').innerText(), /成交记录/);
    await byTestId(page, 'lang-switch').click();
    await byTestId(page, 'facility').filter({ hasText: 'Trades' }).waitFor({ timeout: 2000 });
    assert.doesNotMatch(await byTestId(page, 'facility').innerText(), /成交记录/);
    assert.doesNotMatch(await byTestId(page, 'project').innerText(), /成交记录/);
    assert.match(await byTestId(page, 'facility').innerText(), /HB-TANGSHAN-IRON/);
  });
});

