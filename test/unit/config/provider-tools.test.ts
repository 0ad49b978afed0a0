// sandbox.provider_tools: the persona's explicit allowance for the provider's server-side tools. Names are
// checked at file:line; the allowance reaches the egress sources the gateways are started from.
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { readManifest, type Problem } from '../../../src/config/index.js';
import { resolveEgressSources } from '../../../src/sandbox/egress/sources.js';
import { PROMPT_FILES, manifestYaml, tempProject } from './_helpers.js';

const brief = (p: Problem) => `${p.line}:${p.column} ${p.severity} ${p.message}`;
const persona = (name: string, extra: string) =>
  `  ${name}:\n    adapter: claude\n    system_prompt_file: prompts/navigator.md\n${extra}`;

async function problemsOf(extra: string): Promise<Problem[]> {
  const dir = await tempProject({ 'wave.yaml': manifestYaml(extra), ...PROMPT_FILES });
  return (await readManifest(path.join(dir, 'wave.yaml'))).problems;
}

describe('persona sandbox.provider_tools', () => {
  it('known names are accepted and loaded', async () => {
    const dir = await tempProject({
      'wave.yaml': manifestYaml(
        persona('searcher', '    sandbox: {provider_tools: [web_search, code_execution, mcp]}\n'),
      ),
      ...PROMPT_FILES,
    });
    const { loaded, problems } = await readManifest(path.join(dir, 'wave.yaml'));
    assert.deepEqual(problems, []);
    assert.deepEqual(loaded?.manifest.personas.searcher?.sandbox?.provider_tools, [
      'web_search',
      'code_execution',
      'mcp',
    ]);
  });

  it('an unknown name is refused at its line, with the names it may be', async () => {
    const problems = await problemsOf(
      persona('searcher', '    sandbox:\n      provider_tools: [web_search, websearch]\n'),
    );
    assert.equal(problems.length, 1, JSON.stringify(problems));
    assert.match(
      brief(problems[0]!),
      /^22:\d+ error .*provider_tools.*unknown value 'websearch'; expected one of web_search, web_fetch, code_execution, mcp, file_search, image_generation, computer_use/,
    );
  });

  it('with network: none it is refused (there is no gateway to allow anything)', async () => {
    const problems = await problemsOf(
      persona('offline', '    sandbox: {network: none, provider_tools: [web_fetch]}\n'),
    );
    assert.deepEqual(
      problems.map((p) => p.message),
      ["persona 'offline': provider_tools has no effect with network: none"],
    );
  });

  it('reaches the resolved egress (deduplicated); none by default; nothing with network none', () => {
    const resolve = (persona: Parameters<typeof resolveEgressSources>[0]['persona']) => {
      const r = resolveEgressSources({
        adapterProfile: { allowedDomains: [], providers: ['anthropic'] },
        ...(persona ? { persona } : {}),
      });
      assert.ok(r.ok);
      return r.egress.providerTools;
    };
    assert.deepEqual(resolve(undefined), []);
    assert.deepEqual(resolve({ providerTools: ['web_search', 'web_search', 'mcp'] }), ['web_search', 'mcp']);
    assert.deepEqual(resolve({ network: 'none', providerTools: ['web_search'] }), []);
  });
});
