// Where a step's egress policy comes from, as one pure function over plain data (no dependency on the config
// loader's types): the adapter's profile (its provider host) ∪ runtime.sandbox.default_allowed_domains ∪ the
// persona's sandbox.allowed_domains. A step may only narrow: a stricter network mode, and allowed domains that
// its persona's set already covers.
import { cidrCovers, cidrContains, parseIp } from './address.js';
import type { ProviderTool } from '../../config/types.js';
import type { CredentialMode } from './gateway.js';
import { compilePolicy, DEFAULT_PORTS, parseAllowEntry, type AllowEntry, type NetworkMode } from './policy.js';
import type { ProviderId } from './providers.js';

/** The egress part of sandbox-profiles/<adapter>.yaml. */
export interface AdapterEgressProfile {
  allowedDomains: readonly string[];
  /** Providers whose model gateway the adapter's CLI uses. */
  providers: readonly ProviderId[];
}

export interface EgressSourcesInput {
  adapterProfile?: AdapterEgressProfile;
  /** runtime.sandbox.default_allowed_domains */
  runtimeDefaultAllowed?: readonly string[];
  /** runtime.sandbox.hosts */
  hosts?: Readonly<Record<string, string>>;
  persona?: {
    network?: NetworkMode;
    allowedDomains?: readonly string[];
    credentials?: CredentialMode;
    providerTools?: readonly ProviderTool[];
  };
  step?: { network?: NetworkMode; allowedDomains?: readonly string[] };
  /** Mode when neither persona nor step sets one. Default 'allowlist' (agent steps). */
  defaultMode?: NetworkMode;
}

export interface ResolvedEgress {
  mode: NetworkMode;
  /** Allow entries as written (deduplicated); compile with compilePolicy(). Empty for 'none'. */
  allow: string[];
  hosts: Record<string, string>;
  /** Gateways to start. Empty for 'none' (no bridge at all). */
  providers: ProviderId[];
  credentials: CredentialMode;
  /** The provider's server-side tools the gateways forward (persona sandbox.provider_tools); empty by default. */
  providerTools: ProviderTool[];
  /** Things a user should see, e.g. that open mode is on. */
  warnings: string[];
}

export type EgressSourcesResult = { ok: true; egress: ResolvedEgress } | { ok: false; errors: string[] };

const RANK: Record<NetworkMode, number> = { none: 0, allowlist: 1, open: 2 };

function ports(e: AllowEntry): readonly number[] {
  return e.port === undefined ? DEFAULT_PORTS : [e.port];
}

/** True when every host:port `inner` allows is also allowed by `outer`. */
export function entryCovers(outer: AllowEntry, inner: AllowEntry): boolean {
  const outerPorts = ports(outer);
  if (!ports(inner).every((p) => outerPorts.includes(p))) return false;
  if (inner.kind === 'cidr')
    return outer.kind === 'cidr' && !!outer.cidr && !!inner.cidr && cidrCovers(outer.cidr, inner.cidr);
  if (inner.kind === 'suffix')
    return outer.kind === 'suffix' && (inner.host === outer.host || inner.host.endsWith(`.${outer.host}`));
  if (outer.kind === 'exact') return outer.host === inner.host;
  if (outer.kind === 'suffix') return inner.host.endsWith(`.${outer.host}`);
  const ip = parseIp(inner.host);
  return !!ip && !!outer.cidr && cidrContains(outer.cidr, ip);
}

function dedupe(list: readonly string[]): string[] {
  return [...new Set(list.map((s) => s.trim()).filter(Boolean))];
}

export function resolveEgressSources(input: EgressSourcesInput): EgressSourcesResult {
  const errors: string[] = [];
  const warnings: string[] = [];
  const personaMode = input.persona?.network ?? input.defaultMode ?? 'allowlist';
  // The adapter profile lists the provider's API host for personas that bring their own key into the container
  // (credentials: passthrough). With the gateway (the default) the CLI never needs it, and leaving it open would
  // let an agent send data to the provider under a key of its own: a way out nobody asked for.
  const passthrough = input.persona?.credentials === 'passthrough';
  const personaAllow = dedupe([
    ...(passthrough ? (input.adapterProfile?.allowedDomains ?? []) : []),
    ...(input.runtimeDefaultAllowed ?? []),
    ...(input.persona?.allowedDomains ?? []),
  ]);
  const personaEntries: AllowEntry[] = [];
  for (const raw of personaAllow) {
    const e = parseAllowEntry(raw);
    if ('error' in e) errors.push(e.error);
    else personaEntries.push(e);
  }

  const stepMode = input.step?.network;
  if (stepMode !== undefined && RANK[stepMode] > RANK[personaMode]) {
    errors.push(`step network "${stepMode}" is wider than its persona's "${personaMode}": a step may only narrow`);
  }
  let allow = personaAllow;
  const stepAllow = input.step?.allowedDomains;
  if (stepAllow !== undefined) {
    allow = dedupe(stepAllow);
    for (const raw of allow) {
      const e = parseAllowEntry(raw);
      if ('error' in e) {
        errors.push(`step ${e.error}`);
      } else if (personaMode !== 'open' && !personaEntries.some((outer) => entryCovers(outer, e))) {
        errors.push(
          `step allowed domain ${JSON.stringify(raw)} is not covered by the persona's allowed domains (a step may only narrow)`,
        );
      }
    }
  }
  // A step that lists domains under an open persona narrows to an allowlist.
  const mode: NetworkMode = stepMode ?? (stepAllow !== undefined && personaMode === 'open' ? 'allowlist' : personaMode);

  const { errors: policyErrors } = compilePolicy({ mode, allow: [], hosts: input.hosts ?? {} });
  errors.push(...policyErrors);
  if (errors.length) return { ok: false, errors };

  if (mode === 'open') {
    warnings.push(
      'network "open": the step may reach any public host (loopback, private and link-local addresses stay blocked)',
    );
  }
  const none = mode === 'none';
  return {
    ok: true,
    egress: {
      mode,
      allow: none ? [] : allow,
      hosts: { ...(input.hosts ?? {}) },
      providers: none ? [] : [...(input.adapterProfile?.providers ?? [])],
      credentials: input.persona?.credentials ?? 'placeholder',
      providerTools: none ? [] : [...new Set(input.persona?.providerTools ?? [])],
      warnings,
    },
  };
}
