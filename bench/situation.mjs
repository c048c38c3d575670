// The situation room's pages over a large store: server time of each coordinator page
// (median of 10, loopback) and the server's memory (VmRSS) before and after, with N
// records (default 100,000; 5 % orange or red, many opening cases) and P action plans.
//   node bench/situation.mjs [records=100000] [plans=200]
// VIGIE_BENCH_DATA=<folder> keeps the store there and reuses it when a run with the same
// figures seeded it already (a million records take a while to send).
// Uses target/debug/vigie-server (VIGIE_SERVER_BIN to point at a release build).
// Figures, not tests: this machine is shared and noisy.
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer } from '../e2e/harness.mjs';

// Seeding a large store takes longer than a test server's default lifetime.
process.env.VIGIE_TEST_LIFETIME_SECS ??= '3600';

const RECORDS = Number(process.argv[2] ?? 100000);
const PLANS = Number(process.argv[3] ?? 200);
const COORD = 'bench-coordinator';
const auth = { authorization: 'Basic ' + Buffer.from('c:' + COORD).toString('base64') };
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const rss = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;

const KEPT = process.env.VIGIE_BENCH_DATA;
const marker = KEPT && join(KEPT, `seeded-${RECORDS}-${PLANS}`);
const reuse = marker && existsSync(marker);
const server = await startServer(undefined, ['--token', 'bench-device', '--coordinator-token', COORD, '--max-records-per-hour', '100000000', ...(KEPT ? ['--data-dir', KEPT] : [])]);
const communes = Array.from({ length: 600 }, (_, i) => {
  const r = String(1 + (i % 9)).padStart(2, '0');
  const c = String(1 + (Math.floor(i / 9) % 8)).padStart(2, '0');
  const m = String(1 + Math.floor(i / 72)).padStart(2, '0');
  return `ML${r}${c}${m}`;
});
const day = 86_400_000;
const record = (n) => {
  const hot = (n * 2654435761) % 1000 < 50;
  const commune = communes[n % communes.length];
  return {
    id: randomUUID(), kind: 'incident', form_id: 'incident', form_version: '2',
    created_at: Date.now() - (n % 84) * day, updated_at: Date.now(), device_id: 'bench', author: { name: 'Bench', role: '' },
    payload: { alert_level: hot ? (n % 3 ? 'orange' : 'rouge') : (n % 2 ? 'jaune' : 'vert'), category: [hot ? `C${n % 97}-01` : 'PHY-01'],
      electoral_phase: ['PRE-CAM', 'JOUR', 'POST-RES'][n % 3], description: 'x'.repeat(200),
      location: { region: commune.slice(0, 4), cercle: commune.slice(0, 6), commune } },
    schema_version: 2,
  };
};
async function call(method, path, body) {
  const res = await fetch(server.url + path, { method, headers: { 'content-type': 'application/json', authorization: 'Bearer bench-device' }, body: JSON.stringify(body) });
  if (!res.ok && res.status !== 409) throw new Error(`${path}: ${res.status} ${await res.text()}`);
}
async function time(path) {
  const times = [];
  let bytes = 0;
  for (let i = 0; i < 10; i++) {
    const t = performance.now();
    const res = await fetch(server.url + path, { headers: auth });
    bytes = (await res.text()).length;
    if (!res.ok) throw new Error(`${path}: ${res.status}`);
    times.push(performance.now() - t);
  }
  return { path, median: median(times), bytes };
}

try {
  const before = rss(server.pid);
  const seedStart = Date.now();
  for (let done = 0; !reuse && done < RECORDS; done += 200) {
    const batch = [];
    for (let i = done; i < Math.min(done + 200, RECORDS); i++) batch.push(record(i));
    await call('POST', '/api/submissions/batch', { records: batch });
  }
  const seedMs = Date.now() - seedStart;
  for (let p = 0; !reuse && p < PLANS; p++) {
    const id = randomUUID();
    const f = (v) => ({ value: v, at: 1, by: 'A' });
    const activities = Object.fromEntries(Array.from({ length: 20 }, (_, a) => [`a${a}`, { fields: { status: f(a % 2 ? 'realisee' : 'en_cours'), execution: f(a * 5), description: f('y'.repeat(400)) } }]));
    const plan = { id, kind: 'plan_communal', commune: communes[p % communes.length], lists: { header: { plan: { fields: { name: f(`Plan ${p}`) } } }, activities } };
    await call('PUT', `/api/plans/${id}`, { base_rev: null, plan, device_id: 'bench', author: { name: 'Bench' } });
  }
  if (marker && !reuse) writeFileSync(marker, '');
  const seeded = rss(server.pid);
  const pages = [];
  for (const path of ['/coord/', '/coord/?region=ML03', '/coord/cases', '/coord/map', '/coord/map?show=reports&region=ML03', '/coord/indicators', '/coord/report', '/coord/plans']) {
    pages.push(await time(path));
  }
  const after = rss(server.pid);
  const cases = await (await fetch(server.url + '/coord/cases', { headers: auth })).text();
  const open = /data-testid="case-counts"[^>]*>\s*(\d+)/.exec(cases)?.[1] ?? '?';
  console.log(reuse
    ? `store reused (${RECORDS} records, ${PLANS} plans), open cases: ${open}`
    : `records stored: ${RECORDS} in ${(seedMs / 1000).toFixed(1)} s (${(RECORDS / (seedMs / 1000)).toFixed(0)} records/s), plans: ${PLANS}, open cases: ${open}`);
  for (const p of pages) console.log(`${p.path.padEnd(40)} median ${p.median.toFixed(1).padStart(7)} ms  ${(p.bytes / 1024).toFixed(0).padStart(5)} KB`);
  console.log(`server memory (VmRSS): ${before.toFixed(0)} MB at start, ${seeded.toFixed(0)} MB seeded, ${after.toFixed(0)} MB after the pages`);
} finally {
  await server.stop();
}
