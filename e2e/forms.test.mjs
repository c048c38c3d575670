// Forms end to end: each built-in form filled offline with realistic French data (skip
// logic, the sex × age grid, a repeat group), a reload mid-way that resumes the draft, a
// rule that blocks finalising, the records queued then delivered; form updates from the
// backend (a new version used for new records, a malformed one refused and reported).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, launchBrowser, configuredPhone, idbPut, outboxEntries, screenHeights, ROOT, receiverAndBrowser } from './harness.mjs';

const TOKEN = 'e2e-forms-token';
const COORD = 'e2e-forms-coordinator';
const PHONE = { viewport: { width: 360, height: 640 }, deviceScaleFactor: 1 };

let formsDir;
const fx = receiverAndBrowser({
  token: TOKEN,
  coordinator: COORD,
  args: (dir) => {
    formsDir = join(dir, 'forms');
    mkdirSync(formsDir);
    return ['--forms-dir', formsDir];
  },
});

/** A phone configured for the test receiver, with the app cached for offline use. */
const phone = () => fx.phone();

const next = (page) => page.getByRole('button', { name: 'Suivant' }).click();
const finish = (page) => page.getByRole('button', { name: 'Terminer et envoyer' }).click();
const heading = (page, name) => page.getByRole('heading', { name, exact: true }).waitFor();

async function place(page, region, cercle, village) {
  await page.getByLabel('Région').selectOption({ label: region });
  await page.getByLabel('Cercle').selectOption({ label: cercle });
  await page.getByLabel('Commune', { exact: true }).selectOption({ index: 1 });
  await page.getByLabel('Village / quartier').fill(village);
}

/** Finalises, then checks the record is queued and the draft gone. */
async function finaliseQueued(page, pendingText) {
  await finish(page);
  await page.waitForURL((u) => new URL(u).pathname === '/');
  await page.getByText("Enregistré : le rapport partira dès qu'il y aura du réseau.").waitFor();
  assert.equal(await page.getByTestId('pending').innerText(), pendingText);
  assert.equal(await page.getByTestId('drafts').count(), 0);
}

async function csv() {
  const auth = 'Basic ' + Buffer.from('coordination:' + COORD).toString('base64');
  const res = await fetch(fx.server.url + '/coord/export.csv', { headers: { Authorization: auth } });
  assert.equal(res.status, 200);
  return res.text();
}

test('the four built-in forms filled offline are queued, then delivered once online', async () => {
  const { ctx, page, problems } = await phone();
  await ctx.setOffline(true);

  // 1. Incident: rape reported as yellow is refused until it is at least orange.
  await page.goto(fx.server.url + '/');
  await page.getByRole('link', { name: 'Signaler un incident' }).click();
  await heading(page, "Signalement d'incident / alerte précoce");
  assert.equal(await page.getByText('Précisez : Violences basées sur le genre (VBG)').count(), 0);
  await page.getByLabel('Violences basées sur le genre (VBG)').check();
  await page.getByLabel('Viol', { exact: true }).check();
  // Each screen holds about two phone screens: what happened, then when, where, how serious.
  await next(page);
  await heading(page, 'Quand, où, quelle gravité');
  await page.getByLabel(/^Quand \?/).fill('2026-11-20');
  await place(page, 'Sikasso', 'Kadiolo', 'Loulouni, quartier du marché');
  await page.getByLabel(/^Jaune/).check();
  await page.getByText('Un viol ou une agression sexuelle est au moins Orange.').waitFor();
  // Mid-way: the phone reloads (crash, battery); the draft comes back where it was.
  await page.getByText('Brouillon enregistré sur le téléphone').waitFor();
  const draftUrl = page.url();
  assert.match(new URL(draftUrl).pathname, /^\/fill\/[0-9a-f-]{36}$/);
  await page.reload();
  await heading(page, "Signalement d'incident / alerte précoce");
  assert.equal(page.url(), draftUrl);
  // It resumes on the screen the user was on, and the screen before kept its answers.
  assert.equal(await page.getByLabel('Village / quartier').inputValue(), 'Loulouni, quartier du marché');
  assert.ok(await page.getByLabel(/^Jaune/).isChecked());
  await page.getByRole('button', { name: 'Précédent' }).click();
  assert.ok(await page.getByLabel('Viol', { exact: true }).isChecked());
  await next(page);
  await next(page);
  // The VBG screen comes right after the essentials, before any account: it asks no name.
  await page.getByText("N'écrivez aucun nom ni aucun détail qui permette de reconnaître la survivante.").waitFor();
  await page.getByRole('group', { name: /accord pour ce signalement/ }).getByLabel('Oui').check();
  await page.getByLabel('Soutien psychosocial').check();
  await next(page);
  await heading(page, 'Détails (facultatif)');
  await next(page);
  await page.getByLabel('Description courte').fill('Une jeune femme agressée en rentrant du meeting, de nuit.');
  await next(page);
  await heading(page, 'Victimes');
  await next(page);
  // The sex × age grid adds up.
  await page.getByLabel('Femmes 18-24', { exact: true }).fill('1');
  await page.getByLabel('Hommes 25-35', { exact: true }).fill('2');
  assert.equal(await page.getByTestId('total-f').innerText(), '1');
  assert.equal(await page.getByTestId('total-all').innerText(), '3');
  await page.getByLabel('Nombre de blessés').fill('deux');
  await page.getByLabel('Nombre de blessés').blur();
  await page.getByText('Écrivez un nombre.', { exact: true }).waitFor();
  await page.getByLabel('Nombre de blessés').fill('2');
  for (let i = 0; i < 5; i++) await next(page);
  await heading(page, 'Suites données');
  await finish(page);
  // Blocked: back on the screen of the rule, in words.
  await page.getByText('Corrigez les réponses signalées en rouge avant de terminer.').waitFor();
  await page.getByText('Un viol ou une agression sexuelle est au moins Orange.').waitFor();
  // …scrolled to, with the focus on it.
  await page.waitForFunction(() => document.activeElement?.closest('.field-bad')?.id === 'f-alert_level-group');
  await page.getByLabel(/^Orange/).check();
  for (let i = 0; i < 10; i++) await next(page);
  await finaliseQueued(page, '1 en attente');

  // 2. Prevention activity: participants grid and a repeat group of follow-up steps.
  await page.getByRole('link', { name: 'Noter une activité' }).click();
  await page.getByRole('link', { name: /^Activité de prévention/ }).click();
  await page.getByLabel(/^Structure \/ groupement/).fill('Groupement Benkadi des femmes de Kati');
  await page.getByLabel('Causerie-débat').check();
  await next(page);
  await page.getByLabel('Élections apaisées').check();
  await next(page);
  // A GBV report's commune is not remembered as the usual place: the key would say where
  // it happened (ordinary reports' places are: fastpath.test.mjs).
  assert.equal(await page.getByLabel('Région').inputValue(), '');
  assert.equal(await page.getByLabel('Village / quartier').inputValue(), '');
  assert.equal(await page.evaluate(() => localStorage.getItem('vigie/usual-place')), null);
  await page.getByLabel(/^Date/).fill('2026-11-18');
  await place(page, 'Koulikoro', 'Kati', 'Kati Malibougou');
  await next(page);
  await heading(page, 'Public visé');
  await next(page);
  await page.getByLabel('Femmes 18-24', { exact: true }).fill('14');
  await page.getByLabel('Femmes 25-35', { exact: true }).fill('9');
  await page.getByLabel('Hommes 18-24', { exact: true }).fill('6');
  assert.equal(await page.getByTestId('total-all').innerText(), '29');
  // Typing in the grid's last rows, the Femmes / Hommes headings stay in view, below the
  // app's header.
  await page.getByTestId('total-all').evaluate((e) => { e.scrollIntoView({ block: 'start' }); window.scrollBy(0, -130); });
  const gridHeading = await page.locator(".grid-counts thead th", { hasText: "Femmes" }).boundingBox();
  const header = await page.locator('.app-header').boundingBox();
  assert.ok(gridHeading.y >= header.y + header.height - 1 && gridHeading.y < 640, `Femmes at ${gridHeading.y}, header ends at ${header.y + header.height}`);
  await next(page);
  await page.getByLabel('Animatrices (femmes)').fill('2');
  await next(page);
  await page.getByRole('button', { name: '+ Ajouter' }).click();
  await page.getByLabel('Prochaine étape').fill('Restitution au conseil communal');
  await page.getByLabel('Responsable').fill('Présidente du groupement');
  await page.getByRole('button', { name: '+ Ajouter' }).click();
  await page.getByLabel('Prochaine étape').nth(1).fill('Causerie avec les jeunes du quartier');
  assert.equal(await page.locator('.repeat-entry').count(), 2);
  await finaliseQueued(page, '2 en attente');

  // 3. Mediator log: the mediation screen appears only for a mediation.
  await page.goto(fx.server.url + '/activity');
  await page.getByRole('link', { name: /^Journal du médiateur/ }).click();
  await page.getByLabel('Médiation menée').check();
  await page.getByLabel(/^Date/).fill('2026-11-15');
  await place(page, 'Mopti', 'Bankass', 'Diallassagou');
  await next(page);
  await page.getByLabel('Agriculteurs-éleveurs').check();
  await next(page);
  await page.getByLabel(/^Ce qui se passe/).fill('Des animaux ont détruit un champ de mil ; les deux familles se menacent.');
  await page.getByRole('button', { name: '+ Ajouter' }).click();
  await page.getByLabel(/^Partie/).fill('Famille de cultivateurs');
  await next(page);
  await heading(page, 'La médiation');
  await page.getByLabel('Accord obtenu').check();
  await page.getByLabel('Engagements pris').fill('Dédommagement de 3 sacs de mil, couloir de passage balisé.');
  await finaliseQueued(page, '3 en attente');

  // 4. The workshop questionnaire: at most three priorities.
  await page.goto(fx.server.url + '/activity');
  await page.getByRole('link', { name: /^Questionnaire préparatoire/ }).click();
  await page.getByLabel(/^Nom de l'organisation/).fill('Réseau Paix et Sécurité des Femmes (REPSFECO)');
  await page.getByLabel('Groupement féminin').check();
  await next(page);
  await place(page, 'Ségou', 'San', 'Somo');
  await next(page);
  await page.getByLabel(/^Principales dynamiques/).fill('Conflits fonciers entre agriculteurs et éleveurs après les récoltes.');
  await next(page);
  for (const p of ['Cohésion sociale', 'Élections apaisées', 'VBG', 'Participation politique des femmes (Loi 052)']) {
    await page.getByLabel(p, { exact: true }).check();
  }
  await page.getByText('Choisissez 3 priorités au plus.').waitFor();
  await page.getByLabel('VBG', { exact: true }).uncheck();
  await finaliseQueued(page, '4 en attente');

  await page.getByRole('link', { name: 'Mes rapports' }).click();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=my-report]').length === 4);
  assert.equal(await page.getByText("En attente d'envoi").count(), 4);

  // Online: all four leave once, and the coordinator's export has what was typed.
  await ctx.setOffline(false);
  await page.waitForFunction(() => document.querySelectorAll('.rec-ok').length === 4, null, { timeout: 30_000 });
  assert.equal(await page.getByTestId('pending').innerText(), 'Tout est envoyé');
  // The GBV report's receipt says only that a report went, and which day.
  const gbv = page.getByTestId('my-report').filter({ hasText: 'Rapport envoyé' });
  assert.equal(await gbv.count(), 1);
  const today = new Date().toISOString().slice(0, 10).split('-').reverse().join('/');
  assert.equal(await gbv.locator('.when').innerText(), today);
  assert.equal(await gbv.locator('.rec-state').count(), 0, 'no state line, nothing else');
  assert.equal(await page.getByText("Signalement d'incident / alerte précoce").count(), 0);
  const stored = await outboxEntries(page);
  const receipt = stored.find((e) => e.envelope.form_id === '');
  assert.ok(receipt, 'the GBV report has a discreet receipt');
  assert.deepEqual([receipt.envelope.form_id, receipt.envelope.kind, receipt.envelope.payload], ['', '', null]);
  assert.equal(receipt.envelope.created_at % 86400000, 0, 'no time of day');
  // Nothing in it says it was discreet, urgent, or when it reached the receiver.
  assert.equal(receipt.discreet, undefined);
  assert.equal(receipt.urgent, undefined);
  assert.equal(receipt.state.at % 86400000, 0, 'delivered that day, no time');
  assert.equal(receipt.state.server, '', "the server's answer (its received_at) is not kept");
  assert.equal(stored.filter((e) => e.envelope.form_id !== '').length, 3, 'the other receipts keep their form');
  const rows = await csv();
  for (const expected of ['VBG-01', 'orange', 'Loulouni, quartier du marché', 'Restitution au conseil communal',
    'Dédommagement de 3 sacs de mil', 'REPSFECO']) {
    assert.ok(rows.includes(expected), `${expected} in the export`);
  }
  assert.ok(!rows.includes('jaune'), 'the refused level was not kept');
  assert.deepEqual(problems.foreign, []);
  assert.deepEqual(problems.consoleErrors, []);
  await ctx.close();
});

test('communes are picked by name; one known by name only is kept in words with its cercle', async () => {
  const ctx = await fx.browser.newContext(PHONE);
  const page = await ctx.newPage();
  await page.goto(fx.server.url + '/report');
  await heading(page, "Signalement d'incident / alerte précoce");
  await next(page);
  await page.getByLabel('Région').selectOption({ label: 'Sikasso' });
  await page.getByLabel('Cercle').selectOption({ label: 'Kadiolo' });
  const commune = page.getByLabel('Commune', { exact: true });
  await commune.selectOption({ label: 'Loulouni' });
  assert.equal(await commune.inputValue(), 'ML030206', 'stored by its P-code');
  // Koutiala's communes have names but no safe code: the name goes in words.
  await page.getByLabel('Cercle').selectOption({ label: 'Koutiala' });
  await commune.selectOption({ label: 'Fakolo' });
  assert.equal(await page.getByLabel('Autre commune (préciser)').inputValue(), 'Fakolo');
  assert.equal(await commune.locator('option:checked').innerText(), 'Fakolo');
  assert.equal(await page.getByLabel('Cercle').inputValue(), 'ML0304');
  await ctx.close();
});

test('a new form version from the backend is used for new records; a malformed one is refused', async () => {
  const { ctx, page } = await phone();
  // A draft started with the built-in questionnaire (version 2).
  await page.goto(fx.server.url + '/new/questionnaire_preparatoire');
  await page.getByLabel(/^Nom de l'organisation/).fill('Association Kounda');
  await page.getByText('Brouillon enregistré sur le téléphone').waitFor();
  const draftUrl = page.url();

  // The coordination publishes version 2 of the questionnaire and a broken incident form.
  // The receiver validates what it publishes and never serves the broken one (its log names
  // the problem); another backend might, so the answer is doctored on the way to check that
  // the phone refuses it too.
  const q = JSON.parse(readFileSync(join(ROOT, 'forms/questionnaire_preparatoire.json'), 'utf8'));
  q.version = '3';
  q.title.fr = 'Questionnaire préparatoire (version 3)';
  q.sections[0].fields.push({ name: 'women_members', type: 'integer', label: { fr: 'Nombre de femmes membres' } });
  writeFileSync(join(formsDir, 'questionnaire_preparatoire.json'), JSON.stringify(q));
  const broken = JSON.parse(readFileSync(join(ROOT, 'forms/incident.json'), 'utf8'));
  broken.version = '9';
  broken.sections[0].fields[0].relevant = '${nulle_part} = 1';
  writeFileSync(join(formsDir, 'incident.json'), JSON.stringify(broken));
  let served;
  await ctx.route('**/api/forms', async (route) => {
    const response = await route.fetch();
    served = await response.json();
    await route.fulfill({ response, json: { forms: [...served.forms, broken] } });
  });

  await page.goto(fx.server.url + '/activity'); // start-up fetches the forms
  await page.getByRole('link', { name: 'Questionnaire préparatoire (version 3)' }).waitFor();
  await page.goto(fx.server.url + '/settings');
  const refused = page.getByTestId('forms-refused');
  await refused.waitFor();
  assert.match(await refused.innerText(), /Formulaires reçus du serveur et refusés/);
  assert.match(await refused.innerText(), /incident: .*nulle_part/);
  // The built-in form the server replaced is named, with the server's host.
  const replaced = await page.getByTestId('forms-replaced').innerText();
  assert.ok(replaced.includes(`La coordination (${new URL(fx.server.url).host}) a envoyé ses propres formulaires`), replaced);
  assert.match(replaced, /Questionnaire préparatoire \(version 3\) \(version 3\)/);
  assert.deepEqual(served.forms.map((f) => `${f.id} ${f.version}`), ['questionnaire_preparatoire 3']);
  await ctx.unroute('**/api/forms');

  // The old incident form keeps working.
  await page.goto(fx.server.url + '/report');
  await heading(page, "Signalement d'incident / alerte précoce");
  await page.getByLabel('Violence physique').check();
  await page.getByText('Précisez : Violence physique').waitFor();
  // New questionnaires use version 3, offline too (the forms are cached on the phone)…
  await ctx.setOffline(true);
  await page.goto(fx.server.url + '/new/questionnaire_preparatoire');
  await heading(page, 'Questionnaire préparatoire (version 3)');
  await page.getByLabel('Nombre de femmes membres').waitFor();
  // …while the draft started before keeps the version it was started with.
  await page.goto(draftUrl);
  await heading(page, "Questionnaire préparatoire à l'atelier");
  assert.equal(await page.getByLabel(/^Nom de l'organisation/).inputValue(), 'Association Kounda');
  assert.equal(await page.getByLabel('Nombre de femmes membres').count(), 0);
  // A draft started by mistake can be deleted, after confirming; the other draft stays.
  await page.getByRole('button', { name: 'Supprimer le brouillon' }).click();
  await page.getByRole('button', { name: 'Confirmer : supprimer définitivement' }).click();
  await page.waitForURL(fx.server.url + '/');
  await page.getByTestId('drafts').waitFor();
  assert.equal(await page.locator('li.draft').count(), 1);
  assert.match(await page.locator('li.draft').innerText(), /Signalement d'incident/);
  await page.reload();
  await page.getByTestId('drafts').waitFor();
  assert.equal(await page.locator('li.draft').count(), 1);

  // A draft whose form version no longer exists (an app update replaced a built-in form)
  // opens with the current version, its answers kept, and the user is told to check them.
  const orphan = '5b0d6a4e-8f7b-4c3e-9a51-0c2f3e4d5a6b';
  await idbPut(page, 'drafts', orphan, JSON.stringify({
    id: orphan, form_id: 'mediation', form_version: '0-retired', created_at: 1, updated_at: 2, section: 0,
    answers: { summary: 'Litige sur un point d\'eau à Ouéléssébougou' },
  }));
  await page.goto(`${fx.server.url}/fill/${orphan}`);
  await page.getByTestId('form-note').waitFor();
  assert.match(await page.getByTestId('form-note').innerText(), /continue avec la version actuelle/);
  await next(page);
  await next(page);
  assert.equal(await page.getByLabel(/^Ce qui se passe/).inputValue(), "Litige sur un point d'eau à Ouéléssébougou");
  await ctx.close();
  rmSync(join(formsDir, 'questionnaire_preparatoire.json'));
  rmSync(join(formsDir, 'incident.json'));
});

test('a cascading select offers the cercles of the region chosen, and asks again when it changes', async () => {
  // A form published by the coordination (as an XLSForm with choice_filter is imported).
  const lieu = {
    format: 1, id: 'lieux_test', version: '1', kind: 'survey', title: { fr: 'Visite de terrain' },
    choice_lists: {
      regions: [{ code: 'ML01', label: { fr: 'Kayes' } }, { code: 'ML03', label: { fr: 'Sikasso' } }],
      cercles: [
        { code: 'ML0101', label: { fr: 'Cercle de Kayes' }, attrs: { region: 'ML01' } },
        { code: 'ML0302', label: { fr: 'Cercle de Kadiolo' }, attrs: { region: 'ML03' } },
        { code: 'ML0303', label: { fr: 'Cercle de Kolondiéba' }, attrs: { region: 'ML03' } },
      ],
    },
    sections: [{ name: 's', title: { fr: 'Lieu' }, fields: [
      { name: 'region', type: 'select_one', label: { fr: 'Région visitée' }, choices: 'regions', required: true },
      { name: 'cercle', type: 'select_one', label: { fr: 'Cercle visité' }, choices: 'cercles', required: true,
        choice_filter: "choice('region') = ${region}" },
      { name: 'remarque', type: 'text', label: { fr: 'Remarque' } },
    ] }],
  };
  writeFileSync(join(formsDir, 'lieux_test.json'), JSON.stringify(lieu));
  const { ctx, page, problems } = await phone();
  await page.goto(fx.server.url + '/activity'); // start-up fetches the forms
  await page.goto(fx.server.url + '/new/lieux_test');
  await heading(page, 'Visite de terrain');
  const cercle = (name) => page.getByLabel(`Cercle de ${name}`);
  // No region yet: no cercle to choose.
  for (const name of ['Kayes', 'Kadiolo', 'Kolondiéba']) assert.equal(await cercle(name).isVisible(), false, name);
  await page.getByLabel('Sikasso').check();
  await cercle('Kadiolo').waitFor();
  assert.equal(await cercle('Kolondiéba').isVisible(), true);
  assert.equal(await cercle('Kayes').isVisible(), false);
  await cercle('Kadiolo').check();
  // The region changes: Sikasso's cercles go, and the cercle chosen must be chosen again.
  await page.getByLabel('Kayes', { exact: true }).check();
  await cercle('Kayes').waitFor();
  assert.equal(await cercle('Kadiolo').isVisible(), false);
  await finish(page);
  await page.getByText('Ce choix ne correspond plus à une réponse précédente', { exact: false }).waitFor();
  assert.equal(new URL(page.url()).pathname.startsWith('/fill/') || new URL(page.url()).pathname.startsWith('/new/'), true);
  await cercle('Kayes').check();
  await finish(page);
  await page.waitForURL((u) => new URL(u).pathname === '/');
  await page.getByTestId('pending').getByText('Tout est envoyé').waitFor({ timeout: 30_000 });
  const rows = (await csv()).split('\n').filter((l) => l.includes('lieux_test'));
  assert.equal(rows.length, 1);
  assert.ok(rows[0].includes('ML0101') && !rows[0].includes('ML0302'), rows[0]);
  assert.deepEqual(problems.consoleErrors, []);
  await ctx.close();
  rmSync(join(formsDir, 'lieux_test.json'));
});

// About two phone screens (640 px each) of scrolling at most: the tallest screen measures
// 1,479 px on the reference machine (`node bench/screens.mjs` prints them all).
const MAX_SCREEN = 1536;

test(`every screen of the built-in forms fits in about two phone screens (${MAX_SCREEN} px)`, async () => {
  const ctx = await fx.browser.newContext(PHONE);
  const page = await ctx.newPage();
  const category = (label) => async (p, i) => {
    if (i === 0) await p.getByLabel(label, { exact: true }).check();
  };
  const walks = [
    ['incident', category('Violence physique')],
    ['incident', category('Violences basées sur le genre (VBG)')],
    ['mediation', category('Médiation menée')], ['activite'], ['questionnaire_preparatoire'],
  ];
  const seen = new Set();
  for (const [id, fill] of walks) {
    const screens = await screenHeights(page, fx.server.url, id, fill);
    assert.ok(screens.length >= 3, `${id}: ${screens.length} screens`);
    for (const s of screens) {
      seen.add(`${id}/${s.title}`);
      assert.ok(s.height <= MAX_SCREEN, `${id} "${s.title}" is ${s.height} px tall: ${JSON.stringify(s.fields)}`);
    }
  }
  // Every screen was measured.
  const defs = ['incident', 'mediation', 'activite', 'questionnaire_preparatoire']
    .map((f) => JSON.parse(readFileSync(join(ROOT, `forms/${f}.json`), 'utf8')));
  const all = defs.flatMap((d) => d.sections.map((s) => `${d.id}/${s.title.fr}`));
  assert.deepEqual(all.filter((s) => !seen.has(s)), []);
  await ctx.close();
});

test('screenshots of the incident form at 360×640', async () => {
  const ctx = await fx.browser.newContext(PHONE);
  const page = await ctx.newPage();
  await page.goto(fx.server.url + '/report');
  await heading(page, "Signalement d'incident / alerte précoce");
  await page.screenshot({ path: join(ROOT, '.scratch/incident-1.png') });
  await page.getByLabel('Violences basées sur le genre (VBG)').check();
  await page.getByLabel('Viol', { exact: true }).check();
  await next(page);
  await page.getByLabel(/^Rouge/).check();
  await page.getByLabel(/^Rouge/).scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(ROOT, '.scratch/incident-2.png') });
  // A red alert looks red.
  const colour = await page.getByLabel(/^Rouge/).evaluate((el) => getComputedStyle(el.closest('label')).backgroundColor);
  assert.equal(colour, 'rgb(176, 0, 32)');
  await ctx.close();
});

test('the optional GPS point: taken when allowed, "continue without" when refused', async () => {
  const allowed = await fx.browser.newContext({
    ...PHONE, permissions: ['geolocation'], geolocation: { latitude: 12.6392, longitude: -8.0029, accuracy: 25 },
  });
  const page = await allowed.newPage();
  await page.goto(fx.server.url + '/report');
  await heading(page, "Signalement d'incident / alerte précoce");
  for (let i = 0; i < 3; i++) await next(page);
  await page.getByRole('button', { name: 'Prendre ma position' }).click();
  await page.getByText('12.63920, -8.00290').waitFor();
  await allowed.close();

  const refused = await fx.browser.newContext(PHONE); // no permission granted: the browser says no
  const other = await refused.newPage();
  await other.goto(fx.server.url + '/report');
  await heading(other, "Signalement d'incident / alerte précoce");
  for (let i = 0; i < 3; i++) await next(other);
  await other.getByRole('button', { name: 'Prendre ma position' }).click();
  await other.getByText('Position indisponible : continuez sans.').waitFor();
  await refused.close();
});
