import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';

/**
 * The layers of docs/architecture.md, checked on the source itself: imports point down the
 * picture, never up, and no module imports itself back through others.
 */

const ROOT = path.resolve(__dirname, '../..');

interface Import {
  from: string;
  to: string;
  typeOnly: boolean;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const relative = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(relative);
    return /\.(ts|js)$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [relative] : [];
  });
}

const IMPORT = /^\s*(?:import|export)\s+(type\s+)?(?:[^'";]*?\sfrom\s+)?['"](\.{1,2}\/[^'"]+)['"]/gm;

function importsOf(file: string): Import[] {
  const text = readFileSync(path.join(ROOT, file), 'utf8');
  return [...text.matchAll(IMPORT)].map((match) => ({
    from: file,
    to: path.normalize(path.join(path.dirname(file), match[2]!)).replace(/\.(ts|js)$/, ''),
    typeOnly: Boolean(match[1]),
  }));
}

const FILES = [...sourceFiles('src'), ...sourceFiles('scripts')];
const IMPORTS = FILES.flatMap(importsOf);
const under = (file: string, folder: string) => file.startsWith(`${folder}/`);

function violations(rule: (edge: Import) => boolean): string[] {
  return IMPORTS.filter(rule).map((edge) => `${edge.from} → ${edge.to}`);
}

describe('the layers (docs/architecture.md)', () => {
  it('reads the imports it checks', () => {
    assert.ok(IMPORTS.length > 500, `only ${IMPORTS.length} imports read: the pattern is broken`);
    assert.ok(IMPORTS.some((edge) => edge.from === 'src/cli/commands/dev.ts' && under(edge.to, 'src/dev')));
  });

  it('nothing below the command line imports it', () => {
    const below = ['src/shared', 'src/workflows', 'src/activities', 'src/cloud-manager', 'src/config'];
    const upper = [
      ...below,
      'src/schedules',
      'src/approvals',
      'src/web',
      'src/triggers',
      'src/observability',
    ];
    assert.deepEqual(
      violations((edge) => upper.some((folder) => under(edge.from, folder)) && under(edge.to, 'src/cli')),
      [],
    );
  });

  it('the Cloud Manager client does not import the configuration', () => {
    assert.deepEqual(
      violations((edge) => under(edge.from, 'src/cloud-manager') && under(edge.to, 'src/config')),
      [],
    );
  });

  it('only the dev command imports the dev stack, and scripts import nothing from test/', () => {
    assert.deepEqual(
      violations(
        (edge) =>
          under(edge.to, 'src/dev') &&
          under(edge.from, 'src') &&
          !under(edge.from, 'src/dev') &&
          edge.from !== 'src/cli/commands/dev.ts',
      ),
      [],
    );
    assert.deepEqual(
      violations((edge) => under(edge.from, 'scripts') && under(edge.to, 'test')),
      [],
    );
  });

  it('shared/ and workflows/ import no runtime code from the layers around them', () => {
    // The schedules' slot arithmetic is pure (Intl only) and runs inside the scheduled fleet run.
    const PURE_SCHEDULES = ['scheduled-run', 'slots', 'time-zones', 'when'].map(
      (name) => `src/schedules/${name}`,
    );
    const pure = (edge: Import) =>
      edge.typeOnly ||
      under(edge.to, 'src/shared') ||
      under(edge.to, 'src/workflows') ||
      PURE_SCHEDULES.includes(edge.to);
    const inside = (file: string) =>
      under(file, 'src/shared') ||
      under(file, 'src/workflows') ||
      PURE_SCHEDULES.includes(file.replace(/\.ts$/, ''));
    assert.deepEqual(
      violations((edge) => inside(edge.from) && !pure(edge)),
      [],
    );
  });

  it('has no import cycles in src/', () => {
    const graph = new Map<string, string[]>();
    for (const edge of IMPORTS.filter((candidate) => under(candidate.from, 'src'))) {
      const from = edge.from.replace(/\.(ts|js)$/, '');
      const targets = graph.get(from) ?? [];
      targets.push(edge.to.endsWith('/index') ? edge.to : edge.to);
      graph.set(from, targets);
    }
    const resolve = (module: string) => (graph.has(module) ? module : `${module}/index`);
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const visit = (module: string, trail: string[]) => {
      if (state.get(module) === 'done') return;
      if (state.get(module) === 'open') {
        cycles.push([...trail.slice(trail.indexOf(module)), module].join(' → '));
        return;
      }
      state.set(module, 'open');
      for (const next of graph.get(module) ?? []) visit(resolve(next), [...trail, module]);
      state.set(module, 'done');
    };
    for (const module of graph.keys()) visit(module, []);
    assert.deepEqual(cycles, []);
  });
});
