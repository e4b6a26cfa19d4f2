// make audit: Lighthouse's mobile preset (performance, accessibility, best practices) and axe-core on
// the main pages, each as the role that uses it, in the Chromium at CHROME_PATH (never a download).
// tests/audit/run.py starts the app with the demo data and calls this with BASE and AUDIT_PASSWORD.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import lighthouse from 'lighthouse';
import puppeteer from 'puppeteer-core';

const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const BASE = process.env.BASE || 'http://127.0.0.1:8000';
const PASSWORD = process.env.AUDIT_PASSWORD;
const CHROME = process.env.CHROME_PATH || '/usr/bin/chromium';
const CATEGORIES = ['performance', 'accessibility', 'best-practices'];

async function logIn(page, username) {
  await page.goto(`${BASE}/login`, { waitUntil: 'networkidle0' });
  await page.type('#username', username);
  await page.type('#password', PASSWORD);
  await Promise.all([page.waitForNavigation({ waitUntil: 'networkidle0' }), page.click('button[type=submit]')]);
}

async function logOut(page) {
  await page.deleteCookie(...(await page.cookies(BASE)));
}

async function coverageLink(page) {
  await page.goto(`${BASE}/`, { waitUntil: 'networkidle0' });
  return page.$eval('main a[href*="/coverage/"]', (a) => a.getAttribute('href'));
}

// axe at the phone's size: violations by impact, and the serious or critical ones by rule.
async function axe(page, url) {
  await page.setViewport({ width: 360, height: 740, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
  await page.goto(url, { waitUntil: 'networkidle0' });
  await page.evaluate(AXE); // through DevTools, so the page's CSP does not apply to the tool
  const result = await page.evaluate(() => globalThis.axe.run(document, { resultTypes: ['violations'] }));
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  return { total: result.violations.length, bad: bad.length, rules: bad.map((v) => v.id) };
}

// One Lighthouse run in a fresh tab of the signed-in browser (a reused tab can miss its
// navigation start). Throttling is simulated, so a busy machine moves the figures: each page gets
// AUDIT_RUNS runs (3) and the table shows the median run by performance.
async function lighthouseRun(browser, url) {
  for (let attempt = 0; ; attempt += 1) {
    const tab = await browser.newPage();
    try {
      const { lhr } = await lighthouse(
        url, { logLevel: 'error', output: 'json', onlyCategories: CATEGORIES }, undefined, tab);
      if (!lhr.runtimeError || attempt >= 2) return lhr;
    } finally {
      await tab.close();
    }
  }
}

async function audit(browser, page, name, url) {
  const runs = [];
  for (let n = 0; n < Number(process.env.AUDIT_RUNS || 3); n += 1) runs.push(await lighthouseRun(browser, url));
  runs.sort((x, y) => x.categories.performance.score - y.categories.performance.score);
  const lhr = runs[Math.floor(runs.length / 2)];
  const scores = Object.fromEntries(CATEGORIES.map((c) => [c, Math.round(lhr.categories[c].score * 100)]));
  // What cost points: failed checks, and measured audits under 90 (with their figure).
  const failed = Object.values(lhr.audits)
    .filter((a) => a.score !== null && (a.scoreDisplayMode === 'binary' ? a.score < 1 : a.score < 0.9))
    .map((a) => (a.displayValue ? `${a.id} (${a.displayValue})` : a.id));
  if (lhr.runtimeError) failed.unshift(`runtime error: ${lhr.runtimeError.code}`);
  const found = await axe(page, url);
  return { name, path: url.replace(BASE, ''), ...scores, axe: found, failed };
}

const browser = await puppeteer.launch({
  executablePath: CHROME,
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
});
const page = await browser.newPage();
const rows = [];
rows.push(await audit(browser, page, 'login', `${BASE}/login`));
await logIn(page, process.env.AUDIT_VOLUNTEER || 'tnv1');
rows.push(await audit(browser, page, 'visit form', `${BASE}/visits/new`));
rows.push(await audit(browser, page, 'my visits', `${BASE}/visits/mine`));
await logOut(page);
await logIn(page, process.env.AUDIT_LEAD || 'lead');
rows.push(await audit(browser, page, 'review queue', `${BASE}/review/`));
rows.push(await audit(browser, page, 'ward page', `${BASE}${await coverageLink(page)}`));
await logOut(page);
await logIn(page, process.env.AUDIT_COORDINATOR || 'coordinator');
rows.push(await audit(browser, page, 'province page', `${BASE}${await coverageLink(page)}`));
await browser.close();

const pad = (s, n) => String(s).padEnd(n);
console.log(`| ${pad('page', 14)}| performance | accessibility | best practices | axe serious+critical (all) |`);
console.log(`| ${'-'.repeat(13)} | ----------- | ------------- | -------------- | -------------------------- |`);
for (const r of rows) {
  console.log(`| ${pad(r.name, 14)}| ${pad(r.performance, 12)}| ${pad(r.accessibility, 14)}| ${pad(r['best-practices'], 15)}| ${pad(`${r.axe.bad} (${r.axe.total})`, 27)}|`);
}
for (const r of rows) {
  if (r.failed.length || r.axe.rules.length) console.log(`${r.name} (${r.path}): lighthouse ${r.failed.join(', ') || '-'}; axe ${r.axe.rules.join(', ') || '-'}`);
}
const low = rows.filter((r) => CATEGORIES.some((c) => r[c] < 98) || r.axe.bad);
process.exitCode = low.length ? 1 : 0;
