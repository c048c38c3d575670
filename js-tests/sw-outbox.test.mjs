// The service worker's flush (public/sw-outbox.js), in the host tier (no build, no
// browser): replayed against the vectors the core writes from its own functions
// (core/tests/worker-vectors.json, by core/tests/worker_rules.rs) and against the shared
// table of protocol cases, so that a record delivered while the app is closed follows the
// page's rules exactly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

await import(join(ROOT, 'public/sw-outbox.js'));
const { classify, requestFor, delayMs, apply, upgrade, receiptKey, batches, isDue, sendingOrder, parseRetryAfter } = globalThis.VigieOutbox;

/** The table's short ids as the UUIDs the Rust test uses (Uuid::from_u128(0x5000 + byte)). */
const id = (s) => '00000000-0000-0000-0000-' + (0x5000 + s.charCodeAt(0)).toString(16).padStart(12, '0');

const table = JSON.parse(readFileSync(join(ROOT, 'core/tests/protocol-cases.json'), 'utf8'));

test('every case of the shared protocol table', () => {
  assert.ok(table.cases.length >= 20);
  for (const c of table.cases) {
    const backend = c.mode === 'couch_db' ? { mode: 'couch_db', base: 'http://127.0.0.1:5984', db: 'vigie' } : { mode: 'generic_json', base: 'http://127.0.0.1:8080/api' };
    const ids = c.ids.map(id);
    let result = c.result;
    if (result.body !== undefined) {
      let body = result.body;
      for (const s of [...c.ids, 'e']) body = body.replaceAll(`"${s}"`, `"${id(s)}"`);
      result = { status: result.status, body, retryAfter: result.retry_after ?? null };
    }
    const got = classify(backend, ids, result).map((o) => o.kind);
    assert.deepEqual(got, c.expect, c.name);
  }
});

test('requests carry credentials in headers and the id as Idempotency-Key', () => {
  const env = { id: id('a'), payload: {} };
  const one = requestFor({ mode: 'generic_json', base: 'https://v.example/api', token: 't' }, [env]);
  assert.equal(one.url, 'https://v.example/api/submissions');
  assert.equal(one.headers.Authorization, 'Bearer t');
  assert.equal(one.headers['Idempotency-Key'], env.id);
  const two = requestFor({ mode: 'generic_json', base: 'https://v.example/api' }, [env, { ...env, id: id('b') }]);
  assert.equal(two.url, 'https://v.example/api/submissions/batch');
  assert.equal(JSON.parse(two.body).records.length, 2);
  const couch = requestFor({ mode: 'couch_db', base: 'https://c.example', db: 'vigie', user: 'u', password: 'p' }, [env]);
  assert.equal(couch.url, 'https://c.example/vigie/_bulk_docs');
  assert.equal(couch.headers.Authorization, 'Basic dTpw');
  assert.equal(JSON.parse(couch.body).docs[0]._id, env.id);
  assert.equal(requestFor({ mode: 'none' }, [env]), null);
});

test('backoff is the core\'s: full jitter, capped at 5 min, Retry-After up to an hour', () => {
  assert.equal(delayMs(1, 1, null), 2000);
  assert.equal(delayMs(3, 1, null), 8000);
  assert.equal(delayMs(30, 1, null), 300000);
  assert.equal(delayMs(3, 0, null), 0);
  assert.equal(delayMs(1, 0, 30000), 30000);
  assert.equal(delayMs(1, 0, 86400000), 3600000);
});

test('states change as the core changes them, and a receipt purges the payload', () => {
  const entry = { envelope: { id: id('a'), author: { name: 'Awa', role: 'observatrice' }, device_id: 'tel-12', payload: { texte: 'Tension au marché de Kadiolo, deux blessés' } }, state: { state: 'queued' } };
  const done = apply(entry, { kind: 'delivered', status: 201, server: 'x'.repeat(500) }, 7, 0.5);
  assert.deepEqual(done.state, { state: 'delivered', at: 7, status: 201, server: done.state.server });
  assert.equal(done.envelope.payload, null);
  // An alert keeps its level and commune, as the core's receipt_summary keeps them.
  const alert = apply({ ...entry, envelope: { ...entry.envelope, payload: { alert_level: 'rouge', description: 'Deux blessés',
    location: { region: 'ML03', cercle: 'ML0302', commune: 'ML030204', village: 'Marché' } } } },
  { kind: 'delivered', status: 201, server: '' }, 7, 0.5);
  assert.deepEqual(alert.envelope.payload, { alert_level: 'rouge', location: { region: 'ML03', cercle: 'ML0302', commune: 'ML030204' } });
  assert.equal(apply({ ...entry, discreet: true, envelope: { ...entry.envelope, payload: { alert_level: 'rouge' } } },
    { kind: 'delivered', status: 201, server: '' }, 7, 0.5).envelope.payload, null, 'a discreet receipt keeps none of it');
  assert.deepEqual([done.envelope.author, done.envelope.device_id], [{ name: '', role: '' }, ''], 'nor who wrote it');
  assert.ok(JSON.stringify(done).length <= JSON.stringify(entry).length, 'a receipt takes no more room');
  const wait = apply({ ...entry, state: { state: 'retry_wait', attempts: 2, next_attempt_at: 0, last_error: { kind: 'timeout' } } },
    { kind: 'retry', reason: { kind: 'server', status: 503 }, retryAfterMs: null }, 1000, 1);
  assert.deepEqual(wait.state, { state: 'retry_wait', next_attempt_at: 1000 + 8000, attempts: 3, last_error: { kind: 'server', status: 503 } });
  assert.deepEqual(apply(entry, { kind: 'needs_auth', status: 401 }, 1, 0).state, { state: 'needs_auth', status: 401, attempts: 1 });
  assert.deepEqual(apply(entry, { kind: 'rejected', status: 400, reason: 'r' }, 1, 0).state, { state: 'rejected', status: 400, reason: 'r' });
  assert.deepEqual(
    upgrade({ id: 'x', form_id: 'incident', form_version: '2', created_at: 7, device_id: 'd', author: 'Moussa', payload: {} }),
    { id: 'x', kind: 'incident', form_id: 'incident', form_version: '2', created_at: 7, updated_at: 7, device_id: 'd', author: { name: 'Moussa', role: '' }, payload: {}, schema_version: 2 }
  );
});

test('a discreet receipt keeps only the day, as the core keeps it', () => {
  // 2026-11-23 16:37:05 UTC, the same instant as core's a_discreet_receipt_keeps_only_the_day.
  const at = 1795451825000;
  const envelope = { id: id('a'), kind: 'report', form_id: 'incident', form_version: '2', created_at: at, updated_at: at + 60000,
    author: { name: 'Awa', role: '' }, device_id: 'tel-12', payload: { category: ['VBG'] } };
  const done = apply({ envelope, state: { state: 'queued' }, discreet: true, urgent: true },
    { kind: 'delivered', status: 201, server: '{"received_at": 1795455548000}' }, at + 3723456, 0.5);
  assert.equal(done.discreet, undefined, 'no flag says it was discreet');
  assert.equal(done.urgent, undefined, 'nor urgent');
  assert.deepEqual([done.state.at, done.state.server], [1795392000000, ''], 'the day only, no server text');
  assert.deepEqual([done.envelope.kind, done.envelope.form_id, done.envelope.form_version], ['', '', '']);
  assert.deepEqual([done.envelope.created_at, done.envelope.updated_at], [1795392000000, 1795392000000]);
  const plain = apply({ envelope, state: { state: 'queued' } }, { kind: 'delivered', status: 201, server: '' }, 9, 0.5);
  assert.deepEqual([plain.envelope.form_id, plain.envelope.created_at], ['incident', at]);
  const waiting = apply({ envelope, state: { state: 'queued' }, discreet: true }, { kind: 'needs_auth', status: 401 }, 9, 0.5);
  assert.deepEqual([waiting.discreet, waiting.envelope], [true, envelope], 'nothing is dropped before delivery');
});

test('receipt keys sort newest first, as the core builds them', () => {
  // The same values as core's receipt_keys_sort_newest_first.
  const e = (at) => ({ envelope: { id: '00000000-0000-0000-0000-000000000007', created_at: at } });
  assert.equal(receiptKey(e(1795451825000)), '998204548174999-00000000-0000-0000-0000-000000000007');
  assert.ok(receiptKey(e(1795451825001)) < receiptKey(e(1795451825000)));
  assert.equal(receiptKey(e(-5)), '999999999999999-00000000-0000-0000-0000-000000000007');
});

// ---- The core's vectors ----

const vectors = JSON.parse(readFileSync(join(ROOT, 'core/tests/worker-vectors.json'), 'utf8'));

/** A backend as the page stores it (serde's form of core::backend::Backend). */
const backendOf = (b) => b;

test('every answer is read as the core reads it, to the last field', () => {
  assert.ok(vectors.classify.length >= 30);
  for (const v of vectors.classify) {
    assert.deepEqual(classify(backendOf(v.backend), v.ids, v.result), v.outcomes, v.name);
  }
});

test('Retry-After is read as the core reads it', () => {
  for (const v of vectors.retryAfter) assert.equal(parseRetryAfter(v.header), v.ms, JSON.stringify(v.header));
});

test('retry delays are the core\'s for every attempt, draw and Retry-After', () => {
  for (const v of vectors.delay) {
    assert.equal(delayMs(v.attempts, v.jitter, v.retryAfterMs), v.ms, JSON.stringify(v));
  }
});

test('records are batched as the core batches them (count and UTF-8 bytes)', () => {
  for (const v of vectors.batches) {
    const entries = [];
    for (const g of v.groups) {
      for (let i = 0; i < g.count; i++) {
        const n = entries.length;
        const envelope = structuredClone(v.template);
        envelope.id = '00000000-0000-0000-0000-' + (0x7000 + n).toString(16).padStart(12, '0');
        envelope.created_at = envelope.updated_at = 1000 + n;
        envelope.payload.texte = g.char.repeat(g.repeat);
        entries.push({ envelope, state: { state: 'queued' } });
      }
    }
    assert.deepEqual(batches(entries).map((b) => b.length), v.batchSizes, v.name);
  }
});

test('what is due is the core\'s', () => {
  for (const v of vectors.due) assert.equal(isDue(v.state, v.now), v.due, JSON.stringify(v.state));
});

test('due records are sent in the core\'s order: urgent, then oldest, then by id', () => {
  const got = sendingOrder(structuredClone(vectors.order.entries)).map((e) => e.envelope.id);
  assert.deepEqual(got, vectors.order.order);
});

test('every outcome changes a record as the core changes it, receipts included', () => {
  assert.ok(vectors.apply.length >= 20);
  for (const v of vectors.apply) {
    const got = apply(structuredClone(v.entry), v.outcome, v.now, v.jitter);
    assert.deepEqual(got, v.next, `${v.outcome.kind} from ${v.entry.state.state}, discreet ${v.entry.discreet === true}`);
  }
});

test('requests are the core\'s: URL, headers and body', () => {
  for (const v of vectors.request) {
    const got = requestFor(backendOf(v.backend), v.envelopes);
    assert.deepEqual(got && { ...got, body: JSON.parse(got.body) }, v.request && { ...v.request, body: JSON.parse(v.request.body) },
      `${v.backend.mode} × ${v.envelopes.length}`);
  }
});

test('receipt keys and upgraded envelopes are the core\'s', () => {
  for (const v of vectors.receiptKey) {
    assert.equal(receiptKey({ envelope: { id: v.id, created_at: v.createdAt } }), v.key, String(v.createdAt));
  }
  for (const v of vectors.upgrade) assert.deepEqual(upgrade(v.old), v.envelope);
});
