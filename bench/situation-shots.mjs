// Screenshots of the situation room pages (1280×800 and 360 px), forwarding included, the print layout of the
// weekly report and its PDF, into .scratch/ for a person to look at.
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, startServer, ROOT } from '../e2e/harness.mjs';

const out = join(ROOT, '.scratch');
mkdirSync(out, { recursive: true });
// A forwarding target nobody answers, to show its queue and failure.
const server = await startServer(undefined, ['--token', 'd', '--coordinator-token', 'c', '--forward', 'openrosa:http://127.0.0.1:9/v1/key/secret/projects/1/submission']);
const post = (level, commune, extra = {}, form = 'incident') => fetch(server.url + '/api/submissions', {
  method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer d' },
  body: JSON.stringify({ id: randomUUID(), kind: 'incident', form_id: form, form_version: '2', created_at: Date.now(), updated_at: Date.now(), device_id: 'x', author: { name: 'A', role: '' },
    payload: { alert_level: level, category: ['PHY-01'], electoral_phase: 'PRE-CAM', location: { region: commune.slice(0, 4), cercle: commune.slice(0, 6), commune }, ...extra }, schema_version: 2 }),
});
for (const [l, c] of [['rouge', 'ML030201'], ['orange', 'ML050101'], ['jaune', 'ML040101'], ['orange', 'ML030301'], ['rouge', 'ML100101'], ['orange', 'ML060101'], ['rouge', 'ML020101']]) await post(l, c);
for (let i = 0; i < 7; i++) await post('jaune', 'ML030206');
await post('orange', 'ML030202', { category: ['VBG-01'] });
await post('', 'ML030201', { activity_type: 'sensibilisation', participants: { F: { '18-24': 12 }, M: { '18-24': 4 } } }, 'activite');
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium' });
const ctx = await browser.newContext({ httpCredentials: { username: 'x', password: 'c' } });
const page = await ctx.newPage();
for (const [path, name] of [['/coord/map', 'map'], ['/coord/map?show=reports&region=ML03', 'map-sikasso'], ['/coord/indicators', 'indicators'], ['/coord/report', 'report'], ['/coord/cases', 'cases'], ['/coord/forwarding', 'forwarding'], ['/coord/?category=PHY', 'records-category']]) {
  for (const w of [1280, 360]) {
    await page.setViewportSize({ width: w, height: w === 360 ? 740 : 800 });
    await page.goto(server.url + path);
    await page.screenshot({ path: join(out, `situation-${name}-${w}.png`), fullPage: true });
  }
}
await page.setViewportSize({ width: 1280, height: 800 });
await page.goto(server.url + '/coord/report');
await page.emulateMedia({ media: 'print' });
await page.screenshot({ path: join(out, 'situation-report-print.png'), fullPage: true });
const pdf = await page.pdf({ format: 'A4', printBackground: true });
writeFileSync(join(out, 'situation-report.pdf'), pdf);
console.log(`report PDF: ${pdf.length} bytes, ${(pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g) ?? []).length} page(s)`);
await browser.close();
await server.stop();
