// The outbox through a faulty network: drops before and after the server stored, 500s, a
// hanging request, a 413, a page closed mid-flush, two tabs. Everything that can be
// delivered is delivered exactly once; the oversized record is refused and shown.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startServer, launchBrowser, waitForWorker, idbAll, idbPut, outboxEntries, ROOT, receiverAndBrowser } from './harness.mjs';
import { startFaultProxy } from './fault-proxy.mjs';

const TOKEN = 'fault-token-42';

const fx = receiverAndBrowser({ token: TOKEN });

async function storedIds() {
  const res = await fetch(fx.server.url + '/api/submissions', { headers: { Authorization: `Bearer ${TOKEN}` } });
  return (await res.json()).ids;
}

/** A context whose app sends to `proxy`, with a short request timeout, offline. */
async function offlinePhone(proxy) {
  const ctx = await fx.browser.newContext({ viewport: { width: 360, height: 640 } });
  const page = await ctx.newPage();
  await page.goto(fx.server.url + '/');
  await page.evaluate(
    ([base, token]) =>
      localStorage.setItem(
        'vigie/settings',
        JSON.stringify({ backend: { mode: 'generic_json', base, token }, device_id: 'e2e', author: { name: 'Test', role: '' }, request_timeout_ms: 2000 })
      ),
    [proxy.url + '/api', TOKEN]
  );
  await waitForWorker(page);
  await ctx.setOffline(true);
  await page.goto(fx.server.url + '/note');
  return { ctx, page };
}

async function writeNotes(page, texts) {
  await page.goto(page.url().replace(/\/[^/]*$/, '/note'));
  for (const t of texts) {
    await page.getByLabel('Ce que vous voulez signaler').fill(t);
    await page.getByRole('button', { name: 'Enregistrer' }).click();
    await page.getByText('Enregistré sur le téléphone').waitFor().catch(async (e) => {
      // Say what the page shows instead, for whoever reads the failure.
      const shown = await page.locator('.result').allInnerTexts().catch(() => []);
      throw new Error(`${e.message}\npage says: ${JSON.stringify(shown)}`);
    });
  }
}

async function deliveredCount(page) {
  return (await outboxEntries(page)).filter((e) => e.state.state === 'delivered').length;
}

test('faults: every record ends delivered exactly once, the oversized one refused and shown', async () => {
  const proxy = await startFaultProxy(fx.server.url, ['drop-after', 'error-500', 'drop-before', 'hang', 'drop-after']);
  const { ctx, page } = await offlinePhone(proxy);
  try {
    const before = new Set(await storedIds());
    await writeNotes(page, [1, 2, 3, 4, 5].map((n) => `Incident ${n} à Wassoulou-Ballé`).concat(['TROP GROS rapport']));
    await page.goto(fx.server.url + '/outbox');
    await ctx.setOffline(false);
    // The user taps "Envoyer maintenant" now and then, as they would; bounded to 60 s.
    const deadline = Date.now() + 60_000;
    while ((await deliveredCount(page)) < 5 && Date.now() < deadline) {
      const button = page.getByRole('button', { name: 'Envoyer maintenant' });
      if (await button.isEnabled()) await button.click();
      await page.waitForTimeout(700);
    }
    assert.equal(await deliveredCount(page), 5);
    const stored = (await storedIds()).filter((id) => !before.has(id));
    assert.equal(stored.length, 5);
    assert.equal(new Set(stored).size, 5);
    await page.getByText('Refusé par le serveur').waitFor();
    assert.match(await page.locator('.rec-bad').innerText(), /413/);
    assert.deepEqual(proxy.plan, [], 'every planned fault was exercised');
    const faults = proxy.log.map((l) => l.fault);
    for (const f of ['drop-after', 'error-500', 'drop-before', 'hang', '413']) assert.ok(faults.includes(f), f);
    // "Renvoyer" puts the refused record back in the queue, with the same id: it is sent
    // again (and refused again by this server).
    const sent = proxy.log.length;
    const refusedId = await page.locator('.rec-bad').getAttribute('data-id');
    await page.locator('.rec-bad').getByRole('button', { name: 'Renvoyer' }).click();
    const until = Date.now() + 15_000;
    while (proxy.log.length === sent && Date.now() < until) await page.waitForTimeout(100);
    assert.deepEqual(proxy.log.slice(sent).map((l) => l.ids), [[refusedId]]);
    await page.locator('.rec-bad').getByText('Refusé par le serveur').waitFor();
  } finally {
    await ctx.close();
    await proxy.stop();
  }
});

test('closing the page in the middle of a flush loses nothing and stores nothing twice', async () => {
  const proxy = await startFaultProxy(fx.server.url, ['hold'], { holdMs: 2000 });
  const { ctx, page } = await offlinePhone(proxy);
  try {
    const before = new Set(await storedIds());
    await writeNotes(page, ['Fermeture A', 'Fermeture B', 'Fermeture C']);
    await ctx.setOffline(false);
    const deadline = Date.now() + 10_000;
    while (proxy.log.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.equal(proxy.log.length, 1, 'the flush reached the proxy');
    await page.close(); // mid-flight: the server stores, the page never hears
    await new Promise((r) => setTimeout(r, 2500));
    const reopened = await ctx.newPage();
    await reopened.goto(fx.server.url + '/outbox');
    await reopened.waitForFunction(() => document.querySelectorAll('.rec-ok').length === 3, null, { timeout: 20_000 });
    const stored = (await storedIds()).filter((id) => !before.has(id));
    assert.equal(stored.length, 3);
    // Sent again with the same ids, by the reopened page or by the service worker's
    // Background Sync (whichever holds the flush lock first; retries may be spread out).
    assert.ok(proxy.log.length >= 2, 'sent again after the page closed');
    assert.deepEqual(new Set(proxy.log.slice(1).flatMap((r) => r.ids)), new Set(proxy.log[0].ids));
  } finally {
    await ctx.close();
    await proxy.stop();
  }
});

test('two tabs: only one flushes', async () => {
  const proxy = await startFaultProxy(fx.server.url, []);
  const { ctx, page } = await offlinePhone(proxy);
  try {
    await writeNotes(page, ['Onglet 1', 'Onglet 2', 'Onglet 3', 'Onglet 4']);
    await page.goto(fx.server.url + '/outbox');
    const other = await ctx.newPage();
    await other.goto(fx.server.url + '/outbox');
    await other.getByRole('heading', { name: "Boîte d'envoi" }).waitFor();
    await ctx.setOffline(false); // both tabs get `online` and both try
    await page.waitForFunction(() => document.querySelectorAll('.rec-ok').length === 4, null, { timeout: 20_000 });
    const sent = proxy.log.flatMap((l) => l.ids);
    assert.equal(sent.length, 4, `each record sent once, saw ${JSON.stringify(proxy.log)}`);
    assert.equal(new Set(sent).size, 4);
  } finally {
    await ctx.close();
    await proxy.stop();
  }
});
