// The egress audit log: one NDJSON line per connection or gateway request, allowed or not, plus a callback so the
// engine can turn each record into an `egress_decision` event. Records never carry header values, query strings
// or bodies (they could hold keys); the gateway logs the path without its query.
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';
import type { EgressDecisionEvent } from '../../events/types.js';

/**
 * Why the model gateway refused a request (gateway-rules.ts), for EgressRecord.reason:
 * gateway_path: a method or path the agent CLIs do not need (404/405);
 * gateway_body: a body the gateway cannot read as the provider would (not JSON, compressed, too large: 400/413/415);
 * provider_tool: a server-side tool of the provider the persona does not allow (403).
 */
export type GatewayDenyReason = 'gateway_path' | 'gateway_body' | 'provider_tool';

export interface EgressRecord {
  /** ISO 8601, when the connection or request ended (or was refused). */
  time: string;
  run?: string;
  step: string;
  attempt?: number;
  /** connect: a CONNECT tunnel; http: a plain-HTTP forward request; gateway: a model-gateway request. */
  kind: 'connect' | 'http' | 'gateway';
  method: string;
  host: string;
  port: number;
  /** The address that was checked and dialled; absent when refused before resolution. */
  address?: string;
  allowed: boolean;
  /**
   * allowlisted | exact_entry | open_mode | gateway, or a DenyReason such as not_allowlisted, or a GatewayDenyReason,
   * or the gateway's own body_too_large (413) and body_budget (503: the step's budget of buffered body bytes is full).
   */
  reason: string;
  /** More about a refusal or failure (address class, parser message). Never secret. */
  detail?: string | undefined;
  /** Upstream failure after the policy allowed the connection (connect refused, timeout…). */
  error?: string;
  /** HTTP status returned to the client, when there was one. */
  status?: number;
  /** The SNI the client sent, on a TLS tunnel. */
  sni?: string;
  /** Gateway only: the provider and the request path (query removed). */
  provider?: string;
  path?: string;
  bytesUp: number;
  bytesDown: number;
  durationMs: number;
}

export interface EgressLog {
  record(rec: EgressRecord): void;
  /** Flushes and closes the file; records after close still reach the callback. */
  close(): Promise<void>;
}

export interface EgressLogOptions {
  /** NDJSON file (appended; created 0600 with its directory), e.g. `<traces dir>/<run-id>/egress.ndjson`. */
  path?: string;
  onRecord?: (rec: EgressRecord) => void;
}

export function createEgressLog(options: EgressLogOptions): EgressLog {
  let stream: WriteStream | undefined;
  if (options.path) {
    mkdirSync(dirname(options.path), { recursive: true, mode: 0o700 });
    stream = createWriteStream(options.path, { flags: 'a', mode: 0o600 });
    // A full disk must not crash the proxy; the callback still sees every record.
    stream.on('error', () => undefined);
  }
  return {
    record(rec) {
      if (stream && !stream.closed && !stream.writableEnded) stream.write(`${JSON.stringify(rec)}\n`);
      try {
        options.onRecord?.(rec);
      } catch {
        // A throwing listener must not break the connection it describes.
      }
    },
    close() {
      const s = stream;
      stream = undefined;
      return new Promise((resolve) => (s && !s.writableEnded ? s.end(() => resolve()) : resolve()));
    },
  };
}

/** The `egress_decision` event for a record (the lead's event bus adds eventId). */
export function egressDecisionEvent(rec: EgressRecord, runId: string): EgressDecisionEvent {
  const event: EgressDecisionEvent = {
    type: 'egress_decision',
    runId,
    time: rec.time,
    host: rec.host,
    port: rec.port,
    allowed: rec.allowed,
    reason: rec.error ? `${rec.reason}; ${rec.error}` : rec.reason,
    stepId: rec.step,
  };
  if (rec.attempt !== undefined) event.attempt = rec.attempt;
  return event;
}
