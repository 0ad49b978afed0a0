import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { loadPipeline, type Manifest, type Pipeline, type Step } from '../../../src/config/index.js';
import { RUNTIME_DEFAULTS } from '../../../src/config/manifest.js';
import { checkDag, topologicalLevels } from '../../../src/plan/index.js';
import { pipelineYaml, tempProject } from '../config/_helpers.js';

function step(id: string, dependencies: string[] = [], extra: Partial<Step> = {}): Step {
  return {
    id,
    persona: 'navigator',
    dependencies,
    exec: { type: 'prompt', source: 'do it' },
    output_artifacts: [],
    handover: { contracts: [] },
    ...extra,
  };
}

function pipeline(steps: Step[]): Pipeline {
  return { kind: 'WavePipeline', metadata: { name: 'p' }, steps };
}

const manifest: Manifest = {
  apiVersion: 'v1',
  kind: 'WaveManifest',
  metadata: { name: 'm' },
  adapters: { claude: { binary: 'claude', image: 'wave/claude:latest', default_model: 'sonnet' } },
  personas: {
    navigator: { adapter: 'claude', system_prompt_file: 'x.md' },
    reviewer: { adapter: 'claude', system_prompt_file: 'y.md' },
  },
  runtime: RUNTIME_DEFAULTS,
};

const messages = (p: Pipeline, m?: Manifest): string[] =>
  checkDag(p, m ? { manifest: m } : {}).problems.map((x) => `${x.severity}: ${x.message}`);

describe('checkDag: problems', () => {
  const cases: Array<{ name: string; steps: Step[]; expect: string[]; withManifest?: boolean }> = [
    {
      name: 'valid diamond',
      steps: [step('a'), step('b', ['a']), step('c', ['a']), step('d', ['b', 'c'])],
      expect: [],
    },
    { name: 'duplicate ids', steps: [step('a'), step('a')], expect: ["error: duplicate step id 'a'"] },
    {
      name: 'unknown dependency with suggestion',
      steps: [step('analyze'), step('b', ['analyse'])],
      expect: ["error: step 'b': unknown dependency 'analyse' (did you mean 'analyze'?)"],
    },
    { name: 'self dependency', steps: [step('a', ['a'])], expect: ["error: step 'a' depends on itself"] },
    {
      name: 'dependency listed twice',
      steps: [step('a'), step('b', ['a', 'a'])],
      expect: ["warning: step 'b': dependency 'a' is listed twice"],
    },
    {
      name: '2-node cycle',
      steps: [step('a', ['b']), step('b', ['a'])],
      expect: ['error: dependency cycle: a -> b -> a'],
    },
    {
      name: '3-node cycle, with a step behind it',
      steps: [step('a', ['c']), step('b', ['a']), step('c', ['b']), step('d', ['c']), step('e')],
      expect: ['error: dependency cycle: a -> c -> b -> a'],
    },
    {
      name: 'two separate cycles are both reported',
      steps: [step('a', ['b']), step('b', ['a']), step('x', ['y']), step('y', ['x'])],
      expect: ['error: dependency cycle: a -> b -> a', 'error: dependency cycle: x -> y -> x'],
    },
    {
      name: 'unknown persona and adapter (with a manifest)',
      steps: [step('a', [], { persona: 'reviwer' }), step('b', [], { adapter: 'codex' })],
      withManifest: true,
      expect: [
        "error: step 'a': unknown persona 'reviwer' (did you mean 'reviewer'?)",
        "error: step 'b': unknown adapter 'codex'",
      ],
    },
    {
      name: "handover.compaction's persona must exist (with a manifest)",
      steps: [step('a', [], { handover: { contracts: [], compaction: { persona: 'sumarizer' } } })],
      withManifest: true,
      expect: ["error: step 'a': handover.compaction.persona: unknown persona 'sumarizer'"],
    },
    { name: 'personas are not checked without a manifest', steps: [step('a', [], { persona: 'ghost' })], expect: [] },
    {
      name: 'inject_artifacts from a non-dependency',
      steps: [
        step('a', [], { output_artifacts: [{ name: 'out', path: 'o.json', type: 'json', required: true }] }),
        step('b', [], { memory: { inject_artifacts: [{ step: 'a', artifact: 'out' }] } }),
      ],
      expect: ["error: step 'b': inject_artifacts: step 'a' is not one of its dependencies"],
    },
    {
      name: 'inject_artifacts from a transitive dependency is fine',
      steps: [
        step('a', [], { output_artifacts: [{ name: 'out', path: 'o.json', type: 'json', required: true }] }),
        step('b', ['a']),
        step('c', ['b'], { memory: { inject_artifacts: [{ step: 'a', artifact: 'out' }] } }),
      ],
      expect: [],
    },
    {
      name: 'inject_artifacts of an undeclared artifact, with suggestion',
      steps: [
        step('a', [], { output_artifacts: [{ name: 'analysis', path: 'o.json', type: 'json', required: true }] }),
        step('b', ['a'], { memory: { inject_artifacts: [{ step: 'a', artifact: 'analysys' }] } }),
      ],
      expect: [
        "error: step 'b': inject_artifacts: step 'a' declares no artifact 'analysys' (did you mean 'analysis'?)",
      ],
    },
    {
      name: 'inject_artifacts from an unknown step',
      steps: [step('b', [], { memory: { inject_artifacts: [{ step: 'zz', artifact: 'x' }] } })],
      expect: ["error: step 'b': inject_artifacts: unknown step 'zz'"],
    },
    {
      name: 'template deps must be dependencies and declared',
      steps: [
        step('a', [], { output_artifacts: [{ name: 'r', path: 'r.md', type: 'markdown', required: true }] }),
        step('b', [], { exec: { type: 'prompt', source: 'read {{ deps.a.r }}' } }),
        step('c', ['a'], { exec: { type: 'prompt', source: 'read {{deps.a.x}} and {{ inptu }}' } }),
      ],
      expect: [
        "error: step 'b': {{ deps.a.r }}: step 'a' is not one of its dependencies",
        "error: step 'c': {{ deps.a.x }}: step 'a' declares no artifact 'x'",
        "error: step 'c': unknown template variable 'inptu' (known: input, run.id, run.name, pipeline_id, step_id, pipeline_name, deps.<step>.<artifact>, artifacts.<name>, steps.<step>.artifacts.<artifact>.<field>, steps.<step>.output.branch|base, project.<key>, forge.<field>, item, item.<field>, iteration)",
      ],
    },
    {
      name: 'a template may read a step further up that the step injects from, not one it does not',
      steps: [
        step('a', [], { output_artifacts: [{ name: 'r', path: 'r.md', type: 'markdown', required: true }] }),
        step('b', ['a']),
        step('c', ['b'], {
          memory: { inject_artifacts: [{ step: 'a', artifact: 'r' }] },
          exec: { type: 'prompt', source: 'read {{ deps.a.r }}' },
        }),
        step('d', ['b'], { exec: { type: 'prompt', source: 'read {{ deps.a.r }}' } }),
      ],
      expect: [
        "error: step 'd': {{ deps.a.r }}: step 'a' is upstream but not injected (a step receives its direct dependencies' outputs and what memory.inject_artifacts names)",
      ],
    },
    {
      name: 'a command script: unsafe places and unknown variables, each reported',
      steps: [step('a', [], { exec: { type: 'command', script: 'echo `{{ input }}`\necho {{ nope }}' } })],
      expect: [
        "error: step 'a': {{ input }} is inside backticks (use $(…) instead), where no quoting keeps its value from running as code",
        "error: step 'a': unknown template variable 'nope' (known: input, run.id, run.name, pipeline_id, step_id, pipeline_name, deps.<step>.<artifact>, artifacts.<name>, steps.<step>.artifacts.<artifact>.<field>, steps.<step>.output.branch|base, project.<key>, forge.<field>, item, item.<field>, iteration) (line 2 of the text)",
      ],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.deepEqual(messages(pipeline(c.steps), c.withManifest ? manifest : undefined), c.expect);
    });
  }
});

describe('checkDag: levels', () => {
  it('groups steps by depth, keeping file order inside a level', () => {
    const p = pipeline([step('d', ['b', 'c']), step('c', ['a']), step('b', ['a']), step('a'), step('e')]);
    assert.deepEqual(checkDag(p).levels, [['a', 'e'], ['c', 'b'], ['d']]);
  });

  it('a step waits for its deepest dependency', () => {
    const p = pipeline([step('a'), step('b', ['a']), step('c', ['b']), step('d', ['a', 'c'])]);
    assert.deepEqual(topologicalLevels(p), [['a'], ['b'], ['c'], ['d']]);
  });

  it('leaves cycle members out of the levels', () => {
    const p = pipeline([step('a'), step('b', ['a', 'c']), step('c', ['b'])]);
    assert.deepEqual(checkDag(p).levels, [['a']]);
  });
});

describe('checkDag: scale (no recursion limits)', () => {
  it('a 1000-step chain', () => {
    const steps = Array.from({ length: 1000 }, (_, i) => step(`s${i}`, i === 0 ? [] : [`s${i - 1}`]));
    // The last step injects from the first: the transitive-dependency walk must cover the whole chain.
    steps[0] = step('s0', [], { output_artifacts: [{ name: 'o', path: 'o', type: 'text', required: true }] });
    steps[999] = step('s999', ['s998'], { memory: { inject_artifacts: [{ step: 's0', artifact: 'o' }] } });
    const { problems, levels } = checkDag(pipeline(steps));
    assert.deepEqual(problems, []);
    assert.equal(levels.length, 1000);
    assert.deepEqual(levels[999], ['s999']);
  });

  it('a 1000-step chain closed into a cycle reports the whole path', () => {
    const steps = Array.from({ length: 1000 }, (_, i) => step(`s${i}`, [`s${(i + 999) % 1000}`]));
    const { problems, levels } = checkDag(pipeline(steps));
    assert.equal(problems.length, 1);
    assert.match(problems[0]?.message ?? '', /^dependency cycle: s0 -> s999 -> s998 -> .* -> s1 -> s0$/);
    assert.deepEqual(levels, []);
  });

  it('a wide fan-out and fan-in (1 → 2000 → 1)', () => {
    const middle = Array.from({ length: 2000 }, (_, i) => step(`m${i}`, ['root']));
    const steps = [
      step('root'),
      ...middle,
      step(
        'join',
        middle.map((s) => s.id),
      ),
    ];
    const { problems, levels } = checkDag(pipeline(steps));
    assert.deepEqual(problems, []);
    assert.equal(levels.length, 3);
    assert.equal(levels[1]?.length, 2000);
    assert.deepEqual(levels[2], ['join']);
  });
});

describe('checkDag: positions from a loaded pipeline', () => {
  it('points at the dependency entry, the duplicate id and the step of a cycle', async () => {
    const yaml = pipelineYaml(`  - id: a
    persona: navigator
    exec: {type: prompt, source: hi}
    dependencies: [b]
  - id: b
    persona: navigator
    exec: {type: prompt, source: hi}
    dependencies: [a, nope]
  - id: b
    persona: navigator
    exec: {type: prompt, source: hi}
`);
    const dir = await tempProject({ 'p.yaml': yaml });
    const loaded = await loadPipeline(path.join(dir, 'p.yaml'));
    const { problems } = checkDag(loaded.pipeline, { file: loaded.file, locate: loaded.locate });
    assert.deepEqual(
      problems.map((p) => `${path.basename(p.file)}:${p.line}:${p.column} ${p.message}`),
      [
        "p.yaml:12:23 step 'b': unknown dependency 'nope'",
        "p.yaml:13:9 duplicate step id 'b' (first defined at line 9)",
        'p.yaml:5:5 dependency cycle: a -> b -> a',
      ],
    );
  });
});

describe('template problems point at the placeholder’s own line', () => {
  it('in a block scalar, a quoted scalar and a command script', async () => {
    const yaml = pipelineYaml(`  - id: a
    persona: navigator
    exec:
      type: prompt
      source: |
        first line
        second {{ input }} and {{ inptu }}
    output_artifacts: [{name: r, path: r.md}]
  - id: b
    persona: navigator
    dependencies: [a]
    exec: {type: prompt, source: "read \\\\{{ literal }} then {{ deps.a.x }}"}
  - id: c
    dependencies: [a]
    exec:
      type: command
      script: >-
        cat {{ deps.a.r }}
        # {{ input }}
`);
    const dir = await tempProject({ 'p.yaml': yaml });
    const loaded = await loadPipeline(path.join(dir, 'p.yaml'));
    const { file, locate, source } = loaded;
    const { problems } = checkDag(loaded.pipeline, { file, locate, ...(source ? { source } : {}) });
    assert.deepEqual(
      problems.map((p) => `${p.line}:${p.column} ${p.message.split(':').slice(0, 2).join(':')}`),
      [
        "11:32 step 'a': unknown template variable 'inptu' (known",
        "16:61 step 'b': {{ deps.a.x }}",
        // Folded into one line, the script comments out the placeholder: refused where it is written.
        "23:11 step 'c': {{ input }} is inside a comment, where no quoting keeps its value from running as code",
      ],
    );
  });
});
