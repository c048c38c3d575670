// "Enregistré" must hold even if the browser is killed the next millisecond (what Android's
// low-memory killer does to Chrome many times a day). This test owns the browser process:
// it launches Debian's Chromium on a persistent profile with a remote-debugging port,
// drives it over CDP, and kills the whole process tree with SIGKILL 0, 100 and 500 ms after
// "Enregistré" shows (several times each), then relaunches on the same profile and checks
// that the record is there, and at the end that each is delivered exactly once. The same
// for a draft after its "Brouillon enregistré".
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { startServer, outboxEntries, ROOT, createPlan } from './harness.mjs';

const TOKEN = 'e2e-kill-token';
const DELAYS = [0, 100, 500];
const TRIALS = 3;
let server;
let profile;

before(async () => {
  server = await startServer(join(ROOT, 'dist'), ['--token', TOKEN]);
  profile = mkdtempSync(join(tmpdir(), 'vigie-kill-'));
});

after(async () => {
  await server?.stop();
  rmSync(profile, { recursive: true, force: true });
});

/** Chromium on the persistent profile, in its own process group; resolves once CDP answers. */
async function launch({ noWorker = false } = {}) {
  const child = spawn(
    process.env.CHROMIUM_BIN || '/usr/bin/chromium',
    [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--disable-dev-shm-usage', '--remote-debugging-port=0', `--user-data-dir=${profile}`, 'about:blank',
    ],
    {
      detached: true,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, XDG_CONFIG_HOME: profile, XDG_CACHE_HOME: profile, TMPDIR: profile },
    }
  );
  const ws = await new Promise((ok, fail) => {
    let err = '';
    const timer = setTimeout(() => fail(new Error('chromium did not start: ' + err)), 20_000);
    child.stderr.on('data', (d) => {
      err += d;
      const m = err.match(/DevTools listening on (ws:\/\/\S+)/);
      if (m) {
        clearTimeout(timer);
        ok(m[1]);
      }
    });
  });
  const browser = await chromium.connectOverCDP(ws);
  const context = browser.contexts()[0];
  // A browser without service workers: only the page's own flush can send.
  if (noWorker) await context.addInitScript(() => Object.defineProperty(Navigator.prototype, 'serviceWorker', { get: () => undefined }));
  const page = context.pages()[0] ?? (await context.newPage());
  return { child, browser, page };
}

/** SIGKILL to the whole tree: browser, renderers, GPU and network processes alike. */
async function kill(child) {
  const gone = new Promise((ok) => child.once('exit', ok));
  process.kill(-child.pid, 'SIGKILL');
  await gone;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

test('a saved note survives a browser kill 0, 100 and 500 ms after "Enregistré", and is delivered once', async () => {
  const saved = [];
  for (const delay of DELAYS) {
    for (let trial = 1; trial <= TRIALS; trial++) {
      const { child, page } = await launch();
      await page.goto(server.url + '/note');
      const text = `Tension au marché de Kadiolo — kill ${delay} ms, essai ${trial}`;
      await page.getByLabel('Ce que vous voulez signaler').fill(text);
      await page.getByRole('button', { name: 'Enregistrer' }).click();
      await page.getByText('Enregistré sur le téléphone').waitFor();
      if (delay) await sleep(delay);
      await kill(child);
      saved.push({ delay, text });
    }
  }
  // Relaunch on the same profile: every note is in the outbox.
  const { child, browser, page } = await launch();
  await page.goto(server.url + '/outbox');
  await page.getByTestId('pending').getByText(`${saved.length} en attente`).waitFor({ timeout: 15_000 });
  const texts = (await outboxEntries(page)).map((e) => e.envelope.payload.texte);
  const table = DELAYS.map((d) => {
    const mine = saved.filter((s) => s.delay === d);
    return `${d} ms: ${mine.filter((s) => texts.includes(s.text)).length}/${mine.length} survived`;
  });
  console.log('kill after "Enregistré" → ' + table.join(', '));
  for (const s of saved) assert.ok(texts.includes(s.text), `lost: ${s.text}`);

  // Then delivered, each exactly once, when a backend is configured.
  const link = Buffer.from(JSON.stringify({ backend: { mode: 'generic_json', base: server.url + '/api', token: TOKEN } })).toString('base64url');
  await page.goto(`${server.url}/settings#setup=${link}`);
  // Queued records would go there: the phone asks first.
  await page.getByTestId('setup-confirm').getByRole('button', { name: 'Oui, changer de serveur' }).click();
  await page.getByText('Configuration reçue par lien et enregistrée.').waitFor();
  await page.goto(server.url + '/outbox');
  await page.getByTestId('pending').getByText('Tout est envoyé').waitFor({ timeout: 20_000 });
  const res = await fetch(server.url + '/api/submissions', { headers: { Authorization: `Bearer ${TOKEN}` } });
  const stored = (await res.json()).ids;
  assert.equal(stored.length, saved.length);
  assert.equal(new Set(stored).size, saved.length);
  await browser.close().catch(() => {});
  await kill(child);
});

test('a draft survives a browser kill right after "Brouillon enregistré"', async () => {
  for (let trial = 1; trial <= TRIALS; trial++) {
    const { child, page } = await launch();
    await page.goto(server.url + '/note');
    const text = `Brouillon de note, essai ${trial}`;
    await page.getByLabel('Ce que vous voulez signaler').fill(text);
    await page.getByText('Brouillon enregistré sur le téléphone').waitFor();
    await kill(child);
    const again = await launch();
    await again.page.goto(server.url + '/note');
    await again.page.waitForFunction((t) => document.querySelector('#note-text')?.value === t, text, { timeout: 15_000 });
    // Sent, so that the next trial starts from an empty note.
    await again.page.getByRole('button', { name: 'Enregistrer' }).click();
    await again.page.getByText('Enregistré sur le téléphone').waitFor();
    await kill(again.child);
  }
});

test('a plan edit survives a browser kill: typed and unsaved, and right after saving', async (t) => {
  let { child, page } = await launch();
  // Whatever happens, no browser is left running.
  t.after(() => child.exitCode === null && child.signalCode === null && kill(child));
  await createPlan(page, server.url, { name: 'Mécanisme communal de Bougouni', cercle: 'Bougouni' });
  const planUrl = page.url();
  // Typed, never saved; the browser dies once the editor says the draft is kept.
  await page.locator('[data-list=activities]').getByRole('link', { name: '+ Ajouter' }).click();
  await page.getByLabel('Activité', { exact: true }).fill('Forum des jeunes de Bougouni');
  await page.getByTestId('plan-edit-kept').waitFor();
  await kill(child);

  ({ child, page } = await launch());
  await page.goto(planUrl);
  await page.locator('[data-list=activities]').getByRole('link', { name: '+ Ajouter' }).click();
  await page.getByTestId('plan-edit-restored').waitFor();
  assert.equal(await page.getByLabel('Activité', { exact: true }).inputValue(), 'Forum des jeunes de Bougouni');
  // Saved: the plan page shows only once it is on disk; the browser dies right then.
  await page.getByRole('button', { name: 'Enregistrer' }).click();
  await page.locator('[data-list=activities]').getByText('Forum des jeunes de Bougouni').waitFor();
  await kill(child);

  ({ child, page } = await launch());
  await page.goto(planUrl);
  await page.locator('[data-list=activities]').getByText('Forum des jeunes de Bougouni').waitFor({ timeout: 15_000 });
  // Nothing unsaved is left to bring back once it was saved.
  await page.locator('[data-list=activities]').getByRole('link', { name: '+ Ajouter' }).click();
  await page.getByLabel('Activité', { exact: true }).waitFor();
  assert.equal(await page.getByTestId('plan-edit-restored').count(), 0);
  assert.equal(await page.getByLabel('Activité', { exact: true }).inputValue(), '');
  await kill(child);
});

/** Sets the persistent profile's backend to this receiver, by a coordinator's link. */
async function configure(page) {
  const link = Buffer.from(JSON.stringify({ backend: { mode: 'generic_json', base: server.url + '/api', token: TOKEN } })).toString('base64url');
  await page.goto(`${server.url}/settings#setup=${link}`);
  const confirm = page.getByTestId('setup-confirm').getByRole('button', { name: 'Oui, changer de serveur' });
  const done = page.getByText('Configuration reçue par lien et enregistrée.');
  await done.or(confirm).waitFor();
  if (await confirm.isVisible()) await confirm.click();
  await done.waitFor();
}

/** Requests this page makes to the receiver's API, as "METHOD path". */
function apiCalls(page) {
  const calls = [];
  page.context().on('request', (r) => {
    const u = new URL(r.url());
    if (u.pathname.startsWith('/api/')) calls.push(`${r.method()} ${u.pathname}`);
  });
  return calls;
}

test('plan edits saved before a browser kill are sent within seconds of the relaunch', async (t) => {
  let { child, page } = await launch();
  t.after(() => child.exitCode === null && child.signalCode === null && kill(child));
  await configure(page);
  await createPlan(page, server.url, { name: 'Mécanisme communal de Koumantou', cercle: 'Bougouni' });
  await page.waitForFunction(() => !document.querySelector('[data-testid=plan-sync]'), null, { timeout: 20_000 });
  // Offline, so that the edit can only leave after the relaunch; killed right after saving.
  await page.context().setOffline(true);
  await page.locator('[data-list=activities]').getByRole('link', { name: '+ Ajouter' }).click();
  await page.getByLabel('Activité', { exact: true }).fill('Caravane de la paix de Koumantou');
  await page.getByRole('button', { name: 'Enregistrer' }).click();
  await page.locator('[data-list=activities]').getByText('Caravane de la paix de Koumantou').waitFor();
  await kill(child);

  ({ child, page } = await launch());
  const calls = apiCalls(page);
  const started = Date.now();
  await page.goto(server.url + '/');
  const headers = { Authorization: `Bearer ${TOKEN}` };
  let sent = false;
  while (!sent && Date.now() - started < 10_000) {
    const res = await fetch(`${server.url}/api/plans`, { headers });
    sent = res.ok && JSON.stringify(await res.json()).includes('Caravane de la paix de Koumantou');
    if (!sent) await sleep(250);
  }
  console.log(`plan edit after a kill: ${sent ? `on the receiver ${Date.now() - started} ms after the relaunch` : 'not sent'}; requests: ${calls.join(', ')}`);
  assert.ok(sent, `the plan edit never reached the receiver; the app made: ${calls.join(', ') || 'no API request'}`);
  await kill(child);
});

test("without a service worker, the page's own flush sends a note saved before a kill", async (t) => {
  let { child, page } = await launch({ noWorker: true });
  t.after(() => child.exitCode === null && child.signalCode === null && kill(child));
  await configure(page);
  assert.equal(await page.evaluate(() => navigator.serviceWorker), undefined);
  await page.context().setOffline(true);
  await page.goto(server.url + '/note');
  const text = 'Note sans service worker, tuée après enregistrement';
  await page.getByLabel('Ce que vous voulez signaler').fill(text);
  await page.getByRole('button', { name: 'Enregistrer' }).click();
  await page.getByText('Enregistré sur le téléphone').waitFor();
  await kill(child);

  const headers = { Authorization: `Bearer ${TOKEN}` };
  const delivered = async () => (await (await fetch(server.url + '/api/submissions', { headers })).json()).ids.length;
  const before = await delivered();
  ({ child, page } = await launch({ noWorker: true }));
  const started = Date.now();
  await page.goto(server.url + '/');
  let sent = false;
  while (!sent && Date.now() - started < 10_000) {
    sent = (await delivered()) === before + 1;
    if (!sent) await sleep(250);
  }
  console.log(`note after a kill, no service worker: ${sent ? `on the receiver ${Date.now() - started} ms after the relaunch` : 'not sent'}`);
  assert.ok(sent, 'the note saved before the kill never reached the receiver');
  await kill(child);
});
