/**
 * HTML that escapes by default: every value interpolated into `html\`…\`` is escaped unless it is
 * itself the output of `html`, so a cluster name, comment or header value can never become markup.
 */

/** Markup that is already safe to emit as is. */
export class SafeHtml {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
};

/** Escapes text for use in element content and quoted attribute values. Pure. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'`]/g, (character) => ESCAPES[character] ?? character);
}

function render(value: unknown): string {
  if (value instanceof SafeHtml) return value.text;
  if (Array.isArray(value)) return value.map(render).join('');
  if (value === undefined || value === null || value === false) return '';
  return escapeHtml(String(value));
}

/** Tagged template: escapes each value (arrays are joined, undefined/null/false render nothing). Pure. */
export function html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  let text = strings[0] ?? '';
  values.forEach((value, index) => {
    text += render(value) + (strings[index + 1] ?? '');
  });
  return new SafeHtml(text);
}

/** Shows any value readably: strings as they are, the rest as compact JSON. Pure. */
export function displayValue(value: unknown): string {
  if (value === undefined) return '—';
  if (typeof value === 'string') return value;
  return JSON.stringify(value) ?? String(value);
}

/** "in 3 h 59 min" or "4 min ago", for deadlines and decisions. Pure. */
export function relativeTime(when: Date, now: Date): string {
  const deltaMs = when.getTime() - now.getTime();
  const minutes = Math.round(Math.abs(deltaMs) / 60_000);
  const hours = Math.floor(minutes / 60);
  const days = Math.floor(hours / 24);
  let span: string;
  if (minutes < 1) span = 'less than a minute';
  else if (hours < 1) span = `${minutes} min`;
  else if (days < 1) span = `${hours} h${minutes % 60 ? ` ${minutes % 60} min` : ''}`;
  else span = `${days} d${hours % 24 ? ` ${hours % 24} h` : ''}`;
  return deltaMs >= 0 ? `in ${span}` : `${span} ago`;
}

/** A timestamp as UTC text inside <time>, with the relative time after it. Pure. */
export function timeElement(iso: string | Date | undefined, now: Date): SafeHtml {
  if (iso === undefined) return html`—`;
  const when = iso instanceof Date ? iso : new Date(iso);
  if (Number.isNaN(when.getTime())) return html`${String(iso)}`;
  const text = when
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, ' UTC');
  return html`<time datetime="${when.toISOString()}">${text}</time> (${relativeTime(when, now)})`;
}
