// Takes screenshots of a page at phone size, for a person to look at:
//   node bench/screenshot.mjs [path] [out.png] [lang]
import { join } from 'node:path';
import { startServer, launchBrowser, ROOT } from '../e2e/harness.mjs';

const [path = '/', out = join(ROOT, '.scratch/home.png'), lang] = process.argv.slice(2);
const server = await startServer();
const { browser, close } = await launchBrowser();
try {
  const ctx = await browser.newContext({ viewport: { width: 360, height: 640 }, deviceScaleFactor: 1 });
  const page = await ctx.newPage();
  if (lang) {
    await page.goto(server.url + '/');
    await page.evaluate((l) => localStorage.setItem('vigie/prefs', JSON.stringify({ lang: l })), lang);
  }
  await page.goto(server.url + path);
  await page.locator('.app-header').waitFor();
  await page.screenshot({ path: out });
  console.log(out);
} finally {
  await close();
  await server.stop();
}
