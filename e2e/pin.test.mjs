// The PIN lock on a shared phone: with a PIN, what is stored cannot be read without it,
// the app opens on the PIN screen, the outbox still leaves once unlocked, and five wrong
// PINs offer to erase the phone's data after saying what has not left.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, launchBrowser, configuredPhone, idbAll, ROOT, receiverAndBrowser } from './harness.mjs';

const TOKEN = 'e2e-token-pin-0123';
const COORD = 'e2e-coordinator-pin-4567';

const fx = receiverAndBrowser({ token: TOKEN, coordinator: COORD });

async function csv() {
  const auth = 'Basic ' + Buffer.from('coordination:' + COORD).toString('base64');
  const res = await fetch(fx.server.url + '/coord/export.csv', { headers: { Authorization: auth } });
  assert.equal(res.status, 200);
  return res.text();
}

/** Opens `path` as a new start: with a PIN, through the PIN screen. */
async function open(page, path, pin) {
  await page.goto(fx.server.url + path);
  if (pin) {
    await page.getByRole('heading', { name: 'Vigie est verrouillée' }).waitFor();
    await unlock(page, pin);
  }
}

async function note(page, text, pin) {
  await open(page, '/note', pin);
  await page.getByLabel('Ce que vous voulez signaler').fill(text);
  await page.getByRole('button', { name: 'Enregistrer' }).click();
  await page.getByText('Enregistré sur le téléphone').waitFor();
}

async function setPin(page, pin) {
  await page.goto(fx.server.url + '/settings');
  await page.getByLabel('Nouveau code PIN (6 à 8 chiffres)').fill(pin);
  await page.getByLabel('Confirmez : le même code, encore une fois').fill(pin);
  await page.getByRole('button', { name: 'Activer le code' }).click();
  await page.getByText('Code PIN activé.', { exact: false }).waitFor();
}

async function unlock(page, pin) {
  await page.getByLabel('Code PIN', { exact: true }).fill(pin);
  await page.getByRole('button', { name: 'Déverrouiller' }).click();
}

async function stored(page) {
  const all = [];
  for (const s of ['outbox', 'drafts', 'receipts']) all.push(...(await idbAll(page, s)).map((r) => r.value));
  return all.join('\n');
}

test('with a PIN, stored reports are unreadable, the app opens locked, and reports leave once unlocked', async () => {
  const { ctx, page, problems } = await configuredPhone(fx.browser, fx.server.url, {
    mode: 'generic_json', base: fx.server.url + '/api', token: TOKEN,
  });
  await ctx.setOffline(true);
  await note(page, 'Avant le code : menaces contre une candidate à Kadiolo');
  // A report started before the PIN, too (a draft).
  await page.goto(fx.server.url + '/report');
  await page.getByLabel('Violence physique').click();
  await page.getByRole('button', { name: 'Suivant' }).click();
  await page.getByLabel('Village / quartier').fill('Loulouni, quartier du marché');
  await page.getByText('Brouillon enregistré sur le téléphone').waitFor();

  // A mismatch is refused in words; then the PIN is set.
  await page.goto(fx.server.url + '/settings');
  await page.getByLabel('Nouveau code PIN (6 à 8 chiffres)').fill('258013');
  await page.getByLabel('Confirmez : le même code, encore une fois').fill('258014');
  await page.getByRole('button', { name: 'Activer le code' }).click();
  await page.getByText('Les deux codes ne sont pas les mêmes.').waitFor();
  await setPin(page, '258013');
  await note(page, 'Après le code : une femme agressée près du marché', '258013');

  // What was there before and what came after: none of it readable at rest.
  const raw = await stored(page);
  for (const secret of ['Kadiolo', 'Loulouni', 'agressée', 'menaces']) {
    assert.ok(!raw.includes(secret), `"${secret}" is stored in clear`);
  }
  const outbox = (await idbAll(page, 'outbox')).map((r) => JSON.parse(r.value));
  assert.equal(outbox.length, 2);
  // Nor the access token, in the settings or in the service worker's copy of them.
  assert.ok(!(await page.evaluate(() => localStorage.getItem('vigie/settings'))).includes(TOKEN), 'token in clear in localStorage');
  const meta = (await idbAll(page, 'meta')).map((r) => r.value).join('\n');
  assert.ok(!meta.includes(TOKEN), 'token in clear in IndexedDB');
  assert.ok(outbox.every((e) => typeof e.sealed === 'string' && e.envelope.payload === null));

  // Opening again: the PIN screen, nothing else — not the outbox, not "Mes rapports".
  await page.goto(fx.server.url + '/mine');
  await page.getByRole('heading', { name: 'Vigie est verrouillée' }).waitFor();
  assert.equal(await page.getByTestId('my-report').count(), 0);
  assert.equal(await page.getByTestId('pending').count(), 0);
  // A slip is not a wrong PIN.
  await unlock(page, '');
  await page.getByText('Tapez votre code : des chiffres seulement.').waitFor();
  await unlock(page, '111111');
  await page.getByText('Code incorrect. Encore 4 essais.').waitFor();
  await unlock(page, '258013');
  await page.getByRole('heading', { name: 'Mes rapports' }).waitFor();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=my-report]').length === 2);
  // The draft comes back whole.
  await open(page, '/', '258013');
  await page.getByTestId('drafts').getByRole('link', { name: /Signalement d'incident/ }).click();
  assert.equal(await page.getByLabel('Village / quartier').inputValue(), 'Loulouni, quartier du marché');

  // Online and unlocked: both reports reach the receiver, in clear there, once.
  await ctx.setOffline(false);
  // (The service worker, woken by the same return of the network, leaves sealed records
  // to the page: the page sends them even when the worker held the lock first.)
  await page.getByTestId('pending').getByText('Tout est envoyé').waitFor({ timeout: 30_000 });
  const text = await csv();
  assert.equal(text.split('Avant le code : menaces contre une candidate à Kadiolo').length - 1, 1);
  assert.equal(text.split('Après le code : une femme agressée près du marché').length - 1, 1);

  // "Verrouiller" in Settings; then the PIN is removed and the app opens without it.
  await open(page, '/settings', '258013');
  await page.getByRole('button', { name: 'Verrouiller' }).click();
  await page.getByRole('heading', { name: 'Vigie est verrouillée' }).waitFor();
  await unlock(page, '258013');
  await page.getByRole('button', { name: 'Retirer le code' }).click();
  await page.getByText('Code PIN retiré.').waitFor();
  await page.reload();
  await page.getByRole('heading', { name: 'Paramètres' }).waitFor();
  // The draft is read back without a PIN, yet still not stored in clear: every draft and
  // record is sealed with a key of its own.
  await page.goto(fx.server.url + '/');
  await page.getByTestId('drafts').getByRole('link', { name: /Signalement d'incident/ }).waitFor();
  assert.ok(!(await stored(page)).includes('Loulouni'), 'the draft is not stored in clear');
  assert.deepEqual(problems.consoleErrors, []);
  await ctx.close();
});

test('five wrong PINs offer to erase the phone, after saying what has not left', async () => {
  const { ctx, page } = await configuredPhone(fx.browser, fx.server.url, {
    mode: 'generic_json', base: fx.server.url + '/api', token: TOKEN,
  });
  await ctx.setOffline(true);
  await setPin(page, '975310');
  await note(page, 'Un rapport qui ne partira pas', '975310');
  await page.reload();
  for (const left of ['4 essais', '3 essais', '2 essais', '1 essai']) {
    await unlock(page, '000000');
    await page.getByText(`Code incorrect. Encore ${left}.`).waitFor();
  }
  assert.equal(await page.getByRole('button', { name: 'Effacer les données de ce téléphone' }).count(), 0);
  await unlock(page, '000000');
  await page.getByText("Trop d'essais incorrects.", { exact: false }).first().waitFor();
  // The count survives a restart.
  await page.reload();
  await page.getByRole('button', { name: 'Effacer les données de ce téléphone' }).click();
  await page.getByTestId('erase-warning').getByText("Attention : 1 rapport n'est pas encore parti et sera perdu.").waitFor();
  await page.getByRole('button', { name: 'Oui, tout effacer' }).click();
  await page.getByRole('link', { name: 'Signaler un incident' }).waitFor();
  assert.equal((await idbAll(page, 'outbox')).length, 0);
  assert.equal(await page.evaluate(() => localStorage.getItem('vigie/lock')), null);
  await ctx.close();
});

test('after three minutes in the background the PIN is asked again; a short absence is not', async () => {
  const { ctx, page } = await configuredPhone(fx.browser, fx.server.url, {
    mode: 'generic_json', base: fx.server.url + '/api', token: TOKEN,
  });
  await setPin(page, '482610');
  await open(page, '/', '482610');
  await page.getByRole('link', { name: 'Signaler un incident' }).waitFor();
  // The phone goes to the background, then comes back `minutes` later.
  const away = (minutes) =>
    page.evaluate((ms) => {
      const realNow = Date.now.bind(Date);
      const at = realNow();
      Object.defineProperty(document, 'visibilityState', { value: 'hidden', configurable: true });
      document.dispatchEvent(new Event('visibilitychange', { bubbles: true }));
      Date.now = () => realNow() - at + at + ms;
      Object.defineProperty(document, 'visibilityState', { value: 'visible', configurable: true });
      document.dispatchEvent(new Event('visibilitychange', { bubbles: true }));
    }, minutes * 60_000);
  await away(1);
  await page.waitForTimeout(300);
  assert.equal(await page.getByRole('heading', { name: 'Vigie est verrouillée' }).count(), 0);
  await away(4);
  await page.getByRole('heading', { name: 'Vigie est verrouillée' }).waitFor();
  // Home offers to lock before handing the phone over.
  await unlock(page, '482610');
  await page.getByRole('button', { name: 'Verrouiller' }).click();
  await page.getByRole('heading', { name: 'Vigie est verrouillée' }).waitFor();
  await ctx.close();
});

test('a PIN set in one tab locks the other tabs too', async () => {
  const { ctx, page } = await configuredPhone(fx.browser, fx.server.url, {
    mode: 'generic_json', base: fx.server.url + '/api', token: TOKEN,
  });
  const other = await ctx.newPage();
  await other.goto(fx.server.url + '/mine');
  await other.getByRole('heading', { name: 'Mes rapports' }).waitFor();
  await setPin(page, '369021');
  await other.getByRole('heading', { name: 'Vigie est verrouillée' }).waitFor();
  await ctx.close();
});

test('a damaged lock is said in words and erasing is offered at once', async () => {
  const { ctx, page } = await configuredPhone(fx.browser, fx.server.url, {
    mode: 'generic_json', base: fx.server.url + '/api', token: TOKEN,
  });
  await page.evaluate(() => localStorage.setItem('vigie/lock', '{"salt": tronqu'));
  await page.reload();
  await page.getByRole('heading', { name: 'Vigie est verrouillée' }).waitFor();
  await page.getByText('Le verrou enregistré sur ce téléphone est illisible', { exact: false }).waitFor();
  await page.getByRole('button', { name: 'Effacer les données de ce téléphone' }).click();
  await page.getByText('Tous les rapports sont déjà partis.').waitFor();
  await ctx.close();
});
