// Lighthouse's mobile performance audit (its default: simulated slow 4G and 4x CPU) of Home
// and the incident form, served by the embedded receiver from dist/, in Debian's headless
// Chromium: a first visit (nothing cached), then a repeat visit in the same browser (from the
// service worker). Prints each run's score and the medians of the metrics behind it.
//   node bench/lighthouse/run.mjs [runs=3]
import lighthouse from 'lighthouse';
import * as chromeLauncher from 'chrome-launcher';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../../e2e/harness.mjs';

const RUNS = Number(process.argv[2] || 3);
const PAGES = [
  ['Home', '/'],
  ['incident form', '/new/incident'],
];
const METRICS = [
  ['first-contentful-paint', 'FCP'],
  ['largest-contentful-paint', 'LCP'],
  ['total-blocking-time', 'TBT'],
  ['speed-index', 'SI'],
  ['cumulative-layout-shift', 'CLS'],
];
const VISITS = ['first visit', 'repeat visit'];
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// DIST=path audits another build (default: dist/).
const server = await startServer(process.env.DIST);
const profile = mkdtempSync(join(tmpdir(), 'vigie-lighthouse-'));
try {
  for (const [name, path] of PAGES) {
    const runs = [];
    for (let r = 0; r < RUNS; r++) {
      // A new browser each run: a first visit, nothing cached, no service worker yet.
      const chrome = await chromeLauncher.launch({
        chromePath: process.env.CHROMIUM_BIN || '/usr/bin/chromium',
        userDataDir: mkdtempSync(join(profile, 'run-')),
        chromeFlags: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
          '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-dev-shm-usage'],
      });
      try {
        // The first visit, then the same page again with what it stored kept: served by
        // the service worker, as a monitor opens the app every day.
        for (const visit of VISITS) {
          const { lhr } = await lighthouse(server.url + path, {
            port: chrome.port,
            output: 'json',
            logLevel: 'error',
            onlyCategories: ['performance'],
            disableStorageReset: visit === 'repeat visit',
          });
          runs.push([visit, lhr]);
          const m = Object.fromEntries(METRICS.map(([id, short]) => [short, lhr.audits[id].numericValue]));
          console.log(`${name}, ${visit}, run ${r + 1}: score ${Math.round(lhr.categories.performance.score * 100)}, `
            + METRICS.map(([, s]) => `${s} ${s === 'CLS' ? m[s].toFixed(3) : Math.round(m[s])}`).join(', '));
        }
      } finally {
        await chrome.kill();
      }
    }
    for (const visit of VISITS) {
      const these = runs.filter(([v]) => v === visit).map(([, l]) => l);
      const score = median(these.map((l) => l.categories.performance.score * 100));
      const parts = METRICS.map(([id, s]) => {
        const v = median(these.map((l) => l.audits[id].numericValue));
        return `${s} ${s === 'CLS' ? v.toFixed(3) : `${Math.round(v)} ms`}`;
      });
      console.log(`${`Lighthouse mobile, ${name}, ${visit} (median of ${RUNS})`.padEnd(58)} score ${Math.round(score)}; ${parts.join(', ')}`);
    }
  }
} finally {
  await server.stop();
  rmSync(profile, { recursive: true, force: true });
}
