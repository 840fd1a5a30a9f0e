/**
 * One way to write HTML in Tandem: the `html` tagged template. Every value
 * interpolated into it is escaped unless it is already {@link SafeHtml}
 * (the result of another `html` template, or markup marked with {@link raw}),
 * so escaping is the default and forgetting it is impossible. The respond and
 * inbox pages, the monthly review and the notification email all use it; SVG
 * charts and CSS, which are built elsewhere and escape their own text, enter
 * through `raw`.
 */

/** Markup that is safe to insert as is: built by {@link html}, or vouched for with {@link raw}. */
export class SafeHtml {
  constructor(readonly value: string) {}

  toString(): string {
    return this.value;
  }
}

const ENTITIES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML/SVG element content and for double- or single-quoted attribute values. */
export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c);
}

/**
 * Marks trusted markup as safe: CSS for a `<style>` block, or SVG that its
 * builder already escaped. Never pass text that came from outside.
 */
export function raw(markup: string): SafeHtml {
  return new SafeHtml(markup);
}

/** One interpolated value as markup: SafeHtml as is, arrays concatenated, nothing for undefined, null and false. */
function piece(value: unknown): string {
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(piece).join('');
  if (value === undefined || value === null || value === false) return '';
  return escapeHtml(value);
}

/**
 * The template tag: `html\`<p>${text}</p>\`` escapes `text`. Arrays of values
 * are concatenated (each escaped unless safe); `undefined`, `null` and `false`
 * render nothing, so `${cond && html\`...\`}` works.
 */
export function html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  let out = strings[0] ?? '';
  values.forEach((v, i) => {
    out += piece(v) + (strings[i + 1] ?? '');
  });
  return new SafeHtml(out);
}

/** Joins fragments with a separator (escaped like any text: '\n' and ' · ' stay as they are). */
export function joinHtml(parts: readonly SafeHtml[], separator = ''): SafeHtml {
  return new SafeHtml(parts.map((p) => p.value).join(escapeHtml(separator)));
}
