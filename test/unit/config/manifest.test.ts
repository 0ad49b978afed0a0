import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  defaultManifestPath,
  formatProblem,
  loadManifest,
  readManifest,
  type Problem,
} from '../../../src/config/index.js';
import { WaveError } from '../../../src/errors.js';
import { PROMPT_FILES, manifestYaml, tempProject } from './_helpers.js';

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/config');

async function problemsOf(yaml: string, files: Record<string, string> = PROMPT_FILES): Promise<Problem[]> {
  const dir = await tempProject({ 'wave.yaml': yaml, ...files });
  return (await readManifest(path.join(dir, 'wave.yaml'))).problems;
}

/** "18:5 error unknown key …" - compact enough to compare in tables. */
function brief(p: Problem): string {
  return `${p.line}:${p.column} ${p.severity} ${p.message}`;
}

describe('loadManifest', () => {
  it('loads a complete manifest and applies defaults only where keys are missing', async () => {
    const m = await loadManifest(path.join(fixtures, 'project/wave.yaml'));
    assert.deepEqual(m.warnings, []);
    assert.equal(m.manifest.runtime.max_concurrent_workers, 8);
    assert.equal(m.manifest.runtime.workspace_root, '.wave/ws');
    assert.equal(m.manifest.runtime.sandbox.hosts['registry.local'], '10.0.0.5');
    assert.equal(m.manifest.personas.navigator?.resources?.memory, '2GiB');
    assert.equal(m.systemPromptPaths.navigator, path.join(fixtures, 'project/prompts/navigator.md'));
    assert.equal(m.projectDir, path.join(fixtures, 'project'));
  });

  it('fills runtime defaults for a minimal manifest', async () => {
    const dir = await tempProject({ 'wave.yaml': manifestYaml(), ...PROMPT_FILES });
    const { manifest } = await loadManifest(path.join(dir, 'wave.yaml'));
    assert.equal(manifest.runtime.workspace_root, '.wave/workspaces');
    assert.equal(manifest.runtime.max_concurrent_workers, 4);
    assert.equal(manifest.runtime.sandbox.backend, 'docker');
    assert.equal(manifest.runtime.audit.log_dir, '.wave/traces');
  });

  it('fails on a missing file with a hint to run wave init', async () => {
    const dir = await tempProject();
    await assert.rejects(loadManifest(path.join(dir, 'wave.yaml')), (err: unknown) => {
      assert.ok(err instanceof WaveError);
      assert.equal(err.code, 'file_not_found');
      assert.match(err.message, /no manifest at .*wave\.yaml/);
      assert.match(err.hint ?? '', /wave init/);
      return true;
    });
  });

  it('throws one WaveError listing every problem', async () => {
    const dir = await tempProject({
      'wave.yaml': manifestYaml('adaptors: {}\nruntime:\n  max_concurrent_workers: 0\n'),
      ...PROMPT_FILES,
    });
    await assert.rejects(loadManifest(path.join(dir, 'wave.yaml')), (err: unknown) => {
      assert.ok(err instanceof WaveError);
      assert.equal(err.code, 'manifest_invalid');
      assert.equal(err.exitCode, 2);
      assert.equal(err.details.length, 2);
      assert.match(
        err.details[0] ?? '',
        /wave\.yaml:18:1: error: unknown key 'adaptors' \(did you mean 'adapters'\?\)/,
      );
      assert.match(err.details[1] ?? '', /wave\.yaml:20:27: error: 'runtime\.max_concurrent_workers' must be >= 1/);
      return true;
    });
  });

  it('exposes the embedded default manifest path', () => {
    assert.ok(defaultManifestPath().endsWith(path.join('defaults', 'wave.yaml')));
  });
});

describe('manifest problems (position and message)', () => {
  const cases: Array<{ name: string; extra: string; expect: string[] }> = [
    {
      name: 'unknown top-level key, with suggestion',
      extra: 'adaptors: {}\n',
      expect: ["18:1 error unknown key 'adaptors' (did you mean 'adapters'?)"],
    },
    {
      name: 'unknown persona key, with suggestion',
      extra: '    permisions: {}\n',
      expect: ["18:5 error unknown key 'permisions' in 'personas.navigator' (did you mean 'permissions'?)"],
    },
    {
      name: 'unknown runtime key, with suggestion',
      extra: 'runtime:\n  max_concurent_workers: 3\n',
      expect: ["19:3 error unknown key 'max_concurent_workers' in 'runtime' (did you mean 'max_concurrent_workers'?)"],
    },
    {
      name: 'unknown nested key (runtime.sandbox), with suggestion',
      extra: 'runtime:\n  sandbox:\n    backnd: docker\n',
      expect: ["20:5 error unknown key 'backnd' in 'runtime.sandbox' (did you mean 'backend'?)"],
    },
    {
      name: 'unknown key without a plausible suggestion',
      extra: '    flavour: spicy\n',
      expect: ["18:5 error unknown key 'flavour' in 'personas.navigator'"],
    },
    {
      name: 'project: facts for {{ project.* }}, scalars only',
      extra: 'project:\n  language: go\n  flags: [a]\n',
      expect: ["20:10 error 'project.flags' must be a string or a number or true or false (got a list)"],
    },
    {
      name: "the original's runtime keys Wave does not apply: one warning each, saying what does not happen",
      extra:
        'runtime:\n  stall_timeout: 5m\n  cost: {enabled: true}\n' +
        '  timeouts: {process_grace_seconds: 3, stdout_drain_seconds: 1, gate_approval_hours: 24,' +
        ' gate_poll_interval_seconds: 30}\n',
      expect: [
        '20:3 warning not applied: runtime.cost: no budget ceiling is enforced: Wave does not price tokens; ' +
          'use wave status for token counts',
        '21:90 warning not applied: runtime.timeouts.gate_poll_interval_seconds: Wave polls no forge (pr_merge ' +
          'and ci_pass gates are refused)',
      ],
    },
    {
      name: 'runtime.stall_timeout is a duration; a timeout Wave does not know is an error',
      extra: 'runtime:\n  stall_timeout: soon\n  timeouts: {proces_grace_seconds: 3}\n',
      expect: [
        "19:18 error 'runtime.stall_timeout' must be a duration such as 30s, 5m or 1m30s (0: off) " +
          '(got string "soon")',
        "20:14 error unknown key 'proces_grace_seconds' in 'runtime.timeouts' (did you mean 'process_grace_seconds'?)",
      ],
    },
    {
      name: 'runtime keys Wave does not implement yet: one error naming both',
      extra: 'runtime:\n  fallbacks: {}\n  circuit_breaker: {}\n',
      expect: ["19:3 error 'runtime': 'fallbacks' and 'circuit_breaker' are not supported yet"],
    },
    {
      name: 'ignored persona key',
      extra: '    temperature: 0.1\n',
      expect: ["18:5 warning ignored: temperature in 'personas.navigator'"],
    },
    {
      name: 'integer out of range',
      extra: 'runtime:\n  max_concurrent_workers: 64\n',
      expect: ["19:27 error 'runtime.max_concurrent_workers' must be <= 32 (got number 64)"],
    },
    {
      name: 'wrong type',
      extra: 'runtime:\n  max_concurrent_workers: many\n',
      expect: [`19:27 error 'runtime.max_concurrent_workers' must be an integer (got string "many")`],
    },
    {
      name: 'enum with suggestion',
      extra: 'runtime:\n  sandbox:\n    backend: dockr\n',
      expect: [
        "20:14 error 'runtime.sandbox.backend': unknown value 'dockr'; expected one of docker, host (did you mean 'docker'?)",
      ],
    },
    {
      name: 'memory that is not a size',
      extra: '    resources: {memory: 4 gigs}\n',
      expect: [
        `18:25 error 'personas.navigator.resources.memory' must be a size like 512m, 4g or 2GiB, or a number of bytes (got string "4 gigs")`,
      ],
    },
    {
      name: 'network mode',
      extra: '    sandbox: {network: closed}\n',
      expect: [
        "18:24 error 'personas.navigator.sandbox.network': unknown value 'closed'; expected one of none, allowlist, open",
      ],
    },
    {
      name: 'persona with an unknown adapter',
      extra: '  other:\n    adapter: claud\n    system_prompt_file: prompts/navigator.md\n',
      expect: ["19:14 error persona 'other': unknown adapter 'claud' (did you mean 'claude'?)"],
    },
    {
      name: 'every problem is reported, in file order',
      extra: '    permisions: {}\nruntime:\n  max_concurrent_workers: 0\n  relay: {strategy: fancy}\n',
      expect: [
        "18:5 error unknown key 'permisions' in 'personas.navigator' (did you mean 'permissions'?)",
        "20:27 error 'runtime.max_concurrent_workers' must be >= 1 (got number 0)",
        "21:21 error 'runtime.relay.strategy': unknown value 'fancy'; expected one of summarize_to_checkpoint",
      ],
    },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const problems = await problemsOf(manifestYaml(c.extra));
      assert.deepEqual(problems.map(brief), c.expect);
    });
  }

  it('unknown key inside an adapter (tier_models), with suggestion', async () => {
    const yaml = manifestYaml().replace(
      '      strongest: claude-opus-4-1',
      '      strongest: claude-opus-4-1\n      balancd: x',
    );
    const problems = await problemsOf(yaml);
    assert.deepEqual(problems.map(brief), [
      "14:7 error unknown key 'balancd' in 'adapters.claude.tier_models' (did you mean 'balanced'?)",
    ]);
  });

  it("a persona tier the adapter does not define maps through its CLI's built-in tiers", async () => {
    const yaml = manifestYaml('    model: cheapest\n').replace(/ {4}tier_models:\n( {6}.*\n){3}/, '');
    assert.deepEqual((await problemsOf(yaml)).map(brief), []);
  });

  it('a persona tier that cannot be mapped to the provider of the adapter is a warning', async () => {
    const yaml = manifestYaml('    model: cheapest\n')
      .replace(/ {4}tier_models:\n( {6}.*\n){3}/, '')
      .replace('  claude:\n    binary: claude', '  opencode:\n    binary: opencode')
      .replace('adapter: claude', 'adapter: opencode')
      .replace('default_model: claude-sonnet-4-5', 'default_model: ollama/qwen');
    assert.deepEqual((await problemsOf(yaml)).map(brief), [
      "14:12 warning persona 'navigator': model tier 'cheapest': the built-in cheapest model " +
        "'anthropic/claude-haiku-4-5' is not served by adapter 'opencode's provider (default_model 'ollama/qwen'); " +
        "using 'ollama/qwen'",
    ]);
  });

  it('ignored adapter keys are warnings, not errors', async () => {
    const yaml = manifestYaml().replace('    binary: claude', '    binary: claude\n    mode: headless');
    const problems = await problemsOf(yaml);
    assert.deepEqual(problems.map(brief), ["8:5 warning ignored: mode in 'adapters.claude'"]);
  });

  it('an invalid persona name points at the key', async () => {
    const problems = await problemsOf(
      manifestYaml('  my persona:\n    adapter: claude\n    system_prompt_file: prompts/navigator.md\n'),
    );
    assert.deepEqual(problems.map(brief), [
      "18:3 error name 'my persona' in 'personas' must be a name of letters, digits, '.', '_' and '-'",
    ]);
  });

  it("an adapter without image runs in Wave's image for its CLI (opencode-* variants too)", async () => {
    const cases: Array<[name: string, binary: string, image: string]> = [
      ['claude', 'claude', 'wave/claude:latest'],
      ['codex', 'codex', 'wave/codex:latest'],
      ['gemini', 'gemini', 'wave/gemini:latest'],
      ['opencode-qwen', 'opencode', 'wave/opencode:latest'],
      ['local', 'opencode-patched', 'wave/opencode:latest'],
    ];
    for (const [name, binary, image] of cases) {
      const yaml = manifestYaml()
        .replace('    image: wave/claude:latest\n', '')
        .replace('  claude:\n    binary: claude', `  ${name}:\n    binary: ${binary}`)
        .replace('adapter: claude', `adapter: ${name}`);
      const dir = await tempProject({ 'wave.yaml': yaml, ...PROMPT_FILES });
      const { loaded } = await readManifest(path.join(dir, 'wave.yaml'));
      assert.equal(loaded?.manifest.adapters[name]?.image, image, name);
    }
  });

  it('an adapter whose CLI Wave has no image for: one error with a hint', async () => {
    const yaml = manifestYaml()
      .replace('    image: wave/claude:latest\n', '')
      .replace('  claude:\n    binary: claude', '  aider:\n    binary: aider')
      .replace('adapter: claude', 'adapter: aider');
    const problems = await problemsOf(yaml);
    assert.deepEqual(
      problems.map((p) => `${brief(p)} | ${p.hint}`),
      [
        "7:13 error adapter 'aider': Wave has no adapter or image for the CLI 'aider' | Wave runs claude, codex, " +
          'gemini, opencode (an adapter named like opencode-qwen, or a binary like opencode-patched, counts as its ' +
          'CLI); name the adapter or its binary after one of them',
      ],
    );
  });

  it('missing required keys name the key and the mapping', async () => {
    const problems = await problemsOf('apiVersion: v1\nkind: WaveManifest\nmetadata: {}\n');
    assert.deepEqual(problems.map(brief), ["3:11 error missing required key 'name' in 'metadata'"]);
  });

  it('wrong kind', async () => {
    const problems = await problemsOf(manifestYaml().replace('kind: WaveManifest', 'kind: WavePipeline'));
    assert.deepEqual(problems.map(brief), [`2:7 error 'kind' must be 'WaveManifest' (got string "WavePipeline")`]);
  });

  it('a missing system prompt file names the persona and the path', async () => {
    const problems = await problemsOf(manifestYaml(), {});
    assert.equal(problems.length, 1);
    const [p] = problems;
    assert.equal(p?.line, 17);
    assert.equal(p?.column, 25);
    assert.match(p?.message ?? '', /persona 'navigator': system_prompt_file 'prompts\/navigator\.md' not found/);
  });

  it('system prompts may live in a shared folder (e.g. a git submodule under .wave/shared/)', async () => {
    const yaml = manifestYaml().replace('prompts/navigator.md', '.wave/shared/personas/nav.md');
    const problems = await problemsOf(yaml, { '.wave/shared/personas/nav.md': '# shared' });
    assert.deepEqual(problems, []);
  });

  it('.wave/personas/<name>.md falls back to the embedded default persona', async () => {
    const yaml = manifestYaml().replace('prompts/navigator.md', '.wave/personas/navigator.md');
    const dir = await tempProject({ 'wave.yaml': yaml });
    const m = await loadManifest(path.join(dir, 'wave.yaml'));
    assert.match(m.systemPromptPaths.navigator ?? '', /defaults[\\/]personas[\\/]navigator\.md$/);
  });

  it('YAML syntax errors carry line and column', async () => {
    const problems = await problemsOf('apiVersion: v1\nkind: WaveManifest\nmetadata:\n  name: [unclosed\n');
    assert.ok(problems.length >= 1);
    const [p] = problems;
    assert.equal(p?.severity, 'error');
    assert.match(p?.message ?? '', /^YAML syntax: /);
    assert.equal(typeof p?.line, 'number');
    assert.equal(typeof p?.column, 'number');
    assert.ok((p?.line ?? 0) >= 4);
  });

  it('tab indentation is a syntax error at its position', async () => {
    const problems = await problemsOf('apiVersion: v1\nkind: WaveManifest\nmetadata:\n\tname: x\n');
    assert.equal(problems[0]?.line, 4);
    assert.equal(problems[0]?.column, 1);
  });

  it('duplicate keys are errors at the second key', async () => {
    const problems = await problemsOf(manifestYaml('runtime: {}\nruntime: {}\n'));
    assert.equal(problems[0]?.line, 19);
    assert.match(problems[0]?.message ?? '', /unique/i);
  });

  it('an empty file is an error with a hint', async () => {
    const problems = await problemsOf('');
    assert.equal(problems.length, 1);
    assert.match(formatProblem(problems[0] as Problem), /wave\.yaml:1:1: error: the manifest is empty\n {2}hint: /);
  });
});
