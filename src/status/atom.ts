/**
 * The status page's notes as an Atom feed (RFC 4287): one entry per published
 * note, updated whenever the note is, with its updates as the content. The
 * feed and its entries carry what RFC 4287 requires (id, title, updated; an
 * author on the feed, which every entry inherits) and links to the page.
 *
 * Entry ids are tag URIs (RFC 4151) minted from the server's host and the
 * note's creation day, so they stay the same for as long as the note exists.
 */
import { escapeHtml, html } from '../html/html.js';
import { localTime, noteStateLabel, statusPaths } from './html.js';
import type { PublicNote, StatusView } from './view.js';
import { isoInstant } from './view.js';

/** Characters XML 1.0 cannot hold (controls other than tab and newlines, lone surrogates, U+FFFE/U+FFFF). */
const NOT_XML =
  // eslint-disable-next-line no-control-regex -- control characters are what XML 1.0 may not hold
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Escapes text for XML element content and attribute values; what XML cannot hold becomes U+FFFD. */
export function xml(text: string): string {
  return escapeHtml(text.replace(NOT_XML, '\uFFFD'));
}

/** tag:status.acme.example,2026-11-30:acme/notes/3 */
export function noteTagUri(publicUrl: string, engagementId: string, n: PublicNote): string {
  const host = new URL(publicUrl).hostname || 'localhost';
  return `tag:${host},${isoInstant(n.createdAt).slice(0, 10)}:${engagementId}/notes/${n.id}`;
}

/** The HTML an entry's content carries (escaped once more into the feed). */
function entryHtml(n: PublicNote, zone: string): string {
  return html`<p><strong>${noteStateLabel(n.state)}</strong> · ${n.components.join(', ')}</p>${n.updates.map(
    (u) => html`<p><strong>${noteStateLabel(u.state)}</strong> (${localTime(u.at, zone)}): ${u.text}</p>`,
  )}`.value;
}

/** The feed document. `publicUrl` is the server's public base URL (--public-url). */
export function statusAtom(view: StatusView, publicUrl: string): string {
  const base = publicUrl.replace(/\/+$/, '');
  const paths = statusPaths(view.engagementId);
  const page = `${base}${paths.page}`;
  const updated = view.notes.reduce((t, n) => Math.max(t, n.updatedAt), 0) || view.generatedAt;
  const entries = view.notes.map(
    (n) => `  <entry>
    <id>${xml(noteTagUri(base, view.engagementId, n))}</id>
    <title>${xml(`${n.state === 'resolved' ? 'Resolved: ' : ''}${n.title}`)}</title>
    <updated>${isoInstant(n.updatedAt)}</updated>
    <published>${isoInstant(n.createdAt)}</published>
    <link rel="alternate" type="text/html" href="${xml(`${page}#note-${n.id}`)}"/>
${n.components.map((c) => `    <category term="${xml(c)}"/>\n`).join('')}    <summary>${xml(`${noteStateLabel(n.state)}: ${n.updates[0]?.text ?? n.title}`)}</summary>
    <content type="html">${xml(entryHtml(n, view.timezone))}</content>
  </entry>
`,
  );
  return `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <id>${xml(page)}</id>
  <title>${xml(`${view.title}: notices`)}</title>
  <updated>${isoInstant(updated)}</updated>
  <author><name>${xml(view.title)}</name></author>
  <link rel="self" type="application/atom+xml" href="${xml(`${base}${paths.feed}`)}"/>
  <link rel="alternate" type="text/html" href="${xml(page)}"/>
${entries.join('')}</feed>
`;
}
