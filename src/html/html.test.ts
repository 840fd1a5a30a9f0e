/**
 * The html template escapes what it is given and nothing it built itself:
 * the property every server-rendered page, the review and the email rely on.
 */
import { describe, expect, it } from 'vitest';
import { SafeHtml, escapeHtml, html, joinHtml, raw } from './html.js';

const HOSTILE = `<script>alert("x")</script>&'`;

describe('escapeHtml', () => {
  it('escapes the five HTML specials (content and quoted attributes)', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });

  it('writes other values as text', () => {
    expect(escapeHtml(42)).toBe('42');
    expect(escapeHtml('Acme Payments · P1 — 93.4%')).toBe('Acme Payments · P1 — 93.4%');
  });
});

describe('html', () => {
  it('escapes every interpolated value', () => {
    expect(html`<p title="${HOSTILE}">${HOSTILE}</p>`.value).toBe(`<p title="${escapeHtml(HOSTILE)}">${escapeHtml(HOSTILE)}</p>`);
  });

  it('inserts its own results and raw markup as they are', () => {
    const inner = html`<b>${HOSTILE}</b>`;
    expect(html`<p>${inner}${raw('<svg/>')}</p>`.value).toBe(`<p><b>${escapeHtml(HOSTILE)}</b><svg/></p>`);
    expect(inner).toBeInstanceOf(SafeHtml);
    expect(String(inner)).toBe(inner.value);
  });

  it('concatenates arrays, escaping each text element', () => {
    expect(html`<ul>${['<a>', html`<li>b</li>`]}</ul>`.value).toBe('<ul>&lt;a&gt;<li>b</li></ul>');
  });

  it('renders nothing for undefined, null and false, and writes numbers and true', () => {
    expect(html`[${undefined}${null}${false}${0}${true}]`.value).toBe('[0true]');
  });
});

describe('joinHtml', () => {
  it('joins fragments with an escaped separator', () => {
    expect(joinHtml([html`<i>a</i>`, html`<i>b</i>`], '\n').value).toBe('<i>a</i>\n<i>b</i>');
    expect(joinHtml([html`a`, html`b`], ' < ').value).toBe('a &lt; b');
    expect(joinHtml([]).value).toBe('');
  });
});
