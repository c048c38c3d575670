// Benchmark (figures, not a test): memory of the app in headless Chromium at phone size, in
// three situations a field user meets: Home after start, the outbox page listing N queued
// records, and the incident form filled to its last screen. Prints, for each, the median
// over the runs of the wasm linear memory and of the JS heap after a garbage collection.
//   node bench/memory.mjs [records=500] [runs=3]
import { randomUUID } from 'node:crypto';
import { startServer, launchBrowser } from '../e2e/harness.mjs';

const N = Number(process.argv[2] || 500);
const RUNS = Number(process.argv[3] || 3);
const server = await startServer();
const { browser, close } = await launchBrowser();

function queued(n) {
  return Array.from({ length: n }, (_, i) => ({
    envelope: {
      id: randomUUID(), kind: 'note', form_id: 'note', form_version: '1',
      created_at: Date.now() + i, updated_at: Date.now() + i, device_id: 'bench',
      author: { name: 'Banc', role: '' }, payload: { texte: `Note ${i} — tension signalée au marché`.repeat(4) },
      schema_version: 2,
    },
    state: { state: 'queued' },
  }));
}

/** Wasm linear memory and JS heap (after a collection) of `page`, in bytes. */
async function measure(page, cdp) {
  await cdp.send('HeapProfiler.collectGarbage');
  const { metrics } = await cdp.send('Performance.getMetrics');
  const heap = metrics.find((m) => m.name === 'JSHeapUsedSize')?.value ?? NaN;
  const wasm = await page.evaluate(() => window.__vigieWasm?.memory?.buffer?.byteLength ?? NaN);
  return { wasm, heap };
}

async function session() {
  const ctx = await browser.newContext({ viewport: { width: 360, height: 640 } });
  // The bootstrap announces the wasm instance; keep a handle on its memory.
  await ctx.addInitScript(() =>
    addEventListener('TrunkApplicationStarted', (e) => (window.__vigieWasm = e.detail.wasm))
  );
  const page = await ctx.newPage();
  const cdp = await ctx.newCDPSession(page);
  await cdp.send('Performance.enable');
  return { ctx, page, cdp };
}

const results = { home: [], outbox: [], form: [] };
try {
  for (let run = 0; run < RUNS; run++) {
    const { ctx, page, cdp } = await session();
    await page.goto(server.url + '/');
    await page.locator('.app-header').waitFor();
    results.home.push(await measure(page, cdp));

    // No backend configured: the records stay queued and are all listed.
    const records = queued(N);
    await page.evaluate((recs) => {
      for (const r of recs) localStorage.setItem(`vigie/outbox/${r.envelope.id}`, JSON.stringify(r));
      localStorage.setItem('vigie/outbox/index', JSON.stringify(recs.map((r) => r.envelope.id)));
    }, records);
    await page.goto(server.url + '/outbox');
    // The list shows its first page (50 rows) and says how many there are.
    await page.getByText(`${Math.min(50, N)} sur ${N}`).waitFor({ timeout: 60_000 });
    results.outbox.push(await measure(page, cdp));

    // The largest built-in form, walked to its last screen.
    await page.goto(server.url + '/new/incident');
    await page.locator('.form-page').waitFor();
    await page.locator('.choice').first().click();
    for (let i = 0; i < 30 && (await page.getByRole('button', { name: 'Suivant' }).count()); i++) {
      await page.getByRole('button', { name: 'Suivant' }).click();
    }
    await page.locator('.btn-finish').waitFor();
    results.form.push(await measure(page, cdp));
    await ctx.close();
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const mb = (n) => (n / 1e6).toFixed(1).padStart(5);
  const line = (label, rs) =>
    console.log(`${label.padEnd(44)} wasm ${mb(median(rs.map((r) => r.wasm)))} MB   JS heap ${mb(median(rs.map((r) => r.heap)))} MB`);
  line('Home after start', results.home);
  line(`outbox page with ${N} queued records`, results.outbox);
  line('incident form, last screen', results.form);
  console.log(`(median of ${RUNS} runs; wasm memory only grows, so it is the peak so far)`);
} finally {
  await close();
  await server.stop();
}
