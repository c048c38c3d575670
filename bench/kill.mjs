// Figures, not a test: how many notes survive a browser kill N ms after "Enregistré", for a
// given build (to compare builds: the test suite's kill.test.mjs asserts the current one).
// Each trial uses a fresh persistent profile: save one note, SIGKILL the browser's process
// group after the delay, relaunch, read the header's pending count.
//   node bench/kill.mjs [dist] [trials]
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from '../e2e/harness.mjs';
import { startServer, ROOT } from '../e2e/harness.mjs';

const dist = process.argv[2] || join(ROOT, 'dist');
const trials = Number(process.argv[3] || 5);
const DELAYS = [0, 100, 500, 2000];

async function launch(profile) {
  const child = spawn('/usr/bin/chromium', [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage', '--remote-debugging-port=0',
    `--user-data-dir=${profile}`, 'about:blank',
  ], { detached: true, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, XDG_CONFIG_HOME: profile, XDG_CACHE_HOME: profile, TMPDIR: profile } });
  const ws = await new Promise((ok) => {
    let err = '';
    child.stderr.on('data', (d) => {
      err += d;
      const m = err.match(/DevTools listening on (ws:\/\/\S+)/);
      if (m) ok(m[1]);
    });
  });
  const browser = await chromium.connectOverCDP(ws);
  const ctx = browser.contexts()[0];
  return { child, page: ctx.pages()[0] ?? (await ctx.newPage()) };
}

async function kill(child) {
  const gone = new Promise((ok) => child.once('exit', ok));
  process.kill(-child.pid, 'SIGKILL');
  await gone;
}

const server = await startServer(dist, []);
const rows = [];
for (const delay of DELAYS) {
  let survived = 0;
  for (let t = 0; t < trials; t++) {
    const profile = mkdtempSync(join(tmpdir(), 'vigie-benchkill-'));
    const first = await launch(profile);
    await first.page.goto(server.url + '/note');
    await first.page.getByLabel('Ce que vous voulez signaler').fill(`Note ${delay} ${t}`);
    await first.page.getByRole('button', { name: 'Enregistrer' }).click();
    await first.page.getByText('Enregistré sur le téléphone').waitFor();
    if (delay) await new Promise((r) => setTimeout(r, delay));
    await kill(first.child);
    const again = await launch(profile);
    await again.page.goto(server.url + '/outbox');
    const pending = again.page.getByTestId('pending');
    await again.page.waitForFunction(() => /attente|envoyé/.test(document.querySelector('[data-testid=pending]')?.innerText ?? ''));
    await new Promise((r) => setTimeout(r, 300));
    if (/1 en attente/.test(await pending.innerText())) survived++;
    await kill(again.child);
    rmSync(profile, { recursive: true, force: true });
  }
  rows.push(`${delay} ms: ${survived}/${trials}`);
}
console.log(`notes surviving a browser kill after "Enregistré" (${dist}): ${rows.join(', ')}`);
await server.stop();
