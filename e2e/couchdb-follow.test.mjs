// A CouchDB deployment's situation room: phones write to CouchDB (pouchdb-server here, in
// memory, on loopback) and the receiver follows its _changes feed into its own store, so
// that its cases and coordinator pages work. A receiver killed (SIGKILL) mid-feed resumes
// from its checkpoint and stores each record once; a CouchDB that goes away is shown on the
// page and followed again when it is back.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { startServer, ROOT } from './harness.mjs';

const COORD = 'e2e-follow-coordinator';
const DEVICE = 'e2e-follow-device';
const auth = { authorization: 'Basic ' + Buffer.from('c:' + COORD).toString('base64') };
const children = [];
after(() => children.forEach((c) => c.kill('SIGKILL')));

// On disk (a folder of the test), so that a restarted CouchDB keeps its databases.
async function startCouch(port, dir) {
  const child = spawn(join(ROOT, 'e2e/node_modules/.bin/pouchdb-server'), ['--dir', dir, '--host', '127.0.0.1', '--port', String(port)], {
    stdio: 'ignore',
      cwd: dir,
  });
  children.push(child);
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(url + '/')).ok) return { child, url };
    } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('pouchdb-server did not start');
}

const record = (level, commune) => {
  const id = randomUUID();
  return {
    _id: id, id, kind: 'incident', form_id: 'incident', form_version: '2',
    created_at: Date.now(), updated_at: Date.now(), device_id: 'phone-couch', author: { name: 'Awa', role: '' },
    payload: { alert_level: level, category: ['PHY-02'], location: { region: commune.slice(0, 4), cercle: commune.slice(0, 6), commune } },
    schema_version: 2,
  };
};

async function bulk(url, db, docs) {
  const res = await fetch(`${url}/${db}/_bulk_docs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ docs }) });
  assert.equal(res.status, 201);
}

async function until(what, check, ms = 20_000) {
  const end = Date.now() + ms;
  for (;;) {
    const got = await check();
    if (got) return got;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

async function storedIds(server) {
  const res = await fetch(server.url + '/api/submissions', { headers: { authorization: `Bearer ${DEVICE}` } });
  return (await res.json()).ids;
}

test('records and plans written to CouchDB reach the situation room once, through a SIGKILL and an outage', async () => {
  const port = 20000 + Math.floor(Math.random() * 20000);
  const couchDir = mkdtempSync(join(tmpdir(), 'vigie-couch-'));
  let couch = await startCouch(port, couchDir);
  for (const db of ['vigie', 'vigie-plans']) assert.equal((await fetch(`${couch.url}/${db}`, { method: 'PUT' })).status, 201);
  const data = mkdtempSync(join(tmpdir(), 'vigie-follow-'));
  const args = ['--data-dir', data, '--token', DEVICE, '--coordinator-token', COORD, '--follow-couchdb', couch.url, '--couchdb-db', 'vigie'];

  const first = Array.from({ length: 300 }, (_, i) => record(i % 50 === 0 ? 'rouge' : 'jaune', 'ML030201'));
  await bulk(couch.url, 'vigie', first);
  const plan = { _id: '6b1f3c2a-1d4e-4f5a-9b8c-7d6e5f4a3b2c', id: '6b1f3c2a-1d4e-4f5a-9b8c-7d6e5f4a3b2c', kind: 'plan_communal', commune: 'ML030201',
    lists: { header: { plan: { fields: { name: { value: 'Plan de Diou (CouchDB)', at: 1, by: 'A' } } } } } };
  await bulk(couch.url, 'vigie-plans', [plan]);

  let server = await startServer(undefined, args);
  // Killed while the feed is being read: some records in, not all.
  await until('the first records', async () => (await storedIds(server)).length > 0, 20_000);
  process.kill(server.pid, 'SIGKILL');
  const second = Array.from({ length: 50 }, () => record('orange', 'ML050101'));
  await bulk(couch.url, 'vigie', second);

  server = await startServer(undefined, args);
  const all = [...first, ...second].map((d) => d.id).sort();
  const stored = await until('every record', async () => {
    const ids = await storedIds(server);
    return ids.length >= all.length ? ids : null;
  }, 30_000);
  assert.deepEqual([...stored].sort(), all, 'each record stored once');

  const cases = await (await fetch(server.url + '/coord/cases', { headers: auth })).text();
  assert.match(cases, /data-case=/, 'the red alerts opened a case');
  assert.match(cases, /data-testid="couchdb-ok"/);
  const plans = await until('the plan', async () => {
    const page = await (await fetch(server.url + '/coord/plans', { headers: auth })).text();
    return page.includes('Plan de Diou (CouchDB)') ? page : null;
  });
  assert.ok(plans);

  // CouchDB goes away: the page says so, and the feed is followed again when it is back.
  couch.child.kill('SIGKILL');
  await until('the failure on the page', async () =>
    (await (await fetch(server.url + '/coord/cases', { headers: auth })).text()).includes('data-testid="couchdb-failing"'), 40_000);
  couch = await startCouch(port, couchDir);
  const late = record('rouge', 'ML040101');
  await bulk(couch.url, 'vigie', [late]);
  await until('the record after the outage', async () => (await storedIds(server)).includes(late.id), 90_000);
  await until('the failure line gone', async () =>
    (await (await fetch(server.url + '/coord/cases', { headers: auth })).text()).includes('data-testid="couchdb-ok"'), 20_000);
  await server.stop();
});
