// The outbox as people read it: rows name the form, the alert level (in its colour) and
// the place; a refused record is counted as refused, not "en attente", and "Voir" shows its
// answers under their questions; "Envoyer maintenant" offline says why nothing happens.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startServer, launchBrowser, configuredPhone, idbPut } from './harness.mjs';

let server;
let browser;
let close;

before(async () => {
  server = await startServer(undefined, ['--token', 'jeton-lisible']);
  ({ browser, close } = await launchBrowser());
});
after(async () => {
  await close();
  await server.stop();
});

test('outbox rows read as words; a refused record is counted apart and shown with its questions', async () => {
  const { ctx, page, problems } = await configuredPhone(browser, server.url, {
    mode: 'generic_json', base: server.url + '/api', token: 'jeton-lisible',
  });
  await ctx.setOffline(true);
  await page.goto(server.url + '/report');
  await page.getByLabel('Violence physique').click();
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
      id: randomUUID(), kind: 'report', form_id: 'incident', form_version: '2', created_at: at, updated_at: at,
      device_id: 'tel', author: { name: 'Awa', role: '' }, schema_version: 2,
      payload: { category: ['MEN'], alert_level: 'orange', incident_date: '2026-11-20', location: { region: 'ML03', cercle: 'ML0302', commune_other: 'Nafanga' } },
    },
    state: { state: 'rejected', status: 400, reason: "field 'description' is too long" },
  };
  await idbPut(page, 'outbox', refused.envelope.id, JSON.stringify(refused));
  await page.goto(server.url + '/outbox');
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
  assert.deepEqual(problems.consoleErrors, []);
  await ctx.close();
});
