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
  return (
    last
      .replace(/_(name|iso_code|original)$/, '')
      .replace(/_+/g, ' ')
      .trim() || field
  );
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

/**
 * What a feature measures, from its name (preset and custom features follow the same naming):
 * an hour of the day, a share (0–1), or a count/amount.
 */
export type FeatureUnit = 'hour' | 'share' | 'amount';

export function featureUnit(name: string): FeatureUnit {
  const n = name.toLowerCase();
  if (/share|ratio|fraction|pct|percent/.test(n)) return 'share';
  if (/(^|_)hour(_of_day)?$|hour_of_day/.test(n)) return 'hour';
  return 'amount';
}

/**
 * A feature value as stored: shares to 4 decimals, hours to 2, amounts to 3 (counts stay whole),
 * so documents hold 23, not 22.999999999999996.
 */
export function roundFeatureValue(name: string, x: number): number {
  if (!Number.isFinite(x)) return x;
  const digits = { share: 4, hour: 2, amount: 3 }[featureUnit(name)];
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** 22.999999999999996 → "23:00", 9.5 → "09:30" (nearest minute, wrapping at 24). */
export function formatHour(h: number): string {
  if (!Number.isFinite(h)) return 'n/a';
  const minutes = ((Math.round(h * 60) % 1440) + 1440) % 1440;
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}

/** 0.85 → "85%", 0.004 → "0.4%", 1 → "100%". */
export function formatShare(x: number): string {
  if (!Number.isFinite(x)) return 'n/a';
  const pct = x * 100;
  return `${Math.abs(pct) >= 1 || pct === 0 ? Math.round(pct) : Number(pct.toPrecision(1))}%`;
}

/** 300000 → "5 min", 3600000 → "1 h", 12500 → "12.5 s". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return 'n/a';
  if (ms < 1000) return `${formatNumber(ms)} ms`;
  if (ms < 60_000) return `${formatNumber(ms / 1000)} s`;
  if (ms < 3_600_000) return `${formatNumber(ms / 60_000)} min`;
  return `${formatNumber(ms / 3_600_000)} h`;
}
