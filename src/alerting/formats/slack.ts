/**
 * Slack incoming webhook, for humans: a header, the reason, the top features as actual vs
 * typical, ATT&CK and a link to the events. Slack caps a message at 50 blocks, so a large
 * group lists the first ten alerts and says how many more there are. The webhook URL itself is
 * the credential: keep it in an environment variable (`url: ${SLACK_WEBHOOK_URL}`).
 */
import { feedbackLinksOf, featureLine, fmt, groupTitle, type AlertContext } from '../alert-context.js';
import { MAX_TEXT, slackCode, slackText, visible } from '../escape.js';
import { toJson, type PayloadFormat } from './format.js';

const SHOWN = 10;
const EMOJI = {
  low: ':large_blue_circle:',
  medium: ':large_yellow_circle:',
  high: ':large_orange_circle:',
  critical: ':red_circle:',
} as const;

/** Cut to `max` characters, never inside an entity such as &amp;lt; or a surrogate pair. */
function truncate(s: string, max: number): string {
  if (s.length <= max) return s;
  const head = Array.from(s.slice(0, max - 1))
    .join('')
    .replace(/[\ud800-\udbff]$/, '');
  return `${head.replace(/&[a-z]{0,4}$/, '')}…`;
}

function alertBlocks(a: AlertContext): object[] {
  const update = a.revision > 0 ? `*Update ${a.revision}* ` : '';
  const lines = [
    `${update}${EMOJI[a.severity]} *${slackText(a.entity.field)}* ${slackCode(a.entity.value)} — score *${fmt(a.score)}* (${a.severity})`,
    slackText(visible(a.reason, MAX_TEXT)),
    ...a.features.slice(0, 3).map((f) => `• ${slackText(featureLine(f))}`),
  ];
  if (a.attack.techniques.length)
    lines.push(`ATT&amp;CK: ${a.attack.techniques.map((t) => `${slackText(t.id)} ${slackText(t.name)}`).join(', ')}`);
  lines.push(`Window ${a.window.start} → ${a.window.end}`);
  const links = [
    a.links.kibana ? `<${a.links.kibana}|Events in Kibana>` : '',
    a.links.dashboards ? `<${a.links.dashboards}|Events in OpenSearch Dashboards>` : '',
  ].filter(Boolean);
  const blocks: object[] = [{ type: 'section', text: { type: 'mrkdwn', text: truncate(lines.join('\n'), 2900) } }];
  if (links.length) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: links.join(' · ') }] });
  // One click records the verdict (the callback accepts GET): the analyst answers from Slack.
  const verdicts = feedbackLinksOf(a);
  if (verdicts.length)
    blocks.push({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: `Verdict: ${verdicts.map((v) => `<${v.url}|${v.label}>`).join(' · ')}` }],
    });
  return blocks;
}

export const slackFormat: PayloadFormat = {
  name: 'slack',
  render(n) {
    const title = groupTitle(n.alerts);
    const shown = n.alerts.slice(0, SHOWN);
    const blocks: object[] = [{ type: 'header', text: { type: 'plain_text', text: truncate(title, 150) } }];
    shown.forEach((a, i) => {
      if (i > 0) blocks.push({ type: 'divider' });
      blocks.push(...alertBlocks(a));
    });
    if (n.alerts.length > SHOWN)
      blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `…and ${n.alerts.length - SHOWN} more` }] });
    // The top-level text is the notification and is parsed as mrkdwn too (mentions included).
    return toJson({ text: truncate(`${slackText(title)}: ${slackText(visible(n.alerts[0].reason, MAX_TEXT))}`, 3000), blocks });
  },
  authHeaders: () => ({}),
};
