// The OpenCode invocation: argv, env (the inline config), files and stdin for a step (agent-clis.md §2.1, §2.2, §2.4),
// the `provider/model` routing and the projection of persona permission rules into OpenCode's permission block.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  opencodeAdapter,
  opencodeProviderFor,
  projectOpencodePermissions,
  projectOpencodeRule,
} from '../../../../src/adapters/opencode/index.js';
import { adapterFor, type AgentInvocationInput } from '../../../../src/adapters/index.js';
import { WaveError } from '../../../../src/errors.js';

const PROMPT = 'PROMPT-MARKER-7f3a: map this repository and write /wave/out/analysis.json';
const INSTRUCTIONS = '# Navigator\n\nINSTRUCTIONS-MARKER-91c2: you read; you never change the code.\n';
const KEY = 'wave-placeholder-key-0b5e';

/** The navigator persona of defaults/wave.yaml. */
function input(overrides: Partial<AgentInvocationInput> = {}): AgentInvocationInput {
  return {
    prompt: PROMPT,
    instructions: INSTRUCTIONS,
    model: 'anthropic/claude-sonnet-4-5',
    permissions: {
      allowed_tools: [
        'Read',
        'Glob',
        'Grep',
        'Bash(git log*)',
        'Bash(git show*)',
        'Bash(git diff*)',
        'Bash(ls*)',
        'Write(/wave/out/*)',
      ],
      deny: ['Edit(/wave/src/*)', 'Write(/wave/src/*)'],
    },
    paths: { src: '/wave/src', in: '/wave/in', out: '/wave/out', meta: '/wave/meta', home: '/home/wave' },
    gateway: { baseUrl: 'http://127.0.0.1:4001', apiKey: KEY },
    ...overrides,
  };
}

function config(i: AgentInvocationInput = input()): Record<string, any> {
  return JSON.parse(opencodeAdapter.invocation(i).env.OPENCODE_CONFIG_CONTENT!);
}

function manifestError(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof WaveError);
    assert.equal(err.code, 'manifest_invalid');
    assert.match(err.message, pattern);
    return true;
  });
}

const NAVIGATOR_PERMISSION = {
  '*': 'deny',
  read: 'allow',
  grep: 'allow',
  glob: 'allow',
  list: 'allow',
  bash: { '*': 'deny', 'git log*': 'allow', 'git show*': 'allow', 'git diff*': 'allow', 'ls*': 'allow' },
  edit: { '*': 'deny', 'wave/out/*': 'allow', '/wave/out/*': 'allow', 'wave/src/*': 'deny', '/wave/src/*': 'deny' },
  external_directory: { '*': 'deny', '/wave/out/**': 'allow', '/wave/in/**': 'allow', '/tmp/**': 'allow' },
  invalid: 'allow',
};

describe('opencode invocation', () => {
  it('is registered under its name', () => {
    assert.equal(adapterFor('opencode'), opencodeAdapter);
    assert.equal(opencodeAdapter.binary, 'opencode');
    assert.equal(opencodeAdapter.provider, 'anthropic');
  });

  it('builds the exact headless argv: json events, the model, the per-step agent, a title; no prompt, no --auto', () => {
    assert.deepEqual(opencodeAdapter.invocation(input()).argv, [
      'opencode',
      'run',
      '--format',
      'json',
      '--model',
      'anthropic/claude-sonnet-4-5',
      '--agent',
      'wave',
      '--title',
      'wave step',
      '--print-logs',
      '--log-level',
      'ERROR',
    ]);
  });

  it('sends the prompt on stdin and the instructions as a file the agent prompt reads; neither on argv or env', () => {
    const inv = opencodeAdapter.invocation(input());
    assert.equal(inv.stdin, PROMPT);
    assert.deepEqual(inv.files, { 'instructions.md': INSTRUCTIONS });
    const outside = JSON.stringify([inv.argv, inv.env]);
    assert.ok(!outside.includes('PROMPT-MARKER'), 'no prompt on argv or env');
    assert.ok(!outside.includes('INSTRUCTIONS-MARKER'), 'no instructions inline');
    const agent = config().agent.wave;
    assert.equal(agent.mode, 'primary');
    assert.equal(agent.prompt, '{file:/wave/meta/instructions.md}');
    assert.equal(config().default_agent, 'wave');
  });

  it('the config: no update, share or snapshot; no formatter, LSP, MCP or plugin; the provider at the gateway, the key by reference', () => {
    const c = config();
    assert.equal(c.autoupdate, false);
    assert.equal(c.share, 'disabled');
    assert.equal(c.snapshot, false);
    assert.equal(c.formatter, false);
    assert.equal(c.lsp, false);
    assert.deepEqual(c.mcp, {});
    assert.deepEqual(c.plugin, []);
    assert.equal(c.model, 'anthropic/claude-sonnet-4-5');
    assert.equal(c.small_model, 'anthropic/claude-sonnet-4-5');
    assert.deepEqual(c.enabled_providers, ['anthropic']);
    // The model is declared too: OpenCode refuses a model its bundled catalogue lacks.
    assert.deepEqual(c.provider, {
      anthropic: {
        options: { baseURL: 'http://127.0.0.1:4001/v1', apiKey: '{env:ANTHROPIC_API_KEY}' },
        models: { 'claude-sonnet-4-5': { tool_call: true } },
      },
    });
    const env = opencodeAdapter.invocation(input()).env;
    assert.equal(env.ANTHROPIC_API_KEY, KEY);
    assert.ok(!env.OPENCODE_CONFIG_CONTENT!.includes(KEY), 'the key is not inside the config');
  });

  it('env: the workspace cannot add config, instructions, plugins or skills; HOME holds the state', () => {
    const env = opencodeAdapter.invocation(input()).env;
    for (const flag of [
      'OPENCODE_DISABLE_PROJECT_CONFIG',
      'OPENCODE_PURE',
      'OPENCODE_DISABLE_CLAUDE_CODE',
      'OPENCODE_DISABLE_EXTERNAL_SKILLS',
      'OPENCODE_DISABLE_DEFAULT_PLUGINS',
      'OPENCODE_DISABLE_AUTOUPDATE',
      'OPENCODE_DISABLE_MODELS_FETCH',
      'OPENCODE_DISABLE_LSP_DOWNLOAD',
    ]) {
      assert.equal(env[flag], '1', flag);
    }
    assert.deepEqual(
      JSON.parse(env.OPENCODE_PERMISSION!),
      NAVIGATOR_PERMISSION,
      'the permission block again, merged after every config layer',
    );
    assert.equal(env.XDG_CONFIG_HOME, '/home/wave/.config');
    assert.equal(env.XDG_DATA_HOME, '/home/wave/.local/share');
  });

  it('the navigator persona → the exact permission block, on the agent and at the top level', () => {
    const c = config();
    assert.deepEqual(c.permission, NAVIGATOR_PERMISSION);
    assert.deepEqual(c.agent.wave.permission, NAVIGATOR_PERMISSION);
    // Order matters (the last matching rule wins): "*" first, denials after the allows.
    assert.deepEqual(Object.keys(c.permission)[0], '*');
    assert.deepEqual(Object.keys(c.permission.edit), ['*', 'wave/out/*', '/wave/out/*', 'wave/src/*', '/wave/src/*']);
  });

  it('maxTurns becomes the agent steps limit; a bad one is a manifest error', () => {
    assert.equal(config(input({ maxTurns: 40 })).agent.wave.steps, 40);
    assert.equal(config().agent.wave.steps, undefined);
    manifestError(() => opencodeAdapter.invocation(input({ maxTurns: 0 })), /maxTurns/);
  });

  it('rejects an unusable gateway URL or an empty key', () => {
    manifestError(
      () => opencodeAdapter.invocation(input({ gateway: { baseUrl: 'not a url', apiKey: KEY } })),
      /not a URL/,
    );
    manifestError(
      () => opencodeAdapter.invocation(input({ gateway: { baseUrl: 'ftp://127.0.0.1', apiKey: KEY } })),
      /http/,
    );
    manifestError(
      () => opencodeAdapter.invocation(input({ gateway: { baseUrl: 'http://127.0.0.1:4001', apiKey: '' } })),
      /key/,
    );
  });
});

describe('opencode models: provider/model', () => {
  it('routes each provider to its gateway', () => {
    assert.equal(opencodeProviderFor('anthropic/claude-sonnet-4-5'), 'anthropic');
    assert.equal(opencodeProviderFor('openai/gpt-5-codex'), 'openai');
    assert.equal(opencodeProviderFor('google/gemini-2.5-pro'), 'google');
    assert.equal(opencodeProviderFor('openai-compatible/qwen3-coder'), 'openai');
    assert.equal(opencodeProviderFor('openai-compatible/org/model:tag'), 'openai', 'split at the first slash');
    assert.equal(opencodeAdapter.providerFor?.('google/gemini-2.5-flash'), 'google');
  });

  it('anything else is a manifest error that names the accepted form', () => {
    for (const model of [
      'claude-sonnet-4-5',
      'mistral/codestral',
      '/claude',
      'anthropic/',
      '-anthropic/x',
      'anthropic/claude sonnet',
      '',
    ]) {
      assert.throws(
        () => opencodeProviderFor(model),
        (err: unknown) => {
          assert.ok(err instanceof WaveError, model);
          assert.equal(err.code, 'manifest_invalid');
          assert.match(err.hint ?? '', /--model "anthropic\/claude-sonnet-4-5"/);
          return true;
        },
      );
    }
    manifestError(() => opencodeAdapter.invocation(input({ model: 'claude-sonnet-4-5' })), /is not 'provider\/model'/);
  });

  it('openai: the Responses API under the openai gateway base URL (which already ends in /v1)', () => {
    const c = config(
      input({ model: 'openai/gpt-5-codex', gateway: { baseUrl: 'http://127.0.0.1:4002/v1', apiKey: KEY } }),
    );
    assert.deepEqual(c.provider, {
      openai: {
        options: { baseURL: 'http://127.0.0.1:4002/v1', apiKey: '{env:OPENAI_API_KEY}' },
        models: { 'gpt-5-codex': { tool_call: true } },
      },
    });
    assert.deepEqual(c.enabled_providers, ['openai']);
    const env = opencodeAdapter.invocation(
      input({ model: 'openai/gpt-5-codex', gateway: { baseUrl: 'http://127.0.0.1:4002/v1', apiKey: KEY } }),
    ).env;
    assert.equal(env.OPENAI_API_KEY, KEY);
    assert.equal(env.ANTHROPIC_API_KEY, undefined);
  });

  it('google: @ai-sdk/google under /v1beta of the gemini gateway', () => {
    const c = config(
      input({ model: 'google/gemini-2.5-pro', gateway: { baseUrl: 'http://127.0.0.1:4003', apiKey: KEY } }),
    );
    assert.deepEqual(c.provider, {
      google: {
        options: { baseURL: 'http://127.0.0.1:4003/v1beta', apiKey: '{env:GOOGLE_GENERATIVE_AI_API_KEY}' },
        models: { 'gemini-2.5-pro': { tool_call: true } },
      },
    });
  });

  it('openai-compatible: the bundled Chat Completions package and the one model, declared', () => {
    const c = config(
      input({
        model: 'openai-compatible/scripted-chat',
        gateway: { baseUrl: 'http://127.0.0.1:4002/v1/', apiKey: KEY },
      }),
    );
    assert.deepEqual(c.provider, {
      'openai-compatible': {
        npm: '@ai-sdk/openai-compatible',
        name: 'openai-compatible',
        options: { baseURL: 'http://127.0.0.1:4002/v1', apiKey: '{env:OPENAI_API_KEY}' },
        models: { 'scripted-chat': { name: 'scripted-chat', tool_call: true } },
      },
    });
  });
});

describe('opencode permission projection', () => {
  const project = (allowed_tools: string[], deny: string[] = []) => projectOpencodePermissions({ allowed_tools, deny });
  const EXTERNAL_DENY = { '*': 'deny', '/wave/out/**': 'allow', '/wave/in/**': 'allow', '/tmp/**': 'allow' };

  it('`*` allows everything; denials still come last', () => {
    assert.deepEqual(project(['*']), {
      '*': 'allow',
      external_directory: { ...EXTERNAL_DENY, '*': 'allow' },
      invalid: 'allow',
    });
    assert.deepEqual(project(['*', 'Read'], ['Bash(rm *)', 'WebFetch']), {
      '*': 'allow',
      bash: { '*': 'allow', 'rm *': 'deny' },
      webfetch: 'deny',
      external_directory: { ...EXTERNAL_DENY, '*': 'allow' },
      invalid: 'allow',
    });
  });

  it('`*` in deny denies everything, even what is allowed', () => {
    assert.deepEqual(project(['*', 'Read'], ['*']), {
      '*': 'deny',
      external_directory: EXTERNAL_DENY,
      invalid: 'allow',
    });
    assert.deepEqual(project(['Read', 'Bash'], ['*']), {
      '*': 'deny',
      external_directory: EXTERNAL_DENY,
      invalid: 'allow',
    });
  });

  it('nothing allowed: everything denied', () => {
    assert.deepEqual(project([]), { '*': 'deny', external_directory: EXTERNAL_DENY, invalid: 'allow' });
  });

  it('a bare denial beats any allow of the same tool', () => {
    assert.deepEqual(project(['Bash', 'Bash(git log*)'], ['Bash']).bash, 'deny');
    assert.deepEqual(project(['Bash'], ['Bash(git push*)', 'Bash(sudo*)']).bash, {
      '*': 'allow',
      'git push*': 'deny',
      'sudo*': 'deny',
    });
    assert.deepEqual(
      project(['Bash(git *)', 'Bash(git push*)'], ['Bash(git push*)']).bash,
      { '*': 'deny', 'git *': 'allow', 'git push*': 'deny' },
      'the denied pattern moves behind the allows',
    );
  });

  it('projects each persona tool to its OpenCode keys', () => {
    assert.deepEqual(
      projectOpencodeRule('Read'),
      ['read', 'grep', 'glob', 'list'].map((key) => ({ key })),
    );
    assert.deepEqual(projectOpencodeRule('Glob'), [{ key: 'glob' }]);
    assert.deepEqual(projectOpencodeRule('LS'), [{ key: 'list' }]);
    for (const t of ['Write', 'Edit', 'MultiEdit', 'NotebookEdit', 'Patch'])
      assert.deepEqual(projectOpencodeRule(t), [{ key: 'edit' }], t);
    assert.deepEqual(projectOpencodeRule('WebFetch'), [{ key: 'webfetch' }]);
    assert.deepEqual(projectOpencodeRule('TodoWrite'), [{ key: 'todowrite' }]);
    assert.deepEqual(projectOpencodeRule('Task'), [{ key: 'task' }]);
    assert.deepEqual(projectOpencodeRule('webfetch'), [{ key: 'webfetch' }], 'an OpenCode key as it is');
    assert.deepEqual(projectOpencodeRule('mcp__github__create_issue'), [{ key: 'github_create_issue' }]);
    assert.deepEqual(projectOpencodeRule('mcp__github'), [{ key: 'github_*' }]);
    assert.deepEqual(projectOpencodeRule('Bash(*)'), [{ key: 'bash' }]);
    assert.deepEqual(projectOpencodeRule('  '), []);
  });

  it('specs: bash commands verbatim (legacy `:*` → ` *`); paths relative to the worktree `/` and absolute', () => {
    assert.deepEqual(projectOpencodeRule('Bash(npm test:*)'), [{ key: 'bash', pattern: 'npm test *' }]);
    assert.deepEqual(projectOpencodeRule('Write(/wave/out/)'), [
      { key: 'edit', pattern: 'wave/out/*' },
      { key: 'edit', pattern: '/wave/out/*' },
    ]);
    assert.deepEqual(projectOpencodeRule('Edit(docs/*.md)'), [{ key: 'edit', pattern: 'docs/*.md' }]);
    assert.deepEqual(
      projectOpencodeRule('Read(/wave/in/*)'),
      [
        { key: 'read', pattern: 'wave/in/*' },
        { key: 'read', pattern: '/wave/in/*' },
      ],
      'grep, glob and list cannot be narrowed by a path',
    );
    assert.deepEqual(
      projectOpencodeRule('WebFetch(domain:example.com)').map((r) => r.pattern),
      ['https://example.com', 'https://example.com/*', 'http://example.com', 'http://example.com/*'],
    );
  });

  it('an entry that is not Tool or Tool(spec) is a manifest error', () => {
    manifestError(() => project(['Bash(git log*']), /not 'Tool' or 'Tool\(spec\)'/);
    manifestError(() => project(['Read'], ['9lives']), /not 'Tool'/);
    manifestError(() => project(['*'], ['*', 'Bash(']), /not 'Tool'/);
  });
});
