// What the phone says about what has left it must be true: never "Tout est envoyé" while a
// plan waits, while the outbox cannot be read (a full disk at start), nor "rien n'est
// envoyé" while the service worker sends. A save on a full disk says the memory is full.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, configuredPhone, createPlan, receiverAndBrowser } from './harness.mjs';

const TOKEN = 'e2e-status-token';

const fx = receiverAndBrowser({ token: TOKEN });

const phone = () => fx.phone();
const badge = (page) => page.getByTestId('pending');

async function saveNote(page, text) {
  await page.goto(fx.server.url + '/note');
  await page.getByLabel('Ce que vous voulez signaler').fill(text);
  await page.getByRole('button', { name: 'Enregistrer' }).click();
}

test('a full disk at start: the outbox is said unreadable, not empty, and a save says the memory is full', async () => {
  const { ctx, page } = await phone();
  await ctx.setOffline(true);
  await saveNote(page, 'Note gardée avant que la mémoire soit pleine');
  await page.getByText('Enregistré sur le téléphone').waitFor();
  // From the next start on, the disk is full: IndexedDB cannot open (its log cannot be
  // written) and localStorage refuses every write.
  await ctx.addInitScript(() => {
    const full = () => new DOMException('The disk is full', 'QuotaExceededError');
    IDBFactory.prototype.open = function () {
      const req = new EventTarget();
      Object.defineProperty(req, 'error', { get: full });
      Object.defineProperty(req, 'readyState', { get: () => 'done' });
      setTimeout(() => req.onerror?.(new Event('error')), 0);
      return req;
    };
    Storage.prototype.setItem = function () { throw full(); };
  });
  await page.goto(fx.server.url + '/outbox');
  await badge(page).getByText("Boîte d'envoi illisible").waitFor();
  assert.match(await page.getByTestId('storage-problem').innerText(), /La boîte d'envoi ne peut pas être lue .* ne sont pas effacés/);
  assert.equal(await page.getByText('Aucun rapport dans la boîte d\'envoi.').count(), 0);
  assert.equal(await page.getByText('Tout est envoyé').count(), 0);
  assert.equal(await page.getByTestId('counts').isVisible(), false, 'no "0 en attente" for an outbox not read');

  await saveNote(page, 'Deuxième note, mémoire pleine');
  await page.getByText('La mémoire du téléphone est pleine : rien n\'a été enregistré.', { exact: false }).waitFor();
  // What was typed is still there.
  assert.equal(await page.getByLabel('Ce que vous voulez signaler').inputValue(), 'Deuxième note, mémoire pleine');
  await ctx.close();
});

test('unreadable settings: the page says the last valid ones are used, and the note is delivered', async () => {
  const { page } = await phone();
  await page.evaluate(() => localStorage.setItem('vigie/settings', '{"backend": {"mode": "generic_js'));
  const before = (await (await fetch(fx.server.url + '/api/submissions', { headers: { Authorization: `Bearer ${TOKEN}` } })).json()).ids.length;
  await page.goto(fx.server.url + '/');
  await page.getByTestId('storage-problem').getByText('Vigie continue d\'envoyer avec les derniers réglages valides', { exact: false }).waitFor();
  assert.equal(await page.getByText("rien n'est envoyé", { exact: false }).count(), 0);
  await saveNote(page, 'Note envoyée malgré des réglages illisibles');
  await page.getByText('Enregistré sur le téléphone').waitFor();
  await badge(page).getByText('Tout est envoyé').waitFor({ timeout: 20_000 });
  const after = (await (await fetch(fx.server.url + '/api/submissions', { headers: { Authorization: `Bearer ${TOKEN}` } })).json()).ids.length;
  assert.equal(after, before + 1);
  // The damaged text is kept as it was until the user saves the settings again.
  assert.equal(await page.evaluate(() => localStorage.getItem('vigie/settings')), '{"backend": {"mode": "generic_js');
  await page.context().close();
});

test('the header counts plans not sent yet, as the banner does', async () => {
  const { ctx, page } = await phone();
  await ctx.setOffline(true);
  await createPlan(page, fx.server.url, { name: 'Mécanisme communal de Kolondiéba', cercle: 'Kolondiéba' });
  await page.getByTestId('unsent-plans-banner').waitFor();
  assert.equal(await badge(page).innerText(), '1 plan à envoyer');
  await ctx.setOffline(false);
  await badge(page).getByText('Tout est envoyé').waitFor({ timeout: 20_000 });
  assert.equal(await page.getByTestId('unsent-plans-banner').count(), 0);
  await ctx.close();
});
