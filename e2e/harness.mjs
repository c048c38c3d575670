// Shared pieces of the end-to-end tests: the real server process, Debian's Chromium, the
// usual fixture of a test file (a receiver and a browser), a configured phone, and watchers
// for console errors and foreign requests.
import { before, after } from 'node:test';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
export { chromium };

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** The receiver binary the tests run. */
export const SERVER = process.env.VIGIE_SERVER_BIN || join(ROOT, 'target/debug/vigie-server');

/** Starts vigie-server on a free loopback port serving `dist`; it stops itself after 5 min. */
export async function startServer(dist = join(ROOT, 'dist'), extraArgs = [], env = {}) {
  // Each server gets its own database unless the test gives one.
  const data = extraArgs.includes('--data-dir') ? [] : ['--data-dir', mkdtempSync(join(tmpdir(), 'vigie-data-'))];
  const child = spawn(
    SERVER,
    // Servers stop by themselves; a long benchmark asks for more time.
    ['--bind', '127.0.0.1:0', '--dist', dist, '--lifetime-secs', process.env.VIGIE_TEST_LIFETIME_SECS ?? '300', ...data, ...extraArgs],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } }
  );
  let out = '';
  const url = await new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error('server did not start within 10 s')), 10_000);
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/listening on (http:\/\/127\.0\.0\.1:\d+)\//);
      if (m) {
        clearTimeout(timer);
        ok(m[1]);
      }
    });
    child.stderr.on('data', (d) => (out += d));
    child.on('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`server exited (${code}): ${out}`));
    });
  });
  return {
    url,
    pid: child.pid,
    /** Everything the server has printed so far. */
    log: () => out,
    stop: () =>
      new Promise((done) => {
        if (child.exitCode !== null) return done();
        child.on('exit', done);
        child.kill('SIGTERM');
      }),
  };
}

/** Launches headless Debian Chromium with flags that keep it off the network. */
export async function launchBrowser() {
  const scratch = mkdtempSync(join(tmpdir(), 'vigie-e2e-'));
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_BIN || '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
    env: { ...process.env, XDG_CONFIG_HOME: scratch, XDG_CACHE_HOME: scratch, TMPDIR: scratch },
  });
  const close = async () => {
    await browser.close();
    rmSync(scratch, { recursive: true, force: true });
  };
  const newContext = browser.newContext.bind(browser);
  browser.newContext = async (...options) => {
    const ctx = await newContext(...options);
    const newPage = ctx.newPage.bind(ctx);
    ctx.newPage = async () => appPage(await newPage());
    return ctx;
  };
  const newPage = browser.newPage.bind(browser);
  browser.newPage = async (...options) => appPage(await newPage(...options));
  return { browser, close };
}

/**
 * The page's `load` event comes before the app is on screen: index.html's static first screen
 * shows until the wasm has arrived and the app has started in its few short tasks. So `goto`
 * and `reload` here also wait until the app has taken the static screen's place (or said it
 * cannot start), as a person waits for it; a test looking at the static screen itself asks
 * for a `waitUntil` of its own.
 */
function appPage(page) {
  for (const [method, at] of [['goto', 1], ['reload', 0]]) {
    const plain = page[method].bind(page);
    page[method] = async (...args) => {
      const response = await plain(...args);
      if (!args[at]?.waitUntil) {
        await page
          .waitForFunction(() => !document.getElementById('boot') || document.querySelector('#boot.boot-failed'), null, { timeout: 60_000 })
          .catch(() => {}); // A page that never starts fails on the test's own checks.
      }
      return response;
    };
  }
  return page;
}

/** Records console errors, uncaught exceptions and requests to any origin but `origin`. */
export function watch(page, origin) {
  const problems = { consoleErrors: [], foreign: [] };
  page.on('console', (m) => {
    if (m.type() === 'error') problems.consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => problems.consoleErrors.push(String(e)));
  page.context().on('request', (r) => {
    const u = new URL(r.url());
    if (u.protocol.startsWith('http') && u.origin !== origin) problems.foreign.push(r.url());
  });
  return problems;
}

/** Waits until a service worker controls `page` and has finished precaching. */
export async function waitForWorker(page) {
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
    if (!navigator.serviceWorker.controller) {
      await new Promise((ok) => navigator.serviceWorker.addEventListener('controllerchange', ok, { once: true }));
    }
  });
}

/**
 * Reads (`op: 'all'`) or writes (`op: 'put'`) an object store of the app's IndexedDB from
 * the page, opening it as the app does. Values are JSON text.
 */
function idb(page, op, store, key, value) {
  return page.evaluate(
    ({ op, store, key, value }) =>
      new Promise((ok, fail) => {
        const open = indexedDB.open('vigie', 3);
        open.onupgradeneeded = () => {
          for (const s of ['outbox', 'drafts', 'meta', 'plans', 'receipts']) {
            if (!open.result.objectStoreNames.contains(s)) open.result.createObjectStore(s);
          }
        };
        open.onerror = () => fail(open.error);
        open.onsuccess = () => {
          const db = open.result;
          const tx = db.transaction(store, op === 'all' ? 'readonly' : 'readwrite');
          const os = tx.objectStore(store);
          let keys;
          let values;
          if (op === 'put') os.put(value, key);
          else if (op === 'putMany') for (const [k, v] of value) os.put(v, k);
          else {
            keys = os.getAllKeys();
            values = os.getAll();
          }
          tx.oncomplete = () => {
            db.close();
            ok(op === 'all' ? keys.result.map((k, i) => ({ key: k, value: values.result[i] })) : undefined);
          };
          tx.onerror = () => {
            db.close();
            fail(tx.error);
          };
        };
      }),
    { op, store, key, value }
  );
}

/** Every `{ key, value }` of an object store of the app's IndexedDB (values are JSON text). */
export function idbAll(page, store) {
  return idb(page, 'all', store);
}

/** Writes `value` (text) under `key` in an object store of the app's IndexedDB. */
export function idbPut(page, store, key, value) {
  return idb(page, 'put', store, key, value);
}

/** Writes every `[key, text]` of `pairs` in an object store of the app's IndexedDB, in one transaction. */
export function idbPutMany(page, store, pairs) {
  return idb(page, 'putMany', store, undefined, pairs);
}

/**
 * The app's outbox entries, decoded: records still to send, then delivered ones' receipts,
 * read in one transaction (a flush moving a record between the two is seen whole or not).
 */
export async function outboxEntries(page) {
  const stored = await page.evaluate(async () => {
    const rows = await new Promise((ok, fail) => {
      const open = indexedDB.open('vigie', 3);
      open.onerror = () => fail(open.error);
      open.onsuccess = () => {
        const db = open.result;
        const tx = db.transaction(['outbox', 'receipts'], 'readonly');
        const reads = ['outbox', 'receipts'].map((s) => tx.objectStore(s).getAll());
        tx.oncomplete = () => {
          db.close();
          ok(reads.flatMap((r) => r.result));
        };
        tx.onerror = () => {
          db.close();
          fail(tx.error);
        };
      };
    });
    // A record sealed with its own key (no PIN) is opened as the service worker opens it.
    const bytes = (b64) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const out = [];
    for (const text of rows) {
      const e = JSON.parse(text);
      if (e.seal === 'row' && typeof e.sealed === 'string') {
        try {
          const dir = await (await navigator.storage.getDirectory()).getDirectoryHandle('vigie-keys');
          const held = JSON.parse(await (await (await dir.getFileHandle(e.envelope.id)).getFile()).text());
          const key = await crypto.subtle.importKey('raw', bytes(held.raw), 'AES-GCM', false, ['decrypt']);
          const b = bytes(e.sealed);
          const secret = JSON.parse(new TextDecoder().decode(
            await crypto.subtle.decrypt({ name: 'AES-GCM', iv: b.slice(0, 12) }, key, b.slice(12))));
          Object.assign(e.envelope, secret);
          delete e.sealed;
          delete e.seal;
        } catch (err) {
          e.openError = String(err);
        }
      }
      out.push(e);
    }
    return out;
  });
  return stored;
}

/**
 * Creates a plan named `name` from the plan list of `page` and waits for the plan's page: a
 * communal plan in a commune of `cercle` (by its index in the list, the first by default),
 * or with `roadmap`, a roadmap at `level` ("Pour tout le pays", "Pour une région", …).
 */
export async function createPlan(page, origin, { name, region = 'Sikasso', cercle, commune = 1, roadmap = false, level = 'Pour une commune' }) {
  await page.goto(origin + '/plans');
  await page.getByText('Nouveau plan').click();
  if (roadmap) {
    await page.getByLabel('Feuille de route').check();
    await page.getByTestId('plan-level').getByLabel(level).check();
  }
  await page.getByLabel("Nom du mécanisme ou de l'alliance").fill(name);
  const wide = roadmap ? ['Pour tout le pays', 'Pour une région', 'Pour un cercle', 'Pour une commune'].indexOf(level) : 3;
  if (wide >= 1) await page.getByLabel('Région').selectOption({ label: region });
  if (wide >= 2) await page.getByLabel('Cercle').selectOption({ label: cercle });
  if (wide >= 3) await page.getByLabel('Commune', { exact: true }).selectOption({ index: commune });
  await page.getByRole('button', { name: 'Créer le plan' }).click();
  await page.getByRole('heading', { name, exact: true }).first().waitFor();
}

/**
 * The usual fixture of a test file: a receiver serving the release build on its own data
 * folder, with a device token (and a coordinator token when given), and a headless
 * Chromium; started before the file's tests and stopped, folders removed, after them.
 * `args(dir)` may add flags, writing files it needs into `dir` (the file's scratch folder).
 * Returns `{ server, browser, dir, token, coordinator, phone(backend?) }`, filled in before
 * the first test; `phone()` is a phone set up for this receiver with the device token.
 */
export function receiverAndBrowser({ token = 'e2e-device-token', coordinator, args = () => [], browser = true } = {}) {
  const fx = { token, coordinator, server: null, browser: null, dir: null };
  let closeBrowser;
  before(async () => {
    fx.dir = mkdtempSync(join(tmpdir(), 'vigie-e2e-'));
    const extra = ['--data-dir', join(fx.dir, 'data'), '--token', token];
    if (coordinator) extra.push('--coordinator-token', coordinator);
    fx.server = await startServer(join(ROOT, 'dist'), [...extra, ...(await args(fx.dir))]);
    if (browser) ({ browser: fx.browser, close: closeBrowser } = await launchBrowser());
  });
  after(async () => {
    await closeBrowser?.();
    await fx.server?.stop();
    if (fx.dir) rmSync(fx.dir, { recursive: true, force: true });
  });
  fx.phone = (backend = { mode: 'generic_json', base: fx.server.url + '/api', token }) => configuredPhone(fx.browser, fx.server.url, backend);
  return fx;
}

/** A phone (360×640) set up by a coordinator's link for `backend`, the app cached for offline. */
export async function configuredPhone(browser, origin, backend) {
  const ctx = await browser.newContext({ viewport: { width: 360, height: 640 }, deviceScaleFactor: 1 });
  const page = await ctx.newPage();
  const problems = watch(page, origin);
  const link = Buffer.from(JSON.stringify({ backend })).toString('base64url');
  await page.goto(`${origin}/settings#setup=${link}`);
  await page.getByText('Configuration reçue par lien et enregistrée.').waitFor();
  await waitForWorker(page);
  return { ctx, page, problems };
}

/**
 * Walks the form `formId` screen by screen from a new record and returns each screen's
 * `{ title, height, fields }` (document height in CSS px; each field's id and height).
 * `fill(page, i)` answers screen i first, to show the questions an answer makes relevant.
 */
export async function screenHeights(page, origin, formId, fill = async () => {}) {
  await page.goto(`${origin}/new/${formId}`);
  await page.locator('.form-nav').waitFor();
  const screens = [];
  for (let i = 0; i < 30; i++) {
    await fill(page, i);
    const title = (await page.locator('.section-title').innerText()).trim();
    screens.push({
      title,
      height: await page.evaluate(() => document.documentElement.scrollHeight),
      fields: await page.$$eval('.fields > *', (els) =>
        els.map((e) => [e.id || e.querySelector('[id]')?.id || '?', Math.round(e.getBoundingClientRect().height)])),
    });
    const next = page.getByRole('button', { name: 'Suivant' });
    if (!(await next.isVisible())) break;
    await next.click();
    await page.waitForFunction((t) => document.querySelector('.section-title')?.innerText.trim() !== t, title);
  }
  return screens;
}

/** One red alert from Home; returns the gestures it took. */
export async function redAlert(page, firstTime) {
  let gestures = 0;
  const tap = async (locator) => {
    gestures += 1;
    await locator.click();
  };
  const choose = async (label, option) => {
    gestures += 1;
    await page.getByLabel(label, { exact: true }).selectOption(option);
  };
  await tap(page.getByRole('link', { name: 'Signaler un incident' }));
  await tap(page.getByLabel('Violence physique'));
  await tap(page.getByRole('button', { name: 'Suivant' }));
  if (firstTime) {
    await choose('Région', { label: 'Sikasso' });
    await choose('Cercle', { label: 'Kadiolo' });
    await choose('Commune', { label: 'Kadiolo' });
  }
  await tap(page.getByLabel(/^Rouge/));
  const early = page.getByTestId('finish-early');
  const last = page.locator('.form-nav .btn-finish');
  while (!(await early.isVisible()) && !(await last.isVisible())) {
    await tap(page.getByRole('button', { name: 'Suivant' }));
    if (gestures > 30) throw new Error('the form never offers to finish');
  }
  await tap((await early.isVisible()) ? early : last);
  await page.getByText("Enregistré : le rapport partira dès qu'il y aura du réseau.").waitFor();
  return gestures;
}
