// What in a model request would make the provider act for the step: its own server-side tools (web search, URL
// fetch, code execution, MCP servers and connectors, file search, image generation, computer use), content the
// provider fetches by URL, and the beta headers that switch such tools on. Pure functions over the parsed body;
// gateway-rules.ts decides what to refuse.
//
// Tool declarations are read as an allowlist: a tool passes only when it is one the CLI runs itself (a function
// or custom tool, Anthropic's bash/text_editor/memory, OpenAI's local shell and apply_patch). Any other tool type,
// including one Wave does not know yet, is a finding. Elsewhere (top-level fields, content blocks) the known
// forms are searched for, and field names are compared the way the providers' parsers may read them: without
// case, `_` or `-` (protobuf JSON reads `google_search` as `googleSearch`).
import type { ProviderTool } from '../../config/types.js';

/** unknown_tool: a tool type Wave does not know to be run by the CLI; stored_config: server-side settings by reference. */
export type FindingKind = ProviderTool | 'unknown_tool' | 'stored_config';

export interface Finding {
  kind: FindingKind;
  /** Where in the request: `tools[3]`, `messages[2].content[0].source`, `header anthropic-beta`. */
  where: string;
  /** What was found there, for the message: `type "web_search_20250305"`. */
  what: string;
}

/** A body too deep to inspect is refused rather than partly read. */
export const MAX_INSPECT_DEPTH = 64;

export class TooDeep extends Error {
  constructor(readonly where: string) {
    super(`${where} is nested deeper than ${MAX_INSPECT_DEPTH} levels`);
  }
}

type Json = unknown;
type Obj = Record<string, Json>;

const isObj = (v: Json): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const norm = (key: string): string => key.toLowerCase().replace(/[_-]/g, '');
const at = (where: string, key: string | number): string =>
  typeof key === 'number' ? `${where}[${key}]` : where ? `${where}.${key}` : key;

/** Every value of `obj` whose key reads as `name` (normalised), with its path. */
function fields(obj: Obj, name: string, where: string): { value: Json; where: string }[] {
  const wanted = norm(name);
  return Object.keys(obj)
    .filter((k) => norm(k) === wanted)
    .map((k) => ({ value: obj[k], where: at(where, k) }));
}

function arrayItems(value: Json, where: string): { value: Json; where: string }[] {
  return Array.isArray(value) ? (value as Json[]).map((v, i) => ({ value: v, where: at(where, i) })) : [];
}

function typeOf(tool: Obj): string | undefined {
  const t = tool.type;
  return typeof t === 'string' ? t : undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// Anthropic Messages (and count_tokens)

/** Anthropic tool types by family (the date suffix changes with each version). */
function anthropicToolKind(type: string): FindingKind | 'client' {
  if (type === 'custom') return 'client';
  if (/^(bash|text_editor|memory)_\d+$/.test(type)) return 'client';
  // Searches the request's own deferred tool definitions; reaches nothing outside the request.
  if (/^tool_search_tool_[a-z0-9]+(_\d+)?$/.test(type)) return 'client';
  if (/^web_search_\d+$/.test(type)) return 'web_search';
  if (/^web_fetch_\d+$/.test(type)) return 'web_fetch';
  if (/^code_execution_\d+$/.test(type)) return 'code_execution';
  if (type === 'mcp_toolset') return 'mcp';
  if (/^computer_\d+$/.test(type)) return 'computer_use';
  return 'unknown_tool';
}

function anthropicBlocks(value: Json, where: string, depth: number, out: Finding[]): void {
  if (depth > MAX_INSPECT_DEPTH) throw new TooDeep(where);
  for (const item of arrayItems(value, where)) {
    const block = item.value;
    if (!isObj(block)) continue;
    const type = typeOf(block);
    if (type === 'mcp_tool_use' || type === 'mcp_tool_result')
      out.push({ kind: 'mcp', where: item.where, what: `a ${type} block` });
    if (type === 'container_upload')
      out.push({ kind: 'code_execution', where: item.where, what: 'a container_upload block' });
    for (const source of fields(block, 'source', item.where)) {
      if (!isObj(source.value)) continue;
      const sourceType = typeOf(source.value);
      if (sourceType === 'url' || fields(source.value, 'url', source.where).length > 0) {
        out.push({ kind: 'web_fetch', where: source.where, what: 'a source the provider fetches by URL' });
      } else if (sourceType === 'file' || fields(source.value, 'file_id', source.where).length > 0) {
        out.push({ kind: 'file_search', where: source.where, what: 'a file stored at the provider (file_id)' });
      }
      for (const inner of fields(source.value, 'content', source.where))
        anthropicBlocks(inner.value, inner.where, depth + 1, out);
    }
    // tool_result and search_result blocks hold blocks of their own.
    for (const inner of fields(block, 'content', item.where)) anthropicBlocks(inner.value, inner.where, depth + 1, out);
  }
}

export function anthropicFindings(body: Obj): Finding[] {
  const out: Finding[] = [];
  for (const f of fields(body, 'mcp_servers', ''))
    out.push({ kind: 'mcp', where: f.where, what: 'a list of MCP servers the provider connects to' });
  for (const f of fields(body, 'container', ''))
    out.push({ kind: 'code_execution', where: f.where, what: 'a code execution container' });
  for (const tools of fields(body, 'tools', '')) {
    for (const item of arrayItems(tools.value, tools.where)) {
      if (!isObj(item.value)) continue;
      const type = typeOf(item.value);
      if (type === undefined) continue; // a client tool: name, description, input_schema
      const kind = anthropicToolKind(type);
      if (kind !== 'client') out.push({ kind, where: item.where, what: `type ${JSON.stringify(type)}` });
    }
  }
  for (const system of fields(body, 'system', '')) anthropicBlocks(system.value, system.where, 1, out);
  for (const messages of fields(body, 'messages', '')) {
    for (const m of arrayItems(messages.value, messages.where)) {
      if (!isObj(m.value)) continue;
      for (const content of fields(m.value, 'content', m.where)) anthropicBlocks(content.value, content.where, 1, out);
    }
  }
  return out;
}

/**
 * Beta families that only switch on server-side tools. Every other beta (Claude Code sends interleaved thinking,
 * context management, advanced tool use and more by default) passes: a beta alone fetches nothing, and the tool
 * it would enable is refused in the body anyway.
 */
const ANTHROPIC_BETA_FAMILIES: readonly [RegExp, ProviderTool][] = [
  [/^mcp-client-/, 'mcp'],
  [/^code-execution-/, 'code_execution'],
  [/^skills-/, 'code_execution'],
  [/^web-fetch-/, 'web_fetch'],
  [/^web-search-/, 'web_search'],
  [/^computer-use-/, 'computer_use'],
  [/^files-api-/, 'file_search'],
];

export function anthropicBetaFindings(values: readonly string[]): Finding[] {
  const out: Finding[] = [];
  for (const beta of values
    .flatMap((v) => v.split(','))
    .map((b) => b.trim().toLowerCase())
    .filter(Boolean)) {
    const family = ANTHROPIC_BETA_FAMILIES.find(([re]) => re.test(beta));
    if (family) out.push({ kind: family[1], where: 'header anthropic-beta', what: `beta ${JSON.stringify(beta)}` });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// OpenAI Responses and Chat Completions

function openaiToolKind(tool: Obj): FindingKind | 'client' | 'namespace' {
  const type = typeOf(tool);
  switch (type) {
    case 'function':
    case 'custom':
    case 'local_shell':
    case 'apply_patch':
      return 'client';
    case 'namespace': // Codex groups its sub-agent functions under one
      return 'namespace';
    case 'shell': {
      // The shell tool runs on the client, unless it names a hosted environment (a container at the provider).
      const env = fields(tool, 'environment', '').map((f) => f.value);
      return env.every((e) => e === undefined || (isObj(e) && e.type === 'local')) ? 'client' : 'code_execution';
    }
    case 'file_search':
      return 'file_search';
    case 'code_interpreter':
      return 'code_execution';
    case 'mcp':
      return 'mcp';
    case 'image_generation':
      return 'image_generation';
    default:
      if (type !== undefined && /^web_search/.test(type)) return 'web_search';
      if (type !== undefined && /^computer/.test(type)) return 'computer_use';
      return 'unknown_tool';
  }
}

function openaiTools(value: Json, where: string, depth: number, out: Finding[]): void {
  if (depth > MAX_INSPECT_DEPTH) throw new TooDeep(where);
  for (const item of arrayItems(value, where)) {
    if (!isObj(item.value)) continue;
    const kind = openaiToolKind(item.value);
    if (kind === 'namespace') {
      for (const inner of fields(item.value, 'tools', item.where))
        openaiTools(inner.value, inner.where, depth + 1, out);
    } else if (kind !== 'client') {
      out.push({ kind, where: item.where, what: `type ${JSON.stringify(typeOf(item.value) ?? null)}` });
    }
  }
}

/** A URL the provider downloads: anything but inline `data:` content. */
const fetchedUrl = (v: Json): boolean => typeof v === 'string' && !/^\s*data:/i.test(v);

/** Input items and content parts of both OpenAI APIs: images and files the provider fetches or has stored. */
function openaiContent(value: Json, where: string, depth: number, out: Finding[]): void {
  if (depth > MAX_INSPECT_DEPTH) throw new TooDeep(where);
  for (const item of arrayItems(value, where)) {
    const part = item.value;
    if (!isObj(part)) continue;
    for (const image of fields(part, 'image_url', item.where)) {
      // Responses: image_url is the URL; Chat Completions: { url }.
      const url = isObj(image.value) ? image.value.url : image.value;
      if (fetchedUrl(url))
        out.push({ kind: 'web_fetch', where: image.where, what: 'an image the provider fetches by URL' });
    }
    for (const file of fields(part, 'file_url', item.where)) {
      if (fetchedUrl(file.value))
        out.push({ kind: 'web_fetch', where: file.where, what: 'a file the provider fetches by URL' });
    }
    const file = fields(part, 'file', item.where).find((f) => isObj(f.value));
    const fileIds = [
      ...fields(part, 'file_id', item.where),
      ...(file && isObj(file.value) ? fields(file.value, 'file_id', file.where) : []),
    ];
    for (const id of fileIds) {
      if (typeof id.value === 'string')
        out.push({ kind: 'file_search', where: id.where, what: 'a file stored at the provider (file_id)' });
    }
    // Messages hold content parts; a function call's output may be a list of parts.
    for (const inner of [...fields(part, 'content', item.where), ...fields(part, 'output', item.where)])
      openaiContent(inner.value, inner.where, depth + 1, out);
  }
}

export function openaiResponsesFindings(body: Obj): Finding[] {
  const out: Finding[] = [];
  for (const tools of fields(body, 'tools', '')) openaiTools(tools.value, tools.where, 1, out);
  for (const choice of fields(body, 'tool_choice', '')) {
    // { type: "allowed_tools", tools: [...] } may name hosted tools too.
    if (isObj(choice.value))
      for (const inner of fields(choice.value, 'tools', choice.where)) openaiTools(inner.value, inner.where, 1, out);
  }
  for (const f of fields(body, 'prompt', '')) {
    if (f.value !== undefined && f.value !== null)
      out.push({
        kind: 'stored_config',
        where: f.where,
        what: 'a prompt stored at the provider, which may enable tools of its own',
      });
  }
  for (const input of fields(body, 'input', '')) openaiContent(input.value, input.where, 1, out);
  return out;
}

export function openaiChatFindings(body: Obj): Finding[] {
  const out: Finding[] = [];
  for (const tools of fields(body, 'tools', '')) openaiTools(tools.value, tools.where, 1, out);
  for (const f of fields(body, 'web_search_options', ''))
    out.push({ kind: 'web_search', where: f.where, what: 'web_search_options' });
  for (const messages of fields(body, 'messages', '')) {
    for (const m of arrayItems(messages.value, messages.where)) {
      if (!isObj(m.value)) continue;
      for (const content of fields(m.value, 'content', m.where)) openaiContent(content.value, content.where, 1, out);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Gemini generateContent, streamGenerateContent and countTokens

const GEMINI_TOOL_FIELDS: Readonly<Record<string, FindingKind | 'client'>> = {
  functiondeclarations: 'client',
  googlesearch: 'web_search',
  googlesearchretrieval: 'web_search',
  enterprisewebsearch: 'web_search',
  googlemaps: 'web_search',
  urlcontext: 'web_fetch',
  codeexecution: 'code_execution',
  computeruse: 'computer_use',
  filesearch: 'file_search',
  retrieval: 'file_search',
};

function geminiParts(value: Json, where: string, depth: number, out: Finding[]): void {
  if (depth > MAX_INSPECT_DEPTH) throw new TooDeep(where);
  for (const item of arrayItems(value, where)) {
    const part = item.value;
    if (!isObj(part)) continue;
    for (const file of fields(part, 'file_data', item.where))
      out.push({ kind: 'web_fetch', where: file.where, what: 'a file the provider reads by URI' });
    // A function response may carry parts of its own (images, files).
    for (const response of fields(part, 'function_response', item.where)) {
      if (isObj(response.value))
        for (const inner of fields(response.value, 'parts', response.where))
          geminiParts(inner.value, inner.where, depth + 1, out);
    }
  }
}

function geminiContents(value: Json, where: string, out: Finding[]): void {
  // contents is a list of Content; systemInstruction is one.
  const contents = Array.isArray(value) ? arrayItems(value, where) : [{ value, where }];
  for (const c of contents) {
    if (isObj(c.value))
      for (const parts of fields(c.value, 'parts', c.where)) geminiParts(parts.value, parts.where, 1, out);
  }
}

export function geminiFindings(body: Obj, where = '', depth = 0): Finding[] {
  if (depth > 2) throw new TooDeep(where);
  const out: Finding[] = [];
  for (const tools of fields(body, 'tools', where)) {
    for (const item of arrayItems(tools.value, tools.where)) {
      if (!isObj(item.value)) continue;
      for (const key of Object.keys(item.value)) {
        const kind = GEMINI_TOOL_FIELDS[norm(key)] ?? 'unknown_tool';
        if (kind !== 'client') out.push({ kind, where: at(item.where, key), what: `the ${key} tool` });
      }
    }
  }
  for (const f of fields(body, 'cached_content', where)) {
    if (f.value !== undefined && f.value !== null)
      out.push({
        kind: 'stored_config',
        where: f.where,
        what: 'cached content stored at the provider, which may enable tools of its own',
      });
  }
  for (const contents of fields(body, 'contents', where)) geminiContents(contents.value, contents.where, out);
  for (const system of fields(body, 'system_instruction', where)) geminiContents(system.value, system.where, out);
  // countTokens may wrap a whole generateContent request.
  for (const inner of fields(body, 'generate_content_request', where))
    if (isObj(inner.value)) out.push(...geminiFindings(inner.value, inner.where, depth + 1));
  return out;
}
