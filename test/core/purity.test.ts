import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

import { describe, expect, it } from 'vitest';

import { findPurityViolations } from './support/purity';

const root = fileURLToPath(new URL('../..', import.meta.url));
const coreSource = join(root, 'core', 'src');
/** Node-only code lives here; everything else in core/src must be pure. */
const nodeFolder = join(coreSource, 'node');

async function pureModules(folder: string): Promise<string[]> {
  const files: string[] = [];
  for (const entry of await readdir(folder, { withFileTypes: true })) {
    const path = join(folder, entry.name);
    if (entry.isDirectory() && path !== nodeFolder) {
      files.push(...(await pureModules(path)));
    } else if (entry.isFile() && entry.name.endsWith('.ts')) {
      files.push(path);
    }
  }
  return files;
}

describe('pure modules of core', () => {
  it('find the modules to check', async () => {
    const files = (await pureModules(coreSource)).map((file) => relative(root, file));

    expect(files).toContain('core/src/client.ts');
    expect(files).toContain('core/src/retry.ts');
    expect(files).toContain('core/src/api/send.ts');
    expect(files.some((file) => file.startsWith('core/src/node/'))).toBe(false);
  });

  it('import only relative modules and no forbidden global', async () => {
    const found: string[] = [];
    for (const file of await pureModules(coreSource)) {
      const violations = findPurityViolations(file, await readFile(file, 'utf8'));
      for (const violation of violations) {
        found.push(`${relative(root, file)}:${violation.line} ${violation.rule} ${violation.text}`);
      }
    }

    expect(found).toEqual([]);
  });
});

describe('purity scanner', () => {
  it('flags every rule in the impure fixture', async () => {
    const path = join(root, 'test', 'core', 'fixtures', 'impure-module.ts');
    const violations = findPurityViolations(path, await readFile(path, 'utf8'));

    expect(violations.map(({ line, rule, text }) => `${line} ${rule} ${text}`)).toEqual([
      '2 node-import node:fs/promises',
      '3 node-import path',
      '4 node-import node:crypto',
      '5 node-import stream',
      '6 package-import undici',
      '9 forbidden-global console',
      '9 forbidden-global process',
      '10 forbidden-global setTimeout',
      '11 forbidden-global Buffer',
      '12 forbidden-global require',
      '13 forbidden-global setInterval',
      '14 forbidden-global clearTimeout',
      "16 dynamic-import import('node:os')",
    ]);
  });

  it('ignores comments, strings and property names', () => {
    const source = [
      '// console.log(process.env) in a comment',
      "const text = 'setTimeout and Buffer in a string';",
      'const options = { console: true, process: 1 };',
      'interface Hooks { setTimeout(): void; Buffer: string }',
      'options.process = 2;',
      "import { type Transport } from './transport';",
    ].join('\n');

    expect(findPurityViolations('clean.ts', source)).toEqual([]);
  });

  it('flags a type import from a Node module', () => {
    const source = "type Socket = import('node:net').Socket;";

    expect(findPurityViolations('types.ts', source).map((violation) => violation.rule)).toEqual(['node-import']);
  });
});
