// The run's DAG as an SVG, laid out by dagre on the server: a box per step (its state, attempts, duration and
// tokens), an arrow per dependency, and a smaller box per child run a composition step started (one per iterate
// item), linking to that child's own page. Every text is escaped by the html template; styling is by class only
// (the Content-Security-Policy allows no inline style).
import dagre from '@dagrejs/dagre';
import { href, html, type SafeHtml } from './html.js';
import { durationText, tokensText, type RunModel } from './run-model.js';

const STEP = { width: 200, height: 66 };
const CHILD = { width: 170, height: 44 };

/** A laid-out node: its top-left corner and size. */
interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

export function dagSvg(model: RunModel, now = Date.now()): SafeHtml {
  const graph = new dagre.graphlib.Graph();
  graph.setGraph({ rankdir: 'LR', nodesep: 18, ranksep: 46, marginx: 8, marginy: 8 });
  graph.setDefaultEdgeLabel(() => ({}));
  const known = new Set(model.steps.map((s) => s.step.stepId));
  for (const node of model.steps) {
    graph.setNode(`s:${node.step.stepId}`, { ...STEP });
    for (const child of node.children) graph.setNode(`c:${child.id}`, { ...CHILD });
  }
  for (const node of model.steps) {
    for (const dep of node.dependencies) if (known.has(dep)) graph.setEdge(`s:${dep}`, `s:${node.step.stepId}`);
    for (const child of node.children) graph.setEdge(`s:${node.step.stepId}`, `c:${child.id}`);
  }
  dagre.layout(graph);
  const edges = graph.edges().map((e) => {
    const points = graph
      .edge(e)
      .points.map((p) => `${p.x.toFixed(1)},${p.y.toFixed(1)}`)
      .join(' ');
    return html`<polyline class="edge" points="${points}" marker-end="url(#arrow)" />`;
  });
  const box = (id: string): Box => {
    const n = graph.node(id);
    return { x: n.x - n.width / 2, y: n.y - n.height / 2, width: n.width, height: n.height };
  };
  const stepBoxes = model.steps.map((node) => {
    const b = box(`s:${node.step.stepId}`);
    const { step } = node;
    const facts = [
      `attempts ${step.attempts}`,
      durationText(step.startedAt, step.finishedAt, now),
      tokensText(node.tokens),
    ].filter(Boolean);
    return html`<a
      href="${href('runs', model.run.id, 'steps', step.stepId)}"
      class="node state-${step.status}"
      data-step="${step.stepId}"
      ><rect x="${b.x}" y="${b.y}" width="${b.width}" height="${b.height}" rx="6" />
      <text x="${b.x + 10}" y="${b.y + 20}" class="title">${clip(step.stepId, 24)}</text>
      <text x="${b.x + 10}" y="${b.y + 38}" class="status" data-status>${step.status}</text>
      <text x="${b.x + 10}" y="${b.y + 55}" class="facts">${facts.join(' · ')}</text></a
    >`;
  });
  const childBoxes = model.steps.flatMap((node) =>
    node.children.map((child) => {
      const b = box(`c:${child.id}`);
      const label = child.itemIndex === null ? child.pipeline : `item ${child.itemIndex}`;
      return html`<a href="${href('runs', child.id)}" class="node child state-${child.status}" data-run="${child.id}"
        ><rect x="${b.x}" y="${b.y}" width="${b.width}" height="${b.height}" rx="4" />
        <text x="${b.x + 8}" y="${b.y + 18}" class="title">${clip(label, 22)}</text>
        <text x="${b.x + 8}" y="${b.y + 35}" class="status">${child.status}</text></a
      >`;
    }),
  );
  const { width = 0, height = 0 } = graph.graph();
  return html`<svg
    class="dag"
    xmlns="http://www.w3.org/2000/svg"
    viewBox="0 0 ${Math.ceil(width)} ${Math.ceil(height)}"
    width="${Math.ceil(width)}"
    height="${Math.ceil(height)}"
    role="img"
    aria-label="steps of run ${model.run.id}"
  >
    <defs>
      <marker
        id="arrow"
        viewBox="0 0 10 10"
        refX="10"
        refY="5"
        markerWidth="7"
        markerHeight="7"
        orient="auto-start-reverse"
      >
        <path d="M 0 0 L 10 5 L 0 10 z" class="arrowhead" />
      </marker>
    </defs>
    ${edges}${stepBoxes}${childBoxes}
  </svg>`;
}

/** Long names are cut to fit their box; the full name is on the step's page. */
function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
