// Layers point one way: lib/bus and lib/db never import the layers built on them, and
// lib/protocol (pure: codecs, schemas, frames) imports nothing outside itself but a few packages
// that do no I/O. Read from the source text, so a type-only import counts too.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const root = fileURLToPath(new URL('../..', import.meta.url));
const lib = join(root, 'lib');

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? tsFiles(path) : entry.endsWith('.ts') ? [path] : [];
  });
}

// `import … from 'x'` and `export … from 'x'` (the clause may span lines but holds no quote),
// `import 'x'`, and `import('x')`
const SPECIFIER = /^(?:import|export)\s[^'"]*?\bfrom\s*['"]([^'"]+)['"]|^import\s*['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/gm;

/** Each import of a file: a path under lib/ for a relative one, else the bare specifier. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(SPECIFIER)].map((m) => {
    const spec = (m[1] ?? m[2] ?? m[3])!;
    return spec.startsWith('.') ? relative(lib, resolve(dirname(file), spec)) : spec;
  });
}

function violations(layer: string, allowed: (imported: string) => boolean): string[] {
  const files = tsFiles(join(lib, layer));
  assert.ok(files.length > 0, `lib/${layer} has source files`);
  return files.flatMap((file) =>
    importsOf(file).filter((i) => !allowed(i)).map((i) => `${relative(root, file)} imports ${i}`),
  );
}

const UPPER = ['server', 'client', 'cli', 'tui'];
const upward = (imported: string) => UPPER.some((layer) => imported === layer || imported.startsWith(`${layer}/`));

test('lib/bus imports nothing from lib/server, lib/client, lib/cli or lib/tui', () => {
  assert.equal(violations('bus', (i) => !upward(i)), []);
});

test('lib/db imports nothing from lib/server, lib/client, lib/cli or lib/tui', () => {
  assert.equal(violations('db', (i) => !upward(i)), []);
});

// Packages lib/protocol may use: none of them does I/O. Add one only if that stays true.
const PURE_PACKAGES = new Set(['zod', 'node:buffer']);

test('lib/protocol imports only lib/protocol and packages that do no I/O', () => {
  assert.equal(violations('protocol', (i) => i.startsWith('protocol/') || PURE_PACKAGES.has(i)), []);
});

test('the scan sees imports, one-line and multi-line, relative and bare', () => {
  const server = importsOf(join(lib, 'server', 'server.ts'));
  assert.ok(server.some((i) => i.startsWith('protocol/')), server.join(', '));
  assert.ok(server.includes('bus/bus.ts'), server.join(', '));
  assert.ok(server.includes('node:net'), server.join(', '));
  const mysqlStore = importsOf(join(lib, 'db', 'mysql-store.ts')); // `import type {⏎ … ⏎} from './store.ts'`
  assert.ok(mysqlStore.includes('db/store.ts'), mysqlStore.join(', '));
});

test.run();
