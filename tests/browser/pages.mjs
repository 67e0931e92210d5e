#!/usr/bin/env node
// Browser checks of the issuer's HTML pages, with Debian's Chromium and page
// JavaScript disabled (the pages must work without it). See README.md here.
//
//   node tests/browser/pages.mjs --credential-url URL --verify-url URL \
//        --screenshots DIR [--expect-json FILE] [--paste-json FILE] [--upload-file FILE]
//
// Prints one JSON line per check and exits 1 if any check fails (2 on bad usage).

import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';

import { auditPage, focusState, scrollWidth } from './audit.mjs';

const USAGE =
  'usage: node tests/browser/pages.mjs --credential-url URL --verify-url URL --screenshots DIR [--expect-json FILE] [--paste-json FILE] [--upload-file FILE]';
const DEFAULT_EXPECT = {
  nl: { verdict: 'Echt en geldig', visible: [] },
  en: { verdict: 'Authentic and valid', visible: [] },
};
const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 360, height: 740 };
const LAUNCH = {
  executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
};

const failures = [];
let passed = 0;

function report(step, check, ok, detail) {
  const line = { step, check, ok: Boolean(ok) };
  if (detail !== undefined && !(Array.isArray(detail) && detail.length === 0)) line.detail = detail;
  console.log(JSON.stringify(line));
  if (ok) passed += 1;
  else failures.push(line);
}

function usage(message) {
  console.error(`${message}\n${USAGE}`);
  process.exit(2);
}

function options() {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        'credential-url': { type: 'string' },
        'verify-url': { type: 'string' },
        screenshots: { type: 'string' },
        'expect-json': { type: 'string' },
        'paste-json': { type: 'string' },
        'upload-file': { type: 'string' },
      },
    }));
  } catch (e) {
    usage(e.message);
  }
  for (const name of ['credential-url', 'verify-url', 'screenshots']) {
    if (!values[name]) usage(`missing --${name}`);
  }
  for (const name of ['credential-url', 'verify-url']) {
    try {
      new URL(values[name]);
    } catch {
      usage(`--${name} is not an absolute URL: ${values[name]}`);
    }
  }
  return values;
}

// {"nl": {"verdict": "...", "visible": ["..."]}, "en": {...}}; optional per language:
// "verify_verdict" and "verify_visible" for the paste-to-verify result page.
async function expectations(file) {
  if (!file) return DEFAULT_EXPECT;
  let parsed;
  try {
    parsed = JSON.parse(await readFile(file, 'utf8'));
  } catch (e) {
    usage(`--expect-json ${file}: ${e.message}`);
  }
  for (const lang of ['nl', 'en']) {
    const e = parsed?.[lang];
    const strings = (v) => Array.isArray(v) && v.every((s) => typeof s === 'string');
    if (typeof e?.verdict !== 'string' || !strings(e.visible ?? [])) {
      usage(`--expect-json ${file}: "${lang}" needs "verdict" (string) and "visible" (array of strings)`);
    }
  }
  return parsed;
}

function withLang(url, lang) {
  const u = new URL(url);
  if (lang) u.searchParams.set('lang', lang);
  else u.searchParams.delete('lang');
  return u.toString();
}

// Every check of one loaded page; screenshots at desktop and phone width.
async function checkPage(page, step, want, shots) {
  const a = await page.evaluate(auditPage);
  report(step, 'html lang', a.lang === want.lang, `<html lang="${a.lang}">, expected "${want.lang}"`);
  report(step, 'exactly one h1', a.h1 === 1, `${a.h1} h1 element(s)`);
  report(step, 'heading order', a.headingSkips.length === 0, a.headingSkips);
  report(step, 'every img has alt', a.imagesWithoutAlt.length === 0, a.imagesWithoutAlt);
  report(step, 'every img loads', a.imagesNotLoaded.length === 0, a.imagesNotLoaded);
  report(step, 'every form field has a label', a.unlabelledFields.length === 0, a.unlabelledFields);
  report(step, 'text contrast WCAG AA', a.lowContrast.length === 0, a.lowContrast.length ? a.lowContrast : `${a.textElements} text elements`);
  report(step, 'viewport meta', a.hasViewportMeta);
  report(step, 'no external CSS or scripts', a.externalResources.length === 0, a.externalResources);
  if (want.switch) {
    const by = (l) => a.switchLinks.find((s) => s.hreflang === l);
    const ok = by('nl') && by('en') && by(want.lang)?.current && !by(want.lang === 'nl' ? 'en' : 'nl')?.current;
    report(step, 'language switch (hreflang, aria-current)', ok, a.switchLinks);
  }
  if (want.verdict) {
    const banner = page.locator('[role="status"]').first();
    const shown = (await banner.count()) > 0 && (await banner.isVisible());
    const text = shown ? (await banner.innerText()).replace(/\s+/g, ' ').trim() : '';
    report(step, `verdict "${want.verdict}"`, shown && text.includes(want.verdict), text || 'no visible role="status" banner');
  }
  for (const text of want.visible ?? []) {
    const n = await page.getByText(text).filter({ visible: true }).count();
    report(step, `visible "${text}"`, n > 0, n > 0 ? undefined : 'not found on the page');
  }
  await page.screenshot({ path: path.join(shots, `${step}.png`), fullPage: true });
  await page.setViewportSize(PHONE);
  const width = await page.evaluate(scrollWidth);
  report(step, 'no horizontal scroll at 360x740', width <= PHONE.width, `scrollWidth ${width}`);
  await page.screenshot({ path: path.join(shots, `${step}-360.png`), fullPage: true });
  await page.setViewportSize(DESKTOP);
  await checkFocus(page, step);
}

// Keyboard: the first tab stop is a visible skip link; tab stops show focus.
async function checkFocus(page, step) {
  const stops = [];
  for (let i = 0; i < 3; i += 1) {
    await page.keyboard.press('Tab');
    stops.push(await page.evaluate(focusState));
  }
  const first = stops[0];
  report(step, 'skip link is the first tab stop', first?.tag === 'a' && first.href?.startsWith('#') && first.onScreen, first);
  const bad = stops.filter((s) => !s?.indicator);
  report(step, 'focus indicator on tab stops', bad.length === 0, bad.length ? stops : undefined);
}

async function open(browser, step, url, locale) {
  const context = await browser.newContext({ locale, javaScriptEnabled: false, viewport: DESKTOP });
  const page = await context.newPage();
  page.setDefaultTimeout(15000);
  const response = await page.goto(url, { waitUntil: 'load', timeout: 30000 });
  const status = response?.status();
  report(step, 'HTTP 200', status === 200, `GET ${url} -> ${status} (Accept-Language from locale ${locale})`);
  return { context, page };
}

async function fetchJson(url) {
  const step = 'credential-json';
  const res = await fetch(url, { headers: { Accept: 'application/json' } });
  const body = await res.text();
  const type = res.headers.get('content-type') || '';
  let obj = null;
  try {
    obj = JSON.parse(body);
  } catch {
    /* reported below */
  }
  report(step, 'JSON with Accept: application/json', res.status === 200 && type.includes('json') && obj && typeof obj === 'object', `${res.status} ${type}`);
  return body;
}

async function run(browser, opts, expect, shots) {
  const credentialUrl = opts['credential-url'];
  const steps = [
    // The query wins over the header: each language is asked for with the other's locale.
    { step: 'credential-nl', url: withLang(credentialUrl, 'nl'), locale: 'en-GB', lang: 'nl' },
    { step: 'credential-en', url: withLang(credentialUrl, 'en'), locale: 'nl-BE', lang: 'en' },
    { step: 'credential-accept-language-en', url: withLang(credentialUrl, null), locale: 'en-GB', lang: 'en' },
  ];
  for (const s of steps) {
    await guarded(s.step, async () => {
      const { context, page } = await open(browser, s.step, s.url, s.locale);
      await checkPage(page, s.step, { ...expect[s.lang], lang: s.lang, switch: true }, shots);
      await context.close();
    });
  }

  let json = null;
  await guarded('credential-json', async () => {
    // --paste-json FILE: paste that credential into the verify form instead of this one.
    json = opts['paste-json'] ? await readFile(opts['paste-json'], 'utf8') : await fetchJson(credentialUrl);
  });

  await guarded('verify-form', async () => {
    // The form's language: ?lang= of the URL, else Dutch; the browser asks for the same
    // language, so the result page (negotiated from Accept-Language) matches it.
    const formLang = new URL(opts['verify-url']).searchParams.get('lang') === 'en' ? 'en' : 'nl';
    const locale = formLang === 'en' ? 'en-GB' : 'nl-BE';
    const { context, page } = await open(browser, 'verify-form', opts['verify-url'], locale);
    const form = page.locator('form[method="post" i][enctype="multipart/form-data"]');
    const action = (await form.count()) ? await form.first().getAttribute('action') : null;
    report('verify-form', 'multipart POST form to /verify', action === '/verify' || action?.endsWith('/verify'), `action=${action}`);
    report('verify-form', 'textarea "credential" and file input "file"',
      (await page.locator('textarea[name="credential"]').count()) === 1 && (await page.locator('input[type="file"][name="file"]').count()) === 1);
    await checkPage(page, 'verify-form', { lang: formLang, visible: [] }, shots);
    if (json === null) throw new Error('no credential JSON to paste (see credential-json)');
    await page.locator('textarea[name="credential"]').fill(json);
    const [response] = await Promise.all([
      page.waitForNavigation({ waitUntil: 'load', timeout: 30000 }),
      page.locator('form[method="post" i] [type="submit"]').first().click(),
    ]);
    const step = 'verify-result';
    report(step, 'HTTP 200', response?.status() === 200, `POST -> ${response?.status()}`);
    const lang = await page.evaluate(() => document.documentElement.getAttribute('lang'));
    const e = expect[lang] ?? expect[formLang];
    const want = { lang: lang in expect ? lang : formLang, verdict: e.verify_verdict ?? e.verdict, visible: e.verify_visible ?? e.visible };
    await checkPage(page, step, want, shots);
    // "verify_absent": words the result page must not show anywhere (e.g. "Authentic").
    const body = (await page.locator('body').innerText()).replace(/\s+/g, ' ');
    for (const text of e.verify_absent ?? []) {
      report(step, `absent "${text}"`, !body.includes(text), body.includes(text) ? 'shown on the page' : undefined);
    }
    await context.close();
  });

  // --upload-file FILE: choose that file (a baked badge PNG) in the form's file input
  // instead of pasting; the result must be the same verdict.
  if (opts['upload-file']) {
    await guarded('verify-upload', async () => {
      const formLang = new URL(opts['verify-url']).searchParams.get('lang') === 'en' ? 'en' : 'nl';
      const locale = formLang === 'en' ? 'en-GB' : 'nl-BE';
      const { context, page } = await open(browser, 'verify-upload-form', opts['verify-url'], locale);
      const accept = await page.locator('input[type="file"][name="file"]').getAttribute('accept');
      report('verify-upload', 'the file input accepts PNG badges', Boolean(accept?.includes('image/png')), `accept=${accept}`);
      await page.locator('input[type="file"][name="file"]').setInputFiles(path.resolve(opts['upload-file']));
      const [response] = await Promise.all([
        page.waitForNavigation({ waitUntil: 'load', timeout: 30000 }),
        page.locator('form[method="post" i] [type="submit"]').first().click(),
      ]);
      const step = 'verify-upload-result';
      report(step, 'HTTP 200', response?.status() === 200, `POST -> ${response?.status()}`);
      const lang = await page.evaluate(() => document.documentElement.getAttribute('lang'));
      const e = expect[lang] ?? expect[formLang];
      const want = { lang: lang in expect ? lang : formLang, verdict: e.verify_verdict ?? e.verdict, visible: e.verify_visible ?? e.visible };
      await checkPage(page, step, want, shots);
      await context.close();
    });
  }
}

async function guarded(step, fn) {
  try {
    await fn();
  } catch (e) {
    report(step, 'step completed', false, String(e?.message ?? e).split('\n')[0]);
  }
}

async function main() {
  const opts = options();
  const expect = await expectations(opts['expect-json']);
  const shots = path.resolve(opts.screenshots);
  await mkdir(shots, { recursive: true });
  let browser;
  try {
    browser = await chromium.launch(LAUNCH);
  } catch (e) {
    report('launch', 'Chromium starts', false, `${LAUNCH.executablePath}: ${String(e?.message ?? e).split('\n')[0]}`);
  }
  if (browser) {
    try {
      await run(browser, opts, expect, shots);
    } finally {
      await browser.close();
    }
  }
  console.log(JSON.stringify({ summary: true, passed, failed: failures.length, screenshots: shots }));
  if (failures.length) {
    console.error(`FAILED: ${failures.length} browser check(s):`);
    for (const f of failures) console.error(`- [${f.step}] ${f.check}: ${JSON.stringify(f.detail ?? '')}`);
    process.exit(1);
  }
}

await main();
