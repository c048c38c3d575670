// The referral directory: published by the receiver, cached on the phone, shown offline
// from Home and right after a GBV report, each number a tel: link; a bad entry left out.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, launchBrowser, configuredPhone } from './harness.mjs';

let server;
let browser;
let close;
const dir = mkdtempSync(join(tmpdir(), 'vigie-referrals-'));

before(async () => {
  const file = join(dir, 'referrals.json');
  writeFileSync(file, JSON.stringify({ referrals: [
    { service: 'Santé', name: 'CSRéf de Kadiolo', commune: 'ML030204', phone: '+223 21 00 00 01', hours: '24 h sur 24' },
    { service: 'Aide juridique', name: 'Clinique juridique <b>Sikasso</b>', phone: '+223 21 00 00 02' },
    { service: 'Piège', name: 'Lien', phone: 'javascript:alert(1)' },
  ] }));
  server = await startServer(undefined, ['--token', 'jeton-aide', '--referrals', file]);
  ({ browser, close } = await launchBrowser());
});
after(async () => {
  await close();
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('support services are cached for offline use and offered after a GBV report', async () => {
  const { ctx, page, problems } = await configuredPhone(browser, server.url, {
    mode: 'generic_json', base: server.url + '/api', token: 'jeton-aide',
  });
  // Received at start (with the forms), then kept.
  await page.goto(server.url + '/aide');
  await page.getByTestId('referrals').waitFor();
  // The start-up's other requests (forms, translation, plans) end first: cut off in flight,
  // Chromium logs each as a console error, and this test wants none from the app offline.
  await page.waitForLoadState('networkidle');
  await ctx.setOffline(true);
  await page.reload();
  const list = page.getByTestId('referrals');
  await list.waitFor();
  assert.equal(await list.locator('li').count(), 2, 'the entry with a bad number is left out');
  const call = list.getByRole('link', { name: '+223 21 00 00 01' });
  assert.equal(await call.getAttribute('href'), 'tel:+22321000001');
  assert.ok(await list.getByText('Kadiolo', { exact: true }).isVisible(), 'the commune by name');
  assert.ok(await list.getByText('Clinique juridique <b>Sikasso</b>').isVisible(), 'text, never markup');
  // From Home, and after a GBV report.
  await page.goto(server.url + '/');
  // Waited for, not looked at once: nothing promises the app is on screen at `load`.
  await page.getByRole('link', { name: "Services d'aide" }).waitFor();
  await page.goto(server.url + '/report');
  await page.getByLabel('Violences basées sur le genre (VBG)').click();
  await page.getByRole('button', { name: 'Suivant' }).click();
  await page.getByLabel('Région').selectOption({ label: 'Sikasso' });
  await page.getByLabel('Cercle').selectOption({ label: 'Kadiolo' });
  await page.getByLabel('Commune', { exact: true }).selectOption({ label: 'Kadiolo' });
  await page.getByLabel(/^Orange/).click();
  await page.getByRole('button', { name: 'Suivant' }).click();
  // The consent screen lists the services of the report's commune (and national lines),
  // each one tap to call.
  const here = page.getByTestId('referrals-here');
  await here.waitFor();
  assert.equal(await here.locator('li').count(), 2, `${await here.innerText()}`);
  assert.equal(await here.getByRole('link', { name: '+223 21 00 00 01' }).getAttribute('href'), 'tel:+22321000001');
  assert.ok(await here.getByText(/CSRéf de Kadiolo/).isVisible());
  await page.getByRole('group', { name: /accord pour ce signalement/ }).getByLabel('Oui').check();
  await page.getByTestId('finish-early').click();
  await page.getByTestId('after-sensitive').getByRole('link', { name: "Voir les services d'aide à proposer" }).click();
  await page.getByTestId('referrals').waitFor();
  assert.deepEqual(problems.consoleErrors, []);
  await ctx.close();
});
