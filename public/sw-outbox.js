// The outbox flush of the service worker, for Background Sync: it delivers what is queued in
// IndexedDB while every page of the app is closed. Loaded by sw.js with importScripts.
//
// The page flushes with the Rust core (core/src/outbox); this file follows the same rules
// (docs/PROTOCOL.md): a record is delivered only on a receipt naming its id; 401/403 stop;
// other 4xx refuse; network errors, timeouts, 408, 429 and 5xx retry with the same capped
// backoff; nothing expires. Both are checked against one table of cases
// (core/tests/protocol-cases.json): by `cargo test` for the core, by node for this file.
// Page and worker never flush at once: both take the Web Lock `vigie-outbox-flush`.
'use strict';

(function (root) {
  const BATCH_SIZE = 100;
  const MAX_BATCH_BYTES = 256 * 1024;
  const BASE_MS = 2000;
  const CAP_MS = 300000;
  const MAX_RETRY_AFTER_MS = 3600000;
  const DEFAULT_TIMEOUT_MS = 45000;
  const MAX_SERVER_TEXT = 300;
  const MAX_RECEIPT_TEXT = 120;
  const DAY_MS = 86400000;
  // Receipt keys sort newest first: this constant minus the creation time, zero-padded.
  const RECEIPT_KEY_EPOCH = 999999999999999;
  const LOCK = 'vigie-outbox-flush';

  const CODE_STATUS = {
    invalid: 400, unauthorized: 401, forbidden: 403, not_found: 404, different_content: 409,
    conflict: 409, too_large: 413, rate_limited: 429, storage: 500, duplicate: 200,
  };

  function shorten(text) {
    const t = String(text).trim();
    const chars = Array.from(t);
    return chars.length > MAX_SERVER_TEXT ? chars.slice(0, MAX_SERVER_TEXT).join('') + '…' : t;
  }

  function parse(text) {
    try {
      return JSON.parse(text);
    } catch {
      return undefined;
    }
  }

  function isObject(v) {
    return v !== null && typeof v === 'object' && !Array.isArray(v);
  }

  /** The human reason in an error body: JSON reason/message/error, else the text. */
  function reasonOf(body) {
    const v = parse(body);
    if (isObject(v)) {
      for (const k of ['reason', 'message', 'error']) if (typeof v[k] === 'string') return shorten(v[k]);
    }
    return shorten(body);
  }

  /** One per-record result, as the core's ItemResult decodes it; null if malformed. */
  function decodeItem(v) {
    if (!isObject(v)) return null;
    const opt = (x, type) => x === undefined || x === null || typeof x === type;
    const okStatus = v.status === undefined || v.status === null || (Number.isInteger(v.status) && v.status >= 0 && v.status <= 65535);
    if (!opt(v.id, 'string') || !opt(v.ok, 'boolean') || !opt(v.rev, 'string') || !opt(v.error, 'string') || !opt(v.reason, 'string') || !okStatus) {
      return null;
    }
    return v;
  }

  function statusClass(s) {
    if (s >= 200 && s <= 299) return 'delivered';
    if (s === 401 || s === 403) return 'needs_auth';
    if (s === 408 || s === 429 || (s >= 500 && s <= 599)) return 'retry';
    if (s >= 400 && s <= 499) return 'rejected';
    return 'retry';
  }

  function codeClass(code, status) {
    if (code === 'duplicate' || code === 'conflict') return 'delivered';
    if (code === 'different_content') return 'rejected';
    if (code === 'unauthorized' || code === 'forbidden') return 'needs_auth';
    const c = statusClass(status ?? CODE_STATUS[code] ?? 400);
    return c === 'delivered' ? 'rejected' : c;
  }

  function itemClass(item) {
    if (typeof item.error === 'string') return codeClass(item.error, item.status ?? undefined);
    if (item.ok === true || typeof item.rev === 'string') return 'delivered';
    return null;
  }

  function itemOutcome(cls, item, status) {
    switch (cls) {
      case 'delivered':
        return typeof item.error === 'string'
          ? { kind: 'delivered', status: item.status ?? CODE_STATUS[item.error] ?? status, server: 'already stored' }
          : { kind: 'delivered', status, server: shorten(JSON.stringify(item)) };
      case 'retry':
        return { kind: 'retry', reason: { kind: 'server', status: item.status ?? 500 }, retryAfterMs: null };
      case 'needs_auth':
        return { kind: 'needs_auth', status: item.status === 401 ? 401 : 403 };
      default:
        return {
          kind: 'rejected',
          status: item.status ?? 400,
          reason: typeof item.reason === 'string' ? shorten(item.reason) : item.error ?? '',
        };
    }
  }

  function parseRetryAfter(v) {
    if (v === null || v === undefined) return null;
    const t = String(v).trim();
    return /^\d+$/.test(t) ? Number(t) * 1000 : null;
  }

  /** One outcome per id, from what came back: `{status, body, retryAfter}`, `{network}`, `{timeout}`. */
  function classify(backend, ids, result) {
    const all = (o) => ids.map(() => o);
    if (result.network !== undefined) return all({ kind: 'retry', reason: { kind: 'network', detail: shorten(result.network) }, retryAfterMs: null });
    if (result.timeout) return all({ kind: 'retry', reason: { kind: 'timeout' }, retryAfterMs: null });
    const { status, body = '' } = result;
    if (status === 409) {
      const v = parse(body);
      return isObject(v) && v.error === 'different_content'
        ? all({ kind: 'rejected', status: 409, reason: reasonOf(body) })
        : all({ kind: 'delivered', status: 409, server: 'already stored' });
    }
    switch (statusClass(status)) {
      case 'delivered':
        return receipts(backend, ids, status, body);
      case 'needs_auth':
        return all({ kind: 'needs_auth', status });
      case 'rejected':
        return all({ kind: 'rejected', status, reason: reasonOf(body) });
      default:
        return status >= 100 && status < 400
          ? all({ kind: 'retry', reason: { kind: 'not_a_receipt', status }, retryAfterMs: null })
          : all({ kind: 'retry', reason: { kind: 'server', status }, retryAfterMs: parseRetryAfter(result.retryAfter) });
    }
  }

  function receipts(backend, ids, status, body) {
    const notAReceipt = { kind: 'retry', reason: { kind: 'not_a_receipt', status }, retryAfterMs: null };
    const v = parse(body);
    const list = (arr) => {
      if (!Array.isArray(arr)) return null;
      const items = arr.map(decodeItem);
      return items.includes(null) ? null : items;
    };
    let items = null;
    let single = false;
    if (backend.mode === 'couch_db') items = list(v);
    else if (isObject(v) && v.results !== undefined) items = list(v.results);
    else if (ids.length === 1 && decodeItem(v)) {
      items = [v];
      single = true;
    }
    if (!items) return ids.map(() => notAReceipt);
    return ids.map((id) => {
      const item = items.find((i) => i.id === id);
      if (!item) return notAReceipt;
      const cls = itemClass(item);
      if (cls === null) return single ? { kind: 'delivered', status, server: shorten(body) } : notAReceipt;
      return itemOutcome(cls, item, status);
    });
  }

  function base64(text) {
    const bytes = new TextEncoder().encode(text);
    let bin = '';
    for (const b of bytes) bin += String.fromCharCode(b);
    return btoa(bin);
  }

  /** The request carrying `envelopes`, or null without a backend. */
  function requestFor(backend, envelopes) {
    const headers = { 'Content-Type': 'application/json' };
    if (backend.mode === 'generic_json') {
      if (backend.token) headers.Authorization = 'Bearer ' + backend.token;
      if (envelopes.length === 1) {
        headers['Idempotency-Key'] = envelopes[0].id;
        return { method: 'POST', url: backend.base + '/submissions', headers, body: JSON.stringify(envelopes[0]) };
      }
      return { method: 'POST', url: backend.base + '/submissions/batch', headers, body: JSON.stringify({ records: envelopes }) };
    }
    if (backend.mode === 'couch_db') {
      if (backend.user) headers.Authorization = 'Basic ' + base64(backend.user + ':' + (backend.password ?? ''));
      const docs = envelopes.map((e) => ({ ...e, _id: e.id }));
      return { method: 'POST', url: `${backend.base}/${backend.db}/_bulk_docs`, headers, body: JSON.stringify({ docs }) };
    }
    return null;
  }

  /** Full-jitter backoff, capped, with the server's Retry-After honoured up to an hour. */
  function delayMs(attempts, jitter, retryAfterMs) {
    const exp = Math.min(Math.max(attempts - 1, 0), 32);
    const ceiling = Math.min(BASE_MS * 2 ** exp, CAP_MS);
    const drawn = Math.floor(ceiling * Math.min(Math.max(Number.isFinite(jitter) ? jitter : 1, 0), 1));
    return retryAfterMs === null || retryAfterMs === undefined ? drawn : Math.max(drawn, Math.min(retryAfterMs, MAX_RETRY_AFTER_MS));
  }

  /** Schema 1 envelopes (an old build's records) are upgraded as the core does on read. */
  function upgrade(env) {
    if ((env.schema_version ?? 1) !== 1) return env;
    return {
      id: env.id, kind: env.form_id, form_id: env.form_id, form_version: env.form_version,
      created_at: env.created_at, updated_at: env.updated_at ?? env.created_at, device_id: env.device_id,
      author: { name: typeof env.author === 'string' ? env.author : '', role: '' }, payload: env.payload, schema_version: 2,
    };
  }

  /** What a receipt keeps of the answers: the alert level and each place's commune. */
  function receiptSummary(payload) {
    if (!payload || typeof payload !== 'object' || Array.isArray(payload)) return null;
    const kept = {};
    for (const [key, value] of Object.entries(payload)) {
      if (key === 'alert_level' && typeof value === 'string') kept[key] = value;
      else if (value && typeof value === 'object' && !Array.isArray(value) && 'region' in value) {
        const place = {};
        for (const part of ['region', 'cercle', 'commune', 'commune_other']) if (part in value) place[part] = value[part];
        kept[key] = place;
      }
    }
    return Object.keys(kept).length ? kept : null;
  }

  /** The entry after `outcome` of an attempt that was its `attempts`-th. */
  function apply(entry, outcome, now, jitter) {
    const attempts = entry.state.attempts ?? 0;
    const next = { ...entry };
    switch (outcome.kind) {
      case 'delivered': {
        const server = Array.from(outcome.server).slice(0, MAX_RECEIPT_TEXT).join('');
        const before = JSON.stringify(entry).length;
        // Sent records leave the phone: only what "Mes rapports" shows stays (level and
        // commune, as `receipt_summary` in core/src/outbox/mod.rs keeps them).
        next.envelope = { ...entry.envelope, payload: receiptSummary(entry.envelope.payload), author: { name: '', role: '' }, device_id: '' };
        next.state = { state: 'delivered', at: now, status: outcome.status, server };
        if (entry.discreet === true) {
          // A discreet receipt (a GBV report, or any report on a phone with a PIN) keeps
          // only its id and day: no form, no time, no urgency, no flag, no server text.
          const dayOf = (t) => t - (((t % DAY_MS) + DAY_MS) % DAY_MS);
          const day = dayOf(entry.envelope.created_at);
          Object.assign(next.envelope, { kind: '', form_id: '', form_version: '', created_at: day, updated_at: day, payload: null });
          delete next.discreet;
          delete next.urgent;
          Object.assign(next.state, { at: dayOf(now), server: '' });
          return next;
        }
        if (JSON.stringify(next).length > before) next.state.server = '';
        return next;
      }
      case 'retry':
        next.state = {
          state: 'retry_wait',
          next_attempt_at: now + delayMs(attempts + 1, jitter, outcome.retryAfterMs),
          attempts: attempts + 1,
          last_error: outcome.reason,
        };
        return next;
      case 'needs_auth':
        next.state = { state: 'needs_auth', status: outcome.status, attempts: attempts + 1 };
        return next;
      default:
        next.state = { state: 'rejected', status: outcome.status, reason: outcome.reason };
        return next;
    }
  }

  function isDue(state, now) {
    if (state.state === 'queued') return true;
    if (state.state !== 'retry_wait') return false;
    return state.next_attempt_at <= now || state.next_attempt_at > now + Math.max(CAP_MS, MAX_RETRY_AFTER_MS);
  }

  function batches(entries) {
    const out = [];
    let bytes = 0;
    for (const e of entries) {
      const size = JSON.stringify(e.envelope).length;
      const last = out[out.length - 1];
      if (!last || last.length >= BATCH_SIZE || bytes + size > MAX_BATCH_BYTES) {
        out.push([]);
        bytes = 0;
      }
      bytes += size;
      out[out.length - 1].push(e);
    }
    return out;
  }

  // ---- IndexedDB (the same database the page writes) ----

  function idbOpen() {
    return new Promise((ok, fail) => {
      // Version and stores as the page's (src/adapters/idb.rs).
      const req = indexedDB.open('vigie', 3);
      req.onupgradeneeded = () => {
        for (const s of ['outbox', 'drafts', 'meta', 'plans', 'receipts']) if (!req.result.objectStoreNames.contains(s)) req.result.createObjectStore(s);
      };
      req.onsuccess = () => {
        // A newer build upgrading the database must not wait for this connection.
        req.result.onversionchange = () => req.result.close();
        ok(req.result);
      };
      req.onerror = () => fail(req.error);
    });
  }

  function idbAll(db, store) {
    return new Promise((ok, fail) => {
      const tx = db.transaction(store, 'readonly');
      const keys = tx.objectStore(store).getAllKeys();
      const values = tx.objectStore(store).getAll();
      tx.oncomplete = () => ok(keys.result.map((k, i) => [k, values.result[i]]));
      tx.onerror = () => fail(tx.error);
    });
  }

  function idbGet(db, store, key) {
    return new Promise((ok, fail) => {
      const tx = db.transaction(store, 'readonly');
      const req = tx.objectStore(store).get(key);
      tx.oncomplete = () => ok(req.result);
      tx.onerror = () => fail(tx.error);
    });
  }

  /** The receipts-store key, newest first, as OutboxEntry::receipt_key builds it. */
  function receiptKey(e) {
    const at = Math.min(Math.max(e.envelope.created_at, 0), RECEIPT_KEY_EPOCH);
    return String(RECEIPT_KEY_EPOCH - at).padStart(15, '0') + '-' + e.envelope.id;
  }

  // Each draft and record is sealed with a key of its own, kept in a file of the
  // origin-private file system (src/adapters/vault.rs, key_files.rs): `{"raw": …}` without
  // a PIN, `{"pin": …}` (sealed with the PIN's key) with one. Deleting the file is what
  // makes a delivered record's copies in IndexedDB's log unreadable.
  const KEY_FOLDER = 'vigie-keys';
  const IV_LEN = 12;

  function bytesOf(b64) {
    return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  }

  async function keyFolder() {
    const top = await root.navigator.storage.getDirectory();
    return top.getDirectoryHandle(KEY_FOLDER, { create: true });
  }

  /**
   * The answers and author of a record sealed with its own key (`{payload, author}`), or
   * null when the worker cannot open it: the key is sealed with a PIN (only the unlocked
   * page can send it), gone, or damaged.
   */
  async function openSealed(id, sealed) {
    try {
      const file = await (await (await keyFolder()).getFileHandle(id)).getFile();
      const held = JSON.parse(await file.text());
      if (typeof held.raw !== 'string') return null;
      const key = await crypto.subtle.importKey('raw', bytesOf(held.raw), 'AES-GCM', false, ['decrypt']);
      const bytes = bytesOf(sealed);
      const plain = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: bytes.slice(0, IV_LEN) }, key, bytes.slice(IV_LEN));
      const secret = JSON.parse(new TextDecoder().decode(plain));
      return isObject(secret) ? secret : null;
    } catch {
      return null;
    }
  }

  /** Deletes the key files of `ids` (delivered): the page's sweep catches any left. */
  async function forgetKeys(ids) {
    if (!ids.length) return;
    try {
      const dir = await keyFolder();
      for (const id of ids) await dir.removeEntry(id).catch(() => {});
    } catch {
      // No file system here: nothing was sealed with a row key.
    }
  }

  /** What is stored for `e`: sealed as it was read when it was read sealed. */
  function storedForm(e, sealedAs) {
    const was = sealedAs.get(e.envelope.id);
    if (!was || e.state.state === 'delivered') return e;
    return {
      ...e,
      envelope: { ...e.envelope, payload: was.envelope.payload, author: was.envelope.author },
      sealed: was.sealed,
      seal: was.seal,
    };
  }

  /** Writes `entries`; a delivered one moves from the outbox to the receipts. */
  function idbSave(db, entries, sealedAs) {
    return new Promise((ok, fail) => {
      const tx = db.transaction(['outbox', 'receipts'], 'readwrite', { durability: 'strict' });
      for (const e of entries) {
        if (e.state.state === 'delivered') {
          tx.objectStore('receipts').put(JSON.stringify(e), receiptKey(e));
          tx.objectStore('outbox').delete(e.envelope.id);
        } else tx.objectStore('outbox').put(JSON.stringify(storedForm(e, sealedAs)), e.envelope.id);
      }
      tx.oncomplete = () => ok();
      tx.onerror = () => fail(tx.error);
      tx.onabort = () => fail(tx.error);
    });
  }

  async function send(req, timeoutMs) {
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), timeoutMs);
    try {
      const res = await fetch(req.url, {
        method: req.method, headers: req.headers, body: req.body, signal: abort.signal,
        mode: 'cors', credentials: 'omit', cache: 'no-store',
      });
      return { status: res.status, body: await res.text(), retryAfter: res.headers.get('Retry-After') };
    } catch (e) {
      return abort.signal.aborted ? { timeout: true } : { network: String(e && e.message ? e.message : e) };
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Sends every due record once, writing each answer's outcomes in one strict transaction.
   * Resolves to a report; `retry` is true when something is left to try again.
   */
  async function flushNow() {
    const db = await idbOpen();
    try {
      const report = { delivered: 0, retrying: 0, rejected: 0, needsAuth: false, retry: false };
      const settings = parse((await idbGet(db, 'meta', 'settings')) ?? 'null');
      const backend = settings && settings.backend;
      if (!backend || !backend.mode || backend.mode === 'none') return report;
      const timeoutMs = Math.min(Math.max(settings.request_timeout_ms ?? DEFAULT_TIMEOUT_MS, 1000), 600000);
      const entries = [];
      const sealedAs = new Map();
      for (const [key, text] of await idbAll(db, 'outbox')) {
        let e = parse(text);
        if (!isObject(e) || !isObject(e.envelope) || !isObject(e.state)) continue; // damaged: the page shows it
        if (e.state.state === 'needs_auth') {
          report.needsAuth = true;
          return report;
        }
        if (e.state.state === 'sending') e.state = { state: 'queued' }; // a crash's leftover
        if (typeof e.sealed === 'string') {
          // Sealed with the PIN's key, or with its own key under a PIN: only the unlocked
          // page can read its answers and send it.
          const secret = e.seal === 'row' && isDue(e.state, Date.now()) ? await openSealed(key, e.sealed) : null;
          if (!secret) continue;
          sealedAs.set(e.envelope.id, e);
          const { sealed: _s, seal: _k, ...rest } = e;
          e = { ...rest, envelope: { ...e.envelope, payload: secret.payload, author: secret.author } };
        }
        entries.push(e);
      }
      const now = Date.now();
      const due = entries
        .filter((e) => isDue(e.state, now))
        .map((e) => ({ ...e, envelope: upgrade(e.envelope) }))
        // Urgent records (red and orange alerts) first, then oldest first, as the core.
        .sort(
          (a, b) =>
            (a.urgent === true ? 0 : 1) - (b.urgent === true ? 0 : 1) ||
            a.envelope.created_at - b.envelope.created_at ||
            (a.envelope.id < b.envelope.id ? -1 : 1)
        );
      const queue = batches(due);
      while (queue.length) {
        const batch = queue.shift();
        const req = requestFor(backend, batch.map((e) => e.envelope));
        if (!req) break;
        const result = await send(req, timeoutMs);
        if (batch.length > 1 && result.status === 413) {
          queue.unshift(...batch.map((e) => [e]));
          continue;
        }
        const outcomes = classify(backend, batch.map((e) => e.envelope.id), result);
        const at = Date.now();
        const updated = batch.map((e, i) => apply(e, outcomes[i], at, Math.random()));
        await idbSave(db, updated, sealedAs);
        await forgetKeys(updated.filter((u) => u.state.state === 'delivered').map((u) => u.envelope.id));
        for (const u of updated) {
          if (u.state.state === 'delivered') report.delivered++;
          else if (u.state.state === 'retry_wait') report.retrying++;
          else if (u.state.state === 'rejected') report.rejected++;
          else if (u.state.state === 'needs_auth') report.needsAuth = true;
        }
        if (report.needsAuth) break;
      }
      report.retry = report.retrying > 0;
      return report;
    } finally {
      db.close();
    }
  }

  /** flushNow under the lock the page takes too (waiting for the page to finish). */
  function flush() {
    if (root.navigator && root.navigator.locks) return root.navigator.locks.request(LOCK, () => flushNow());
    return flushNow();
  }

  root.VigieOutbox = { classify, requestFor, delayMs, apply, upgrade, flush, receiptKey };
})(typeof self !== 'undefined' ? self : globalThis);
