// The dashboard in Debian's headless Chromium, driven by playwright-core,
// against the real `candlewick serve --api-tokens` on 127.0.0.1. Prints TAP.
// usage: node dashboard-test.mjs BUILD_DIR   (env: CW_CANDLEWICK, CW_SHARED_DATA, CW_SOURCE_ROOT)
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';

const CHROMIUM = '/usr/bin/chromium';
const here = path.dirname(new URL(import.meta.url).pathname);
const outDir = process.argv[2] || os.tmpdir();
const exe = process.env.CW_CANDLEWICK;

if (!fs.existsSync(CHROMIUM)) {
  console.log('1..0 # SKIP ' + CHROMIUM + ' is missing (apt-get install chromium)');
  process.exit(0);
}
if (!fs.existsSync(path.join(here, 'node_modules', 'playwright-core'))) {
  console.log('1..0 # SKIP tests/browser/node_modules is missing (run npm ci in tests/browser)');
  process.exit(0);
}
const { chromium } = createRequire(import.meta.url)('playwright-core');

let n = 0;
const ok = (cond, what) => {
  n++;
  console.log((cond ? 'ok ' : 'not ok ') + n + ' - ' + what);
  if (!cond) throw new Error(what);
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const run = (...args) => execFileSync(exe, args, { encoding: 'utf8' }).trim();

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-browser-'));
const db = path.join(dir, 'bots.db');
const tokens = path.join(dir, 'tokens');
const portFile = path.join(dir, 'port');
const admin = run('tokens', 'add', '--file', tokens, '--role', 'admin', 'ops');
const reader = run('tokens', 'add', '--file', tokens, '--role', 'read', 'viewer');
for (const [example, name] of [['ema-trend.json', 'a'], ['mean-reversion.json', 'b']]) {
  const cfg = JSON.parse(fs.readFileSync(path.join(process.env.CW_SOURCE_ROOT, 'docs', 'examples', example), 'utf8'));
  cfg.name = name;
  cfg.feed = { type: 'replay', path: path.join(process.env.CW_SHARED_DATA, 'btcusdt-5m.csv'), speed: 0 };
  const file = path.join(dir, name + '.json');
  fs.writeFileSync(file, JSON.stringify(cfg));
  run('bots', 'add', '--db', db, '--config', file);
}
const serve = spawn(exe, ['serve', '--db', db, '--http', '127.0.0.1:0', '--api-tokens', tokens,
  '--http-port-file', portFile, '--poll-interval', '0.2'], { stdio: 'ignore' });
let browser = null;
let failed = false;

try {
  let port = 0;
  for (let i = 0; i < 400 && !port; i++) {
    if (fs.existsSync(portFile)) port = parseInt(fs.readFileSync(portFile, 'utf8'), 10) || 0;
    if (!port) await sleep(50);
  }
  ok(port > 0, 'candlewick serve --http with the API listens');
  const base = 'http://127.0.0.1:' + port;
  // the bots have traded once the replay is through (at most 60 s)
  let traded = false;
  for (let i = 0; i < 600 && !traded; i++) {
    const r = await fetch(base + '/api/v1/bots/a/trades?limit=1', { headers: { Authorization: 'Bearer ' + reader } });
    traded = r.ok && (await r.json()).trades.length > 0;
    if (!traded) await sleep(100);
  }
  ok(traded, 'bot a has a trade in the API within 60 s');
  // each context its own new, empty profile (--user-data-dir)
  const launch = (viewport) => chromium.launchPersistentContext(fs.mkdtempSync(path.join(dir, 'profile-')), {
    executablePath: CHROMIUM, headless: true, viewport,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });

  // admin: log in, see the bots, open a bot with trades on its chart, halt it
  const ctx = await launch({ width: 1280, height: 900 });
  browser = [ctx];
  const page = ctx.pages()[0] || await ctx.newPage();
  page.on('dialog', (d) => d.accept());
  // what went wrong in the page, for the log of a failed run
  page.on('pageerror', (e) => console.log('# page error: ' + e.message));
  page.on('response', (r) => { if (r.status() >= 400) console.log('# ' + r.status() + ' ' + r.url()); });
  // what the login page loads: every response of the first navigation
  const urls = new Set();
  page.on('request', (r) => urls.add(r.url()));
  await page.goto(base + '/');
  await page.waitForLoadState('networkidle');
  let firstLoad = 0;
  for (const u of urls) firstLoad += (await (await fetch(u)).arrayBuffer()).byteLength;
  console.log('# first load: ' + [...urls].map((u) => new URL(u).pathname).join(' '));
  console.log('# dashboard first load: ' + firstLoad + ' bytes');
  ok(firstLoad > 0 && firstLoad < 500 * 1024, 'first load under 500 KB (' + firstLoad + ' bytes)');
  await page.fill('#token', admin);
  await page.click('#login');
  await page.waitForSelector('tr.bot-row', { timeout: 30000 });
  ok((await page.locator('tr.bot-row').count()) === 2, 'logged in, sees the 2 bots');
  await page.screenshot({ path: path.join(outDir, 'dashboard-overview.png'), fullPage: true });
  await page.click('tr.bot-row[data-name="a"]');
  await page.waitForSelector('#bot-chart[data-trades]:not([data-trades="0"])', { timeout: 30000 });
  const trades = Number(await page.getAttribute('#bot-chart', 'data-trades'));
  ok(trades > 0, 'bot page chart shows ' + trades + ' trades');
  await page.screenshot({ path: path.join(outDir, 'dashboard-bot.png'), fullPage: true });
  ok(await page.isVisible('#btn-halt'), 'an admin token shows the controls');
  await page.click('#btn-halt');
  await page.waitForSelector('#bot-mode:text-is("halted")', { timeout: 30000 });
  ok(true, 'halted the bot and sees it halted');
  await page.screenshot({ path: path.join(outDir, 'dashboard-halted.png'), fullPage: true });

  // a read token: no controls anywhere, on a phone-sized screen
  const rctx = await launch({ width: 390, height: 844 });
  browser.push(rctx);
  const rpage = rctx.pages()[0] || await rctx.newPage();
  await rpage.goto(base + '/');
  await rpage.fill('#token', reader);
  await rpage.click('#login');
  await rpage.waitForSelector('tr.bot-row', { timeout: 30000 });
  ok(!(await rpage.isVisible('#btn-halt-all')), 'a read token shows no halt-all');
  await rpage.click('tr.bot-row[data-name="a"]');
  await rpage.waitForSelector('#bot-chart[data-trades]:not([data-trades="0"])', { timeout: 30000 });
  ok(!(await rpage.isVisible('#controls')) && !(await rpage.isVisible('#btn-halt')), 'a read token shows no bot controls');
  ok((await rpage.textContent('#bot-mode')) === 'halted', 'the read token sees the bot halted');
  await rpage.screenshot({ path: path.join(outDir, 'dashboard-read-phone.png'), fullPage: true });
} catch (e) {
  failed = true;
  console.log('# ' + e.message);
} finally {
  for (const c of browser || []) await c.close();
  serve.kill('SIGTERM');
  await new Promise((r) => serve.exitCode !== null ? r() : serve.on('exit', r));
  fs.rmSync(dir, { recursive: true, force: true });
}
console.log('1..' + (failed ? n + 1 : n));
if (failed) console.log('not ok ' + (n + 1) + ' - the run stopped early');
process.exit(failed ? 1 : 0);
