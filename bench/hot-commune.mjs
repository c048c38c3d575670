// A busy commune on an election day: N orange reports of one incident category in one
// commune, sent by phones in batches of 200, all joining one case. Prints records per
// second for each fifth of the run (storing must not slow as the case grows), the case's
// report count, and the lines of its history.
//   node bench/hot-commune.mjs [records=5000]
// Uses target/debug/vigie-server (VIGIE_SERVER_BIN to point at a release build).
import { randomUUID } from 'node:crypto';
import { startServer } from '../e2e/harness.mjs';

const RECORDS = Number(process.argv[2] ?? 5000);
const COORD = 'bench-coordinator';
const auth = { authorization: 'Basic ' + Buffer.from('c:' + COORD).toString('base64') };
const server = await startServer(undefined, ['--token', 'bench-device', '--coordinator-token', COORD, '--max-records-per-hour', '100000000']);
const record = () => ({
  id: randomUUID(), kind: 'incident', form_id: 'incident', form_version: '2',
  created_at: Date.now(), updated_at: Date.now(), device_id: 'bench', author: { name: 'Bench', role: '' },
  payload: { alert_level: 'orange', category: ['PHY-01'], electoral_phase: 'JOUR', description: 'x'.repeat(200),
    location: { region: 'ML03', cercle: 'ML0302', commune: 'ML030201' } },
  schema_version: 2,
});

try {
  const fifth = Math.max(200, Math.round(RECORDS / 5 / 200) * 200);
  let start = performance.now();
  const rates = [];
  for (let done = 0; done < RECORDS; done += 200) {
    const records = Array.from({ length: Math.min(200, RECORDS - done) }, record);
    const res = await fetch(server.url + '/api/submissions/batch', {
      method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer bench-device' },
      body: JSON.stringify({ records }),
    });
    if (!res.ok) throw new Error(`batch: ${res.status} ${await res.text()}`);
    if ((done + records.length) % fifth === 0 || done + records.length >= RECORDS) {
      const now = performance.now();
      rates.push(`${done + records.length}: ${Math.round(((done + records.length) % fifth || fifth) / ((now - start) / 1000))}/s`);
      start = now;
    }
  }
  const list = await (await fetch(server.url + '/coord/cases', { headers: auth })).text();
  const id = /data-case="([^"]+)"/.exec(list)?.[1];
  const page = id ? await (await fetch(`${server.url}/coord/cases/${id}`, { headers: auth })).text() : '';
  const history = page.slice(page.indexOf('case-history'));
  console.log(`hot commune, ${RECORDS} orange reports in batches of 200: records/s by fifth ${rates.join(', ')}`);
  console.log(`open cases: ${(list.match(/data-case=/g) ?? []).length}; ${/(\d+) rapport\(s\)/.exec(list)?.[1]} reports in the first; its history: ${(history.match(/<li>/g) ?? []).length} line(s), page ${page.length} bytes`);
} finally {
  await server.stop();
}
