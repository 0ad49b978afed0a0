// The proxy's verdict on a target, for tunnels and forwarded requests alike: the policy first, then the name is
// resolved on the host (never by the step) and every address it gives is checked. The caller dials the address
// returned here, so what was checked is what is reached (no second lookup a rebinding name could answer otherwise).
import { checkAddresses, checkTarget, type TargetCheck } from './policy.js';
import type { ProxyContext } from './proxy-context.js';
import type { Refusal } from './proxy-refusal.js';
import { resolveName } from './resolve.js';

export type AllowedTarget = Extract<TargetCheck, { allowed: true }>;

export type TargetDecision = { check: AllowedTarget; address: string } | (Refusal & { host: string; address?: string });

/** Policy + host-side resolution. Returns the address to dial, or why not. */
export async function decideTarget(ctx: ProxyContext, host: string, port: number): Promise<TargetDecision> {
  const check = checkTarget(ctx.policy, host, port);
  if (!check.allowed)
    return {
      status: check.reason === 'bad_request' || check.reason === 'invalid_host' ? 400 : 403,
      reason: check.reason,
      host: check.host,
      ...(check.detail ? { detail: check.detail } : {}),
    };
  if (check.kind === 'ip') return { check, address: check.address };
  let addresses: string[];
  try {
    addresses = await resolveName(ctx.policy, check.host, ctx.lookup);
  } catch (err) {
    return { status: 502, reason: 'dns_failed', host: check.host, detail: (err as Error).message };
  }
  const verdict = checkAddresses(addresses, check.exact);
  if (!verdict.allowed) {
    return {
      status: verdict.reason === 'dns_failed' ? 502 : 403,
      reason: verdict.reason,
      host: check.host,
      detail: verdict.detail,
      ...(verdict.address ? { address: verdict.address } : {}),
    };
  }
  return { check, address: verdict.address };
}
