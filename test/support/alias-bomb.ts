// A "billion laughs" YAML document: each level an anchor listing the previous one ten times, so `levels` lines
// expand to 10^levels nodes. The first alias is on line 4 (after kind, metadata and the first anchor).
export function aliasBombPipeline(name: string, levels: number): string {
  const rows = ['l0: &l0 [x, x, x, x, x, x, x, x, x, x]'];
  for (let i = 1; i < levels; i++)
    rows.push(
      `l${i}: &l${i} [${Array(10)
        .fill(`*l${i - 1}`)
        .join(', ')}]`,
    );
  return `kind: WavePipeline\nmetadata: {name: ${name}}\n${rows.join('\n')}\nsteps: [*l${levels - 1}]\n`;
}
