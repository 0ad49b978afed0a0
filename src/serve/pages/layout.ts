// The page shell every dashboard page shares: the stylesheet and the one script as files (the
// Content-Security-Policy allows no inline script or style), the CSRF token for the script's requests, and the
// feed the page listens to.
import { html, type SafeHtml } from '../html.js';

export interface PageOptions {
  title: string;
  /** The session's CSRF token; absent for a visitor without a session (reads only). */
  csrf?: string | undefined;
  /** The SSE URL this page follows. */
  live?: string;
  /** The step a step page shows: the script appends that step's output lines. */
  step?: string;
  body: SafeHtml;
}

export function page(options: PageOptions): string {
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
${options.csrf === undefined ? '' : html`<meta name="wave-csrf" content="${options.csrf}" />`}
<title>${options.title} · wave</title><link rel="stylesheet" href="/static/app.css">
<script src="/static/app.js" defer></script></head>
<body${options.live === undefined ? '' : html` data-live="${options.live}"`}${
    options.step === undefined ? '' : html` data-step="${options.step}"`
  }>
<header><a href="/" class="brand">wave</a> <span class="live-state" id="live-state"></span></header>
<main>${options.body}</main></body></html>`.text;
}

/** A status word with the class that colours it. */
export function statusBadge(status: string): SafeHtml {
  return html`<span class="badge state-${status}">${status}</span>`;
}
