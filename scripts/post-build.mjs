// Trunk post_build hook: runs on the staging folder before it becomes dist/.
//
// 1. Replaces trunk's inline bootstrap <script> with a file that reports a failed start and
//    lets the static first screen paint first.
// 2. Drops the comments and indentation of the two worker scripts (index.html's comments, and
//    those of the stylesheet and the first-screen script with their integrity hashes, go in 1).
// 3. Stamps sw.js with the list of files to precache and a build id derived from their bytes.
// 4. Writes .br and .gz twins of compressible files for the server to send as they are.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync, unlinkSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { brotliCompressSync, gzipSync, constants } from 'node:zlib';

const dir = process.env.TRUNK_STAGING_DIR || process.argv[2];
if (!dir) {
  console.error('post-build: TRUNK_STAGING_DIR is not set and no folder was given');
  process.exit(1);
}

function walk(d) {
  return readdirSync(d).flatMap((name) => {
    const p = join(d, name);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}
const urlOf = (p) => '/' + relative(dir, p).split(sep).join('/');

// A script without its comment lines (whole lines only: `//` lines and block comments that
// start a line), blank lines and indentation. Only for scripts with no template literal over
// several lines.
function withoutComments(text) {
  let block = false;
  return text
    .split('\n')
    .filter((line) => {
      const t = line.trim();
      if (block) {
        block = !t.includes('*/');
        return false;
      }
      if (t.startsWith('/*')) {
        block = !t.includes('*/');
        return false;
      }
      return t !== '' && !t.startsWith('//');
    })
    .map((line) => line.trimStart())
    .join('\n');
}

// 1. Trunk's inline bootstrap is replaced by boot-<hash>.js, a file (so the
//    Content-Security-Policy can forbid inline scripts, trunk-rs/trunk#288) that also says so
//    when the app cannot start: on 2G the first download of the wasm is often cut off, and
//    without this the page would say "Vigie se charge…" for ever. The glue is imported
//    dynamically so that a failed download of it is caught too. The words live in index.html.
const indexPath = join(dir, 'index.html');
let html = readFileSync(indexPath, 'utf8');
const inline = /<script(?![^>]*\bsrc=)([^>]*)>([\s\S]*?)<\/script>/g;
let moved = 0;
const preload = html.match(/<link rel="preload" href="([^"]+\.wasm)"[^>]*>/);
if (preload) html = html.replace(preload[0], '');
html = html.replace(inline, (whole, attrs, body) => {
  if (!body.trim()) return whole;
  const glue = body.match(/import init, \* as bindings from '([^']+\.js)';/);
  const wasm = body.match(/init\(\{ module_or_path: '([^']+\.wasm)' \}\)/);
  if (!glue || !wasm || !/type="module"/.test(attrs)) {
    console.error('post-build: trunk\'s bootstrap script has an unknown shape:\n' + body);
    process.exit(1);
  }
  // The wasm's download waits, on a first visit, until the browser has reported painting the
  // static first screen (its elementtiming marks; at most 200 ms): on 2G the screen's few KB
  // then do not share the link with the wasm's hundreds. From the service worker's cache
  // (every later start) the download begins at once. Either way the app replaces the static
  // screen only once it has been painted, so a measure taken on a fast link (Lighthouse's
  // simulated throttling replays one) sees the order a phone sees. Trunk's preload of the wasm
  // is removed for this. The fetch carries no integrity hash, as before: the browser would hold
  // the whole body to check it, and compiling could no longer overlap the download.
  // A link of the first screen followed before the app runs changes the address in place
  // (marking the tile; style/main.css shows it) and the app opens there, instead of a new page
  // load that would start the download over: on 2G a tile tapped during a first visit's long
  // wait. After a failed start they are plain links. Once instantiated, the app starts in a
  // few short tasks (src/views/mod.rs) and takes the static screen's place in the last: a link
  // followed meanwhile is announced to its router (popstate), and TrunkApplicationStarted
  // fires once the app is on screen.
  if (!preload || preload[1] !== wasm[1]) {
    console.error('post-build: trunk\'s preload of the wasm has an unknown shape');
    process.exit(1);
  }
  const boot = `const box = document.getElementById('boot');
const painted = new Promise((r) => {
  setTimeout(r, 200);
  const left = new Set([...document.querySelectorAll('#boot [elementtiming]')].filter((e) => e.offsetParent));
  if (left.size === 0) r();
  try {
    new PerformanceObserver((list, seen) => {
      for (const e of list.getEntries()) left.delete(e.element);
      if (left.size === 0) { seen.disconnect(); r(); }
    }).observe({ type: 'element', buffered: true });
  } catch { r(); }
});
const download = (navigator.serviceWorker?.controller ? Promise.resolve() : painted)
  .then(() => fetch(${JSON.stringify(wasm[1])}));
download.catch(() => {});
const early = (e) => {
  const a = e.target.closest?.('#boot a[href^="/"]');
  if (!a || box?.classList.contains('boot-failed') || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  e.preventDefault();
  history.pushState(null, '', a.getAttribute('href'));
  window.vigieFirstScreen?.(location.pathname);
  for (const other of box.querySelectorAll('a[aria-current]')) other.removeAttribute('aria-current');
  a.setAttribute('aria-current', 'page');
  dispatchEvent(new PopStateEvent('popstate'));
};
const shown = new Promise((ok) => new MutationObserver((_, o) => box?.isConnected || (o.disconnect(), ok())).observe(document.body, { childList: true }));
document.addEventListener('click', early);
try {
  const bindings = await import(${JSON.stringify(glue[1])});
  const wasm = await bindings.default({ module_or_path: Promise.all([download, painted]).then(([r]) => r) });
  window.wasmBindings = bindings;
  await shown;
  document.removeEventListener('click', early);
  dispatchEvent(new CustomEvent('TrunkApplicationStarted', { detail: { wasm } }));
} catch (e) {
  console.error('Vigie could not start:', e);
  box?.classList.add('boot-failed');
  document.getElementById('boot-retry')?.addEventListener('click', () => location.reload());
}
`;
  const hash = createHash('sha256').update(boot).digest('hex').slice(0, 16);
  const name = `boot-${hash}.js`;
  writeFileSync(join(dir, name), withoutComments(boot));
  moved += 1;
  return `<script type="module" src="/${name}"></script>`;
});
if (moved !== 1 || !html.includes('id="boot-retry"')) {
  console.error(`post-build: expected one bootstrap script and a #boot-retry button, found ${moved}`);
  process.exit(1);
}
// A nonce baked into a static file protects nothing (trunk-rs/trunk#853): drop it.
html = html.replace(/\snonce="[^"]*"/g, '');
// Its comments are for the repository's readers; every phone downloads the page.
html = html.replace(/\n[ \t]*<!--[\s\S]*?-->/g, '');
// The stylesheet too loses its comments and indentation (it has no string holding "/*"),
// and the page's integrity hash for it follows.
for (const link of html.matchAll(/<link rel="stylesheet" href="\/([^"]+\.css)" integrity="(sha384-[^"]+)"/g)) {
  const cssPath = join(dir, link[1]);
  const css = readFileSync(cssPath, 'utf8')
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .join('\n');
  writeFileSync(cssPath, css);
  const integrity = 'sha384-' + createHash('sha384').update(css).digest('base64');
  html = html.replace(link[2], integrity);
}
// The first-screen script (classic, in <head>, so it delays the first paint) likewise.
for (const script of html.matchAll(/<script src="\/(first-screen-[^"]+\.js)" integrity="(sha384-[^"]+)"/g)) {
  const jsPath = join(dir, script[1]);
  const js = withoutComments(readFileSync(jsPath, 'utf8'));
  writeFileSync(jsPath, js);
  html = html.replace(script[2], 'sha384-' + createHash('sha384').update(js).digest('base64'));
}
writeFileSync(indexPath, html);

// 2. The workers without their comment lines, before their bytes are hashed: every phone
//    downloads them, and the layout and comments are for the repository's readers.
for (const name of ['sw.js', 'sw-outbox.js']) {
  const p = join(dir, name);
  writeFileSync(p, withoutComments(readFileSync(p, 'utf8')));
}

// 3. Stamp the service worker.
for (const p of walk(dir)) if (/\.(br|gz)$/.test(p)) unlinkSync(p); // stale twins
const swPath = join(dir, 'sw.js');
const files = walk(dir)
  .filter((p) => p !== swPath)
  .map(urlOf)
  // The large icons are fetched once by the browser at install; keep them out of the
  // first-load budget. robots.txt is for crawlers.
  .filter((u) => !/^\/icons\/.*-512\.png$/.test(u) && u !== '/robots.txt')
  .sort();
const digest = createHash('sha256');
for (const u of files) digest.update(u).update('\0').update(readFileSync(join(dir, u.slice(1))));
const build = digest.digest('hex').slice(0, 16);
let sw = readFileSync(swPath, 'utf8');
if (!sw.includes('__VIGIE_BUILD__') || !sw.includes("['/index.html' /* __VIGIE_PRECACHE__ */]")) {
  console.error('post-build: sw.js placeholders not found');
  process.exit(1);
}
sw = sw
  .replace('__VIGIE_BUILD__', build)
  .replace("['/index.html' /* __VIGIE_PRECACHE__ */]", JSON.stringify(files));
writeFileSync(swPath, sw);

// 4. Precompressed twins.
const compressible = /\.(html|js|mjs|css|wasm|json|webmanifest|svg|txt)$/;
for (const p of walk(dir)) {
  if (!compressible.test(p)) continue;
  const raw = readFileSync(p);
  writeFileSync(p + '.gz', gzipSync(raw, { level: 9 }));
  writeFileSync(
    p + '.br',
    brotliCompressSync(raw, {
      params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: raw.length },
    })
  );
}
console.log(`post-build: build ${build}, ${files.length} files precached, ${moved} inline script(s) moved`);
