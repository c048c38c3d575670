// The situation room's figures: how long from a red record's receipt to its case on an
// open coordinator page (server-sent events) and to a webhook recipient (a loopback sink
// this script starts), median of 20, and the open cases list's server time over a store
// of many records and cases.
//   node bench/cases.mjs [records=100000] [cases-share=0.05]
// NO_RULES=1 runs the same with an empty rules file: the receiver's speed without cases.
// Uses target/debug/vigie-server (VIGIE_SERVER_BIN to point at a release build).
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../e2e/harness.mjs';

const RECORDS = Number(process.argv[2] ?? 100000);
const SHARE = Number(process.argv[3] ?? 0.05);
const COORD = 'bench-coordinator';
const auth = { authorization: 'Basic ' + Buffer.from('c:' + COORD).toString('base64') };
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// The webhook sink: when each case's first notification arrived.
const hooks = new Map();
const waiters = new Map();
const sink = createServer((req, res) => {
  let body = '';
  req.on('data', (d) => { body += d; });
  req.on('end', () => {
    try {
      const id = JSON.parse(body).case.id;
      if (!hooks.has(id)) hooks.set(id, performance.now());
      waiters.get(id)?.();
    } catch { /* not ours */ }
    res.end();
  });
});
await new Promise((ok) => sink.listen(0, '127.0.0.1', ok));
const hookUrl = `http://127.0.0.1:${sink.address().port}/hook`;
const targets = join(mkdtempSync(join(tmpdir(), 'vigie-notify-')), 'targets.json');
writeFileSync(targets, JSON.stringify({ recipients: [{ name: 'Bench', webhook: hookUrl, secret_env: 'VIGIE_BENCH_HOOK' }] }));
const arrived = (id) => new Promise((ok) => {
  if (hooks.has(id)) return ok(hooks.get(id));
  waiters.set(id, () => ok(hooks.get(id)));
});

const extra = ['--notify', targets];
if (process.env.NO_RULES) {
  const file = join(mkdtempSync(join(tmpdir(), 'vigie-rules-')), 'none.json');
  writeFileSync(file, JSON.stringify({ format: 1, rules: [] }));
  extra.push('--alert-rules', file);
}
const server = await startServer(undefined, ['--token', 'bench-device', '--coordinator-token', COORD, '--max-records-per-hour', '100000000', ...extra], { VIGIE_BENCH_HOOK: 'bench-secret' });
const communes = Array.from({ length: 600 }, (_, i) => {
  const r = String(1 + (i % 9)).padStart(2, '0');
  const c = String(1 + (Math.floor(i / 9) % 8)).padStart(2, '0');
  const m = String(1 + Math.floor(i / 72)).padStart(2, '0');
  return `ML${r}${c}${m}`;
});
const record = (level, commune, category = 'PHY') => ({
  id: randomUUID(), kind: 'incident', form_id: 'incident', form_version: '2',
  created_at: Date.now(), updated_at: Date.now(), device_id: 'bench', author: { name: 'Bench', role: '' },
  payload: { alert_level: level, category: [category], location: { region: commune.slice(0, 4), cercle: commune.slice(0, 6), commune } },
  schema_version: 2,
});
async function post(path, body) {
  const res = await fetch(server.url + path, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer bench-device' }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return res;
}

try {
  const seedStart = Date.now();
  let serious = 0;
  for (let done = 0; done < RECORDS; done += 100) {
    const batch = [];
    for (let i = 0; i < Math.min(100, RECORDS - done); i++) {
      const n = done + i;
      const hot = (n * 2654435761) % 1000 < SHARE * 1000;
      if (hot) serious++;
      // Serious ones in many categories and communes: most open a case of their own.
      batch.push(record(hot ? (n % 3 ? 'orange' : 'rouge') : (n % 2 ? 'jaune' : 'vert'), communes[n % communes.length], hot ? `C${n % 97}` : 'PHY'));
    }
    await post('/api/submissions/batch', { records: batch });
  }
  const seedMs = Date.now() - seedStart;
  const listTimes = [];
  let cases = 0;
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    const res = await fetch(server.url + '/coord/cases', { headers: auth });
    const html = await res.text();
    listTimes.push(performance.now() - t);
    cases = (html.match(/data-case=/g) ?? []).length;
  }
  // Live: a red record's case on an open page.
  const stream = await fetch(server.url + '/coord/events', { headers: { ...auth, accept: 'text/event-stream' } });
  const reader = stream.body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  async function until(id) {
    for (;;) {
      const at = buffer.indexOf(id);
      if (at >= 0) { buffer = buffer.slice(at + id.length); return; }
      const { value, done } = await reader.read();
      if (done) throw new Error('stream ended');
      buffer += decoder.decode(value, { stream: true });
    }
  }
  const live = [];
  const hooked = [];
  for (let i = 0; i < (process.env.NO_RULES ? 0 : 20); i++) {
    const r = record('rouge', `ML1001${String(i).padStart(2, '0')}`, `LIVE${i}`);
    const t = performance.now();
    await post('/api/submissions', r);
    const receipt = performance.now();
    await until(`c-${r.id}`);
    live.push(performance.now() - receipt);
    hooked.push((await arrived(`c-${r.id}`)) - receipt);
    void t;
  }
  await reader.cancel();
  console.log(`records stored: ${RECORDS} (${serious} orange or red) in ${(seedMs / 1000).toFixed(1)} s, ${(RECORDS / (seedMs / 1000)).toFixed(0)} records/s`);
  console.log(`open cases listed: ${cases}`);
  console.log(`open cases page: median ${median(listTimes).toFixed(1)} ms (5 runs)`);
  if (live.length) console.log(`red record receipt to its case on an open page: median ${median(live).toFixed(1)} ms, max ${Math.max(...live).toFixed(1)} ms (20 runs, loopback)`);
  if (hooked.length) console.log(`red record receipt to the webhook: median ${median(hooked).toFixed(1)} ms, max ${Math.max(...hooked).toFixed(1)} ms (20 runs, loopback)`);
  console.log(`notifications received by the sink: ${hooks.size}`);
} finally {
  await server.stop();
  sink.close();
}
