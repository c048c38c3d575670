// The situation room end to end: a monitor's red alert, written offline, reaches the
// receiver when the network returns, opens a case, and the case list a coordinator has
// open in another browser shows it within seconds without a reload; the coordinator takes
// charge on the case page, and the monitor's phone shows who took charge. Screenshots of the case page at 1280×800 and 360 px go to
// .scratch/ for a person to look at.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { receiverAndBrowser, redAlert, ROOT } from './harness.mjs';

const COORD = 'e2e-cases-coordinator';
const SHOTS = join(ROOT, '.scratch');
before(() => mkdirSync(SHOTS, { recursive: true }));
const fx = receiverAndBrowser({ token: 'e2e-cases-device', coordinator: COORD });

test('a red alert sent offline opens a case the open coordinator page shows at once', async () => {
  const desk = await fx.browser.newContext({
    viewport: { width: 1280, height: 800 },
    httpCredentials: { username: 'coordination', password: COORD },
  });
  const room = await desk.newPage();
  await room.goto(fx.server.url + '/coord/cases');
  await room.getByText('Aucun cas ouvert.').waitFor();

  const { ctx, page } = await fx.phone();
  await ctx.setOffline(true);
  await page.goto(fx.server.url + '/');
  await redAlert(page, true);
  await ctx.setOffline(false);
  const back = Date.now();
  // The open page hears of it: no reload.
  const item = room.locator('[data-case]').first();
  await item.waitFor({ timeout: 30_000 });
  console.log(`case on the open page ${Date.now() - back} ms after the phone came back online`);
  assert.match(await item.innerText(), /Rouge/);
  assert.match(await item.innerText(), /Nouveau/);
  assert.match(await room.getByTestId('live-status').innerText(), /mise à jour/);

  await item.getByRole('link').click();
  await room.getByLabel('Pour quelle institution').fill('Gouvernorat de Sikasso');
  await room.getByRole('button', { name: 'Prendre en charge' }).click();
  await room.getByRole('heading', { name: /Pris en charge/ }).waitFor();
  await room.screenshot({ path: join(SHOTS, 'case-1280.png'), fullPage: true });
  await room.setViewportSize({ width: 360, height: 740 });
  await room.screenshot({ path: join(SHOTS, 'case-360.png'), fullPage: true });
  const width = await room.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 360, `no sideways scrolling at 360 px: ${width}`);

  // Back on the phone: its alert says who took charge, and still does offline.
  await page.goto(fx.server.url + '/outbox');
  const news = page.getByTestId('case-news').first();
  await news.waitFor({ timeout: 15_000 });
  assert.match(await news.innerText(), /Pris en charge par Gouvernorat de Sikasso, \d\d\/\d\d \d\d:\d\d/);
  await page.screenshot({ path: join(SHOTS, 'case-news-phone.png'), fullPage: true });
  await ctx.setOffline(true);
  await page.reload();
  await page.getByTestId('case-news').first().waitFor({ timeout: 15_000 });
  assert.match(await page.getByTestId('case-news').first().innerText(), /Pris en charge/);
  await ctx.close();
  await desk.close();
});
