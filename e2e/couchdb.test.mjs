// CouchDB mode against a real CouchDB-compatible server: pouchdb-server, in memory, on
// loopback. Records land as documents under their own ids; a replay adds nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { startServer, launchBrowser, waitForWorker, idbAll, idbPut, outboxEntries, ROOT } from './harness.mjs';

let app;
let couch;
let couchUrl;
let browser;
let closeBrowser;

async function startCouch() {
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = 20000 + Math.floor(Math.random() * 20000);
    const child = spawn(join(ROOT, 'e2e/node_modules/.bin/pouchdb-server'), ['--in-memory', '--host', '127.0.0.1', '--port', String(port)], {
      stdio: 'ignore',
      cwd: join(ROOT, '.scratch'),
    });
    const url = `http://127.0.0.1:${port}`;
    for (let i = 0; i < 100; i++) {
      if (child.exitCode !== null) break;
      try {
        if ((await fetch(url + '/')).ok) return { child, url };
      } catch {
        /* not up yet */
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    child.kill();
  }
  throw new Error('pouchdb-server did not start');
}

before(async () => {
  app = await startServer();
  const started = await startCouch();
  couch = started.child;
  couchUrl = started.url;
  assert.equal((await fetch(couchUrl + '/vigie', { method: 'PUT' })).status, 201);
  ({ browser, close: closeBrowser } = await launchBrowser());
});

after(async () => {
  await closeBrowser?.();
  couch?.kill();
  await app?.stop();
});

async function docIds() {
  const res = await fetch(couchUrl + '/vigie/_all_docs');
  return (await res.json()).rows.map((r) => r.id);
}

test('records land in CouchDB as documents with their ids, and a replay adds none', async () => {
  const ctx = await browser.newContext({ viewport: { width: 360, height: 640 } });
  const page = await ctx.newPage();
  const link = Buffer.from(JSON.stringify({ backend: { mode: 'couch_db', base: couchUrl, db: 'vigie' } })).toString('base64url');
  await page.goto(`${app.url}/settings#setup=${link}`);
  await page.getByText('Configuration reçue par lien et enregistrée.').waitFor();
  await waitForWorker(page);
  await ctx.setOffline(true);
  await page.goto(app.url + '/note');
  for (const t of ['Conflit foncier à Kolondiéba', 'Médiation entre éleveurs et agriculteurs', 'Causerie à Kadiolo']) {
    await page.getByLabel('Ce que vous voulez signaler').fill(t);
    await page.getByRole('button', { name: 'Enregistrer' }).click();
    await page.getByText('Enregistré sur le téléphone').waitFor();
  }
  await page.goto(app.url + '/outbox');
  await ctx.setOffline(false);
  await page.waitForFunction(() => document.querySelectorAll('.rec-ok').length === 3, null, { timeout: 20_000 });
  const local = (await idbAll(page, 'outbox')).map(({ key }) => key);
  assert.deepEqual((await docIds()).sort(), local.sort());
  const doc = await (await fetch(`${couchUrl}/vigie/${local[0]}`)).json();
  assert.equal(doc.id, local[0]);
  assert.equal(doc.kind, 'note');

  // As if the receipt had been lost: the record goes back to the queue and is sent again.
  const lost = JSON.parse((await idbAll(page, 'outbox')).find(({ key }) => key === local[0]).value);
  lost.state = { state: 'queued' };
  lost.envelope.payload = { texte: 'Conflit foncier à Kolondiéba' };
  await idbPut(page, 'outbox', local[0], JSON.stringify(lost));
  await page.reload();
  await page.waitForFunction(() => document.querySelectorAll('.rec-ok').length === 3, null, { timeout: 20_000 });
  assert.equal((await docIds()).length, 3);
  await ctx.close();
});
