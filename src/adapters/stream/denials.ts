// The calls a CLI refused under the persona's permissions. A CLI may report one refusal twice (Claude as an error
// result and again in the result line's permission_denials): a refusal with a call id is recorded once.
import type { PermissionDenial, PermissionDenialEvent } from '../types.js';

export class DenialLog {
  private readonly denials: PermissionDenial[] = [];

  /** The permission_denial event of a refusal not recorded yet; nothing for one whose call id is known. */
  add(denial: PermissionDenial): PermissionDenialEvent[] {
    if (denial.id !== undefined && this.denials.some((d) => d.id === denial.id)) return [];
    this.denials.push(denial);
    return [{ kind: 'permission_denial', ...denial }];
  }

  hasTool(tool: string): boolean {
    return this.denials.some((d) => d.tool === tool);
  }

  list(): PermissionDenial[] {
    return [...this.denials];
  }
}
