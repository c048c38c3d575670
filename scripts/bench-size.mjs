// Size report of a built dist/: raw, gzip (-9) and brotli (q11) bytes per file of the first
// load (what the service worker precaches, plus sw.js itself), and the total against a budget.
// Exits 1 when the brotli total is over budget.
//   node scripts/bench-size.mjs [dist] [budget-bytes]
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, gzipSync, constants } from 'node:zlib';

const dist = process.argv[2] || 'dist';
const budget = Number(process.argv[3] || 560000);
const sw = readFileSync(join(dist, 'sw.js'), 'utf8');
const m = sw.match(/const PRECACHE = (\[[^\]]*\]);/);
if (!m) {
  console.error('bench: no PRECACHE list in sw.js (was it built by trunk with the post-build hook?)');
  process.exit(2);
}
const files = [...JSON.parse(m[1]), '/sw.js'];
const rows = files.map((url) => {
  const raw = readFileSync(join(dist, url.slice(1)));
  return {
    url,
    raw: raw.length,
    gzip: gzipSync(raw, { level: 9 }).length,
    brotli: brotliCompressSync(raw, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
  };
});
const total = rows.reduce((t, r) => ({ raw: t.raw + r.raw, gzip: t.gzip + r.gzip, brotli: t.brotli + r.brotli }), { raw: 0, gzip: 0, brotli: 0 });
const pad = (s, n) => String(s).padStart(n);
console.log(`${'file'.padEnd(44)} ${pad('raw', 9)} ${pad('gzip', 9)} ${pad('brotli', 9)}`);
for (const r of rows) console.log(`${r.url.padEnd(44)} ${pad(r.raw, 9)} ${pad(r.gzip, 9)} ${pad(r.brotli, 9)}`);
console.log(`${'TOTAL first load'.padEnd(44)} ${pad(total.raw, 9)} ${pad(total.gzip, 9)} ${pad(total.brotli, 9)}`);
const pct = ((100 * total.brotli) / budget).toFixed(1);
if (total.brotli > budget) {
  console.error(`\nSIZE BUDGET EXCEEDED: ${total.brotli} B brotli > ${budget} B (${pct}%)`);
  process.exit(1);
}
console.log(`\nsize budget: ${total.brotli} B brotli of ${budget} B (${pct}%) — OK`);
