// The CouchDB follower's speed: N record documents written to a CouchDB-compatible server
// (pouchdb-server, in memory, on loopback), then the receiver started with
// --follow-couchdb; how long until every record is in its store, and records per second.
//   node bench/follow.mjs [records=10000]
// Uses target/debug/vigie-server (VIGIE_SERVER_BIN to point at a release build).
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { startServer, ROOT } from '../e2e/harness.mjs';

const N = Number(process.argv[2] ?? 10000);
process.env.VIGIE_TEST_LIFETIME_SECS ??= '3600';
const port = 20000 + Math.floor(Math.random() * 20000);
const couch = spawn(join(ROOT, 'e2e/node_modules/.bin/pouchdb-server'), ['--in-memory', '--host', '127.0.0.1', '--port', String(port)], { stdio: 'ignore', cwd: join(ROOT, '.scratch') });
const url = `http://127.0.0.1:${port}`;
for (let i = 0; i < 100; i++) {
  try { if ((await fetch(url + '/')).ok) break; } catch { /* not up yet */ }
  await new Promise((r) => setTimeout(r, 100));
}
let server;
try {
  for (const db of ['vigie', 'vigie-plans']) await fetch(`${url}/${db}`, { method: 'PUT' });
  const communes = ['ML030201', 'ML050101', 'ML040101', 'ML020101'];
  for (let done = 0; done < N; done += 1000) {
    const docs = Array.from({ length: Math.min(1000, N - done) }, (_, i) => {
      const id = randomUUID();
      const n = done + i;
      const commune = communes[n % communes.length];
      return { _id: id, id, kind: 'incident', form_id: 'incident', form_version: '2', created_at: Date.now(), updated_at: Date.now(), device_id: 'bench', author: { name: 'B', role: '' },
        payload: { alert_level: n % 20 ? 'jaune' : 'rouge', category: ['PHY-01'], location: { region: commune.slice(0, 4), cercle: commune.slice(0, 6), commune } }, schema_version: 2 };
    });
    const res = await fetch(`${url}/vigie/_bulk_docs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ docs }) });
    if (res.status !== 201) throw new Error(`bulk: ${res.status}`);
  }
  const t = performance.now();
  server = await startServer(undefined, ['--token', 'bench-device', '--coordinator-token', 'c', '--follow-couchdb', url, '--couchdb-db', 'vigie']);
  for (;;) {
    const res = await fetch(server.url + '/api/submissions', { headers: { authorization: 'Bearer bench-device' } });
    const { count } = await res.json();
    if (count >= N) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  const s = (performance.now() - t) / 1000;
  console.log(`followed ${N} records from CouchDB in ${s.toFixed(1)} s: ${(N / s).toFixed(0)} records/s (start of the receiver included)`);
} finally {
  await server?.stop();
  couch.kill();
}
