// Benchmark (figures, not a test): the field-performance table of issue 15, in headless
// Chromium at 360×640 with the CPU slowed 4× (DevTools throttling), each row the median of
// several runs. Records are seeded into the app's IndexedDB as the app stores them.
//   node bench/field.mjs [runs=3] [rows=save,memory,flush,capacity,paint,start]
// Rows: a save with 0 / 1,000 / 5,000 records waiting (click to "Enregistré" in the page,
// to the frame that paints it, and to the first frame after the click), the
// memory and DOM nodes of the outbox page, "Mes rapports" and Home with 5,000, a flush of
// 100 and 500 records over a 300 ms round trip, and an offline start to the incident form.
// RAW=1 prints every save's time (the first save of a page meets its start-up reads);
// SETTLE=ms waits that long after the page opens before the first save.
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { startServer, launchBrowser, waitForWorker, idbPutMany, ROOT } from '../e2e/harness.mjs';

await import(join(ROOT, 'public/sw-outbox.js'));
const RUNS = Number(process.argv[2] || 3);
// Only some rows: `save`, `memory`, `flush`, `capacity`, `paint`, `start` (all by default).
const ONLY = process.argv[3] || 'save,memory,flush,capacity,paint,start';
const want = (row) => ONLY.split(',').includes(row);
const TOKEN = 'bench-token';
const server = await startServer(undefined, ['--token', TOKEN]);
const { browser, close } = await launchBrowser();
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const p95 = (xs) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.95))];
const row = (label, value) => console.log(`${label.padEnd(58)} ${value}`);

function queued(n, text = 'Tension signalée au marché de Kadiolo entre éleveurs et cultivateurs') {
  const now = Date.now();
  return Array.from({ length: n }, (_, i) => {
    const id = randomUUID();
    const env = {
      id, kind: 'note', form_id: 'note', form_version: '1', created_at: now - n + i, updated_at: now - n + i,
      device_id: 'bench', author: { name: 'Banc', role: '' }, payload: { texte: `${text} n° ${i}` }, schema_version: 2,
    };
    return [id, JSON.stringify({ envelope: env, state: { state: 'queued' } })];
  });
}

async function phone({ seed = 0, cpu = 4, backend = null } = {}) {
  const ctx = await browser.newContext({ viewport: { width: 360, height: 640 } });
  await ctx.addInitScript(() => addEventListener('TrunkApplicationStarted', (e) => (window.__vigieWasm = e.detail.wasm)));
  const page = await ctx.newPage();
  const cdp = await ctx.newCDPSession(page);
  if (backend) {
    // Set up first (a link arriving with records waiting asks for confirmation).
    await page.goto(`${server.url}/settings#setup=${Buffer.from(JSON.stringify({ backend })).toString('base64url')}`);
    await page.getByText('Configuration reçue par lien et enregistrée.').waitFor();
  } else await page.goto(server.url + '/');
  await page.locator('.app-header').waitFor();
  const records = queued(seed);
  for (let i = 0; i < records.length; i += 1000) await idbPutMany(page, 'outbox', records.slice(i, i + 1000));
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: cpu });
  await cdp.send('Performance.enable');
  return { ctx, page, cdp };
}

async function memory(page, cdp) {
  await cdp.send('HeapProfiler.collectGarbage');
  const { metrics } = await cdp.send('Performance.getMetrics');
  const get = (n) => metrics.find((m) => m.name === n)?.value ?? NaN;
  const wasm = await page.evaluate(() => window.__vigieWasm?.memory?.buffer?.byteLength ?? NaN);
  return { total: wasm + get('JSHeapUsedSize'), nodes: get('Nodes') };
}

/**
 * Saves `count` notes; each time from the click to "Enregistré" in the page (the handler,
 * the IndexedDB commit and the render) and to the frame that paints it (that plus the wait
 * for the display's next frame, up to 16.7 ms at 60 Hz); and from the click to the first
 * frame painted after it, which shows the field read-only while the record is written (the
 * interaction's latency, as INP counts it).
 */
async function saves(page, count) {
  const times = { dom: [], painted: [], feedback: [] };
  for (let i = 0; i < count; i++) {
    await page.getByLabel('Ce que vous voulez signaler').fill(`Note de mesure ${i}`);
    await page.getByText('Enregistré sur le téléphone').waitFor({ state: 'hidden' });
    const { dom, painted, feedback } = await page.evaluate(
      () =>
        new Promise((done) => {
          const button = [...document.querySelectorAll('button')].find((b) => b.textContent.trim() === 'Enregistrer');
          // textContent: reading innerText would force a layout at every mutation.
          const saved = () => document.body.textContent.includes('Enregistré sur le téléphone');
          const t0 = performance.now();
          let feedback;
          const seen = new MutationObserver(() => {
            if (!saved()) return;
            seen.disconnect();
            const dom = performance.now() - t0;
            requestAnimationFrame(() => setTimeout(() => done({ dom, painted: performance.now() - t0, feedback })));
          });
          seen.observe(document.body, { childList: true, subtree: true, characterData: true });
          button.click();
          // The click's handler has run; the next frame shows what it changed.
          requestAnimationFrame(() => setTimeout(() => (feedback = performance.now() - t0)));
        })
    );
    times.dom.push(dom);
    times.painted.push(painted);
    times.feedback.push(feedback);
  }
  return times;
}

try {
  console.log(`(headless Chromium, 360×640, CPU 4× slower; medians of ${RUNS} runs)`);
  for (const n of want('save') ? [0, 1000, 5000] : []) {
    const all = { dom: [], painted: [], feedback: [] };
    for (let r = 0; r < RUNS; r++) {
      const { ctx, page } = await phone({ seed: n });
      await page.goto(server.url + '/note');
      await page.getByLabel('Ce que vous voulez signaler').waitFor();
      if (process.env.SETTLE) await page.waitForTimeout(Number(process.env.SETTLE));
      const t = await saves(page, 10);
      all.dom.push(...t.dom);
      if (process.env.RAW) console.log(n, t.dom.map(Math.round).join(' '));
      all.painted.push(...t.painted);
      all.feedback.push(...t.feedback);
      await ctx.close();
    }
    const fig = (xs) => `median ${median(xs).toFixed(0)}, p95 ${p95(xs).toFixed(0)}`;
    row(`save to outbox, ${n} waiting (click → "Enregistré" in the page), ms`, fig(all.dom));
    row(`save to outbox, ${n} waiting (click → "Enregistré" painted), ms`, fig(all.painted));
    row(`save to outbox, ${n} waiting (click → first frame after it), ms`, fig(all.feedback));
  }

  const mem = { outbox: [], mine: [], home: [] };
  for (let r = 0; r < (want('memory') ? RUNS : 0); r++) {
    const { ctx, page, cdp } = await phone({ seed: 5000, cpu: 1 });
    await page.goto(server.url + '/outbox');
    await page.getByText('50 sur 5000').waitFor({ timeout: 60_000 });
    mem.outbox.push(await memory(page, cdp));
    await page.goto(server.url + '/mine');
    await page.getByText('50 sur 5000').waitFor({ timeout: 60_000 });
    mem.mine.push(await memory(page, cdp));
    await page.goto(server.url + '/');
    await page.locator('.app-header').waitFor();
    mem.home.push(await memory(page, cdp));
    await ctx.close();
  }
  for (const [k, label] of want('memory') ? [['outbox', 'outbox page'], ['mine', '"Mes rapports"'], ['home', 'Home']] : []) {
    const mb = median(mem[k].map((m) => m.total)) / 1e6;
    row(`memory, ${label} with 5,000 waiting (wasm + JS heap)`, `${mb.toFixed(1)} MB, ${median(mem[k].map((m) => m.nodes))} DOM nodes`);
  }

  for (const n of want('flush') ? [100, 500] : []) {
    const times = [];
    for (let r = 0; r < RUNS; r++) {
      const backend = { mode: 'generic_json', base: server.url + '/api', token: TOKEN };
      const { ctx, page, cdp } = await phone({ seed: n, cpu: 1, backend });
      // 300 ms added to every request to the receiver (from the page or its worker).
      await ctx.route('**/api/**', async (route) => {
        await new Promise((ok) => setTimeout(ok, 300));
        await route.continue();
      });
      const start = Date.now();
      await page.goto(`${server.url}/outbox`);
      await page.waitForFunction((n) => /\d+/.test(document.querySelector('[data-testid=counts] .ok strong')?.textContent) &&
        Number(document.querySelector('[data-testid=counts] .ok strong').textContent) === n, n, { timeout: 120_000, polling: 50 });
      times.push(Date.now() - start);
      await ctx.close();
    }
    row(`flush ${n} waiting, 300 ms round trip (page load included), ms`, `median ${median(times)}`);
  }

  if (want('capacity')) {
    // 5,000 realistic incident reports (about 2,300 characters each) queued on one phone.
    const { ctx, page } = await phone({ seed: 0, cpu: 1 });
    const text = 'Affrontement entre partisans au bureau de vote, jets de pierres, deux blessés. '.repeat(28);
    const now = Date.now();
    for (let i = 0; i < 5000; i += 500) {
      const chunk = Array.from({ length: 500 }, (_, j) => {
        const id = randomUUID();
        const env = {
          id, kind: 'report', form_id: 'incident', form_version: '3', created_at: now - i - j, updated_at: now - i - j,
          device_id: 'bench', author: { name: 'Banc', role: '' }, schema_version: 2,
          payload: { category: ['PHY'], alert_level: 'orange', incident_date: '2026-11-20', description: text,
            location: { region: 'ML03', cercle: 'ML0302', commune: 'ML030204', village: 'Marché' } },
        };
        return [id, JSON.stringify({ envelope: env, state: { state: 'queued' } })];
      });
      await idbPutMany(page, 'outbox', chunk);
    }
    await page.goto(server.url + '/outbox');
    await page.getByText('50 sur 5000').waitFor({ timeout: 120_000 });
    const { usage, quota } = await page.evaluate(() => navigator.storage.estimate());
    row('capacity: 5,000 incident reports (~2,300 chars) queued', `stored and listed; ${(usage / 1e6).toFixed(1)} MB used of ${(quota / 1e6).toFixed(0)} MB quota`);
    await ctx.close();
  }

  const paints = [];
  for (let r = 0; r < (want('paint') ? RUNS : 0); r++) {
    // First visit, 4× CPU: when the largest paint happens and how long the main thread is
    // blocked (long tasks over 50 ms, as Lighthouse's TBT counts them) until Home reacts.
    const ctx = await browser.newContext({ viewport: { width: 360, height: 640 } });
    await ctx.addInitScript(() => {
      window.__lcp = 0;
      window.__blocked = 0;
      new PerformanceObserver((l) => l.getEntries().forEach((e) => (window.__lcp = e.startTime))).observe({ type: 'largest-contentful-paint', buffered: true });
      new PerformanceObserver((l) => l.getEntries().forEach((e) => (window.__blocked += Math.max(0, e.duration - 50)))).observe({ type: 'longtask', buffered: true });
    });
    const page = await ctx.newPage();
    const cdp = await ctx.newCDPSession(page);
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
    await page.goto(server.url + '/');
    await page.getByTestId('pending').getByText('Tout est envoyé').waitFor();
    const [lcp, blocked, fcp] = await page.evaluate(() => [
      window.__lcp, window.__blocked, performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? NaN,
    ]);
    const ready = await page.evaluate(() => performance.now());
    paints.push({ lcp, blocked, fcp, ready });
    await ctx.close();
  }
  if (paints.length) {
    const m = (k) => median(paints.map((p) => p[k])).toFixed(0);
    row('first visit (loopback, 4× CPU): FCP / LCP / Home reacting, ms', `${m('fcp')} / ${m('lcp')} / ${m('ready')}`);
    row('  main thread blocked over 50 ms (TBT-like), ms', m('blocked'));
  }

  const starts = [];
  for (let r = 0; r < (want('start') ? RUNS : 0); r++) {
    const { ctx, page } = await phone({ seed: 0 });
    await waitForWorker(page);
    await ctx.setOffline(true);
    const start = Date.now();
    await page.goto(server.url + '/new/incident');
    await page.locator('.form-page .choice').first().waitFor();
    starts.push(Date.now() - start);
    await ctx.close();
  }
  if (starts.length) row('offline start to the incident form (4× CPU), ms', `median ${median(starts)}, max ${Math.max(...starts)}`);
} finally {
  await close();
  await server.stop();
}
