// Nothing of a GBV account may be recoverable from the phone's storage files: tried the way
// it was found, on a real Chromium profile on disk. A GBV report carrying a marker text is
// written and delivered, the browser is closed normally, and every file of the profile is
// searched for the marker (as UTF-8 and as UTF-16, how V8 may store a string). Then the
// same for a report written offline *before* a PIN is set: with the PIN set, its key is
// sealed with the PIN's, and no file holds the marker either.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { startServer, ROOT, receiverAndBrowser } from './harness.mjs';

const TOKEN = 'e2e-disk-token';

const fx = receiverAndBrowser({ token: TOKEN, coordinator: 'coord-disk', browser: false });

/** A browser on a persistent profile in `dir`, as a phone keeps it. */
function launch(dir) {
  return chromium.launchPersistentContext(dir, {
    executablePath: process.env.CHROMIUM_BIN || '/usr/bin/chromium',
    headless: true,
    viewport: { width: 360, height: 640 },
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage',
    ],
    env: { ...process.env, XDG_CONFIG_HOME: dir, XDG_CACHE_HOME: dir },
  });
}

/** The profile's files (path relative to `dir`) whose bytes hold `marker`. */
function filesHolding(dir, marker) {
  const needles = [Buffer.from(marker, 'utf8'), Buffer.from(marker, 'utf16le')];
  const found = [];
  const walk = (d) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      let st;
      try {
        st = statSync(p);
      } catch {
        continue; // a socket or lock gone meanwhile
      }
      if (st.isDirectory()) walk(p);
      else if (st.isFile() && st.size < 200 * 1024 * 1024) {
        const bytes = readFileSync(p);
        if (needles.some((n) => bytes.includes(n))) found.push(p.slice(dir.length + 1));
      }
    }
  };
  walk(dir);
  return found;
}

async function configure(page) {
  const link = Buffer.from(JSON.stringify({ backend: { mode: 'generic_json', base: fx.server.url + '/api', token: TOKEN } })).toString('base64url');
  await page.goto(`${fx.server.url}/settings#setup=${link}`);
  await page.getByText('Configuration reçue par lien et enregistrée.').waitFor();
  await page.evaluate(() => navigator.serviceWorker.ready);
}

/** Fills a GBV report with consent, `marker` in the village and the account; saves it. */
async function gbvReport(page, marker) {
  await page.goto(fx.server.url + '/report');
  await page.getByLabel('Violences basées sur le genre (VBG)').click();
  await page.getByRole('button', { name: 'Suivant' }).click();
  await page.getByLabel('Région').selectOption({ label: 'Sikasso' });
  await page.getByLabel('Cercle').selectOption({ label: 'Kadiolo' });
  await page.getByLabel('Commune', { exact: true }).selectOption({ label: 'Kadiolo' });
  await page.getByLabel('Village / quartier').fill(`Village ${marker}`);
  await page.getByLabel(/^Orange/).click();
  await page.getByRole('button', { name: 'Suivant' }).click();
  await page.getByRole('group', { name: /accord pour ce signalement/ }).getByLabel('Oui').check();
  await page.getByRole('button', { name: 'Suivant' }).click();
  await page.getByRole('button', { name: 'Suivant' }).click();
  await page.getByLabel('Description courte').fill(`Récit ${marker} près du puits`);
  await page.getByText('Brouillon enregistré sur le téléphone').waitFor();
  await page.getByTestId('finish-early').click();
  await page.getByText(/Enregistré/).first().waitFor();
}

async function delivered(page, n) {
  await page.goto(fx.server.url + '/outbox');
  await page.waitForFunction((n) => Number(document.querySelector('[data-testid=counts] .ok strong')?.textContent) === n, n, { timeout: 30_000 });
}

test('a delivered GBV report leaves nothing readable in any file of the browser profile', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigie-disk-'));
  try {
    const marker = 'MQ' + randomBytes(9).toString('hex');
    const ctx = await launch(dir);
    const page = ctx.pages()[0] ?? (await ctx.newPage());
    await configure(page);
    await gbvReport(page, marker);
    await delivered(page, 1);
    // Twenty ordinary notes after it, as the field test did.
    for (let i = 0; i < 20; i++) {
      await page.goto(fx.server.url + '/note');
      await page.getByLabel('Ce que vous voulez signaler').fill(`Note ordinaire ${i}`);
      await page.getByRole('button', { name: 'Enregistrer' }).click();
      await page.getByText('Enregistré sur le téléphone').waitFor();
    }
    await delivered(page, 21);
    // The receiver has it, whole.
    const csv = await (await fetch(fx.server.url + '/coord/export.csv', {
      headers: { authorization: 'Basic ' + Buffer.from('c:coord-disk').toString('base64') },
    })).text();
    assert.ok(csv.includes(`Récit ${marker} près du puits`), 'delivered with its account');
    await ctx.close();
    assert.deepEqual(filesHolding(dir, marker), [], 'the marker is in the profile');
    // The test's own search works: a note left in the outbox is sealed, but the sent one
    // is at the receiver — and a marker typed into an ordinary setting is found.
    const check = await launch(dir);
    const p2 = check.pages()[0] ?? (await check.newPage());
    await p2.goto(fx.server.url + '/');
    await p2.evaluate((m) => localStorage.setItem('vigie-search-check', m), marker + 'CHECK');
    await check.close();
    assert.ok(filesHolding(dir, marker + 'CHECK').length > 0, 'the search finds what is there');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a GBV report written before the PIN is closed by it: no file holds it, its key is sealed', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigie-disk-'));
  try {
    const marker = 'MQ' + randomBytes(9).toString('hex');
    const ctx = await launch(dir);
    const page = ctx.pages()[0] ?? (await ctx.newPage());
    await configure(page);
    await ctx.setOffline(true);
    await gbvReport(page, marker);
    // The PIN comes after the report, which is still waiting for the network.
    await page.goto(fx.server.url + '/settings');
    await page.getByLabel('Nouveau code PIN (6 à 8 chiffres)').fill('582046');
    await page.getByLabel('Confirmez : le même code, encore une fois').fill('582046');
    await page.getByRole('button', { name: 'Activer le code' }).click();
    await page.getByText('Code PIN activé.', { exact: false }).waitFor();
    const keys = await page.evaluate(async () => {
      const dir = await (await navigator.storage.getDirectory()).getDirectoryHandle('vigie-keys');
      const out = [];
      for await (const h of dir.values()) if (h.kind === 'file') out.push(await (await h.getFile()).text());
      return out;
    });
    assert.ok(keys.length >= 1, 'the report has its key');
    assert.ok(keys.every((k) => JSON.parse(k).pin && !JSON.parse(k).raw), `a key in clear: ${keys}`);
    await ctx.close();
    assert.deepEqual(filesHolding(dir, marker), [], 'the marker is in the profile');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
