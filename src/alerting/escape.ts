/**
 * Free text in alerts — entity values, and the reason / explanation that quote event values (a
 * user agent, a process, a country) — comes from the events, i.e. from whoever wrote them. Each
 * receiver interprets some markup; these functions make such text show as itself there:
 *
 *   visible()      every human-facing text: one line, control, bidi-override and zero-width
 *                  characters shown as \n, \u202e…; an empty value as "(empty)"; capped in length
 *   slackText()    Slack mrkdwn: &, < and > as entities (no <!channel>, <@U…>, <http…|…> links)
 *   slackCode()    a value inside a Slack `code span` (a backtick would end it)
 *   markdownText() TheHive / XSOAR / Splunk SOAR descriptions (Markdown that may pass raw HTML):
 *                  HTML-escaped, Markdown punctuation backslash-escaped
 *   liquidSafe()   Shuffle's flat fields, which workflows drop into Liquid templates
 *
 * Machine fields (generic data, observables, CEF, raw_json, alert lists) keep the exact value:
 * JSON encoding is their escaping, and a playbook must be able to pivot on the real value.
 */

/** Longest entity value shown in human text (the exact value stays in the machine fields). */
export const MAX_SHOWN = 256;

const NAMED: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };
/** C0/C1 controls, DEL, zero-width and bidi controls, line/paragraph separators, BOM. */
// eslint-disable-next-line no-control-regex -- matching control characters is this pattern's purpose
const INVISIBLE = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g;

function codeOf(c: string): string {
  return NAMED[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

/** Caps at `max` code points (never splitting a surrogate pair) and says how much was left out. */
export function cap(s: string, max: number): string {
  const points = Array.from(s);
  return points.length <= max ? s : `${points.slice(0, max).join('')}…(+${points.length - max} chars)`;
}

/** One visible line: invisible characters written out, "(empty)" for an empty value, capped. */
export function visible(s: string, max = MAX_SHOWN): string {
  if (s.length === 0) return '(empty)';
  return cap(s, max).replace(INVISIBLE, codeOf);
}

/** Longest reason / explanation shown in human text. */
export const MAX_TEXT = 2000;

/** Slack mrkdwn: only &, < and > are control characters (mentions and links all need "<"). */
export function slackText(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A value shown as Slack inline code: a backtick would close the span, so it becomes ˋ (U+02CB). */
export function slackCode(s: string): string {
  return `\`${slackText(visible(s).replace(/`/g, '\u02cb'))}\``;
}

/** Markdown that acts anywhere in a line: emphasis, code, links/images, tables, strikethrough, escapes. */
const MARKDOWN_INLINE = /[\\`*_[\]|~]/g;
const HTML: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/**
 * One line of text that renders as itself in Markdown, also where the renderer passes raw HTML
 * through (entities), inside a table row (`|`) and at the start of a line (heading, list). Pass it
 * through visible() first (one line). Not for code spans: nothing is decoded there.
 */
export function markdownText(s: string): string {
  const escaped = s
    .replace(MARKDOWN_INLINE, (c) => `\\${c}`)
    .replace(/^(\s*)([#+=-])/, '$1\\$2')
    .replace(/^(\s*\d+)([.)])/, '$1\\$2');
  // Entities last, so the backslashes above never split one.
  return escaped.replace(/[&<>"']/g, (c) => HTML[c] ?? c);
}

/** Liquid delimiters ({{ }}, {% %}) split so a template never evaluates them. */
export function liquidSafe(s: string): string {
  return s.replace(/\{(?=[{%])/g, '{\u200c').replace(/([}%])\}/g, '$1\u200c}');
}

/**
 * Link targets for Markdown `(…)` and Slack `<…|…>`: besides what encodeURIComponent leaves
 * out, ( ) ! ' * are percent-encoded, so no value in a URL can close the link.
 */
export function strictUriComponent(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}
