// Action plans end to end: two phones (two browser contexts) edit one plan offline, go
// online one after the other, and end with the same plan; the conflicting edit of one SWOT
// item is kept on both for review, settled on one phone and the choice reaches the other.
// The receiver keeps every revision. Screenshots and a PDF of the print view go to
// .scratch/ for a person to look at.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { startServer, launchBrowser, configuredPhone, idbAll, ROOT, createPlan, SERVER, receiverAndBrowser } from './harness.mjs';

const TOKEN = 'e2e-plans-token';
const COORD = 'e2e-plans-coordinator';
const SHOTS = join(ROOT, '.scratch');

before(() => mkdirSync(SHOTS, { recursive: true }));
const fx = receiverAndBrowser({ token: TOKEN, coordinator: COORD });

const phone = () => fx.phone();

const section = (page, list) => page.locator(`[data-list=${list}]`);

/** Adds an item to a list of the open plan page, filling `fields` (label → value). */
async function addItem(page, list, fields) {
  await section(page, list).getByRole('link', { name: '+ Ajouter' }).click();
  await fill(page, fields);
}

async function fill(page, fields) {
  for (const [label, value] of Object.entries(fields)) {
    const input = page.getByLabel(label, { exact: true });
    if ((await input.evaluate((e) => e.tagName)) === 'SELECT') await input.selectOption({ label: value });
    else await input.fill(value);
  }
  await page.getByRole('button', { name: 'Enregistrer' }).click();
  await page.locator('.plan-page').waitFor();
}

async function openItem(page, list, title) {
  await section(page, list).getByRole('link', { name: title, exact: true }).click();
}

/** Waits until the open plan page says nothing is left to send. */
async function synced(page) {
  await page.waitForFunction(() => document.querySelector('.plan-page') && !document.querySelector('[data-testid=plan-sync]'), null, { timeout: 20_000 });
}

async function storedPlans(page) {
  return (await idbAll(page, 'plans')).map(({ value }) => JSON.parse(value));
}

for (const order of ['A then B', 'B then A']) test(`two phones edit one plan offline, go online (${order}), and end with the same plan`, async () => {
  const name = order === 'A then B' ? 'Mécanisme communal de Kadiolo' : 'Mécanisme communal de Loulouni';
  const a = await phone();
  const b = await phone();

  // Phone A creates the mechanism's plan online.
  await createPlan(a.page, fx.server.url, { name, cercle: 'Kadiolo', commune: 1 });
  await addItem(a.page, 'swot', { Type: 'Force', Texte: 'Femmes leaders actives' });
  await addItem(a.page, 'activities', { Activité: 'Causerie sur la cohabitation', 'Budget prévu (FCFA)': '150 000', 'Date de fin': '2026-10-31' });
  await addItem(a.page, 'activities', { Activité: 'Forum intercommunautaire', 'Date de fin': '2027-03-31' });
  await addItem(a.page, 'conflicts', { Intitulé: 'Conflit foncier de Loulouni', Intensité: 'Ouvert' });
  await synced(a.page);
  const planId = new URL(a.page.url()).pathname.split('/')[2];

  // Phone B receives it.
  await b.page.goto(fx.server.url + '/plans');
  await b.page.getByRole('link', { name }).click();
  await section(b.page, 'conflicts').getByText('Conflit foncier de Loulouni').waitFor();

  // Both offline.
  await a.ctx.setOffline(true);
  await b.ctx.setOffline(true);

  // A: edits the SWOT item, adds an activity, logs a mediation step.
  await openItem(a.page, 'swot', 'Femmes leaders actives');
  await fill(a.page, { Texte: 'Femmes leaders très actives' });
  await addItem(a.page, 'activities', { Activité: 'Radio communautaire : émission sur la paix' });
  await openItem(a.page, 'conflicts', 'Conflit foncier de Loulouni');
  await a.page.getByRole('link', { name: '+ Étape de médiation' }).click();
  assert.equal(await a.page.getByLabel('Conflit', { exact: true }).inputValue() !== '', true, 'the conflict is preset');
  await fill(a.page, { Date: '2026-11-20', Étape: 'Dialogue', Résultat: 'Les deux familles acceptent de se revoir.' });
  // A plan edited offline survives a reload before sync.
  await a.page.reload();
  await section(a.page, 'activities').getByText('Radio communautaire : émission sur la paix').waitFor();
  await section(a.page, 'conflicts').getByText('Étape : Dialogue').waitFor();
  await a.page.getByText('Modifications pas encore envoyées').waitFor();
  assert.match(await a.page.getByTestId('unsent-plans-banner').innerText(), /plans modifiés pas encore envoyés : 1/);

  // B: changes another activity's status and the same SWOT item differently (later).
  await openItem(b.page, 'activities', 'Forum intercommunautaire');
  await fill(b.page, { Statut: 'En cours', 'Part déjà faite, en % (taux d\'exécution)': '40' });
  await openItem(b.page, 'swot', 'Femmes leaders actives');
  await fill(b.page, { Texte: 'Femmes et jeunes leaders actifs' });
  await b.page.screenshot({ path: join(SHOTS, 'plan-page.png'), fullPage: false });

  // One phone goes online, then the other; the first then refreshes its list.
  const [first, second] = order === 'A then B' ? [a, b] : [b, a];
  await first.ctx.setOffline(false);
  await synced(first.page);
  await second.ctx.setOffline(false);
  await synced(second.page);
  await first.page.goto(fx.server.url + '/plans');
  await first.page.getByRole('button', { name: 'Actualiser' }).click();
  await first.page.getByText('1 à revoir').waitFor({ timeout: 20_000 });

  for (const { page } of [a, b]) {
    await page.goto(`${fx.server.url}/plans/${planId}`);
    // Non-conflicting changes from both phones are on both.
    await section(page, 'activities').getByText('Radio communautaire : émission sur la paix').waitFor();
    await section(page, 'activities').getByText(/En cours/).waitFor();
    await section(page, 'conflicts').getByText('Étape : Dialogue').waitFor();
    // The SWOT item is flagged for review with both texts.
    await page.getByRole('link', { name: /1 à revoir/ }).click();
    await page.locator('.review-value').first().waitFor();
    const sides = (await page.locator('.review-value').allInnerTexts()).sort();
    assert.deepEqual(sides, ['Femmes et jeunes leaders actifs', 'Femmes leaders très actives']);
  }
  await a.page.screenshot({ path: join(SHOTS, 'plan-review.png') });

  // Phone A keeps its own text.
  const mine = a.page.locator('.review-side').filter({ hasText: 'ce téléphone' });
  assert.match(await mine.innerText(), /Femmes leaders très actives/);
  await mine.getByRole('button', { name: 'Garder celle-ci' }).click();
  await a.page.getByText('Rien à revoir.').waitFor();
  await a.page.goto(`${fx.server.url}/plans/${planId}`);
  await synced(a.page);
  await b.page.goto(fx.server.url + '/plans');
  await b.page.getByRole('button', { name: 'Actualiser' }).click();
  await b.page.waitForFunction(() => !document.body.innerText.includes('à revoir') && !document.body.innerText.includes('Synchronisation'), null, { timeout: 20_000 });

  const pa = (await storedPlans(a.page)).find((p) => p.mine.id === planId);
  const pb = (await storedPlans(b.page)).find((p) => p.mine.id === planId);
  assert.deepEqual(pb.mine, pa.mine, 'both phones hold the same plan');
  assert.equal(pa.base.rev, pb.base.rev);
  assert.deepEqual(pa.mine.reviews, {});
  assert.equal(pa.mine.lists.swot[Object.keys(pa.mine.lists.swot)[0]].fields.text.value, 'Femmes leaders très actives');

  // The receiver has every revision, with who sent each from which phone.
  const auth = 'Basic ' + Buffer.from('coord:' + COORD).toString('base64');
  const history = await (await fetch(`${fx.server.url}/coord/plans/${planId}`, { headers: { Authorization: auth } })).text();
  assert.match(history, /Historique des révisions/);
  const revisions = Number(pa.base.rev);
  assert.ok(revisions >= 4, `${revisions} revisions`);
  for (let r = 1; r <= revisions; r++) assert.ok(history.includes(`<td>${r}</td>`), `revision ${r} listed`);

  // The activity editor and the printable summary, for a person to look at.
  await b.page.goto(`${fx.server.url}/plans/${planId}`);
  await openItem(b.page, 'activities', 'Causerie sur la cohabitation');
  await b.page.screenshot({ path: join(SHOTS, 'plan-activity.png') });
  await b.page.goto(`${fx.server.url}/plans/${planId}/print`);
  await b.page.getByRole('button', { name: 'Imprimer' }).waitFor();
  await b.page.emulateMedia({ media: 'print' });
  await b.page.pdf({ path: join(SHOTS, 'plan-print.pdf'), format: 'A4' });
  await b.page.setViewportSize({ width: 794, height: 1123 });
  await b.page.screenshot({ path: join(SHOTS, 'plan-print.png') });
  assert.ok(await b.page.getByText('Causerie sur la cohabitation').isVisible());
  assert.equal(await b.page.getByRole('button', { name: 'Imprimer' }).isVisible(), false, 'buttons are not printed');

  for (const { problems } of [a, b]) {
    assert.deepEqual(problems.consoleErrors, []);
    assert.deepEqual(problems.foreign, []);
  }
  await a.ctx.close();
  await b.ctx.close();
});

test('an item being typed stays as typed while a sync ends under it', async () => {
  const a = await phone();
  const name = 'Mécanisme communal de Sikasso';
  await createPlan(a.page, fx.server.url, { name, cercle: 'Kadiolo' });
  await synced(a.page);
  await section(a.page, 'activities').getByRole('link', { name: '+ Ajouter' }).click();
  const field = a.page.getByLabel('Activité', { exact: true });
  await field.fill('Causerie pendant la synchronisation');
  await field.evaluate((e) => { e.dataset.same = 'yes'; });
  // The connection comes back: a sync runs and the phone's plans are read again.
  const listed = a.page.waitForResponse((r) => new URL(r.url()).pathname === '/api/plans');
  await a.page.evaluate(() => dispatchEvent(new Event('online')));
  await listed;
  await a.page.evaluate(() => new Promise((r) => setTimeout(r, 500)));
  assert.equal(await field.getAttribute('data-same'), 'yes', 'the same field, not a new empty one');
  assert.equal(await field.inputValue(), 'Causerie pendant la synchronisation');
  assert.equal(await field.evaluate((e) => e === document.activeElement), true, 'still focused');
  await a.page.getByRole('button', { name: 'Enregistrer' }).click();
  await section(a.page, 'activities').getByText('Causerie pendant la synchronisation').waitFor();
  assert.deepEqual(a.problems.consoleErrors, []);
  await a.ctx.close();
});

/** A phone set up by a link that also names its user. */
async function namedPhone(author) {
  const ctx = await fx.browser.newContext({ viewport: { width: 360, height: 640 }, deviceScaleFactor: 1 });
  const page = await ctx.newPage();
  const link = Buffer.from(JSON.stringify({ backend: { mode: 'generic_json', base: fx.server.url + '/api', token: TOKEN }, author })).toString('base64url');
  await page.goto(`${fx.server.url}/settings#setup=${link}`);
  await page.getByText('Configuration reçue par lien et enregistrée.').waitFor();
  return { ctx, page };
}

test('one field changed on three phones is one card with three versions, each saying whose and when', async () => {
  const [a, b, c] = [await namedPhone('Awa Traoré'), await namedPhone('Bakary Coulibaly'), await namedPhone('Coumba Diarra')];
  const name = 'Mécanisme communal de Zégoua';
  await createPlan(a.page, fx.server.url, { name, cercle: 'Kadiolo', commune: 2 });
  await addItem(a.page, 'swot', { Type: 'Force', Texte: 'Jeunes mobilisés' });
  await synced(a.page);
  const planUrl = a.page.url();
  for (const p of [b, c]) {
    await p.page.goto(fx.server.url + '/plans');
    await p.page.getByRole('link', { name }).click();
    await section(p.page, 'swot').getByText('Jeunes mobilisés').waitFor();
  }
  // Offline, each changes the same text its own way, A first and C last.
  const texts = { a: 'Jeunes mobilisés pour la paix', b: 'Jeunes et femmes mobilisés', c: 'Jeunes mobilisés dans chaque village' };
  for (const [key, p] of Object.entries({ a, b, c })) {
    await p.ctx.setOffline(true);
    await openItem(p.page, 'swot', 'Jeunes mobilisés');
    await fill(p.page, { Texte: texts[key] });
  }
  for (const p of [a, b, c]) {
    await p.ctx.setOffline(false);
    await synced(p.page);
  }
  for (const p of [a, b]) {
    await p.page.goto(fx.server.url + '/plans');
    await p.page.getByRole('button', { name: 'Actualiser' }).click();
    await p.page.getByText('2 à revoir').waitFor({ timeout: 20_000 });
  }
  for (const [key, p] of Object.entries({ a, b, c })) {
    await p.page.goto(planUrl + '/review');
    await p.page.getByTestId('review').first().waitFor();
    assert.equal(await p.page.getByTestId('review').count(), 1, 'one card for one field');
    const versions = p.page.getByTestId('review-version');
    assert.equal(await versions.count(), 3);
    // The one kept for now is the latest edit, C's, and says so.
    const current = versions.first();
    assert.match(await current.innerText(), /Version retenue pour l'instant/);
    assert.match(await current.innerText(), new RegExp(texts.c));
    assert.match(await current.innerText(), /Coumba Diarra/);
    const all = (await versions.allInnerTexts()).join('\n');
    for (const who of ['Awa Traoré', 'Bakary Coulibaly', 'Coumba Diarra']) assert.ok(all.includes(who), `${who} named on ${key}`);
    // This phone's own version is marked as such, and only that one.
    const mine = versions.filter({ hasText: 'ce téléphone' });
    assert.equal(await mine.count(), 1);
    assert.match(await mine.innerText(), new RegExp(texts[key]));
    assert.match(await mine.innerText(), /\d\d\/\d\d \d\d:\d\d/, 'when it was written');
  }
  await a.page.screenshot({ path: join(SHOTS, 'plan-review-three.png'), fullPage: true });
  // B keeps A's text: every version of the field is settled at once, on every phone.
  await versions(b.page).filter({ hasText: 'Awa Traoré' }).getByRole('button', { name: 'Garder celle-ci' }).click();
  await b.page.getByText('Rien à revoir.').waitFor();
  await b.page.goto(planUrl.replace(/^https?:\/\/[^/]+/, fx.server.url));
  await synced(b.page);
  for (const p of [a, c]) {
    await p.page.goto(fx.server.url + '/plans');
    await p.page.getByRole('button', { name: 'Actualiser' }).click();
    await p.page.waitForFunction(() => !document.body.innerText.includes('à revoir') && !document.body.innerText.includes('Synchronisation'), null, { timeout: 20_000 });
  }
  for (const p of [a, b, c]) {
    const plan = (await storedPlans(p.page)).find((x) => planUrl.endsWith(x.mine.id)).mine;
    assert.deepEqual(plan.reviews, {});
    assert.equal(Object.values(plan.lists.swot)[0].fields.text.value, texts.a);
  }
  for (const p of [a, b, c]) await p.ctx.close();
});

const versions = (page) => page.getByTestId('review-version');

test('an activity is marked done in one tap; the page fits a phone; the print carries every part of the plan', async () => {
  const a = await phone();
  const name = 'Mécanisme communal de Fakola';
  await createPlan(a.page, fx.server.url, { name, cercle: 'Kolondiéba' });
  await addItem(a.page, 'swot', { Type: 'Menace', Texte: 'Rumeurs sur les réseaux sociaux' });
  await addItem(a.page, 'activities', { Activité: 'Caravane de la paix', 'Budget prévu (FCFA)': '85 000', 'Source de financement': 'Contribution locale', 'Date de fin': '2026-10-31' });
  await addItem(a.page, 'activities', { Activité: 'Forum des femmes', 'Date de fin': '2027-02-28' });
  await addItem(a.page, 'risks', { Risque: 'Saison des pluies : routes coupées', "Mesure d'atténuation": 'Tenir le forum avant juin' });
  await addItem(a.page, 'conflicts', { Intitulé: 'Conflit de pâturage de Fakola' });

  // Labels above values on a phone: no value squeezed to a few letters a line.
  for (const dd of await a.page.locator('.plan-figures dd, .plan-section dd').all()) {
    const box = await dd.boundingBox();
    if (box) assert.ok(box.width >= 250, `a value ${box.width} px wide`);
  }
  // The activity editor's "Enregistrer" is on screen without scrolling down.
  await openItem(a.page, 'activities', 'Caravane de la paix');
  const save = await a.page.locator('.save-bar').getByRole('button', { name: 'Enregistrer' }).boundingBox();
  assert.ok(save.y + save.height <= 640, `Enregistrer at ${save.y}`);
  // One tap marks it done, saves it, and says so.
  await a.page.getByTestId('mark-done').click();
  await a.page.locator('.plan-page').waitFor();
  await a.page.getByText("Activité marquée réalisée aujourd'hui, et enregistrée.").waitFor();
  const stored = (await storedPlans(a.page)).find((p) => p.mine.lists.header?.plan?.fields?.name?.value === name);
  const done = Object.values(stored.mine.lists.activities).find((x) => x.fields.title.value === 'Caravane de la paix');
  assert.equal(done.fields.status.value, 'realisee');

  // The printed summary: every list, amounts spent by source, dates as written in Mali.
  await a.page.goto(a.page.url().replace(/\/?$/, '') + '/print');
  await a.page.getByRole('button', { name: 'Imprimer' }).waitFor();
  const text = await a.page.locator('.plan-print').innerText();
  for (const expected of ['Rumeurs sur les réseaux sociaux', 'Saison des pluies : routes coupées', 'Tenir le forum avant juin',
    'Conflit de pâturage de Fakola', '31/10/2026', 'Réalisée', 'Planifiée', 'Contribution locale', '85 000', 'Dépensé (FCFA)']) {
    assert.ok(text.replace(/\u00a0/g, ' ').includes(expected), `${expected} missing from the print`);
  }
  assert.ok(!text.includes('2026-10-31'), 'no ISO date');
  await a.page.emulateMedia({ media: 'print' });
  await a.page.pdf({ path: join(SHOTS, 'plan-print-full.pdf'), format: 'A4' });
  await a.page.setViewportSize({ width: 794, height: 1123 });
  await a.page.screenshot({ path: join(SHOTS, 'plan-print-full.png'), fullPage: true });
  const planId = new URL(a.page.url()).pathname.split('/')[2];
  await a.page.goto(`${fx.server.url}/plans/${planId}`);
  await synced(a.page);
  await a.ctx.close();

  // The coordinator's page of the same plan fits a laptop's screen, values in words.
  const coord = await fx.browser.newContext({ viewport: { width: 1280, height: 800 }, httpCredentials: { username: 'coord', password: COORD } });
  const page = await coord.newPage();
  await page.goto(`${fx.server.url}/coord/plans/${planId}`);
  await page.getByRole('heading', { name }).waitFor();
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 1280, `the coordinator's plan page is ${width} px wide`);
  const words = await page.locator('main').innerText();
  for (const expected of ['31/10/2026', 'Réalisée', 'Contribution locale']) assert.ok(words.includes(expected), `${expected} missing`);
  assert.ok(!words.includes('realisee') && !words.includes('2026-10-31'), 'no raw code or ISO date');
  await page.screenshot({ path: join(SHOTS, 'coord-plan.png'), fullPage: true });
  await coord.close();
});

test("a plan outside the token's area is refused in words, not as a credentials problem", async () => {
  // A device token for the Mopti region only.
  const token = execFileSync(SERVER, ['token', 'add', '--label', 'Médiateurs de Mopti', '--role', 'device', '--scope', 'ML05', '--data-dir', join(fx.dir, 'data')], { stdio: ['ignore', 'pipe', 'pipe'] }).toString().trim();
  const { ctx, page } = await configuredPhone(fx.browser, fx.server.url, { mode: 'generic_json', base: fx.server.url + '/api', token });
  await createPlan(page, fx.server.url, { name: 'Mécanisme communal hors zone', cercle: 'Kadiolo' });
  await page.getByTestId('plan-sync').getByText("il n'est pas dans la zone de votre code d'accès", { exact: false }).waitFor({ timeout: 20_000 });
  assert.equal(await page.getByText('Refusé par le serveur').count(), 0);
  // Kept on the phone all the same.
  assert.ok((await storedPlans(page)).some((p) => p.state.state === 'rejected'));
  await ctx.close();
});

test('a national roadmap has no commune: created, synced and merged on two phones', async () => {
  const a = await phone();
  const b = await phone();
  const name = "Feuille de route de l'alliance nationale pour la réforme du secteur de la sécurité";
  await a.page.goto(fx.server.url + '/plans');
  await a.page.getByText('Nouveau plan').click();
  await a.page.getByLabel('Feuille de route').check();
  await a.page.getByTestId('plan-level').waitFor();
  await a.page.screenshot({ path: join(SHOTS, 'new-plan-roadmap.png'), fullPage: true });
  await createPlan(a.page, fx.server.url, { name, roadmap: true, level: 'Pour tout le pays' });
  assert.match(await a.page.locator('.plan-page .hint').first().innerText(), /Feuille de route · Tout le pays/);
  await synced(a.page);
  const planId = new URL(a.page.url()).pathname.split('/')[2];
  await b.page.goto(fx.server.url + '/plans');
  await b.page.getByRole('button', { name: 'Actualiser' }).click();
  await b.page.getByRole('link', { name }).click();
  await a.ctx.setOffline(true);
  await b.ctx.setOffline(true);
  await addItem(a.page, 'activities', { Action: 'Atelier national à Bamako' });
  await addItem(b.page, 'activities', { Action: 'Plaidoyer auprès des députés' });
  await a.ctx.setOffline(false);
  await synced(a.page);
  await b.ctx.setOffline(false);
  await synced(b.page);
  await a.page.goto(fx.server.url + '/plans');
  await a.page.getByRole('button', { name: 'Actualiser' }).click();
  await a.page.waitForFunction(() => !document.body.innerText.includes('Synchronisation'), null, { timeout: 20_000 });
  for (const p of [a, b]) {
    await p.page.goto(`${fx.server.url}/plans/${planId}`);
    await section(p.page, 'activities').getByText('Atelier national à Bamako').waitFor();
    await section(p.page, 'activities').getByText('Plaidoyer auprès des députés').waitFor();
  }
  const listed = await (await fetch(fx.server.url + '/api/plans', { headers: { Authorization: `Bearer ${TOKEN}` } })).json();
  const stored = listed.plans.find((p) => p.plan.id === planId);
  assert.equal(stored.plan.commune, '', 'no commune for the whole country');
  assert.equal(stored.plan.kind, 'feuille_de_route');
  await a.ctx.close();
  await b.ctx.close();
});

test("the plan list shows the phone's own area first, the others on request", async () => {
  // Plans on the receiver: one in Kadiolo (as plans were written before places had
  // levels), one for the Mopti region, one national roadmap.
  const headers = { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' };
  const put = (id, kind, commune, name) => fetch(`${fx.server.url}/api/plans/${id}`, {
    method: 'PUT', headers,
    body: JSON.stringify({ base_rev: null, device_id: 'autre', author: { name: '', role: '' },
      plan: { id, kind, commune, lists: { header: { plan: { fields: { name: { value: name, at: 1, by: 'autre' } } } } } } }),
  });
  for (const [id, kind, commune, name] of [
    ['a1111111-1f2b-4c2b-9f0e-6d1c2a7b9e11', 'plan_communal', 'ML030204', 'Plan communal de Kadiolo'],
    ['a2222222-1f2b-4c2b-9f0e-6d1c2a7b9e11', 'feuille_de_route', 'ML05', 'Feuille de route régionale de Mopti'],
    ['a3333333-1f2b-4c2b-9f0e-6d1c2a7b9e11', 'feuille_de_route', '', 'Feuille de route nationale des femmes médiatrices'],
  ]) assert.ok((await put(id, kind, commune, name)).ok);
  const { ctx, page } = await phone();
  await page.goto(fx.server.url + '/settings');
  const usual = page.getByTestId('usual-place-settings');
  await usual.getByLabel('Région').selectOption({ label: 'Sikasso' });
  await usual.getByLabel('Cercle').selectOption({ label: 'Kadiolo' });
  await usual.getByLabel('Commune', { exact: true }).selectOption({ label: 'Kadiolo' });
  await usual.getByText('Commune habituelle enregistrée.').waitFor();
  await page.goto(fx.server.url + '/plans');
  await page.getByRole('button', { name: 'Actualiser' }).click();
  const here = page.getByTestId('plans-here');
  await here.getByText('Plan communal de Kadiolo').waitFor({ timeout: 20_000 });
  await here.getByText('Feuille de route nationale des femmes médiatrices').waitFor();
  assert.equal(await here.getByText('Feuille de route régionale de Mopti').count(), 0);
  const elsewhere = page.getByTestId('plans-elsewhere');
  assert.equal(await elsewhere.getByText('Feuille de route régionale de Mopti').isVisible(), false, 'other areas wait behind "Autres plans"');
  await elsewhere.getByText(/^Autres plans/).click();
  await elsewhere.getByText('Feuille de route régionale de Mopti').waitFor();
  assert.match(await here.innerText(), /Plan d'action communal · Kadiolo/);
  await page.screenshot({ path: join(SHOTS, 'plan-list-by-place.png'), fullPage: true });
  await ctx.close();
});
