#!/usr/bin/env node
// Fails when the relative imports under src/ (type-only ones included) form a cycle; prints each cycle.
// Run by `npm run lint`. Written by hand (Tarjan's strongly connected components over ~100 files) rather
// than adding madge and its dependency tree for one check.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const root = resolve(process.argv[2] ?? 'src');
const files = [];
const walk = (dir) => {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p);
    else if (p.endsWith('.ts')) files.push(p);
  }
};
walk(root);
const known = new Set(files);
const edges = new Map();
for (const f of files) {
  const text = readFileSync(f, 'utf8');
  const targets = new Set();
  for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^;]*?\sfrom\s+['"](\.{1,2}\/[^'"]+)['"]/g)) {
    const target = resolve(dirname(f), m[1].replace(/\.js$/, '.ts'));
    if (known.has(target)) targets.add(target);
  }
  edges.set(f, [...targets]);
}

let counter = 0;
const index = new Map();
const low = new Map();
const stack = [];
const onStack = new Set();
const cycles = [];
function visit(v) {
  index.set(v, counter);
  low.set(v, counter++);
  stack.push(v);
  onStack.add(v);
  for (const w of edges.get(v)) {
    if (!index.has(w)) {
      visit(w);
      low.set(v, Math.min(low.get(v), low.get(w)));
    } else if (onStack.has(w)) low.set(v, Math.min(low.get(v), index.get(w)));
  }
  if (low.get(v) !== index.get(v)) return;
  const component = [];
  let w;
  do {
    w = stack.pop();
    onStack.delete(w);
    component.push(w);
  } while (w !== v);
  if (component.length > 1 || edges.get(v).includes(v)) cycles.push(component);
}
for (const f of files) if (!index.has(f)) visit(f);

for (const c of cycles) console.error(`import cycle: ${c.map((f) => relative(process.cwd(), f)).sort().join(' <-> ')}`);
console.log(`${files.length} files, ${cycles.length} import cycles`);
process.exit(cycles.length === 0 ? 0 : 1);
