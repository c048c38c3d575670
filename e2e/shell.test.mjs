// The app shell in a real browser against the release build and the real server.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, symlinkSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, launchBrowser, watch, waitForWorker, ROOT, receiverAndBrowser } from './harness.mjs';

const fx = receiverAndBrowser();

const phone = { viewport: { width: 360, height: 640 } };

test('the app loads in French with no console error and no foreign request', async () => {
  const ctx = await fx.browser.newContext(phone);
  const page = await ctx.newPage();
  const problems = watch(page, fx.server.url);
  const response = await page.goto(fx.server.url + '/');
  assert.match(response.headers()['content-security-policy'] ?? '', /script-src 'self' 'wasm-unsafe-eval'/);
  // The static first screen has the tiles too: wait for what only the app shows.
  await page.getByRole('link', { name: 'Paramètres' }).waitFor();
  for (const name of ['Signaler un incident', 'Noter une activité', "Plans d'action", "Boîte d'envoi"]) {
    assert.ok(await page.getByRole('link', { name }).isVisible(), name);
  }
  assert.equal(await page.getByTestId('connectivity').innerText(), 'En ligne');
  // "…" until the outbox has been read from IndexedDB, then the count.
  await page.getByTestId('pending').getByText('Tout est envoyé', { exact: true }).waitFor();
  assert.equal(await page.locator('html').getAttribute('lang'), 'fr');
  // The panic notice (static markup) stays hidden while nothing went wrong.
  assert.ok(await page.locator('#crash').isHidden());
  await waitForWorker(page);
  // With no backend configured the plans page works on the phone alone.
  await page.getByRole('link', { name: 'Plans d\'action' }).click();
  await page.getByRole('heading', { name: 'Plans d\'action' }).waitFor();
  await page.getByText('Aucun plan sur ce téléphone.', { exact: false }).waitFor();
  assert.deepEqual(problems.consoleErrors, []);
  assert.deepEqual(problems.foreign, []);
  await ctx.close();
});

test('the header follows connectivity', async () => {
  const ctx = await fx.browser.newContext(phone);
  const page = await ctx.newPage();
  await page.goto(fx.server.url + '/');
  const badge = page.getByTestId('connectivity');
  await badge.waitFor();
  await ctx.setOffline(true);
  await page.waitForFunction(() => document.querySelector('[data-testid=connectivity]')?.innerText === 'Hors ligne');
  await ctx.setOffline(false);
  await page.waitForFunction(() => document.querySelector('[data-testid=connectivity]')?.innerText === 'En ligne');
  await ctx.close();
});

test('the language choice persists across a reload', async () => {
  const ctx = await fx.browser.newContext(phone);
  const page = await ctx.newPage();
  const problems = watch(page, fx.server.url);
  await page.goto(fx.server.url + '/settings');
  await page.getByRole('heading', { name: 'Paramètres' }).waitFor();
  await page.getByLabel('English').check();
  await page.getByRole('heading', { name: 'Settings' }).waitFor();
  await page.reload();
  await page.getByRole('heading', { name: 'Settings' }).waitFor();
  assert.equal(await page.locator('html').getAttribute('lang'), 'en');
  assert.ok(await page.getByLabel('English').isChecked());
  await page.goto(fx.server.url + '/');
  await page.getByRole('link', { name: 'Report an incident' }).waitFor();
  await page.getByRole('link', { name: 'Settings' }).click();
  await page.getByLabel('Français').check();
  await page.reload();
  await page.getByRole('heading', { name: 'Paramètres' }).waitFor();
  assert.deepEqual(problems.consoleErrors, []);
  await ctx.close();
});

test('index.html paints Home before the wasm, and its tiles are the app\'s', async () => {
  const tiles = (page, root) =>
    page.locator(`${root} .tiles a`).evaluateAll((links) => links.map((a) => [a.getAttribute('href'), a.innerText.trim()]));
  // No script at all: what a phone shows while the wasm is still on its way.
  const bare = await fx.browser.newContext({ ...phone, javaScriptEnabled: false });
  const first = await bare.newPage();
  await first.goto(fx.server.url + '/', { waitUntil: 'load' });
  assert.ok(await first.getByRole('heading', { level: 1, name: 'Signaler, prévenir, agir — même sans réseau' }).isVisible());
  assert.ok(await first.getByRole('link', { name: 'Signaler un incident' }).isVisible());
  assert.ok(await first.getByText('Vigie se charge…').isVisible());
  const painted = await tiles(first, '#boot');
  await bare.close();
  // The app's Home replaces it: the same links with the same words, one h1, the copy hidden.
  const ctx = await fx.browser.newContext(phone);
  // The app's elements arrive in the same task as the static screen goes: at no mutation
  // are both in the document (a locator would find two headers, two h1).
  await ctx.addInitScript(() => {
    // Trunk's "started" event means the app is on screen, in #boot's place.
    addEventListener('TrunkApplicationStarted', () => {
      window.__startedWith = [!!document.getElementById('boot'), !!document.querySelector('main .tagline')];
    });
    window.__together = 0;
    new MutationObserver(() => {
      const boot = document.getElementById('boot');
      if (boot && document.querySelectorAll('.app-header').length > 1) window.__together += 1;
    }).observe(document, { childList: true, subtree: true });
  });
  const page = await ctx.newPage();
  await page.goto(fx.server.url + '/');
  await page.getByTestId('pending').getByText('Tout est envoyé', { exact: true }).waitFor();
  assert.equal(await page.evaluate(() => window.__together), 0, 'never both in the document');
  assert.deepEqual(await page.evaluate(() => window.__startedWith), [false, true], 'started: #boot gone, Home there');
  assert.deepEqual(await tiles(page, 'body > main'), painted);
  assert.equal(painted.length, 4);
  assert.equal(await page.locator('#boot').count(), 0, 'removed, not hidden: no twin links');
  assert.equal(await page.getByRole('heading', { level: 1 }).count(), 1);
  await ctx.close();
});

test('the first screen is what the app then shows: the welcome on a first run, a form at its address', async () => {
  const forms = [
    ['incident', "Signalement d'incident / alerte précoce"],
    ['activite', 'Activité de prévention'],
    ['mediation', 'Journal du médiateur / comité de veille'],
    ['questionnaire_preparatoire', "Questionnaire préparatoire à l'atelier"],
  ];
  // Home's title and each of its four tiles.
  const home = ['.tagline', ...[0, 1, 2, 3].map((n) => `.tiles a >> nth=${n}`)];
  const cases = [
    { path: '/', welcomed: false, static: '.boot-welcome', app: 'body > main [data-testid=welcome]', parts: ['h2', 'p.hint'], largest: true },
    { path: '/', welcomed: true, static: '.home', app: 'body > main .home', parts: home, largest: true },
    // In English when English was chosen (the static screen carries both languages).
    { path: '/', welcomed: true, lang: 'en', static: '.home', app: 'body > main .home', parts: home },
    { path: '/', welcomed: false, lang: 'en', static: '.boot-welcome', app: 'body > main [data-testid=welcome]', parts: ['h2', 'p.hint'] },
    ...forms.map(([id]) => ({ path: `/new/${id}`, welcomed: true, lang: 'en', static: `.boot-form[data-form=${id}]`, app: 'body > main .form-page', parts: ['h1'] })),
    // The title only: the incident form's first screen has nothing larger, others may.
    ...forms.map(([id]) => ({ path: `/new/${id}`, welcomed: true, static: `.boot-form[data-form=${id}]`, app: 'body > main .form-page', parts: ['h1'], largest: id === 'incident' })),
  ];
  for (const c of cases) {
    const ctx = await fx.browser.newContext(phone);
    await ctx.addInitScript(([welcomed, lang]) => {
      if (welcomed) localStorage.setItem('vigie/welcomed', 'true');
      if (lang) localStorage.setItem('vigie/prefs', JSON.stringify({ lang }));
      window.__largest = [];
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) window.__largest.push({ size: e.size, static: !!e.element?.closest('#boot') });
      }).observe({ type: 'largest-contentful-paint', buffered: true });
    }, [c.welcomed, c.lang]);
    // The wasm waits until the static screen has been looked at, as on 2G.
    let release;
    const held = new Promise((r) => (release = r));
    await ctx.route(/\.wasm$/, async (route) => {
      await held;
      await route.continue();
    });
    const page = await ctx.newPage();
    await page.goto(fx.server.url + c.path, { waitUntil: 'load' });
    const shown = page.locator(`#boot ${c.static}`);
    assert.ok(await shown.isVisible(), `${c.path}: ${c.static} on the first screen`);
    const visible = await page.locator('#boot main > section').evaluateAll((all) => all.filter((s) => s.offsetParent).length);
    assert.equal(visible, 1, `${c.path}: one first screen at a time`);
    assert.equal(await page.locator('#boot .boot-welcome').isVisible(), !c.welcomed && c.path === '/');
    const words = await Promise.all(c.parts.map((p) => shown.locator(p).innerText()));
    assert.equal(await page.locator('html').getAttribute('lang'), c.lang ?? 'fr', `${c.path}: the page's language`);
    release();
    const app = page.locator(c.app);
    await app.waitFor();
    assert.deepEqual(await Promise.all(c.parts.map((p) => app.locator(p).first().innerText())), words, `${c.path}: same words`);
    for (const [id, title] of forms) if (c.path === `/new/${id}` && !c.lang) assert.equal(words[0], title);
    // Equal to the app's words, which are English here: none of the French ones shows.
    if (c.lang === 'en') assert.doesNotMatch(words.join(' '), /Signal|prévenir|Bienvenue|Activité|Noter|Boîte|Journal|Questionnaire/);
    // A first visit: the wasm's download began after the first screen's paint, not beside it.
    const [paint, download] = await page.evaluate(() => [
      performance.getEntriesByName('first-contentful-paint')[0]?.startTime,
      performance.getEntriesByType('resource').find((r) => r.name.endsWith('.wasm'))?.startTime,
    ]);
    assert.ok(paint > 0 && download > paint, `${c.path}: paint ${paint}, download ${download}`);
    // The app paints the same thing in the same place: the largest paint stays the static one.
    if (c.largest) {
      await page.evaluate(() => new Promise((r) => setTimeout(r, 500)));
      const largest = await page.evaluate(() => window.__largest);
      assert.ok(largest.length > 0 && largest.at(-1).static, `${c.path}: ${JSON.stringify(largest)}`);
    }
    await ctx.close();
  }
});

test('a tile tapped on the first screen opens its page when the app runs, without loading again', async () => {
  const ctx = await fx.browser.newContext(phone);
  let release;
  const held = new Promise((r) => (release = r));
  let wasm = 0;
  await ctx.route(/\.wasm$/, async (route) => {
    // The page's downloads only: routing turns Playwright's HTTP cache off, so the service
    // worker's precache (which reuses the page's download from that cache in real use)
    // would be counted as a second one whenever it installs before the check below.
    if (route.request().serviceWorker()) return route.continue();
    wasm += 1;
    await held;
    await route.continue();
  });
  const page = await ctx.newPage();
  await page.goto(fx.server.url + '/', { waitUntil: 'load' });
  await page.evaluate(() => { window.__samePage = true; });
  // On 2G the wait is seconds: the person taps "Signaler un incident" on the static tiles.
  await page.locator('#boot').getByRole('link', { name: 'Signaler un incident' }).click();
  await page.waitForURL((u) => new URL(u).pathname === '/report');
  assert.ok(await page.locator('#boot .boot-form[data-form=incident]').isVisible(), 'the form\'s title shows at once');
  assert.equal(await page.locator('#boot .home').isVisible(), false);
  release();
  await page.getByRole('heading', { level: 1, name: "Signalement d'incident / alerte précoce" }).waitFor();
  await page.getByTestId('connectivity').waitFor();
  assert.equal(await page.evaluate(() => window.__samePage), true, 'no new page load');
  assert.equal(wasm, 1, 'one download of the wasm');
  await ctx.close();
});

test('a first load that is cut off or garbled says so, and "Réessayer" starts the app', async () => {
  const ctx = await fx.browser.newContext(phone);
  const page = await ctx.newPage();
  const failed = page.locator('#boot.boot-failed');
  const retry = page.getByRole('button', { name: 'Réessayer / Try again' });
  // A proxy answering with an HTML error page instead of the wasm.
  await ctx.route(/_bg\.wasm$/, (r) => r.fulfill({ status: 200, contentType: 'text/html', body: '<h1>Bad gateway</h1>' }));
  await page.goto(fx.server.url + '/');
  await failed.waitFor();
  assert.match(await page.locator('#boot').innerText(), /Vigie n'a pas pu démarrer.*Vérifiez le réseau/s);
  assert.ok(!(await page.getByText('Vigie se charge…').isVisible()));
  // The connection drops while the JS glue downloads.
  await ctx.unroute(/_bg\.wasm$/);
  let cut = 0;
  await ctx.route(/\/vigie-[0-9a-f]+\.js$/, (r) => {
    cut += 1;
    return r.abort('internetdisconnected');
  });
  await Promise.all([page.waitForEvent('load'), retry.click()]);
  await failed.waitFor();
  assert.ok(cut >= 1, 'the retry loaded the page again');
  assert.ok(await retry.isVisible());
  // The network is back.
  await ctx.unroute(/\/vigie-[0-9a-f]+\.js$/);
  await Promise.all([page.waitForEvent('load'), retry.click()]);
  await page.getByTestId('connectivity').waitFor();
  assert.ok(!(await page.locator('#boot').isVisible()));
  await ctx.close();
});

test('the first visit downloads each hashed file once: the precache reuses what the page fetched', async () => {
  const own = await startServer(undefined, [], { RUST_LOG: 'vigie_server=debug' });
  const ctx = await fx.browser.newContext(phone);
  try {
    const page = await ctx.newPage();
    await page.goto(own.url + '/');
    await page.getByRole('link', { name: 'Signaler un incident' }).waitFor();
    await waitForWorker(page);
    const served = (re) => own.log().split('\n').filter((l) => / request /.test(l) && re.test(l)).length;
    // The server's log reaches us through a pipe: wait for the page's wasm request and the
    // worker's index.html request (always precached) to arrive, then a little more.
    const wasm = /path=\/vigie-[0-9a-f]{8,16}_bg\.wasm /;
    for (let i = 0; i < 50 && (served(wasm) < 1 || served(/path=\/index\.html /) < 1); i++) {
      await new Promise((ok) => setTimeout(ok, 100));
    }
    await new Promise((ok) => setTimeout(ok, 300));
    assert.equal(served(wasm), 1, 'wasm\n' + own.log());
    assert.equal(served(/path=\/vigie-[0-9a-f]{8,16}\.js /), 1, 'JS glue');
    assert.equal(served(/path=\/main-[0-9a-f]{8,16}\.css /), 1, 'CSS');
    // Files without a hash in their name are fetched fresh by the worker.
    assert.equal(served(/path=\/index\.html /), 1, 'index.html\n' + own.log());
    // And the worker really holds the wasm: it opens offline.
    await ctx.setOffline(true);
    await page.reload();
    await page.getByRole('link', { name: 'Signaler un incident' }).waitFor();
  } finally {
    await ctx.close();
    await own.stop();
  }
});

async function visitThenGoOffline(serviceWorkers) {
  const ctx = await fx.browser.newContext({ ...phone, serviceWorkers });
  const page = await ctx.newPage();
  const problems = watch(page, fx.server.url);
  await page.goto(fx.server.url + '/');
  await page.getByRole('link', { name: 'Signaler un incident' }).waitFor();
  if (serviceWorkers === 'allow') await waitForWorker(page);
  await ctx.setOffline(true);
  return { ctx, page, problems };
}

test('after one online visit, / and a deep link open offline from the service worker', async () => {
  const { ctx, page, problems } = await visitThenGoOffline('allow');
  await page.goto(fx.server.url + '/');
  await page.getByRole('link', { name: 'Signaler un incident' }).waitFor();
  assert.equal(await page.getByTestId('connectivity').innerText(), 'Hors ligne');
  await page.goto(fx.server.url + '/outbox');
  await page.getByRole('heading', { name: "Boîte d'envoi" }).waitFor();
  await page.goto(fx.server.url + '/no/such/page');
  await page.getByRole('heading', { name: 'Page introuvable' }).waitFor();
  assert.deepEqual(problems.foreign, []);
  await ctx.close();
});

test('control: with service workers blocked the same offline visit fails', async () => {
  const { ctx, page } = await visitThenGoOffline('block');
  await assert.rejects(page.goto(fx.server.url + '/'), /ERR_INTERNET_DISCONNECTED/);
  await assert.rejects(page.goto(fx.server.url + '/outbox'), /ERR_INTERNET_DISCONNECTED/);
  await ctx.close();
});

test('a new build is detected and applied only when the user taps "Mettre à jour"', async () => {
  const next = join(ROOT, 'dist-next');
  assert.ok(existsSync(join(next, 'sw.js')), 'dist-next missing: the test command builds it (scripts/test.sh)');
  // One origin, whose served folder is switched under it like a deployment would.
  const scratch = mkdtempSync(join(tmpdir(), 'vigie-update-'));
  const live = join(scratch, 'live');
  symlinkSync(join(ROOT, 'dist'), live);
  const own = await startServer(live);
  const ctx = await fx.browser.newContext(phone);
  try {
    const page = await ctx.newPage();
    const problems = watch(page, own.url);
    await page.goto(own.url + '/');
    await waitForWorker(page);
    const mark = () => page.evaluate(() => getComputedStyle(document.body).getPropertyValue('--build-mark').trim());
    assert.equal(await mark(), '');

    // Deploy the next build (atomic symlink swap), then come back to the app.
    symlinkSync(next, join(scratch, 'swap'));
    renameSync(join(scratch, 'swap'), live);
    await page.reload();
    const banner = page.getByRole('alert').filter({ hasText: 'Nouvelle version disponible' });
    await banner.waitFor({ timeout: 15_000 });
    // Still the old version until the user agrees.
    assert.equal(await mark(), '');

    await Promise.all([page.waitForEvent('load'), banner.getByRole('button', { name: 'Mettre à jour' }).click()]);
    await page.getByRole('link', { name: 'Signaler un incident' }).waitFor();
    assert.equal(await mark(), 'next');
    assert.equal(await banner.count(), 0);
    assert.deepEqual(problems.foreign, []);
  } finally {
    await ctx.close();
    await own.stop();
    rmSync(scratch, { recursive: true, force: true });
  }
});
