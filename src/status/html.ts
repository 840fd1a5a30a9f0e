/**
 * The public status page as HTML: server-rendered, one self-contained
 * document (its own `<style>`, no script, no external asset, so the
 * Content-Security-Policy of src/pages/layout.ts allows nothing else), light
 * and dark colour schemes, and accessible: one `h1`, landmarks, each state
 * written as words (the colour only repeats it), times in `<time>` with the
 * instant for machines and the engagement's local time for people.
 */
import { html, raw } from '../html/html.js';
import type { SafeHtml } from '../html/html.js';
import type { ComponentState } from './state.js';
import { STATE_LABELS } from './state.js';
import type { NoteState, PublicNote, StatusView } from './view.js';
import { isoInstant } from './view.js';

const STYLE = `
:root { color-scheme: light dark; --bg:#f6f7f9; --card:#fff; --text:#15171a; --muted:#545c66; --line:#dfe3e8;
  --ok:#17663a; --ok-bg:#e3f4e9; --maint:#1d4ed8; --maint-bg:#e3ebfd; --warn:#8a4b00; --warn-bg:#fff1dc; --bad:#a11b12; --bad-bg:#fde7e5; }
@media (prefers-color-scheme: dark) { :root { --bg:#0f1216; --card:#171b21; --text:#e8eaed; --muted:#a3acb6; --line:#2a3038;
  --ok:#6fdc98; --ok-bg:#12301f; --maint:#9db8ff; --maint-bg:#172447; --warn:#ffcf8a; --warn-bg:#33240c; --bad:#ffb4ab; --bad-bg:#3a1512; } }
* { box-sizing: border-box; }
body { margin:0; font:16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; background:var(--bg); color:var(--text); }
header, main, footer { max-width:820px; margin:0 auto; padding:0 16px; }
header { padding-top:32px; } h1 { font-size:28px; margin:0 0 4px; } header p { color:var(--muted); margin:0; }
h2 { font-size:18px; margin:28px 0 10px; } h3 { font-size:16px; margin:0 0 4px; }
.overall { margin:20px 0 0; padding:14px 18px; border-radius:10px; font-size:18px; font-weight:700; border:1px solid var(--line); }
.components { list-style:none; margin:0; padding:0; background:var(--card); border:1px solid var(--line); border-radius:10px; }
.components li { display:flex; justify-content:space-between; align-items:baseline; gap:16px; padding:12px 18px; border-top:1px solid var(--line); }
.components li:first-child { border-top:0; }
.name { font-weight:600; } .desc { display:block; color:var(--muted); font-size:14px; font-weight:400; }
.state { white-space:nowrap; font-weight:600; } .until { display:block; font-size:13px; font-weight:400; color:var(--muted); text-align:right; }
.s-operational { color:var(--ok); } .s-maintenance { color:var(--maint); } .s-degraded { color:var(--warn); } .s-outage { color:var(--bad); } .s-resolved { color:var(--muted); }
.overall.s-operational { background:var(--ok-bg); } .overall.s-maintenance { background:var(--maint-bg); }
.overall.s-degraded { background:var(--warn-bg); } .overall.s-outage { background:var(--bad-bg); }
article { background:var(--card); border:1px solid var(--line); border-radius:10px; padding:14px 18px; margin-bottom:12px; }
.meta { color:var(--muted); font-size:14px; margin:0 0 8px; }
ol.updates { list-style:none; margin:0; padding:0; } ol.updates li { padding:6px 0; border-top:1px solid var(--line); }
ol.updates li:first-child { border-top:0; } .text { white-space:pre-wrap; margin:2px 0 0; }
.subscribe { background:var(--card); border:1px solid var(--line); border-radius:10px; padding:14px 18px; }
.subscribe label { display:block; margin:4px 0; } .subscribe fieldset { border:0; padding:0; margin:10px 0; } .subscribe legend { font-weight:600; }
.subscribe input[type=email] { font:inherit; width:100%; max-width:360px; padding:6px 8px; border:1px solid var(--line); border-radius:6px; background:var(--bg); color:var(--text); }
.subscribe button { font:inherit; font-weight:600; padding:8px 16px; border-radius:8px; border:1px solid var(--line); background:var(--maint-bg); color:var(--text); cursor:pointer; }
.subscribe .hint { color:var(--muted); font-size:14px; margin:8px 0 0; }
footer { color:var(--muted); font-size:14px; padding:24px 16px 40px; }
a { color:inherit; } a:focus-visible { outline:3px solid var(--maint); outline-offset:2px; }
`;

/** Marks for each state, so the state reads without colour too. */
const MARKS: Readonly<Record<NoteState, string>> = {
  operational: '●',
  maintenance: '◆',
  degraded: '▲',
  outage: '■',
  resolved: '✓',
};

/** How a note's state is worded. */
export function noteStateLabel(state: NoteState): string {
  return state === 'resolved' ? 'Resolved' : STATE_LABELS[state].component;
}

/** Formatters per zone: building one costs more than formatting with it. */
const formats = new Map<string, { readonly when: Intl.DateTimeFormat; readonly zone: Intl.DateTimeFormat }>();

/** "Nov 30, 2026, 7:32 AM EST": an instant in the engagement's zone (plain spaces, whatever the ICU version). */
export function localTime(at: number, zone: string): string {
  let f = formats.get(zone);
  if (f === undefined) {
    f = {
      when: new Intl.DateTimeFormat('en-US', { timeZone: zone, dateStyle: 'medium', timeStyle: 'short' }),
      zone: new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'short' }),
    };
    formats.set(zone, f);
  }
  const name = f.zone.formatToParts(at).find((p) => p.type === 'timeZoneName')?.value;
  return `${f.when.format(at)}${name === undefined ? '' : ` ${name}`}`.replace(/[\u202f\u00a0]/g, ' ');
}

function time(at: number, zone: string): SafeHtml {
  return html`<time datetime="${isoInstant(at)}">${localTime(at, zone)}</time>`;
}

function stateText(state: NoteState): SafeHtml {
  return html`<span class="state s-${state}"><span aria-hidden="true">${MARKS[state]}</span> ${noteStateLabel(state)}</span>`;
}

function note(n: PublicNote, zone: string): SafeHtml {
  const heading = `note-${n.id}`;
  return html`<article id="${heading}" aria-labelledby="${heading}-title">
<h3 id="${heading}-title">${n.title}</h3>
<p class="meta">${stateText(n.state)} · ${n.components.join(', ')} · ${n.resolvedAt === null ? html`posted ${time(n.createdAt, zone)}` : html`resolved ${time(n.resolvedAt, zone)}`}</p>
<ol class="updates">${n.updates.map((u) => html`<li>${stateText(u.state)} · ${time(u.at, zone)}<p class="text">${u.text}</p></li>`)}</ol>
</article>`;
}

/** The page's URL paths, relative to the server. */
export function statusPaths(engagementId: string): { page: string; json: string; feed: string } {
  const page = `/status/${encodeURIComponent(engagementId)}`;
  return { page, json: `${page}.json`, feed: `${page}/feed.atom` };
}

/** The subscribe form (no script: a plain POST); the components are optional, none meaning all. */
function subscribeForm(view: StatusView, action: string): SafeHtml {
  return html`<section aria-labelledby="subscribe-heading"><h2 id="subscribe-heading">Get notices by email</h2>
<form class="subscribe" method="post" action="${action}">
<label for="subscribe-email">Email address</label>
<input id="subscribe-email" name="email" type="email" required maxlength="254" autocomplete="email">
<fieldset><legend>Components (none ticked: all)</legend>
${view.components.map((c, i) => html`<label><input type="checkbox" name="components" value="${c.name}" id="subscribe-c${i}"> ${c.name}</label>`)}
</fieldset>
<button type="submit">Subscribe</button>
<p class="hint">We send a confirmation link first; every email has a one-click unsubscribe link.</p>
</form></section>`;
}

/** The whole document; `subscribe` shows the email subscription form (when the server can send mail). */
export function statusHtml(view: StatusView, options: { subscribe?: boolean } = {}): string {
  const zone = view.timezone;
  const paths = statusPaths(view.engagementId);
  const open = view.notes.filter((n) => n.state !== 'resolved');
  const past = view.notes.filter((n) => n.state === 'resolved');
  const component = (c: StatusView['components'][number]) =>
    html`<li data-state="${c.state}"><span class="name">${c.name}${c.description === undefined ? '' : html`<span class="desc">${c.description}</span>`}</span>
<span>${stateText(c.state)}${c.maintenanceUntil === undefined ? '' : html`<span class="until">until ${time(c.maintenanceUntil, zone)}</span>`}</span></li>`;
  const overall: ComponentState = view.overall;
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${view.title}: status</title>
<link rel="alternate" type="application/atom+xml" title="${view.title}: notices" href="${paths.feed}">
<link rel="alternate" type="application/json" href="${paths.json}">
<style>${raw(STYLE)}</style></head>
<body>
<header><h1>${view.title}</h1>${view.description === undefined ? '' : html`<p>${view.description}</p>`}
<p class="overall s-${overall}" role="status"><span aria-hidden="true">${MARKS[overall]}</span> ${STATE_LABELS[overall].page}</p></header>
<main>
<section aria-labelledby="components-heading"><h2 id="components-heading">Components</h2>
<ul class="components" aria-labelledby="components-heading">${view.components.map(component)}</ul></section>
<section aria-labelledby="notices-heading"><h2 id="notices-heading">Current notices</h2>
${open.length === 0 ? html`<p>No current notices.</p>` : open.map((n) => note(n, zone))}</section>
${past.length === 0 ? '' : html`<section aria-labelledby="past-heading"><h2 id="past-heading">Resolved in the last 7 days</h2>${past.map((n) => note(n, zone))}</section>`}
${options.subscribe === true ? subscribeForm(view, `${paths.page}/subscribe`) : ''}
</main>
<footer>Updated ${time(view.generatedAt, zone)} · <a href="${paths.feed}">Atom feed</a> · <a href="${paths.json}">JSON</a></footer>
</body></html>`.value;
}

/** The page for an engagement without a status page (or none at all): the same for both, so neither can be told apart. */
export function notFoundHtml(): string {
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Status page not found</title><style>${raw(STYLE)}</style></head>
<body><header><h1>Status page not found</h1><p>Check the address you were given.</p></header></body></html>`.value;
}
