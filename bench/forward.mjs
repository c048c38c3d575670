// Forwarding throughput on loopback: N records (default 10,000) posted to the receiver in
// batches of 200, forwarded to an OpenRosa server this script starts (it answers 201 at
// once, as ODK Central does for a new instance). Prints records per second from the first
// post until the OpenRosa server holds every instance, and how many it got twice.
//   node bench/forward.mjs [records=10000]
// Uses target/debug/vigie-server (VIGIE_SERVER_BIN to point at a release build).
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { startServer } from '../e2e/harness.mjs';

const RECORDS = Number(process.argv[2] ?? 10000);
const held = new Set();
let requests = 0;
let done;
const all = new Promise((ok) => { done = ok; });
const central = createServer((req, res) => {
  let body = '';
  req.on('data', (d) => { body += d; });
  req.on('end', () => {
    requests += 1;
    const id = /<instanceID>([^<]+)<\/instanceID>/.exec(body)?.[1];
    if (id) held.add(id);
    res.writeHead(id ? 201 : 400, { 'content-type': 'text/xml', 'x-openrosa-version': '1.0' });
    res.end('<OpenRosaResponse xmlns="http://openrosa.org/http/response"><message>full submission received</message></OpenRosaResponse>');
    if (held.size >= RECORDS) done();
  });
});
await new Promise((ok) => central.listen(0, '127.0.0.1', ok));
const url = `http://127.0.0.1:${central.address().port}/v1/key/bench/projects/1/submission`;

process.env.VIGIE_TEST_LIFETIME_SECS ??= '1800';
const server = await startServer(undefined, ['--token', 'bench-device', '--max-records-per-hour', '100000000', '--forward', `openrosa:${url}`]);
const record = (n) => ({
  id: randomUUID(), kind: 'incident', form_id: 'incident', form_version: '2',
  created_at: Date.now(), updated_at: Date.now(), device_id: 'bench', author: { name: 'Bench', role: '' },
  // Green reports: no case grows here, so the figure is forwarding's (cases: bench/situation.mjs).
  payload: { alert_level: 'vert', category: ['PHY'], description: 'x'.repeat(200),
    location: { region: 'ML03', cercle: 'ML0302', commune: 'ML030201' } },
  schema_version: 2,
});
try {
  const start = performance.now();
  let posted = 0;
  for (let done = 0; done < RECORDS; done += 200) {
    const records = Array.from({ length: Math.min(200, RECORDS - done) }, (_, i) => record(done + i));
    const res = await fetch(server.url + '/api/submissions/batch', {
      method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer bench-device' },
      body: JSON.stringify({ records }),
    });
    if (!res.ok) throw new Error(`batch: ${res.status}`);
    posted += records.length;
  }
  const stored = performance.now();
  await Promise.race([all, new Promise((_, fail) => setTimeout(() => fail(new Error(`only ${held.size} of ${RECORDS} forwarded`)), 1_200_000))]);
  const end = performance.now();
  console.log(`records: ${posted} stored in ${((stored - start) / 1000).toFixed(1)} s, all forwarded after ${((end - start) / 1000).toFixed(1)} s`);
  console.log(`forwarding throughput: ${(RECORDS / ((end - start) / 1000)).toFixed(0)} records/s (loopback), requests: ${requests}, instances: ${held.size}`);
} finally {
  await server.stop();
  // The receiver's kept-alive connections would hold the process open.
  central.closeAllConnections();
  central.close();
}
process.exit(0);
