// The outbox as people read it: rows name the form, the alert level (in its colour) and
// the place; a refused record is counted as refused, not "en attente", and "Voir" shows its
// answers under their questions; "Envoyer maintenant" offline says why nothing happens.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { startServer, launchBrowser, configuredPhone, idbPut, outboxEntries, ROOT, receiverAndBrowser } from './harness.mjs';

before(() => mkdirSync(join(ROOT, '.scratch'), { recursive: true }));
const fx = receiverAndBrowser({ token: 'jeton-lisible' });

test('outbox rows read as words; a refused record is counted apart and shown with its questions', async () => {
  const { ctx, page, problems } = await configuredPhone(fx.browser, fx.server.url, {
    mode: 'generic_json', base: fx.server.url + '/api', token: 'jeton-lisible',
  });
  await ctx.setOffline(true);
  await page.goto(fx.server.url + '/report');
  await page.getByLabel('Violence physique').click();
  await page.getByRole('button', { name: 'Suivant' }).click();
  await page.getByLabel('Région').selectOption({ label: 'Sikasso' });
  await page.getByLabel('Cercle').selectOption({ label: 'Kadiolo' });
  await page.getByLabel('Commune', { exact: true }).selectOption({ label: 'Kadiolo' });
  await page.getByLabel(/^Rouge/).click();
  await page.getByTestId('finish-early').click();
  await page.getByText("Enregistré : le rapport partira dès qu'il y aura du réseau.").waitFor();

  // A record the backend refused earlier (as an older session left it).
  const at = Date.now() - 60_000;
  const refused = {
    envelope: {
      id: randomUUID(), kind: 'report', form_id: 'incident', form_version: '4', created_at: at, updated_at: at,
      device_id: 'tel', author: { name: 'Awa', role: '' }, schema_version: 2,
      payload: { category: ['MEN'], alert_level: 'orange', incident_date: '2026-11-20', location: { region: 'ML03', cercle: 'ML0302', commune_other: 'Nafanga' },
        description: 'Un récit bien trop long pour ce serveur' },
    },
    state: { state: 'rejected', status: 400, reason: "field 'description' is too long" },
  };
  await idbPut(page, 'outbox', refused.envelope.id, JSON.stringify(refused));
  await page.goto(fx.server.url + '/outbox');
  await page.getByTestId('pending').getByText('1 en attente · 1 refusé').waitFor();
  const rows = page.locator('.records > li');
  assert.equal(await rows.count(), 2);
  const alert = rows.first();
  assert.equal(await alert.locator('.rec-kind').innerText(), "Signalement d'incident / alerte précoce");
  assert.equal(await alert.locator('.lvl').innerText(), 'Rouge');
  assert.equal(await alert.locator('.lvl').getAttribute('data-level'), 'rouge');
  assert.equal(await alert.locator('.rec-place').innerText(), 'Kadiolo');
  const bad = page.locator('.rec-bad');
  assert.equal(await bad.locator('.rec-place').innerText(), 'Nafanga');
  // The server's reason names the question, all in the user's words.
  assert.match(await bad.locator('.rec-detail').innerText(), /^400 — « Description courte » : réponse trop longue\. Raccourcissez-la\.$/);
  // Sent again as it is, it would be refused again: "Corriger" stands alone.
  assert.equal(await bad.getByRole('button', { name: 'Renvoyer' }).count(), 0);
  await bad.getByTestId('correct').waitFor();
  await bad.getByRole('button', { name: 'Voir' }).click();
  const answers = bad.locator('.rec-answers');
  await answers.waitFor();
  const text = await answers.innerText();
  assert.match(text, /Gravité\s+Orange/);
  assert.match(text, /Où \?\s+Nafanga/);
  assert.ok(!text.includes('{') && !text.includes('"'), text);
  // No network: the button says why nothing leaves.
  await page.getByRole('button', { name: 'Envoyer maintenant' }).click();
  await page.getByTestId('send-offline').getByText('Pas de réseau').waitFor();
  // "Corriger" opens the refused record in its form (same id), on the screen of the question
  // the server named, to correct it and queue it again.
  await bad.getByTestId('correct').click();
  await page.waitForURL((u) => new URL(u).pathname === `/fill/${refused.envelope.id}`);
  await page.getByRole('heading', { name: 'Récit (facultatif)', exact: true }).waitFor();
  // What to change is said above the question.
  assert.match(await page.getByTestId('refused-reason').innerText(), /Le serveur a refusé ce rapport\. Corrigez ceci[^]*« Description courte » : réponse trop longue/);
  await page.screenshot({ path: join(ROOT, '.scratch', 'refused-correct.png') });
  const description = page.getByLabel('Description courte');
  assert.equal(await description.inputValue(), 'Un récit bien trop long pour ce serveur', 'its answers are back');
  await description.fill('Un récit court');
  await page.getByTestId('finish-early').click();
  await page.getByText("Enregistré : le rapport partira dès qu'il y aura du réseau.").waitFor();
  await page.getByTestId('pending').getByText('2 en attente', { exact: true }).waitFor();
  const again = (await outboxEntries(page)).find((e) => e.envelope.id === refused.envelope.id);
  assert.equal(again.state.state, 'queued', 'queued again under the same id');
  assert.equal(again.envelope.payload.alert_level, 'orange');
  assert.equal(again.envelope.payload.description, 'Un récit court');
  assert.deepEqual(problems.consoleErrors, []);
  await ctx.close();
});

test('a first start welcomes the user: name, role, language, usual commune, how to install', async () => {
  const ctx = await fx.browser.newContext({ viewport: { width: 360, height: 640 } });
  const page = await ctx.newPage();
  await page.goto(fx.server.url + '/');
  const welcome = page.getByTestId('welcome');
  await welcome.getByRole('heading', { name: 'Bienvenue dans Vigie' }).waitFor();
  // Home stays usable below it.
  assert.ok(await page.getByRole('link', { name: 'Signaler un incident' }).isVisible());
  await welcome.getByTestId('install-howto').getByText('Ajouter à l\'écran d\'accueil', { exact: false }).waitFor();
  await welcome.getByLabel('Votre nom ou pseudonyme').fill('Awa Traoré');
  await welcome.getByLabel('Votre rôle').fill('Observatrice électorale');
  await welcome.getByLabel('Région').selectOption({ label: 'Sikasso' });
  await welcome.getByLabel('Cercle').selectOption({ label: 'Kadiolo' });
  await welcome.getByLabel('Commune', { exact: true }).selectOption({ label: 'Kadiolo' });
  await welcome.getByRole('button', { name: 'Commencer' }).click();
  await welcome.waitFor({ state: 'detached' });
  await page.reload();
  await page.getByRole('link', { name: 'Signaler un incident' }).waitFor();
  assert.equal(await page.getByTestId('welcome').count(), 0, 'welcomed once');
  // The name is in Settings; a new report starts in the usual commune.
  await page.goto(fx.server.url + '/settings');
  assert.equal(await page.getByLabel('Votre nom ou pseudonyme').inputValue(), 'Awa Traoré');
  // Every field is a full-size touch target in readable type, the SMS number's too.
  for (const id of ['#author-name', '#sms-number']) {
    const box = await page.locator(id).boundingBox();
    const size = await page.locator(id).evaluate((e) => parseFloat(getComputedStyle(e).fontSize));
    assert.ok(box.height >= 44 && box.width >= 280 && size >= 16, `${id}: ${JSON.stringify(box)}, ${size}px`);
  }
  // No technical words where people set the phone up.
  await page.getByLabel('Serveur Vigie de la coordination').check();
  const words = await page.locator('main, .page').first().innerText();
  for (const jargon of ['Jeton', 'JSON', 'Identifiants']) assert.ok(!words.includes(jargon), `"${jargon}" on Paramètres`);
  // The usual commune set in the welcome is there, and can be changed.
  assert.equal(await page.getByTestId('usual-place-settings').getByLabel('Commune', { exact: true }).inputValue(), 'ML030204');
  await page.screenshot({ path: join(ROOT, '.scratch', 'settings.png'), fullPage: true });
  await page.goto(fx.server.url + '/report');
  await page.getByRole('button', { name: 'Suivant' }).click();
  assert.equal(await page.getByLabel('Commune', { exact: true }).inputValue(), 'ML030204');
  // "Plus tard" on another phone puts it away too.
  const other = await fx.browser.newContext({ viewport: { width: 320, height: 640 } });
  const second = await other.newPage();
  await second.goto(fx.server.url + '/');
  await second.getByTestId('welcome').getByRole('button', { name: 'Plus tard' }).click();
  await second.reload();
  await second.getByRole('link', { name: 'Signaler un incident' }).waitFor();
  assert.equal(await second.getByTestId('welcome').count(), 0);
  await other.close();
  await ctx.close();
});
