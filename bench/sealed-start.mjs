// How long a start takes to count N queued records on the outbox page, sealed each with
// its own key file (as the app stores them) and in clear (as earlier builds did): medians
// of 3 starts each, on loopback, offline. Figures, not a test.
//   node bench/sealed-start.mjs [N]
import { startServer, launchBrowser, configuredPhone } from '../e2e/harness.mjs';
const N = Number(process.argv[2] || 500);
const server = await startServer(undefined, ['--token', 't1']);
const { browser } = await launchBrowser();
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const result = {};
for (const sealedRows of [true, false]) {
const { ctx, page } = await configuredPhone(browser, server.url, { mode: 'generic_json', base: server.url + '/api', token: 'bad' });
await ctx.setOffline(true);
await page.evaluate(async ([N, sealedRows]) => {
  const dir = await (await navigator.storage.getDirectory()).getDirectoryHandle('vigie-keys', { create: true });
  const db = await new Promise((ok) => { const o = indexedDB.open('vigie'); o.onsuccess = () => ok(o.result); });
  const rows = [];
  for (let i = 0; i < N; i++) {
    const id = crypto.randomUUID();
    const raw = crypto.getRandomValues(new Uint8Array(32));
    const fh = await dir.getFileHandle(id, { create: true });
    const w = await fh.createWritable(); await w.write(JSON.stringify({ raw: btoa(String.fromCharCode(...raw)) })); await w.close();
    const key = await crypto.subtle.importKey('raw', raw, 'AES-GCM', false, ['encrypt']);
    const iv = crypto.getRandomValues(new Uint8Array(12));
    const secret = JSON.stringify({ payload: { texte: 'note ' + i }, author: { name: 'A', role: '' } });
    const ct = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, key, new TextEncoder().encode(secret)));
    const all = new Uint8Array(12 + ct.length); all.set(iv); all.set(ct, 12);
    const sealed = btoa(String.fromCharCode(...all));
    const at = 1795000000000 + i;
    const envelope = { id, kind: 'note', form_id: 'note', form_version: '1', created_at: at, updated_at: at, device_id: 'd', author: { name: '', role: '' }, payload: null, schema_version: 2 };
    rows.push([id, JSON.stringify(sealedRows
      ? { envelope, state: { state: 'queued' }, sealed, seal: 'row' }
      : { envelope: { ...envelope, payload: { texte: 'note ' + i } }, state: { state: 'queued' } })]);
  }
  await new Promise((ok) => { const tx = db.transaction('outbox', 'readwrite'); for (const [k, v] of rows) tx.objectStore('outbox').put(v, k); tx.oncomplete = ok; });
}, [N, sealedRows]);
const times = [];
for (let r = 0; r < 3; r++) {
  const t = Date.now();
  await page.goto(server.url + '/outbox');
  await page.waitForFunction((N) => document.querySelector('[data-testid=counts]')?.textContent.includes(String(N)), N, { timeout: 120000 });
  times.push(Date.now() - t);
}
result[sealedRows] = median(times);
await ctx.close();
}
console.log(`start with ${N} queued records, outbox counted: sealed ${result.true} ms, in clear ${result.false} ms (×${(result.true / result.false).toFixed(1)}), medians of 3`);
await browser.close(); await server.stop();
