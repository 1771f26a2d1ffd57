import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mrkdwnToHtml, renderMessage } from '../../src/web/block-kit-preview';

describe('the Block Kit preview', () => {
  it('draws the mrkdwn the messages use and never turns text into markup', () => {
    assert.equal(
      mrkdwnToHtml('*Cluster*\norders (`abc`) <https://x.example/a|the page> :white_check_mark: <@U0A>').text,
      '<strong>Cluster</strong><br />orders (<code>abc</code>) <a href="https://x.example/a">the page</a> ' +
        '<span class="emoji ok">✔</span> <span class="mention">@U0A</span>',
    );
    assert.equal(mrkdwnToHtml('```\na → b\n```').text, '<pre>a → b</pre>');
    const hostile = mrkdwnToHtml('&lt;script&gt;alert(1)&lt;/script&gt; <img src=x onerror=alert(1)>').text;
    assert.ok(!hostile.includes('<script') && !hostile.includes('<img'), hostile);
    assert.ok(!mrkdwnToHtml('<javascript:alert(1)|click>').text.includes('href'));
  });

  it('draws buttons with their style and the header as plain text', () => {
    const drawn = renderMessage({
      text: 'x',
      blocks: [
        { type: 'header', text: { type: 'plain_text', text: '<b>not bold</b>' } },
        {
          type: 'actions',
          block_id: 'b',
          elements: [
            {
              type: 'button',
              action_id: 'a',
              text: { type: 'plain_text', text: 'Approve' },
              value: 'v',
              style: 'primary',
            },
          ],
        },
      ],
    }).text;
    assert.match(drawn, /<h3 class="bk-header">&lt;b&gt;not bold&lt;\/b&gt;<\/h3>/);
    assert.match(drawn, /<button type="button" class="bk-primary">Approve<\/button>/);
  });
});
