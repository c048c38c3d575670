// An interface translation published by the deployment: checked, cached, offered in the
// language switcher, used everywhere; an incomplete one is refused with the reason. The
// test language is French marked "[test]": no unchecked language ships or is shown here.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, launchBrowser, configuredPhone, createPlan, ROOT } from './harness.mjs';

const BIN = process.env.VIGIE_SERVER_BIN || join(ROOT, 'target/debug/vigie-server');
const dir = mkdtempSync(join(tmpdir(), 'vigie-translation-'));
let browser;
let close;

before(async () => ({ browser, close } = await launchBrowser()));
after(async () => {
  await close();
  rmSync(dir, { recursive: true, force: true });
});

function translation(edit) {
  const t = JSON.parse(execFileSync(BIN, ['translation-template'], { encoding: 'utf8' }));
  t.code = 'tst';
  t.name = 'Essai';
  for (const section of ['messages', 'coordination']) {
    for (const k of Object.keys(t[section])) t[section][k] = `[test] ${t[section][k]}`;
  }
  edit?.(t);
  const file = join(dir, `t-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify(t));
  return file;
}

test('a published translation is offered, used, and kept for offline starts', async () => {
  const server = await startServer(undefined, ['--token', 'jeton-langue', '--translation', translation()]);
  try {
    const { ctx, page } = await configuredPhone(browser, server.url, { mode: 'generic_json', base: server.url + '/api', token: 'jeton-langue' });
    await createPlan(page, server.url, { name: 'Mécanisme essai', cercle: 'Kadiolo' });
    const planUrl = page.url();
    await page.goto(server.url + '/settings');
    const choice = page.getByLabel('Essai', { exact: true });
    await choice.waitFor();
    await choice.check();
    await page.goto(server.url + '/');
    await page.getByRole('link', { name: '[test] Signaler un incident' }).waitFor();
    assert.equal(await page.locator('html').getAttribute('lang'), 'tst');
    // Plan labels are catalogue texts: the published language reaches them too.
    await page.goto(planUrl);
    await page.getByRole('heading', { name: /^\[test\] Activités/ }).waitFor();
    await page.getByRole('heading', { name: /^\[test\] Analyse FFOM/ }).waitFor();
    await page.goto(server.url + '/');
    // Offline, next start: the cached translation is still there.
    await ctx.setOffline(true);
    await page.reload();
    await page.getByRole('link', { name: '[test] Signaler un incident' }).waitFor();
    await ctx.close();
  } finally {
    await server.stop();
  }
});

test('an incomplete translation is refused with the reason, and nothing changes', async () => {
  const broken = translation((t) => delete t.messages.SendNow);
  const server = await startServer(undefined, ['--token', 'jeton-langue', '--translation', broken]);
  try {
    // The receiver checks it as the app would and does not serve it.
    const res = await fetch(server.url + '/api/translation', { headers: { authorization: 'Bearer jeton-langue' } });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { translation: null });
    assert.match(server.log(), /translation refused.*SendNow/);
  } finally {
    await server.stop();
  }
});
