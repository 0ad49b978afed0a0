// A gate choice whose target is an upstream step runs that step again, and with it every step that depends on it
// (the gate among them), as the original's rework routing does.

export function rerunSet(
  steps: readonly { id: string; dependencies: readonly string[] }[],
  target: string,
): Set<string> {
  const set = new Set([target]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const step of steps) {
      if (set.has(step.id) || !step.dependencies.some((d) => set.has(d))) continue;
      set.add(step.id);
      grew = true;
    }
  }
  return set;
}
