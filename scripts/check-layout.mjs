#!/usr/bin/env node
// The layout rules of docs/ARCHITECTURE.md, checked on the sources of the three crates:
// - no import cycle between the top-level modules of a crate, nor between the files of one
//   folder module (a parent and its own children may refer to each other: that is how Rust
//   re-exports);
// - no view file over VIEW_LIMIT lines.
// Prints each cycle and each long file and exits 1 when there is one; `--report` prints the
// counts and exits 0 (for the notes that quote before/after figures).
import { readFileSync, readdirSync, statSync, existsSync } from 'node:fs';
import { join, relative, dirname, basename } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const VIEW_LIMIT = 400;
const CRATES = [
  { name: 'vigie-core', src: 'core/src', root: 'lib.rs', self: ['crate', 'vigie_core'] },
  { name: 'vigie-server', src: 'server/src', root: 'main.rs', self: ['crate'] },
  { name: 'vigie', src: 'src', root: 'lib.rs', self: ['crate', 'vigie'] },
];

/** Every .rs file under `dir`, as paths relative to it. */
function files(dir, base = dir) {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) return files(p, base);
    return n.endsWith('.rs') ? [relative(base, p)] : [];
  });
}

/** The module path of a source file: `forms/model.rs` → ['forms', 'model'], `forms/mod.rs` → ['forms']. */
function modulePath(file, crate) {
  const parts = file.replace(/\.rs$/, '').split('/');
  if (parts[parts.length - 1] === 'mod') parts.pop();
  if (parts.length === 1 && (file === crate.root || file === 'main.rs' || file === 'lib.rs')) return [];
  return parts;
}

/**
 * The source without its unit tests (a `#[cfg(test)]` module, last in a file by custom: a
 * test may build its fixtures with a sibling), comments, string and character literals.
 */
function code(text) {
  const tests = text.search(/#\[cfg\(test\)\]\s*mod /);
  const src = tests < 0 ? text : text.slice(0, tests);
  let out = '';
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    const next = src[i + 1];
    if (c === '/' && next === '/') {
      while (i < src.length && src[i] !== '\n') i++;
    } else if (c === '/' && next === '*') {
      i = src.indexOf('*/', i + 2);
      i = i < 0 ? src.length : i + 2;
    } else if (c === 'r' && /^r#*"/.test(src.slice(i, i + 10)) && !/\w/.test(src[i - 1] ?? '')) {
      // A raw string: r"…", r#"…"#.
      const hashes = src.slice(i + 1).match(/^#*/)[0];
      const end = src.indexOf('"' + hashes, i + 2 + hashes.length);
      i = end < 0 ? src.length : end + 1 + hashes.length;
      out += '""';
    } else if (c === '"') {
      i++;
      while (i < src.length && src[i] !== '"') i += src[i] === '\\' ? 2 : 1;
      i++;
      out += '""';
    } else if (c === "'" && (src[i + 2] === "'" || (next === '\\' && /^'\\.[^']*'/.test(src.slice(i, i + 12))))) {
      // A character literal ('"', '\''); a lifetime ('a) is code.
      i = src.indexOf("'", i + (next === '\\' ? 3 : 2)) + 1;
      out += "' '";
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** Every path a file names from its crate's root: `crate::a::b`, `use crate::{a, b::c}`, `super::x`. */
function paths(src, here, crate) {
  const out = [];
  const roots = crate.self.map((s) => s.replace(/[^\w]/g, '')).join('|');
  // Grouped imports: expand one level of braces.
  const grouped = new RegExp(`\\b(${roots}|super)::((?:super::)*)((?:\\w+::)*)\\{([^{}]*(?:\\{[^{}]*\\}[^{}]*)*)\\}`, 'g');
  const plain = new RegExp(`\\b(${roots}|super)::((?:super::)*)((?:\\w+::)*\\w+)`, 'g');
  const resolve = (head, supers, rest) => {
    let base;
    if (head === 'super') {
      // `super` of a file module is its parent; `here` is the file's module path.
      base = here.slice(0, Math.max(here.length - 1 - supers.split('super::').length + 1, 0));
    } else base = [];
    return [...base, ...rest.split('::').filter(Boolean)];
  };
  let m;
  while ((m = grouped.exec(src))) {
    const prefix = resolve(m[1], m[2], m[3]);
    for (const item of m[4].split(',')) {
      const name = item.trim().split(/\s|::\{/)[0];
      if (name && name !== 'self') out.push([...prefix, ...name.split('::').filter(Boolean)]);
      else if (name === 'self') out.push(prefix);
    }
  }
  while ((m = plain.exec(src))) out.push(resolve(m[1], m[2], m[3]));
  return out;
}

/** The strongly connected components with more than one node (Tarjan). */
function cycles(graph) {
  let index = 0;
  const idx = new Map();
  const low = new Map();
  const stack = [];
  const on = new Set();
  const found = [];
  const visit = (v) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)));
    }
    if (low.get(v) === idx.get(v)) {
      const comp = [];
      let w;
      do {
        w = stack.pop();
        on.delete(w);
        comp.push(w);
      } while (w !== v);
      if (comp.length > 1) found.push(comp.sort());
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) visit(v);
  return found;
}

/** One edge a → b, with the file that makes it (for the message). */
function addEdge(graph, why, a, b, file) {
  if (a === b) return;
  if (!graph.has(a)) graph.set(a, new Set());
  graph.get(a).add(b);
  if (!graph.has(b)) graph.set(b, new Set());
  const key = `${a} → ${b}`;
  if (!why.has(key)) why.set(key, file);
}

function checkCrate(crate) {
  const dir = join(ROOT, crate.src);
  const mods = new Map(); // "a/b" → file
  for (const f of files(dir)) mods.set(modulePath(f, crate).join('/'), f);
  // Module folders: every module with children.
  const graphs = new Map(); // parent ("" for the crate) → {graph, why}
  const graphOf = (parent) => {
    if (!graphs.has(parent)) graphs.set(parent, { graph: new Map(), why: new Map() });
    return graphs.get(parent);
  };
  for (const [mod, file] of mods) {
    const here = mod ? mod.split('/') : [];
    if (here.length === 0) continue;
    for (const p of paths(code(readFileSync(join(dir, file), 'utf8')), here, crate)) {
      // The longest known module the path names.
      let target = null;
      for (let n = p.length; n > 0; n--) {
        if (mods.has(p.slice(0, n).join('/'))) {
          target = p.slice(0, n);
          break;
        }
      }
      if (!target) continue;
      // Where the two first part ways: an edge between siblings of their common parent,
      // unless one contains the other.
      let k = 0;
      while (k < here.length && k < target.length && here[k] === target[k]) k++;
      if (k === here.length || k === target.length) continue;
      const parent = here.slice(0, k).join('/');
      const { graph, why } = graphOf(parent);
      addEdge(graph, why, here[k], target[k], file);
    }
  }
  const found = [];
  for (const [parent, { graph, why }] of graphs) {
    for (const comp of cycles(graph)) {
      const inside = new Set(comp);
      const edges = [...why].filter(([k]) => {
        const [a, b] = k.split(' → ');
        return inside.has(a) && inside.has(b);
      });
      found.push({ where: `${crate.name}${parent ? '::' + parent.replaceAll('/', '::') : ''}`, comp, edges });
    }
  }
  return found;
}

function longViews() {
  const dir = join(ROOT, 'src/views');
  if (!existsSync(dir)) return [];
  return files(dir)
    .map((f) => ({ file: join('src/views', f), lines: readFileSync(join(dir, f), 'utf8').split('\n').length }))
    .filter((f) => f.lines > VIEW_LIMIT);
}

const report = process.argv.includes('--report');
let bad = 0;
for (const crate of CRATES) {
  for (const c of checkCrate(crate)) {
    bad++;
    console.log(`cycle in ${c.where}: ${c.comp.join(', ')}`);
    for (const [edge, file] of c.edges) console.log(`  ${edge}   (${join(crate.src, file)})`);
  }
}
for (const v of longViews()) {
  bad++;
  console.log(`view over ${VIEW_LIMIT} lines: ${v.file} (${v.lines})`);
}
console.log(`layout: ${bad === 0 ? 'no cycle, no long view' : `${bad} problem(s)`}`);
process.exit(report || bad === 0 ? 0 : 1);
