// Egress: the step container's only way out (allowlist proxy, model gateway, the bridge into the container).
export { classifyIp, parseCidr, parseIp, type AddressClass, type Cidr, type IpAddress } from './address.js';
export { readAdapterEgressProfile, parseAdapterEgressProfile, PROFILES_DIR } from './adapter-profile.js';
export {
  BRIDGE_LABEL,
  BRIDGE_READY_LINE,
  BRIDGE_SCRIPT,
  PROXY_PORT,
  RUN_DIR,
  buildAttachment,
  imageHasBridge,
  proxyEnv,
  type EgressAttachment,
  type EgressMount,
  type SidecarSpec,
} from './attachment.js';
export { parseClientHello, type ClientHelloResult } from './client-hello.js';
export { startModelGateway, type CredentialMode, type ModelGateway, type ModelGatewayOptions } from './gateway.js';
export { stripHopByHop } from './hop-by-hop.js';
export { createEgressLog, egressDecisionEvent, type EgressLog, type EgressRecord } from './log.js';
export {
  checkAddresses,
  checkTarget,
  compilePolicy,
  normaliseHost,
  parseAllowEntry,
  type AllowEntry,
  type DenyReason,
  type EgressPolicy,
  type NetworkMode,
} from './policy.js';
export { PLACEHOLDER_KEY, PROVIDERS, hostKey, type ProviderId, type ProviderSpec } from './providers.js';
export { startEgressProxy, type ConnectFn, type EgressProxy, type EgressProxyOptions } from './proxy.js';
export { systemLookup, type LookupFn } from './resolve.js';
export { createRunDir, type ContainerIdentity } from './run-dir.js';
export { startEgressSession, type EgressSession, type EgressSessionOptions } from './session.js';
export {
  entryCovers,
  resolveEgressSources,
  type AdapterEgressProfile,
  type EgressSourcesInput,
  type ResolvedEgress,
} from './sources.js';
export { DEFAULT_EGRESS_LIMITS, type EgressLimits } from './limits.js';
export { callModelUpstream, type ModelCallOptions } from './model-call.js';
