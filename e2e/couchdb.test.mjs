// CouchDB mode against a real CouchDB-compatible server: pouchdb-server, in memory, on
// loopback. Records land as documents under their own ids; a replay adds nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { startServer, launchBrowser, configuredPhone, waitForWorker, idbAll, idbPut, outboxEntries, ROOT, createPlan } from './harness.mjs';

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
  assert.equal((await fetch(couchUrl + '/vigie-plans', { method: 'PUT' })).status, 201);
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
  // Delivered: each record's receipt has left the outbox store for the receipts store.
  assert.deepEqual(await idbAll(page, 'outbox'), []);
  const local = (await outboxEntries(page)).map((e) => e.envelope.id);
  assert.deepEqual((await docIds()).sort(), local.sort());
  const doc = await (await fetch(`${couchUrl}/vigie/${local[0]}`)).json();
  assert.equal(doc.id, local[0]);
  assert.equal(doc.kind, 'note');

  // As if the receipt had been lost: the record goes back to the queue and is sent again.
  const lost = (await outboxEntries(page)).find((e) => e.envelope.id === local[0]);
  lost.state = { state: 'queued' };
  lost.envelope.payload = { texte: 'Conflit foncier à Kolondiéba' };
  await idbPut(page, 'outbox', local[0], JSON.stringify(lost));
  await page.reload();
  await page.waitForFunction(() => document.querySelectorAll('.rec-ok').length === 3, null, { timeout: 20_000 });
  assert.equal((await docIds()).length, 3);
  await ctx.close();
});

test('plans sync with CouchDB revisions: a stale phone fetches, merges and saves', async () => {
  const phone = () => configuredPhone(browser, app.url, { mode: 'couch_db', base: couchUrl, db: 'vigie' });
  const synced = (page) => page.waitForFunction(() => document.querySelector('.plan-page') && !document.querySelector('[data-testid=plan-sync]'), null, { timeout: 20_000 });
  const add = async (page, list, label, value) => {
    await page.locator(`[data-list=${list}]`).getByRole('link', { name: '+ Ajouter' }).click();
    await page.getByLabel(label, { exact: true }).fill(value);
    await page.getByRole('button', { name: 'Enregistrer' }).click();
    await page.locator('.plan-page').waitFor();
  };
  const a = await phone();
  await createPlan(a.page, app.url, { name: 'Mécanisme communal de Kolondiéba', cercle: 'Kolondiéba' });
  await add(a.page, 'activities', 'Activité', 'Causerie au marché');
  await synced(a.page);
  const id = new URL(a.page.url()).pathname.split('/')[2];
  const first = await (await fetch(`${couchUrl}/vigie-plans/${id}`)).json();
  assert.match(first._rev, /^\d+-/);
  // A communal plan is a commune's: the first commune of Kolondiéba's cercle (ML0303).
  assert.match(first.plan.commune, /^ML0303\d\d$/);

  const b = await phone();
  await b.page.goto(app.url + '/plans');
  await b.page.getByRole('link', { name: 'Mécanisme communal de Kolondiéba' }).click();
  await b.page.locator('[data-list=activities]').getByText('Causerie au marché').waitFor();
  await a.ctx.setOffline(true);
  await b.ctx.setOffline(true);
  await add(a.page, 'risks', 'Risque', 'Tension pendant la transhumance');
  await add(b.page, 'swot', 'Texte', 'Chefs de village engagés');
  await a.ctx.setOffline(false);
  await synced(a.page);
  await b.ctx.setOffline(false);
  await synced(b.page);

  const doc = await (await fetch(`${couchUrl}/vigie-plans/${id}?revs_info=true`)).json();
  const texts = JSON.stringify(doc.plan.lists);
  for (const t of ['Causerie au marché', 'Tension pendant la transhumance', 'Chefs de village engagés']) {
    assert.ok(texts.includes(t), `${t} in CouchDB`);
  }
  assert.ok(doc._revs_info.length >= 3, `${doc._revs_info.length} revisions`);
  await a.ctx.close();
  await b.ctx.close();
});
