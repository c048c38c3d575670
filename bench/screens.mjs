// Prints the height of every screen of the built-in forms at 360×640 (CSS px), the incident
// form with a category chosen (its sub-categories shown), so a screen that needs much more
// than two phone screens of scrolling can be seen and split:
//   node bench/screens.mjs            (FIELDS=1 also prints each question's height)
import { startServer, launchBrowser, screenHeights } from '../e2e/harness.mjs';

const server = await startServer();
const { browser, close } = await launchBrowser();
try {
  const ctx = await browser.newContext({ viewport: { width: 360, height: 640 }, deviceScaleFactor: 1 });
  const page = await ctx.newPage();
  const physical = async (p, i) => {
    if (i === 0) await p.getByLabel('Violence physique', { exact: true }).check();
  };
  for (const [id, fill] of [['incident', physical], ['mediation'], ['activite'], ['questionnaire_preparatoire']]) {
    console.log(id);
    for (const s of await screenHeights(page, server.url, id, fill)) {
      const fields = process.env.FIELDS ? '  ' + s.fields.map(([f, h]) => `${f}:${h}`).join(' ') : '';
      console.log(`  ${String(s.height).padStart(5)} px  ${(s.height / 640).toFixed(1)} screens  ${s.title}${fields}`);
    }
  }
} finally {
  await close();
  await server.stop();
}
