// Compares Vigie's wasm + JS glue with the size floor (bench/floor: the same stack and build
// settings with no features), so the framework's share of the first load is a measured figure.
//   node scripts/bench-floor.mjs <floor-bindgen-dir> [dist]
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, constants } from 'node:zlib';

const [floorDir, dist = 'dist'] = process.argv.slice(2);
const br = (path) =>
  brotliCompressSync(readFileSync(path), { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
// The wasm and its JS glue: what the two builds have in common (no shell, CSS or icons).
const code = (dir) =>
  readdirSync(dir)
    .filter((f) => f.endsWith('_bg.wasm') || (f.endsWith('.js') && !f.startsWith('boot') && f !== 'sw.js'))
    .reduce((sum, f) => sum + br(join(dir, f)), 0);
const floor = code(floorDir);
const vigie = code(dist);
const kb = (n) => (n / 1000).toFixed(1).padStart(7);
console.log(`floor (leptos csr + router, gloo-storage, serde), wasm + glue: ${kb(floor)} KB brotli`);
console.log(`vigie, wasm + glue:                                         ${kb(vigie)} KB brotli`);
console.log(`vigie's own code on top of the floor:                       ${kb(vigie - floor)} KB brotli (${(vigie / floor).toFixed(2)}x the floor)`);
