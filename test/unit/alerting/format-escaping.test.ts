/**
 * Hostile entity values through every payload format: markup and Slack mentions, newlines, 10,000
 * characters, the empty string and unicode with a bidi override. Each format is checked for the
 * exact text it sends: human-facing fields escaped for the receiver's markup (Slack mrkdwn,
 * Markdown/HTML in TheHive, XSOAR and Splunk SOAR, Liquid in Shuffle's flat fields), machine
 * fields (generic data, observables, CEF, raw_json, alerts[]) carrying the exact value.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { alertContext, type Notification } from '../../../src/alerting/alert-context.js';
import { FORMATS } from '../../../src/alerting/formats/index.js';
import type { ConnectorFormat } from '../../../src/config/alerting.js';
import type { JsonObject } from '../../../src/engine/engine.js';
import { testAnomaly } from './support/anomalies.js';
import { testAlerting } from './support/config.js';

const REASON_TAIL = ': 37 failed logons (typical 1.5) from 4 source IPs';

interface Hostile {
  readonly name: string;
  readonly value: string;
  /** The value as human text shows it (one line, invisible characters written out, capped). */
  readonly visible: string;
  /** …escaped for Slack mrkdwn. */
  readonly slack: string;
  /** …as Slack inline code. */
  readonly slackCode: string;
  /** …escaped for Markdown with raw HTML. */
  readonly markdown: string;
  /** …in Shuffle's flat (Liquid-templated) fields. */
  readonly liquid: string;
  /** The reason line (`user <value>: 37 failed logons …`) as human text shows it. */
  readonly reasonVisible: string;
}

const MARKUP = '<!channel> *hi* `x` <@U024BE7LH> <http://evil.example|click> & <b>bold</b> [a](http://e) | {{7*7}}';
const A10K = 'a'.repeat(10_000);

const HOSTILE: readonly Hostile[] = [
  {
    name: 'markup and mentions',
    value: MARKUP,
    visible: MARKUP,
    slack:
      '&lt;!channel&gt; *hi* `x` &lt;@U024BE7LH&gt; &lt;http://evil.example|click&gt; &amp; &lt;b&gt;bold&lt;/b&gt; [a](http://e) | {{7*7}}',
    slackCode:
      '`&lt;!channel&gt; *hi* ˋxˋ &lt;@U024BE7LH&gt; &lt;http://evil.example|click&gt; &amp; &lt;b&gt;bold&lt;/b&gt; [a](http://e) | {{7*7}}`',
    markdown:
      '&lt;!channel&gt; \\*hi\\* \\`x\\` &lt;@U024BE7LH&gt; &lt;http://evil.example\\|click&gt; ' +
      '&amp; &lt;b&gt;bold&lt;/b&gt; \\[a\\](http://e) \\| {{7\\*7}}',
    liquid: '<!channel> *hi* `x` <@U024BE7LH> <http://evil.example|click> & <b>bold</b> [a](http://e) | {\u200c{7*7}\u200c}',
    reasonVisible: `user ${MARKUP}${REASON_TAIL}`,
  },
  {
    name: 'newlines and tabs',
    value: 'alice\nbob\r\n\tx',
    visible: 'alice\\nbob\\r\\n\\tx',
    slack: 'alice\\nbob\\r\\n\\tx',
    slackCode: '`alice\\nbob\\r\\n\\tx`',
    markdown: 'alice\\\\nbob\\\\r\\\\n\\\\tx',
    liquid: 'alice\\nbob\\r\\n\\tx',
    reasonVisible: `user alice\\nbob\\r\\n\\tx${REASON_TAIL}`,
  },
  {
    name: '10,000 characters',
    value: A10K,
    visible: `${'a'.repeat(256)}…(+9744 chars)`,
    slack: `${'a'.repeat(256)}…(+9744 chars)`,
    slackCode: `\`${'a'.repeat(256)}…(+9744 chars)\``,
    markdown: `${'a'.repeat(256)}…(+9744 chars)`,
    liquid: `${'a'.repeat(256)}…(+9744 chars)`,
    reasonVisible: `user ${'a'.repeat(1995)}…(+${10_000 - 1995 + REASON_TAIL.length} chars)`,
  },
  {
    name: 'empty string',
    value: '',
    visible: '(empty)',
    slack: '(empty)',
    slackCode: '`(empty)`',
    markdown: '(empty)',
    liquid: '(empty)',
    reasonVisible: `user ${REASON_TAIL}`,
  },
  {
    name: 'unicode with a bidi override',
    value: 'Zoë 🦊 \u202egnp.exe',
    visible: 'Zoë 🦊 \\u202egnp.exe',
    slack: 'Zoë 🦊 \\u202egnp.exe',
    slackCode: '`Zoë 🦊 \\u202egnp.exe`',
    markdown: 'Zoë 🦊 \\\\u202egnp.exe',
    liquid: 'Zoë 🦊 \\u202egnp.exe',
    reasonVisible: `user Zoë 🦊 \\u202egnp.exe${REASON_TAIL}`,
  },
];

/** The test anomaly with the hostile value as user name (entity, reason, related.user). */
function notificationFor(value: string): Notification {
  const a = testAnomaly({ user: value });
  return { messageId: `vigil_${a.id}`, alerts: [alertContext(a.id, a.doc, { kibanaUrl: 'https://kibana.example' })] };
}

function render(format: ConnectorFormat, n: Notification): JsonObject {
  const connector = testAlerting([{ url: 'https://receiver.example/hook', format }]).connectors[0];
  // The dispatcher sends exactly this string.
  return JSON.parse(JSON.stringify(FORMATS[format].render(n, connector))) as JsonObject;
}

const TITLE = (visible: string): string => `Vigil: anomalous user.name ${visible} (score 89, high)`;
const EXPLANATION_MD = 'failed\\_logins 37 vs typical 1.5; distinct\\_source\\_ips 4 vs typical 1';
/** Only these may appear unencoded in a link target: nothing that could end a Markdown or Slack link. */
const SAFE_URL = /^https:\/\/kibana\.example\/app\/discover#\/\?_g=[A-Za-z0-9%._~-]+&_a=[A-Za-z0-9%._~-]+$/;

describe('alert formats: hostile entity values are escaped for each receiver', () => {
  for (const h of HOSTILE) {
    describe(h.name, () => {
      const n = notificationFor(h.value);
      // The reason the markdown formats show: the visible reason, Markdown-escaped (no "(…)" or "." are special mid-line).
      const reasonMd = h.reasonVisible.replace(h.visible, h.markdown);

      it('generic: the exact value and reason in data (JSON is the escaping)', () => {
        const body = render('generic', n);
        const data = body.data as JsonObject;
        assert.deepEqual(data.entity, { field: 'user.name', value: h.value });
        assert.equal(data.reason, `user ${h.value}${REASON_TAIL}`);
        assert.deepEqual((data.related as JsonObject).user, [h.value]);
        assert.match(String((data.links as JsonObject).kibana), SAFE_URL);
      });

      it('shuffle: flat fields visible and Liquid-safe, alerts[] exact', () => {
        const body = render('shuffle', n);
        assert.equal(body.title, TITLE(h.liquid));
        assert.deepEqual(body.entity, { field: 'user.name', value: h.liquid });
        const first = (body.alerts as JsonObject[])[0];
        assert.deepEqual(first.entity, { field: 'user.name', value: h.value });
      });

      it('slack: mrkdwn escaped in the notification text and the blocks, the value as inline code', () => {
        const body = render('slack', n);
        const reasonSlack = h.reasonVisible.replace(h.visible, h.slack);
        const title = TITLE(h.visible).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
        assert.equal(body.text, `${title}: ${reasonSlack}`);
        const blocks = body.blocks as JsonObject[];
        const header = TITLE(h.visible).length <= 150 ? TITLE(h.visible) : `${TITLE(h.visible).slice(0, 149)}…`;
        assert.deepEqual(blocks[0], { type: 'header', text: { type: 'plain_text', text: header } });
        const lines = String((blocks[1].text as JsonObject).text).split('\n');
        assert.equal(lines[0], `:large_orange_circle: *user.name* ${h.slackCode} — score *88.5* (high)`);
        assert.equal(lines[1], reasonSlack);
        assert.equal(lines[2], '• failed_logins: 37 (typical 1.5, 70% of the score)');
        assert.equal(lines[4], 'ATT&amp;CK: T1110 Brute Force, T1110.003 Password Spraying');
        // Nothing that Slack would turn into a mention or a link in any mrkdwn text (the header is plain_text).
        assert.doesNotMatch(JSON.stringify([body.text, blocks.slice(1)]), /<[!@#]/);
        const link = String((blocks[2].elements as JsonObject[])[0].text);
        assert.match(link, /^<https:\/\/kibana\.example\/app\/discover#\/\?_g=[A-Za-z0-9%._~-]+&_a=[A-Za-z0-9%._~-]+\|Events in Kibana>$/);
      });

      it('thehive: title plain and visible, description Markdown-escaped, observables exact', () => {
        const body = render('thehive', n);
        assert.equal(body.title, TITLE(h.visible));
        const description = String(body.description).split('\n');
        assert.equal(description[0], `**${reasonMd}**`);
        assert.equal(description[2], EXPLANATION_MD);
        assert.equal(description[4], `- Entity: user.name = ${h.markdown}`);
        assert.equal(body.summary, EXPLANATION_MD);
        const linkLine = description.find((l) => l.startsWith('[Events in Kibana]('));
        assert.ok(linkLine);
        assert.match(linkLine.slice('[Events in Kibana]('.length, -1), SAFE_URL);
        const observables = body.observables as JsonObject[];
        const users = observables.filter((o) => (o.tags as string[]).includes('user')).map((o) => o.data);
        assert.deepEqual(users, h.value ? [h.value] : []);
      });

      it('splunk-soar: names visible, description Markdown-escaped, CEF exact', () => {
        const body = render('splunk-soar', n);
        assert.equal(body.name, TITLE(h.visible));
        assert.equal(String(body.description).split('\n')[0], `**${reasonMd}**`);
        const artifact = (body.artifacts as JsonObject[])[0];
        assert.equal(artifact.name, `Vigil anomaly user.name=${h.visible}`);
        const cef = artifact.cef as JsonObject;
        assert.equal(cef.vigilEntityValue, h.value);
        assert.equal(cef.reason, `user ${h.value}${REASON_TAIL}`);
        assert.equal(cef.sourceUserName, h.value);
      });

      it('xsoar: name visible, details Markdown-escaped, raw_json exact', () => {
        const body = render('xsoar', n);
        assert.equal(body.name, TITLE(h.visible));
        const details = String(body.details).split('\n');
        assert.equal(details[0], reasonMd);
        assert.equal(details[1], EXPLANATION_MD);
        assert.equal(details[2], 'failed\\_logins: 37 (typical 1.5, 70% of the score)');
        const raw = body.raw_json as JsonObject;
        assert.deepEqual((raw.alerts as JsonObject[])[0].entity, { field: 'user.name', value: h.value });
      });
    });
  }

  it('covers every format', () => {
    assert.deepEqual(Object.keys(FORMATS).sort(), ['generic', 'shuffle', 'slack', 'splunk-soar', 'thehive', 'xsoar']);
  });

  it('slack: a group of all of them stays within Slack limits and mentions nobody', () => {
    const alerts = HOSTILE.map((h) => notificationFor(h.value).alerts[0]);
    const body = render('slack', { messageId: 'vigil_grp_test', alerts });
    const sections = (body.blocks as JsonObject[]).filter((b) => b.type === 'section').map((b) => String((b.text as JsonObject).text));
    assert.equal(sections.length, HOSTILE.length);
    for (const s of sections) assert.ok(s.length <= 2900, `section of ${s.length} characters`);
    assert.doesNotMatch(JSON.stringify([body.text, (body.blocks as JsonObject[]).slice(1)]), /<[!@#]/);
  });
});
