/**
 * Turning feature and field names into words an analyst reads in a narrative, and numbers into
 * short, honest strings.
 */

/** ECS fields with a familiar short name. */
const FIELD_WORDS: Record<string, string> = {
  'source.ip': 'source IP',
  'source.address': 'source address',
  'destination.ip': 'destination IP',
  'destination.address': 'destination',
  'destination.domain': 'domain',
  'url.domain': 'domain',
  'dns.question.name': 'DNS name',
  'source.geo.country_iso_code': 'country',
  'source.geo.country_name': 'country',
  'source.geo.city_name': 'city',
  'source.as.organization.name': 'network (AS)',
  'source.as.number': 'AS number',
  'host.name': 'host',
  'host.hostname': 'host',
  'user.name': 'user',
  'process.name': 'process',
  'process.executable': 'executable',
  'process.parent.name': 'parent process',
  'event.action': 'action',
  'user_agent.original': 'user agent',
  'file.path': 'file',
  hour: 'hour of day',
  hour_of_day: 'hour of day',
};

/** "failed_logins" → "failed logins" (or the caller's label for it). */
export function featureWords(name: string, labels?: Readonly<Record<string, string>>): string {
  const label = labels?.[name];
  if (label) return label;
  return name.replace(/[_.]+/g, ' ').trim();
}

/** "source.geo.country_iso_code" → "country"; unknown fields: last segment in words. */
export function fieldWords(field: string, labels?: Readonly<Record<string, string>>): string {
  const label = labels?.[field];
  if (label) return label;
  const known = FIELD_WORDS[field];
  if (known) return known;
  const last = field.split('.').pop() ?? field;
  return last.replace(/_(name|iso_code|original)$/, '').replace(/_+/g, ' ').trim() || field;
}

/** Integers as integers (with thousands separators), others to 3 significant digits. */
export function formatNumber(x: number): string {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? 'n/a' : x > 0 ? '∞' : '−∞';
  if (Number.isInteger(x)) return thousands(x);
  const abs = Math.abs(x);
  if (abs >= 1000) return thousands(Math.round(x));
  return Number(x.toPrecision(3)).toString();
}

/** 1234567 → "1,234,567" (toLocaleString is slow on the scoring path). */
function thousands(n: number): string {
  const s = Math.abs(n).toString();
  if (s.length <= 3 || s.includes('e')) return n < 0 ? `-${s}` : s;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    if (i > 0 && (s.length - i) % 3 === 0) out += ',';
    out += s[i];
  }
  return n < 0 ? `-${out}` : out;
}

/** 300000 → "5 min", 3600000 → "1 h", 12500 → "12.5 s". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return 'n/a';
  if (ms < 1000) return `${formatNumber(ms)} ms`;
  if (ms < 60_000) return `${formatNumber(ms / 1000)} s`;
  if (ms < 3_600_000) return `${formatNumber(ms / 60_000)} min`;
  return `${formatNumber(ms / 3_600_000)} h`;
}
