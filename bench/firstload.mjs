// Benchmark (figures, not a test): how long a person waits for Vigie on a slow network, in
// headless Chromium with DevTools network emulation. For each profile: the first visit (empty
// cache, everything downloaded) and a later visit (service worker cache, which is also what
// opening it offline costs). Prints the median time until the first screen is painted (first
// contentful paint: index.html's static copy) and until the app runs (its connectivity badge), and the bytes that
// crossed the wire on the first visit (as the browser negotiated the encoding).
//   DIST=dist node bench/firstload.mjs [runs=3]
import { startServer, launchBrowser, waitForWorker } from '../e2e/harness.mjs';

const RUNS = Number(process.argv[2] || 3);
// Throughput in bytes/s, latency in ms: rough EDGE and 3G as field users see them.
const PROFILES = [
  { name: 'EDGE (240 kbit/s, 400 ms)', down: 30_000, up: 25_000, latency: 400 },
  { name: '3G (750 kbit/s, 200 ms)', down: 93_750, up: 50_000, latency: 200 },
];
const server = await startServer(process.env.DIST);
const { browser, close } = await launchBrowser();
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
try {
  for (const p of PROFILES) {
    const screen = [];
    const first = [];
    const later = [];
    let bytes = 0;
    for (let run = 0; run < RUNS; run++) {
      const ctx = await browser.newContext({ viewport: { width: 360, height: 640 } });
      const page = await ctx.newPage();
      const cdp = await ctx.newCDPSession(page);
      await cdp.send('Network.enable');
      await cdp.send('Network.emulateNetworkConditions', {
        offline: false, latency: p.latency, downloadThroughput: p.down, uploadThroughput: p.up,
      });
      let wire = 0;
      cdp.on('Network.loadingFinished', (e) => (wire += e.encodedDataLength));
      let t = Date.now();
      await page.goto(server.url + '/', { waitUntil: 'commit', timeout: 120_000 });
      await page.getByTestId('connectivity').waitFor({ timeout: 120_000 });
      first.push(Date.now() - t);
      screen.push(await page.evaluate(() => performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? NaN));
      bytes = wire;
      await waitForWorker(page);
      t = Date.now();
      await page.reload({ waitUntil: 'commit' });
      await page.getByTestId('connectivity').waitFor({ timeout: 120_000 });
      later.push(Date.now() - t);
      await ctx.close();
    }
    const s = (xs, d = 1) => `${(median(xs) / 1000).toFixed(d)} s`;
    console.log(`${p.name.padEnd(28)} first visit: first screen ${s(screen, 2)}, app ${s(first)} (${(bytes / 1000).toFixed(0)} KB on the wire)   later visits: app ${s(later, 2)}`);
  }
  console.log(`(median of ${RUNS} runs; loopback server, network emulated by Chromium)`);
} finally {
  await close();
  await server.stop();
}
