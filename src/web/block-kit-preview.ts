import type { SlackBlock, SlackMessage } from '../activities/approval-message';
import { escapeHtml, html, SafeHtml } from './html';
import { renderPage } from './layout';

/**
 * A Block Kit message drawn in the page's own style: the blocks the product sends Slack (header,
 * section text and fields, context, buttons), with the mrkdwn it uses (*bold*, `code`, ```blocks```,
 * <url|links>). Not Slack's renderer, which is not available offline: the README's picture of the
 * Slack message is made with this and says so.
 */

/** The emoji shortcodes the messages use, drawn with glyphs common fonts have. */
const EMOJI: Record<string, string> = {
  white_check_mark: '<span class="emoji ok">✔</span>',
  no_entry: '<span class="emoji bad">⛔</span>',
  warning: '<span class="emoji warn">⚠</span>',
};

/** Slack mrkdwn as HTML: escapes everything, then marks up the few forms the messages use. Pure. */
export function mrkdwnToHtml(text: string): SafeHtml {
  // Slack's own escapes (&amp; &lt; &gt;) come in escaped; undo them once, then escape for HTML.
  const plain = text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
  const parts = plain.split(/(```[\s\S]*?```)/);
  const rendered = parts.map((part) => {
    if (part.startsWith('```') && part.endsWith('```') && part.length >= 6) {
      return `<pre>${escapeHtml(part.slice(3, -3).replace(/^\n|\n$/g, ''))}</pre>`;
    }
    return escapeHtml(part)
      .replace(/&lt;(https?:\/\/[^|\s]+?)\|([^&]+?)&gt;/g, '<a href="$1">$2</a>')
      .replace(/&lt;@([A-Z0-9]+)&gt;/g, '<span class="mention">@$1</span>')
      .replace(/&#96;(.+?)&#96;/g, '<code>$1</code>')
      .replace(/:([a-z_]+):/g, (shortcode, name: string) => EMOJI[name] ?? shortcode)
      .replace(/(^|[\s(])\*([^*\n]+)\*/g, '$1<strong>$2</strong>')
      .replace(/\n/g, '<br />');
  });
  return new SafeHtml(rendered.join(''));
}

function block(item: SlackBlock): SafeHtml {
  switch (item.type) {
    case 'header':
      return html`<h3 class="bk-header">${item.text.text}</h3>`;
    case 'section':
      return html`<div class="bk-section">
        ${item.text ? html`<div>${mrkdwnToHtml(item.text.text)}</div>` : ''}
        ${
          item.fields
            ? html`<div class="bk-fields">
                ${item.fields.map((field) => html`<div>${mrkdwnToHtml(field.text)}</div>`)}
              </div>`
            : ''
        }
      </div>`;
    case 'context':
      return html`<div class="bk-context">
        ${item.elements.map((element) => mrkdwnToHtml(element.text))}
      </div>`;
    case 'actions':
      return html`<div class="bk-actions">
        ${item.elements.map(
          (button) =>
            html`<button type="button" class="bk-${button.style ?? 'default'}">${button.text.text}</button>`,
        )}
      </div>`;
  }
}

const STYLE = new SafeHtml(`<style>
  .bk-message { display: flex; gap: 12px; background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 16px 20px; max-width: 760px; }
  .bk-avatar { width: 36px; height: 36px; border-radius: 6px; background: var(--accent); color: #fff; font-weight: 700; display: flex; align-items: center; justify-content: center; flex: none; }
  .bk-body { flex: 1; min-width: 0; } .bk-from { font-weight: 700; } .bk-from span { color: var(--muted); font-weight: 400; font-size: 12px; margin-left: 6px; }
  .bk-header { font-size: 17px; margin: 6px 0; } .bk-section { margin: 8px 0; }
  .bk-fields { display: grid; grid-template-columns: 1fr 1fr; gap: 8px 16px; }
  .bk-context { color: var(--muted); font-size: 12px; margin: 8px 0; }
  .bk-section pre { background: #f5f6f9; border: 1px solid var(--line); border-radius: 4px; padding: 8px; font-size: 13px; white-space: pre-wrap; margin: 0; }
  .bk-section code, .bk-context code { background: #f5f6f9; border: 1px solid var(--line); border-radius: 3px; padding: 0 3px; color: #c01343; }
  .bk-actions { display: flex; gap: 8px; margin-top: 8px; }
  .bk-actions button { padding: 6px 14px; font-weight: 600; }
  .bk-primary { background: var(--ok); } .bk-danger { background: var(--bad); } .bk-default { background: var(--muted); }
  .mention { background: #e8f0fe; color: var(--accent); border-radius: 3px; padding: 0 2px; }
  .emoji { font-weight: 700; } .emoji.ok { color: var(--ok); } .emoji.bad { color: var(--bad); } .emoji.warn { color: var(--warn); }
  .caption { color: var(--muted); font-size: 13px; max-width: 760px; }
</style>`);

/** One message as a chat client would show it, under the app's name. Pure. */
export function renderMessage(message: SlackMessage, from = 'imply-runbooks', at = ''): SafeHtml {
  return html`<div class="bk-message" role="article" aria-label="Slack message">
    <div class="bk-avatar" aria-hidden="true">IR</div>
    <div class="bk-body">
      <div class="bk-from">${from}<span>APP ${at}</span></div>
      ${message.blocks.map(block)}
    </div>
  </div>`;
}

/** A page of messages with a caption each, for the README's pictures. Pure. */
export function renderMessagesPage(
  items: ReadonlyArray<{ caption: string; message: SlackMessage; at?: string }>,
): string {
  return renderPage({
    title: 'Slack messages (preview)',
    head: STYLE,
    body: html`${items.map(
      (item) =>
        html`<p class="caption">${item.caption}</p>
          ${renderMessage(item.message, 'imply-runbooks', item.at)}`,
    )}`,
  });
}
