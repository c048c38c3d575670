// Shared pieces of the end-to-end tests: the real server process, Debian's Chromium, and
// watchers for console errors and foreign requests.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SERVER = process.env.VIGIE_SERVER_BIN || join(ROOT, 'target/debug/vigie-server');

/** Starts vigie-server on a free loopback port serving `dist`; it stops itself after 5 min. */
export async function startServer(dist = join(ROOT, 'dist'), extraArgs = [], env = {}) {
  // Each server gets its own database unless the test gives one.
  const data = extraArgs.includes('--data-dir') ? [] : ['--data-dir', mkdtempSync(join(tmpdir(), 'vigie-data-'))];
  const child = spawn(
    SERVER,
    ['--bind', '127.0.0.1:0', '--dist', dist, '--lifetime-secs', '300', ...data, ...extraArgs],
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
  return { browser, close };
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
