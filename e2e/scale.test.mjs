// A phone after months of use: hundreds of receipts and records still to send. Lists show a
// page at a time, a save reads nothing back from storage, and old receipts become counts
// per month — budgets that hold on a noisy machine (counts of rows and of reads, not times;
// the times are in scripts/bench.sh).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { startServer, launchBrowser, watch, idbAll, idbPutMany, outboxEntries, ROOT, createPlan, receiverAndBrowser } from './harness.mjs';

await import(join(ROOT, 'public/sw-outbox.js'));
const { receiptKey } = globalThis.VigieOutbox;

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const fx = receiverAndBrowser();

function envelope(at, payload) {
  return {
    id: randomUUID(), kind: 'note', form_id: 'note', form_version: '1', created_at: at, updated_at: at,
    device_id: payload ? 'tel' : '', author: { name: '', role: '' }, payload, schema_version: 2,
  };
}
const receipt = (at) => {
  const e = { envelope: envelope(at, null), state: { state: 'delivered', at, status: 201, server: '' } };
  return [receiptKey(e), JSON.stringify(e)];
};
const queued = (at, text) => {
  const e = { envelope: envelope(at, { texte: text }), state: { state: 'queued' } };
  return [e.envelope.id, JSON.stringify(e)];
};

/** A phone (no backend: nothing leaves) whose storage holds `receipts` and `pending`. */
async function phoneWith(receipts, pending) {
  const ctx = await fx.browser.newContext({ viewport: { width: 360, height: 640 } });
  // Every read of many values, with its store and its limit.
  await ctx.addInitScript(() => {
    window.__reads = [];
    for (const op of ['getAll', 'getAllKeys', 'openCursor']) {
      const original = IDBObjectStore.prototype[op];
      IDBObjectStore.prototype[op] = function (...args) {
        window.__reads.push({ op, store: this.name, limit: args[1] ?? null });
        return original.apply(this, args);
      };
    }
  });
  const page = await ctx.newPage();
  const problems = watch(page, fx.server.url);
  await page.goto(fx.server.url + '/');
  await page.locator('.app-header').waitFor();
  await idbPutMany(page, 'receipts', receipts);
  await idbPutMany(page, 'outbox', pending);
  return { ctx, page, problems };
}

test('with 400 receipts and 60 records to send, lists show 50 rows and a save reads nothing back', async () => {
  const now = Date.now();
  const receipts = Array.from({ length: 400 }, (_, i) => receipt(now - (i + 1) * 5 * HOUR));
  const pending = Array.from({ length: 60 }, (_, i) => queued(now - i * 60_000, `Tension signalée au marché n° ${i}`));
  const { ctx, page, problems } = await phoneWith(receipts, pending);

  await page.goto(fx.server.url + '/outbox');
  await page.getByText('50 sur 460').waitFor();
  assert.equal(await page.locator('.records > li').count(), 50);
  const counts = page.getByTestId('counts');
  assert.match(await counts.innerText(), /60\s+En attente/);
  assert.match(await counts.innerText(), /400\s+Envoyés/);
  // The records still to send come first; "Voir plus" reads the next receipts.
  assert.equal(await page.locator('.records > li.rec-ok').count(), 0);
  await page.getByTestId('show-more').click();
  await page.getByText('100 sur 460').waitFor();
  await page.waitForFunction(() => document.querySelectorAll('.records > li.rec-ok').length === 40);
  // No read of the receipts store ever asked for all of them.
  const reads = await page.evaluate(() => window.__reads);
  assert.ok(reads.some((r) => r.store === 'receipts'), 'receipts were read');
  assert.deepEqual(reads.filter((r) => r.store === 'receipts' && (r.limit === null || r.limit > 500)), []);

  await page.goto(fx.server.url + '/mine');
  await page.getByText('50 sur 460').waitFor();
  assert.equal(await page.getByTestId('my-report').count(), 50);

  // A save writes one record; it reads no list back from storage.
  await page.goto(fx.server.url + '/note');
  await page.getByLabel('Ce que vous voulez signaler').fill('Conflit entre éleveurs à Kadiolo');
  // The start's own reads end with the drafts (read once the outbox is); only then count.
  await page.waitForFunction(() => window.__reads.some((r) => r.store === 'drafts'));
  await page.evaluate(() => (window.__reads = []));
  await page.getByRole('button', { name: 'Enregistrer' }).click();
  await page.getByText('Enregistré sur le téléphone').waitFor();
  assert.deepEqual(await page.evaluate(() => window.__reads), []);
  const stored = await outboxEntries(page);
  assert.equal(stored.length, 461);
  assert.ok(stored.some((e) => e.envelope.payload?.texte === 'Conflit entre éleveurs à Kadiolo'));
  assert.deepEqual(problems.consoleErrors, []);
  await ctx.close();
});

test('receipts older than 90 days become counts per month; records to send never do', async () => {
  const now = Date.now();
  const old = now - 120 * DAY;
  const month = new Date(old);
  const label = `${String(month.getUTCMonth() + 1).padStart(2, '0')}/${month.getUTCFullYear()}`;
  const receipts = [...Array.from({ length: 5 }, () => receipt(old)), receipt(now - DAY), receipt(now - 2 * DAY)];
  const stale = queued(now - 200 * DAY, 'Rapport resté sans réseau depuis longtemps');
  const { ctx, page } = await phoneWith(receipts, [stale]);

  await page.goto(fx.server.url + '/mine');
  await page.getByTestId('month-counts').getByText(`${label} : 5 rapports envoyés`).waitFor();
  assert.equal((await idbAll(page, 'receipts')).length, 2, 'the recent receipts stay whole');
  assert.deepEqual((await idbAll(page, 'outbox')).map(({ key }) => key), [stale[0]]);
  // Counted once: a second start adds nothing.
  await page.reload();
  await page.getByTestId('month-counts').getByText(`${label} : 5 rapports envoyés`).waitFor();
  const meta = await idbAll(page, 'meta');
  const counts = JSON.parse(meta.find(({ key }) => key === 'receipt_months').value);
  assert.equal(Object.values(counts).reduce((a, b) => a + b, 0), 5);
  await ctx.close();
});

test('a plan activity links any activity report the phone keeps, not only the newest page', async () => {
  const now = Date.now();
  const activity = (at) => {
    const e = {
      envelope: { ...envelope(at, null), kind: 'activity', form_id: 'activite' },
      state: { state: 'delivered', at, status: 201, server: '' },
    };
    return [receiptKey(e), JSON.stringify(e)];
  };
  // 70 activity reports over 70 days, among 60 newer notes: most are past the first page.
  const receipts = [
    ...Array.from({ length: 60 }, (_, i) => receipt(now - i * HOUR)),
    ...Array.from({ length: 70 }, (_, i) => activity(now - 3 * DAY - i * DAY)),
  ];
  const { ctx, page, problems } = await phoneWith(receipts, []);
  await createPlan(page, fx.server.url, { name: 'Mécanisme communal de Sikasso', cercle: 'Sikasso' });
  await page.locator('[data-list=activities]').getByRole('link', { name: '+ Ajouter' }).click();
  const picker = page.getByLabel("Rapport d'activité envoyé");
  await page.waitForFunction(
    (id) => document.getElementById(id)?.options.length === 71,
    await picker.getAttribute('id'),
    { timeout: 10_000 }
  );
  // The oldest one can be chosen.
  const oldest = JSON.parse(receipts.at(-1)[1]).envelope.id;
  await picker.selectOption(oldest);
  assert.equal(await picker.inputValue(), oldest);
  assert.deepEqual(problems.consoleErrors, []);
  await ctx.close();
});
