// The outbox end to end: records created offline survive reloads and reach the embedded
// receiver exactly once when the network returns.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, launchBrowser, watch, waitForWorker, idbAll, idbPut, outboxEntries, ROOT, receiverAndBrowser } from './harness.mjs';

const TOKEN = 'e2e-token-0123';
const COORD = 'e2e-coordinator-4567';

const fx = receiverAndBrowser({ token: TOKEN, coordinator: COORD });

async function storedIds() {
  const res = await fetch(fx.server.url + '/api/submissions', { headers: { Authorization: `Bearer ${TOKEN}` } });
  assert.equal(res.status, 200);
  return (await res.json()).ids;
}

function setupLink(base) {
  const json = JSON.stringify({ backend: { mode: 'generic_json', base, token: TOKEN } });
  return Buffer.from(json).toString('base64url');
}

test('five notes written offline survive reloads and are delivered exactly once online', async () => {
  const ctx = await fx.browser.newContext({ viewport: { width: 360, height: 640 } });
  const page = await ctx.newPage();
  const problems = watch(page, fx.server.url);
  // The coordinator's setup link configures the receiver; the token leaves the address bar.
  await page.goto(`${fx.server.url}/settings#setup=${setupLink(fx.server.url + '/api')}`);
  await page.getByText('Configuration reçue par lien et enregistrée.').waitFor();
  assert.equal(new URL(page.url()).hash, '');
  await waitForWorker(page);

  await ctx.setOffline(true);
  await page.goto(fx.server.url + '/note');
  for (let i = 1; i <= 5; i++) {
    await page.getByLabel('Ce que vous voulez signaler').fill(`Tension au marché de Kadiolo, note ${i} — été`);
    await page.getByRole('button', { name: 'Enregistrer' }).click();
    await page.getByText('Enregistré sur le téléphone').waitFor();
  }
  await page.getByTestId('pending').getByText('5 en attente').waitFor();
  await page.reload();
  await page.getByTestId('pending').getByText('5 en attente').waitFor();
  await page.close();

  const again = await ctx.newPage();
  await again.goto(fx.server.url + '/outbox');
  await again.getByTestId('unsent-banner').waitFor();
  assert.match(await again.getByTestId('unsent-banner').innerText(), /5 rapports ne sont pas encore partis\./);
  await again.waitForFunction(() => document.querySelectorAll('[data-testid=record-state]').length === 5);
  assert.equal(await again.getByText("En attente d'envoi").count(), 5);
  assert.deepEqual(await storedIds(), []);

  await ctx.setOffline(false); // the `online` event triggers the flush
  await again.waitForFunction(() => document.querySelectorAll('.rec-ok').length === 5, null, { timeout: 30_000 });
  assert.equal(await again.getByTestId('pending').innerText(), 'Tout est envoyé');
  const ids = await storedIds();
  assert.equal(ids.length, 5);
  assert.equal(new Set(ids).size, 5);
  // Sent payloads are purged from the device; the receipt stays.
  const kept = await outboxEntries(again);
  assert.equal(kept.length, 5);
  for (const e of kept) {
    assert.equal(e.envelope.payload, null);
    assert.equal(e.state.state, 'delivered');
  }
  assert.deepEqual(problems.foreign, []);
  await ctx.close();

  // The coordinator sees them arrive, and one report's words, on the coordinator pages.
  const coord = await fx.browser.newContext({ httpCredentials: { username: 'coordination', password: COORD } });
  const cp = await coord.newPage();
  const res = await cp.goto(fx.server.url + '/coord/');
  assert.equal(res.status(), 200);
  assert.equal(await cp.locator('li.record').count(), 5);
  await cp.locator('li.record a').first().click();
  await cp.getByText(/^Tension au marché de Kadiolo, note \d — été$/).waitFor();
  await coord.close();
});

/** A phone whose token the receiver refuses, with one note written and refused. */
async function refusedNote(text) {
  const ctx = await fx.browser.newContext({ viewport: { width: 360, height: 640 } });
  const page = await ctx.newPage();
  const before = (await storedIds()).length;
  await page.goto(fx.server.url + '/settings');
  await page.getByLabel('Serveur Vigie de la coordination').check();
  await page.getByLabel('Adresse du serveur').fill(fx.server.url + '/api');
  await page.getByLabel('Code d\'accès (donné par la coordination)').fill('wrong-token');
  await page.getByRole('button', { name: 'Enregistrer' }).click();
  await page.getByText('Paramètres enregistrés.').waitFor();
  await page.goto(fx.server.url + '/note');
  await page.getByLabel('Ce que vous voulez signaler').fill(text);
  await page.getByRole('button', { name: 'Enregistrer' }).click();
  // Leaving before "Enregistré" would keep the note as a draft (rescued, not queued).
  await page.getByText('Enregistré sur le téléphone').waitFor();
  await page.goto(fx.server.url + '/outbox');
  await page.getByText('Refusé : identifiants à vérifier dans Paramètres').waitFor({ timeout: 15_000 });
  assert.equal((await storedIds()).length, before);
  return { ctx, page, before };
}

test('a refused token stops sending and new credentials resume it', async () => {
  const { ctx, page, before } = await refusedNote('Réunion de médiation à Bougouni');

  await page.goto(fx.server.url + '/settings');
  await page.getByLabel('Code d\'accès (donné par la coordination)').fill(TOKEN);
  await page.getByRole('button', { name: 'Enregistrer' }).click();
  await page.goto(fx.server.url + '/outbox');
  await page.waitForFunction(() => document.querySelectorAll('.rec-ok').length === 1, null, { timeout: 15_000 });
  assert.equal((await storedIds()).length, before + 1);
  await ctx.close();
});

test('credentials saved just before the page is left still release refused records', async () => {
  const { ctx, page, before } = await refusedNote('Médiation à Sikasso, jeton corrigé');
  // What survives when Chromium aborts the follow-up writes of a page being left: the
  // settings themselves (written synchronously), nothing else.
  await page.evaluate((token) => {
    const s = JSON.parse(localStorage.getItem('vigie/settings'));
    s.backend.token = token;
    localStorage.setItem('vigie/settings', JSON.stringify(s));
  }, TOKEN);
  await page.reload();
  await page.waitForFunction(() => document.querySelectorAll('.rec-ok').length === 1, null, { timeout: 15_000 });
  assert.equal((await storedIds()).length, before + 1);
  await ctx.close();
});

test('an invalid server address is refused with a message in French', async () => {
  const ctx = await fx.browser.newContext();
  const page = await ctx.newPage();
  await page.goto(fx.server.url + '/settings');
  await page.getByLabel('Serveur Vigie de la coordination').check();
  await page.getByLabel('Adresse du serveur').fill('http://exemple.ml/api');
  await page.getByRole('button', { name: 'Enregistrer' }).click();
  await page.getByText('Adresse refusée').waitFor();
  await ctx.close();
});

test('"Tester la connexion" explains the answer in plain words', async () => {
  const ctx = await fx.browser.newContext();
  const page = await ctx.newPage();
  await page.goto(fx.server.url + '/settings');
  await page.getByLabel('Serveur Vigie de la coordination').check();
  const test = page.getByRole('button', { name: 'Tester la connexion' });
  await page.getByLabel('Adresse du serveur').fill(fx.server.url + '/api');
  await page.getByLabel('Code d\'accès (donné par la coordination)').fill('pas-le-bon');
  await test.click();
  await page.getByText('Code d\'accès ou mot de passe refusé').waitFor();
  await page.getByLabel('Code d\'accès (donné par la coordination)').fill(TOKEN);
  await test.click();
  await page.getByText('Connexion réussie').waitFor();
  await page.getByLabel('Adresse du serveur').fill(fx.server.url + '/api/mauvais');
  await test.click();
  await page.getByText("n'est pas un serveur Vigie (404)").waitFor();
  await page.getByLabel('Adresse du serveur').fill('http://127.0.0.1:9/api');
  await test.click();
  await page.getByText('Serveur injoignable').waitFor();
  await page.goto(fx.server.url + '/outbox');
  await page.waitForFunction(() => /Place prise par Vigie sur le téléphone : .*, dont .* pour la boîte d'envoi/.test(document.querySelector('[data-testid=storage-usage]')?.innerText ?? ''));
  // In words people use: no bytes ("801 o"), no bare unit.
  assert.doesNotMatch(await page.getByTestId('storage-usage').innerText(), /\d o\b/);
  // Whether the browser will keep the data under disk pressure is said in words.
  assert.match(await page.getByTestId('storage-persisted').innerText(), /^Stockage (non )?protégé/);
  await ctx.close();
});

test('an unreadable entry is shown apart, can be viewed, and is deleted only after confirming', async () => {
  const ctx = await fx.browser.newContext({ viewport: { width: 360, height: 640 } });
  const page = await ctx.newPage();
  await page.goto(fx.server.url + '/');
  const id = '0b9f6c1e-1111-4c2b-9f0e-6d1c2a7b9e11';
  await idbPut(page, 'outbox', id, '{"envelope": tronqu');
  await page.goto(fx.server.url + '/outbox');
  const row = page.locator('.record.rec-bad');
  await row.getByText('Abîmé : gardé à part').waitFor();
  await row.getByText(/Ce rapport est abîmé sur le téléphone/).waitFor();
  await row.getByRole('button', { name: 'Voir' }).click();
  assert.equal(await row.locator('pre').innerText(), '{"envelope": tronqu');
  await row.getByRole('button', { name: 'Supprimer' }).click();
  assert.deepEqual(await idbAll(page, 'outbox'), [{ key: id, value: '{"envelope": tronqu' }], 'not before confirming');
  // Damaged records count as not sent, in the header and the banner.
  assert.equal(await page.getByTestId('pending').innerText(), '1 en attente');
  await row.getByRole('button', { name: 'Confirmer : supprimer définitivement' }).click();
  await page.getByText("Aucun rapport dans la boîte d'envoi.").waitFor();
  assert.deepEqual(await idbAll(page, 'outbox'), []);
  await ctx.close();
});

test("an earlier build's outbox and drafts in localStorage move to IndexedDB, once, on the first start", async () => {
  const ctx = await fx.browser.newContext({ viewport: { width: 360, height: 640 } });
  const page = await ctx.newPage();
  // A page of the origin that is not the app: the profile as the localStorage build left it.
  await page.goto(fx.server.url + '/robots.txt');
  const a = '6a1f1c1e-2222-4c2b-9f0e-6d1c2a7b9e11';
  const b = '6a1f1c1e-3333-4c2b-9f0e-6d1c2a7b9e11';
  const d = '6a1f1c1e-4444-4c2b-9f0e-6d1c2a7b9e11';
  await page.evaluate(([a, b, d]) => {
    // Schema 1 (no kind, the author a string), and schema 2.
    localStorage.setItem(`vigie/outbox/${a}`, JSON.stringify({
      envelope: { id: a, form_id: 'note', form_version: '1', created_at: 1, device_id: 'old', author: 'Moussa', payload: { texte: 'Ancien rapport' } },
      state: { state: 'queued' },
    }));
    localStorage.setItem(`vigie/outbox/${b}`, JSON.stringify({
      envelope: { id: b, kind: 'note', form_id: 'note', form_version: '1', created_at: 2, updated_at: 2, device_id: 'old', author: { name: 'Awa', role: '' }, payload: { texte: 'Autre rapport' }, schema_version: 2 },
      state: { state: 'queued' },
    }));
    localStorage.setItem('vigie/outbox/index', JSON.stringify([a, b]));
    localStorage.setItem(`vigie/drafts/${d}`, JSON.stringify({
      id: d, form_id: 'mediation', form_version: '1', created_at: 3, updated_at: 4, section: 0, answers: { summary: 'Brouillon ancien' },
    }));
  }, [a, b, d]);
  await page.goto(fx.server.url + '/');
  await page.getByTestId('drafts').waitFor();
  await page.getByTestId('pending').getByText('2 en attente').waitFor();
  const entries = await outboxEntries(page);
  assert.deepEqual(entries.map((e) => e.envelope.id).sort(), [a, b]);
  assert.deepEqual(await page.evaluate(() => Object.keys(localStorage).filter((k) => /outbox|drafts/.test(k))), []);
  // A reload moves nothing twice.
  await page.reload();
  await page.getByTestId('pending').getByText('2 en attente').waitFor();
  assert.equal((await outboxEntries(page)).length, 2);
  await ctx.close();
});

test('a setup link that would send queued reports to another server is confirmed first, Cancel by default', async () => {
  const ctx = await fx.browser.newContext({ viewport: { width: 360, height: 640 } });
  const page = await ctx.newPage();
  await page.goto(`${fx.server.url}/settings#setup=${setupLink(fx.server.url + '/api')}`);
  await page.getByText('Configuration reçue par lien et enregistrée.').waitFor();
  await waitForWorker(page);
  await ctx.setOffline(true);
  await page.goto(fx.server.url + '/note');
  await page.getByLabel('Ce que vous voulez signaler').fill('Rapport qui doit aller à la coordination');
  await page.getByRole('button', { name: 'Enregistrer' }).click();
  await page.getByText('Enregistré sur le téléphone').waitFor();

  // A crafted link naming another server.
  const evil = Buffer.from(JSON.stringify({ backend: { mode: 'generic_json', base: 'https://collecte.evil.example/api', token: 'x' } })).toString('base64url');
  await page.goto(`${fx.server.url}/settings#setup=${evil}`);
  const dialog = page.getByTestId('setup-confirm');
  await dialog.waitFor();
  assert.equal(await page.getByTestId('setup-host').innerText(), 'collecte.evil.example');
  assert.match(await page.getByTestId('setup-unsent').innerText(), /: 1\./);
  assert.equal(new URL(page.url()).hash, '', 'the link leaves the address bar at once');
  // The first choice is to cancel, and cancelling changes nothing.
  assert.equal(await dialog.getByRole('button').first().innerText(), 'Annuler');
  await dialog.getByRole('button', { name: 'Annuler' }).click();
  await page.getByText("Lien ignoré : le serveur n'a pas changé.").waitFor();
  await page.reload();
  assert.equal(await page.getByLabel('Adresse du serveur').inputValue(), fx.server.url + '/api');

  // Confirmed, it applies; a link that stops sending asks too.
  await page.goto(`${fx.server.url}/settings#setup=${evil}`);
  await page.getByTestId('setup-confirm').getByRole('button', { name: 'Oui, changer de serveur' }).click();
  await page.getByText('Configuration reçue par lien et enregistrée.').waitFor();
  await page.reload();
  assert.equal(await page.getByLabel('Adresse du serveur').inputValue(), 'https://collecte.evil.example/api');
  const none = Buffer.from(JSON.stringify({ backend: { mode: 'none' } })).toString('base64url');
  await page.goto(`${fx.server.url}/settings#setup=${none}`);
  await page.getByText("Ce lien arrête l'envoi : les rapports resteront sur le téléphone.").waitFor();
  await ctx.close();
});
