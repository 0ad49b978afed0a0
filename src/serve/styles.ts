// The dashboard's stylesheet, served as /static/app.css (no inline style: the Content-Security-Policy forbids it).
export const STYLES = `
body { font: 14px/1.45 system-ui, sans-serif; margin: 0; color: #1d232b; background: #f6f7f9; }
header { background: #1d232b; color: #fff; padding: 8px 16px; }
header a.brand { color: #fff; font-weight: 700; text-decoration: none; }
.live-state { float: right; color: #9fd39f; font-size: 12px; }
main { padding: 12px 16px; }
h1 { font-size: 18px; } h2 { font-size: 15px; margin-top: 22px; }
table { border-collapse: collapse; background: #fff; }
th, td { border: 1px solid #dde1e6; padding: 4px 8px; text-align: left; vertical-align: top; }
pre { background: #fff; border: 1px solid #dde1e6; padding: 8px; overflow: auto; white-space: pre-wrap; margin: 0; }
pre.output { max-height: 60vh; }
pre.error, .error { color: #a11; }
.note, .meta, .empty { color: #58606b; }
.badge { padding: 1px 6px; border-radius: 8px; font-size: 12px; background: #e3e6ea; }
.badge.state-running, .badge.state-retrying { background: #fff1c2; }
.badge.state-completed, .badge.state-passed, .badge.state-allowed { background: #cfeccf; }
.badge.state-failed, .badge.state-timed_out, .badge.state-refused { background: #f6caca; }
.badge.state-cancelled, .badge.state-skipped { background: #e0dcef; }
.filters label { margin-right: 10px; }
.actions form { display: inline-block; margin-right: 8px; }
button.danger { color: #a11; }
.action-result { display: block; min-height: 1.4em; color: #58606b; }
svg.dag { background: #fff; border: 1px solid #dde1e6; max-width: 100%; height: auto; }
svg.dag .edge { fill: none; stroke: #8a929c; stroke-width: 1.4; }
svg.dag .arrowhead { fill: #8a929c; }
svg.dag .node rect { fill: #eef0f3; stroke: #8a929c; }
svg.dag .node.child rect { fill: #f8f9fb; stroke-dasharray: 4 2; }
svg.dag .node.state-running rect, svg.dag .node.state-retrying rect { fill: #fff1c2; stroke: #c99a06; }
svg.dag .node.state-completed rect { fill: #d9f1d9; stroke: #3b8f3b; }
svg.dag .node.state-failed rect, svg.dag .node.state-timed_out rect { fill: #f9d6d6; stroke: #b33; }
svg.dag .node.state-cancelled rect, svg.dag .node.state-skipped rect { fill: #e6e2f2; stroke: #7a6fa8; }
svg.dag text { font-size: 12px; fill: #1d232b; } svg.dag text.title { font-weight: 700; }
svg.dag text.facts { fill: #58606b; font-size: 11px; }
.diff { font: 12px/1.4 ui-monospace, monospace; background: #fff; border: 1px solid #dde1e6; }
.diff .line { white-space: pre-wrap; padding: 0 8px; }
.diff .file { background: #eef0f3; font-weight: 700; } .diff .hunk { background: #e8f0fb; color: #3a5a8c; }
.diff .add, .diffstat .add { background: #e6f6e6; color: #1f6b1f; }
.diff .del, .diffstat .del { background: #fbe9e9; color: #a11; }
.markdown { background: #fff; border: 1px solid #dde1e6; padding: 8px 16px; }
`;
