// Benchmark (figures, not a test): time for the app to flush N queued records to the
// embedded receiver on loopback, in headless Chromium. Prints each run and the median.
//   node bench/flush.mjs [records=100] [runs=3]
import { randomUUID } from 'node:crypto';
import { startServer, launchBrowser, waitForWorker } from '../e2e/harness.mjs';

const N = Number(process.argv[2] || 100);
const RUNS = Number(process.argv[3] || 3);
const TOKEN = 'bench-token';
const server = await startServer(undefined, ['--token', TOKEN]);
const { browser, close } = await launchBrowser();
const times = [];
try {
  for (let run = 0; run < RUNS; run++) {
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    await page.goto(server.url + '/');
    await waitForWorker(page);
    const records = Array.from({ length: N }, (_, i) => ({
      envelope: {
        id: randomUUID(), kind: 'note', form_id: 'note', form_version: '1',
        created_at: Date.now() + i, updated_at: Date.now() + i, device_id: 'bench',
        author: { name: 'Banc', role: '' }, payload: { texte: `Note de test ${i} — tension signalée au marché`.repeat(4) },
        schema_version: 2,
      },
      state: { state: 'queued' },
    }));
    await page.evaluate(([recs, base, token]) => {
      for (const r of recs) localStorage.setItem(`vigie/outbox/${r.envelope.id}`, JSON.stringify(r));
      localStorage.setItem('vigie/outbox/index', JSON.stringify(recs.map((r) => r.envelope.id)));
      localStorage.setItem('vigie/settings', JSON.stringify({ backend: { mode: 'generic_json', base, token }, device_id: 'bench', author: { name: 'Banc', role: '' } }));
    }, [records, server.url + '/api', TOKEN]);
    const start = Date.now();
    await page.goto(server.url + '/outbox'); // the app flushes at start
    await page.waitForFunction((n) => Number(document.querySelector('[data-testid=counts] .ok strong')?.textContent) === n, N, { timeout: 120_000, polling: 50 });
    const ms = Date.now() - start;
    times.push(ms);
    console.log(`run ${run + 1}: ${N} records delivered in ${ms} ms (page load included)`);
    await ctx.close();
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)];
  console.log(`flush ${N} records: median ${median} ms, ${(N / (median / 1000)).toFixed(0)} records/s`);
} finally {
  await close();
  await server.stop();
}
