// DESIGN.md's one-way imports, checked on every import of src/**/*.ts (static, re-exports and dynamic import()):
// cli → engine → {sandbox, adapters, contracts, …} → validate → plan → config, and no file cycle. The linter
// refuses cycles too (import-x/no-cycle in eslint.config.js); the layers are checked here only.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));

/** Each layer may import the layers of a lower rank; a file of src/ itself (errors.ts, liveness.ts) is rank 0. */
const RANK: Record<string, number> = {
  config: 1,
  plan: 2,
  validate: 3,
  sandbox: 4,
  adapters: 4,
  contracts: 4,
  workspace: 4,
  state: 4,
  events: 4,
  audit: 4,
  images: 4,
  model: 4,
  engine: 5,
  bench: 6, // batch runs compose the engine's run service, the image service and the sandbox
  cli: 7,
  serve: 7, // the dashboard sits beside the CLI: it reads state and calls the engine's services like it
};

/**
 * Imports between layers of the same rank: none but these. The sandbox knows nothing of pipelines, an adapter
 * nothing of Docker, contracts nothing of adapters or sandboxes; the engine is where they meet.
 */
const PEERS: Record<string, readonly string[]> = {
  state: ['events'], // the event log stores the event union
  sandbox: ['events'], // the egress log's records are events
  workspace: ['sandbox'], // artifacts are read with the sandbox's path-safe collection walk
  images: ['sandbox'], // images are built and checked through the sandbox's one Docker façade
  cli: ['serve'], // `wave serve` starts the dashboard
};

/**
 * Lower layers a layer still may not import: the engine gets a model upstream (the CLI composes the scripted one);
 * the CLI calls the engine's services and reads state, never Docker or an adapter itself.
 */
const APART: Record<string, readonly string[]> = {
  engine: ['model'],
  bench: ['model'],
  cli: ['sandbox', 'adapters', 'contracts', 'workspace', 'audit'], // the CLI renders; services do the work
  serve: ['sandbox', 'adapters', 'contracts', 'workspace', 'audit'], // so does the dashboard
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

/** The src files a file imports (relative specifiers only; packages and node: builtins are not layers). */
function importsOf(file: string): string[] {
  const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
  return importedFiles
    .map((ref) => ref.fileName)
    .filter((spec) => spec.startsWith('.'))
    .map((spec) => path.resolve(path.dirname(file), spec.replace(/\.js$/, '.ts')));
}

const rel = (file: string) => path.relative(SRC, file);

/** `engine` for src/engine/…; the base name for a file of src/ itself. */
function layerOf(file: string): string {
  const [first] = rel(file).split(path.sep);
  return (first ?? '').replace(/\.ts$/, '');
}

function rankOf(layer: string): number | undefined {
  return layer in RANK ? RANK[layer] : existsSync(path.join(SRC, `${layer}.ts`)) ? 0 : undefined;
}

const graph = new Map(sourceFiles(SRC).map((file) => [file, importsOf(file)]));

/** Strongly connected components with more than one file (Tarjan), each as relative paths. */
function fileCycles(): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (file: string): void => {
    index.set(file, next);
    low.set(file, next++);
    stack.push(file);
    onStack.add(file);
    for (const target of graph.get(file) ?? []) {
      if (!graph.has(target)) continue;
      if (!index.has(target)) {
        visit(target);
        low.set(file, Math.min(low.get(file)!, low.get(target)!));
      } else if (onStack.has(target)) {
        low.set(file, Math.min(low.get(file)!, index.get(target)!));
      }
    }
    if (low.get(file) !== index.get(file)) return;
    const component: string[] = [];
    let member: string | undefined;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      component.push(rel(member));
    } while (member !== file);
    if (component.length > 1) cycles.push(component.sort());
  };
  for (const file of graph.keys()) if (!index.has(file)) visit(file);
  return cycles;
}

describe('architecture: imports run one way', () => {
  it('every file of src/ belongs to a known layer', () => {
    const unknown = [...graph.keys()].filter((file) => rankOf(layerOf(file)) === undefined).map(rel);
    assert.deepEqual(unknown, [], 'give the new folder a rank in test/unit/architecture.test.ts (see DESIGN.md)');
  });

  it('no import goes up a layer or sideways to a peer it may not know', () => {
    const wrong: string[] = [];
    for (const [file, targets] of graph) {
      const from = layerOf(file);
      for (const target of targets) {
        const to = layerOf(target);
        if (to === from) continue;
        const [a, b] = [rankOf(from), rankOf(to)];
        if (a === undefined || b === undefined) continue; // reported above
        if ((b < a && !APART[from]?.includes(to)) || (b === a && PEERS[from]?.includes(to))) continue;
        wrong.push(`${rel(file)} → ${rel(target)}`);
      }
    }
    assert.deepEqual(wrong, []);
  });

  it('no file imports itself through others', () => {
    assert.deepEqual(fileCycles(), []);
  });

  it('the check sees every kind of import', () => {
    const seen = (from: string, to: string) => graph.get(path.join(SRC, from))?.includes(path.join(SRC, to));
    assert.ok(seen('engine/step-runner.ts', 'engine/attempt.ts'), 'import { … } from');
    assert.ok(seen('engine/agent.ts', 'engine/invocation.ts'), 'import type');
    assert.ok(seen('plan/template.ts', 'config/placeholders.ts'), 'export … from');
    assert.ok(seen('engine/run-service.ts', 'sandbox/index.ts'), "await import('…')");
  });
});
