// One request Wave itself makes to a provider on the host (an llm_judge contract): the same upstream, credential and
// CA as the model gateway uses for a step, with no container anywhere near it. The key is attached here, as the
// gateway attaches it, and never leaves the host process.
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { rootCertificates } from 'node:tls';
import { WaveError } from '../../errors.js';
import { upstreamHeaders } from './gateway-upstream.js';
import { hostKey, type ProviderSpec } from './providers.js';

export interface ModelCallOptions {
  spec: ProviderSpec;
  /** The upstream base URL (runtime.models.<id>.base_url, the offline model, else the provider's default). */
  upstream: string;
  hostEnv: Readonly<Record<string, string | undefined>>;
  /** Below the upstream base, e.g. /v1/messages. */
  path: string;
  body: unknown;
  extraCaPem?: string;
  timeoutMs: number;
  signal?: AbortSignal;
}

/** The answer's status and parsed JSON body (undefined when it is not JSON). */
export async function callModelUpstream(options: ModelCallOptions): Promise<{ status: number; json: unknown }> {
  const base = new URL(options.upstream);
  const url = new URL(`${base.pathname.replace(/\/+$/, '')}${options.path}`, base);
  const key = hostKey(options.spec, options.hostEnv);
  if (key === undefined) {
    throw new WaveError('usage', `no ${options.spec.hostKeyEnv.join(' or ')} set for the judge's model call`, {
      hint: `set ${options.spec.hostKeyEnv[0]} in Wave's environment (it never enters a container)`,
    });
  }
  const payload = Buffer.from(JSON.stringify(options.body));
  const incoming = { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' };
  const headers = { ...upstreamHeaders(options.spec, incoming, base, key, 'placeholder') };
  headers['content-length'] = String(payload.length);
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  const tls = url.protocol === 'https:' && options.extraCaPem ? { ca: [...rootCertificates, options.extraCaPem] } : {};
  return new Promise((resolve, reject) => {
    const req = send(
      url,
      {
        method: 'POST',
        headers,
        timeout: options.timeoutMs,
        ...tls,
        ...(options.signal ? { signal: options.signal } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, json });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${Math.round(options.timeoutMs / 1000)} s`)));
    req.on('error', reject);
    req.end(payload);
  });
}
