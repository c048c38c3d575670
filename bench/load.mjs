// Benchmark (figures, not a test): many devices sending to the embedded receiver at once on
// loopback. Each device sends its records one by one with a short client timeout and
// retries with backoff; one send in ten is replayed as if its receipt had been lost. Prints
// records/s, latency percentiles and checks the stored row count is exactly right.
//   node bench/load.mjs [devices=20] [records-per-device=100]
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { startServer } from '../e2e/harness.mjs';

const DEVICES = Number(process.argv[2] || 20);
const PER_DEVICE = Number(process.argv[3] || 100);
const TOKEN = 'load-token';
const MAX_ATTEMPTS = 8;
const server = await startServer(undefined, ['--token', TOKEN]);
const headers = { 'Content-Type': 'application/json', Authorization: `Bearer ${TOKEN}` };
const latencies = [];
let retries = 0;
let replays = 0;

async function send(record) {
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const t0 = performance.now();
    try {
      const res = await fetch(`${server.url}/api/submissions`, {
        method: 'POST',
        headers: { ...headers, 'Idempotency-Key': record.id },
        body: JSON.stringify(record),
        signal: AbortSignal.timeout(10_000),
      });
      const body = await res.json();
      latencies.push(performance.now() - t0);
      if (res.status === 201 && body.id === record.id) return;
      throw new Error(`status ${res.status}`);
    } catch {
      retries++;
      await new Promise((ok) => setTimeout(ok, Math.random() * 50 * 2 ** attempt));
    }
  }
  throw new Error(`record ${record.id} not delivered after ${MAX_ATTEMPTS} attempts`);
}

async function device(n) {
  for (let i = 0; i < PER_DEVICE; i++) {
    const now = Date.now();
    const record = {
      id: randomUUID(), kind: 'report', form_id: 'incident', form_version: '1',
      created_at: now, updated_at: now, device_id: `load-${n}`,
      author: { name: `Moniteur ${n}`, role: 'moniteur' },
      payload: { alert_level: ['vert', 'jaune', 'orange', 'rouge'][i % 4], description: `Rapport ${i} de l'appareil ${n} — tension signalée`, location: { region: 'ML04' } },
      schema_version: 2,
    };
    await send(record);
    if (Math.random() < 0.1) {
      replays++;
      await send(record); // the receipt "was lost": the same record again
    }
  }
}

const start = performance.now();
try {
  await Promise.all(Array.from({ length: DEVICES }, (_, n) => device(n)));
  const seconds = (performance.now() - start) / 1000;
  const res = await fetch(`${server.url}/api/submissions`, { headers });
  const { count } = await res.json();
  latencies.sort((a, b) => a - b);
  const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))].toFixed(1);
  const expected = DEVICES * PER_DEVICE;
  console.log(`devices ${DEVICES} × records ${PER_DEVICE} = ${expected} records, ${replays} replays, ${retries} retries`);
  console.log(`wall ${seconds.toFixed(2)} s, ${(expected / seconds).toFixed(0)} records/s, ${latencies.length} requests`);
  console.log(`latency ms: p50 ${pct(50)}, p95 ${pct(95)}, p99 ${pct(99)}, max ${latencies.at(-1).toFixed(1)}`);
  // Peak resident memory of the receiver process over the whole run (Linux).
  const status = await readFile(`/proc/${server.pid}/status`, 'utf8').catch(() => '');
  const peak = status.match(/^VmHWM:\s+(\d+) kB/m);
  console.log(`receiver peak memory (VmHWM): ${peak ? (Number(peak[1]) / 1000).toFixed(1) + ' MB' : 'unknown'}`);
  console.log(`rows stored ${count} (expected ${expected}) ${count === expected ? 'OK' : 'WRONG'}`);
  if (count !== expected) process.exitCode = 1;
} finally {
  await server.stop();
}
