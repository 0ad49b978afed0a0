// What the model gateway forwards: per provider, only the methods and paths the agent CLIs need, with JSON bodies
// that the gateway reads exactly as the provider will, and without the provider's own server-side tools (web
// search, URL fetch, code execution, MCP servers, file search, image generation, computer use), which would let
// the provider reach the network for the step, outside the egress allowlist. A pure function; gateway.ts calls it
// with the whole request before anything goes upstream.
//
// Policy: refuse, never rewrite. A request the rules do not accept is answered with an error in the provider's
// own shape (so the CLI shows the reason to the model and the log), and is logged with reason and detail. A request
// they accept is forwarded byte for byte. Server-side tools pass only when the persona lists their kind in
// `sandbox.provider_tools`; a tool type Wave does not know never passes.
import type { ProviderTool } from '../../config/types.js';
import { parseStrictJson } from './gateway-rules-json.js';
import {
  anthropicBetaFindings,
  anthropicFindings,
  geminiFindings,
  openaiChatFindings,
  openaiResponsesFindings,
  TooDeep,
  type Finding,
} from './gateway-rules-tools.js';
import type { GatewayDenyReason } from './log.js';
import { PROVIDERS, type ProviderId } from './providers.js';

export type GatewayHeaders = Readonly<Record<string, string | readonly string[] | undefined>>;

export interface GatewayRequest {
  provider: ProviderId;
  method: string;
  /**
   * The request path after the provider's container base path (what upstreamPath() appends to the upstream base),
   * WHATWG-normalised, without the query: `/v1/messages` (Anthropic), `/responses` (OpenAI, base `/v1`),
   * `/v1beta/models/gemini-2.5-flash:streamGenerateContent` (Gemini).
   */
  path: string;
  headers: GatewayHeaders;
  /** The whole body as received (empty for none). */
  body: Buffer;
  /** The persona's `sandbox.provider_tools`. Default none. */
  allow?: readonly ProviderTool[];
  /** Bodies above this are refused (413). Default DEFAULT_GATEWAY_MAX_BODY_BYTES. */
  maxBodyBytes?: number;
}

export type GatewayCheck =
  | {
      ok: true;
      /** The route's name, for the log: `anthropic.messages`. */
      route: string;
      /** The request's own body and headers, unchanged: the rules never rewrite a request. */
      body: Buffer;
      headers: GatewayHeaders;
    }
  | {
      ok: false;
      status: number;
      reason: GatewayDenyReason;
      /** For EgressRecord.detail: what was refused and where, never a header value or body content. */
      detail: string;
      /** For the client: the detail with what to do about it. */
      message: string;
    };

/** The Messages API's own limit; a long conversation with images is a few MB. */
export const DEFAULT_GATEWAY_MAX_BODY_BYTES = 32 * 1024 * 1024;

type Inspect = (body: Record<string, unknown>) => Finding[];

interface Route {
  name: string;
  method: 'GET' | 'POST';
  path: RegExp;
  /** For messages, relative like `path`: `POST /v1/messages`. */
  display: string;
  /** POST routes: how the JSON body is checked. */
  inspect?: Inspect;
}

/** A model id or name segment: no `%`, `/` or `:` that an upstream might decode or split differently. */
const ID = '[A-Za-z0-9][A-Za-z0-9._-]{0,199}';

const ROUTES: Readonly<Record<ProviderId, readonly Route[]>> = {
  anthropic: [
    {
      name: 'anthropic.messages',
      method: 'POST',
      path: /^\/v1\/messages$/,
      display: 'POST /v1/messages',
      inspect: anthropicFindings,
    },
    {
      name: 'anthropic.count_tokens',
      method: 'POST',
      path: /^\/v1\/messages\/count_tokens$/,
      display: 'POST /v1/messages/count_tokens',
      inspect: anthropicFindings,
    },
    {
      name: 'anthropic.models',
      method: 'GET',
      path: new RegExp(`^/v1/models(/${ID})?$`),
      display: 'GET /v1/models[/<id>]',
    },
  ],
  openai: [
    {
      name: 'openai.responses',
      method: 'POST',
      path: /^\/responses$/,
      display: 'POST /responses',
      inspect: openaiResponsesFindings,
    },
    // Codex compacts a long conversation through the same API shape.
    {
      name: 'openai.responses_compact',
      method: 'POST',
      path: /^\/responses\/compact$/,
      display: 'POST /responses/compact',
      inspect: openaiResponsesFindings,
    },
    {
      name: 'openai.chat_completions',
      method: 'POST',
      path: /^\/chat\/completions$/,
      display: 'POST /chat/completions',
      inspect: openaiChatFindings,
    },
    { name: 'openai.models', method: 'GET', path: new RegExp(`^/models(/${ID})?$`), display: 'GET /models[/<id>]' },
  ],
  gemini: [
    {
      name: 'gemini.generate_content',
      method: 'POST',
      path: new RegExp(`^/v1beta/models/${ID}:(generateContent|streamGenerateContent|countTokens)$`),
      display: 'POST /v1beta/models/<model>:generateContent|streamGenerateContent|countTokens',
      inspect: (b) => geminiFindings(b),
    },
    {
      name: 'gemini.models',
      method: 'GET',
      path: new RegExp(`^/v1beta/models(/${ID})?$`),
      display: 'GET /v1beta/models[/<model>]',
    },
  ],
};

/** What the persona would add to allow a kind, and what the kind is, for messages. */
const KIND_TEXT: Readonly<Record<ProviderTool, string>> = {
  web_search: "the provider's own web search",
  web_fetch: 'the provider fetching a URL',
  code_execution: 'code execution at the provider',
  mcp: 'MCP servers or connectors the provider connects to',
  file_search: 'files stored at the provider',
  image_generation: "the provider's image generation",
  computer_use: 'computer use',
};

export function checkGatewayRequest(req: GatewayRequest): GatewayCheck {
  const routes = ROUTES[req.provider];
  // Messages name the path as the CLI sent it (OpenAI's under /v1).
  const base = PROVIDERS[req.provider].containerBasePath;
  const samePath = routes.filter((r) => r.path.test(req.path));
  const route = samePath.find((r) => r.method === req.method);
  if (!route) {
    const shown = `${req.method} ${base}${req.path}`.slice(0, 300);
    const detail = samePath.length
      ? `${shown} is not allowed (only ${samePath.map((r) => r.method).join(', ')})`
      : `${shown} is not an endpoint the agent CLIs need`;
    const paths = routes.map((r) => r.display.replace(' ', ` ${base}`)).join('; ');
    return refuse(
      samePath.length ? 405 : 404,
      'gateway_path',
      detail,
      `${detail}; the ${req.provider} gateway forwards ${paths}`,
    );
  }

  const betas = headerValues(req.headers, 'anthropic-beta');
  const allow = new Set<string>(req.allow ?? []);
  const fromHeaders = req.provider === 'anthropic' ? anthropicBetaFindings(betas) : [];

  if (route.method === 'GET') {
    if (req.body.length > 0)
      return refuse(
        400,
        'gateway_body',
        `${req.method} ${req.path} has a body`,
        `${req.method} ${req.path} must not have a body`,
      );
    return toolVerdict(route, req, fromHeaders, allow);
  }

  const max = req.maxBodyBytes ?? DEFAULT_GATEWAY_MAX_BODY_BYTES;
  if (req.body.length > max)
    return refuse(
      413,
      'gateway_body',
      `the body has ${req.body.length} bytes, more than ${max}`,
      `the request body is larger than ${max} bytes`,
    );
  const encoding = headerValues(req.headers, 'content-encoding').join(',').trim().toLowerCase();
  if (encoding !== '' && encoding !== 'identity') {
    // A compressed body could hide what it asks for; the CLIs send plain JSON.
    return refuse(
      415,
      'gateway_body',
      `content-encoding ${JSON.stringify(encoding)}`,
      'the gateway accepts only uncompressed request bodies (no content-encoding)',
    );
  }
  const type = headerValues(req.headers, 'content-type');
  if (type.length !== 1 || !/^application\/json\s*(;\s*charset="?utf-8"?\s*)?$/i.test(type[0]!.trim())) {
    return refuse(
      415,
      'gateway_body',
      `content-type ${type.length ? JSON.stringify(type.join(', ').slice(0, 80)) : 'missing'}`,
      'the request body must be JSON (content-type: application/json)',
    );
  }
  const parsed = parseStrictJson(req.body);
  if (!parsed.ok) return refuse(400, 'gateway_body', parsed.error, parsed.error);
  if (typeof parsed.value !== 'object' || parsed.value === null || Array.isArray(parsed.value)) {
    return refuse(400, 'gateway_body', 'the body is not a JSON object', 'the request body must be a JSON object');
  }
  let findings: Finding[];
  try {
    findings = [...fromHeaders, ...(route.inspect?.(parsed.value as Record<string, unknown>) ?? [])];
  } catch (err) {
    if (!(err instanceof TooDeep)) throw err;
    return refuse(400, 'gateway_body', err.message, `the request body could not be checked: ${err.message}`);
  }
  return toolVerdict(route, req, findings, allow);
}

function toolVerdict(
  route: Route,
  req: GatewayRequest,
  findings: readonly Finding[],
  allow: ReadonlySet<string>,
): GatewayCheck {
  const refused = findings.find((f) => !allow.has(f.kind));
  if (!refused) return { ok: true, route: route.name, body: req.body, headers: req.headers };
  const more = findings.filter((f) => !allow.has(f.kind)).length - 1;
  const also = more > 0 ? ` (and ${more} more)` : '';
  const detail = `${refused.kind}: ${refused.where}, ${refused.what}${also}`;
  let why: string;
  if (refused.kind === 'unknown_tool') {
    why = `${refused.where} has ${refused.what}, a tool Wave does not know to run in the agent's own container; the gateway forwards only tools the CLI runs itself`;
  } else if (refused.kind === 'stored_config') {
    why = `${refused.where} names ${refused.what}; the gateway forwards only what the request itself says`;
  } else {
    why =
      `${refused.where} (${refused.what}) asks for ${KIND_TEXT[refused.kind]}, which would act outside the step's egress allowlist. ` +
      `To allow it, list it in the persona: sandbox.provider_tools: [${refused.kind}]`;
  }
  return refuse(403, 'provider_tool', detail, `${why}${also}`);
}

function refuse(status: number, reason: GatewayDenyReason, detail: string, message: string): GatewayCheck {
  return { ok: false, status, reason, detail, message: `wave model gateway refused the request: ${message}` };
}

function headerValues(headers: GatewayHeaders, name: string): string[] {
  const out: string[] = [];
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== name || value === undefined) continue;
    if (typeof value === 'string') out.push(value);
    else out.push(...value);
  }
  return out;
}

/**
 * The refusal as the provider would send an error, so the CLI reports it as an API error with this message (to
 * the model as a failed tool call, or to the log as the step's failure) and does not retry a 4xx (it retries the
 * 503 of a full body budget, as it would an overloaded provider).
 */
export function gatewayRefusalResponse(
  provider: ProviderId,
  refusal: { status: number; message: string },
): { status: number; headers: Record<string, string>; body: Buffer } {
  const { status, message } = refusal;
  let payload: unknown;
  if (provider === 'anthropic') {
    const types: Record<number, string> = {
      403: 'permission_error',
      404: 'not_found_error',
      413: 'request_too_large',
      503: 'overloaded_error',
    };
    const type = types[status] ?? 'invalid_request_error';
    payload = { type: 'error', error: { type, message } };
  } else if (provider === 'openai') {
    const type = status >= 500 ? 'server_error' : 'invalid_request_error';
    payload = { error: { message, type, param: null, code: status === 403 ? 'wave_gateway_refused' : null } };
  } else {
    const statuses: Record<number, string> = { 403: 'PERMISSION_DENIED', 404: 'NOT_FOUND', 503: 'UNAVAILABLE' };
    const googleStatus = statuses[status] ?? 'INVALID_ARGUMENT';
    payload = { error: { code: status, message, status: googleStatus } };
  }
  const body = Buffer.from(JSON.stringify(payload));
  return { status, headers: { 'content-type': 'application/json', 'content-length': String(body.length) }, body };
}
