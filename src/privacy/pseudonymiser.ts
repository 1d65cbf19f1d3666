/**
 * Pseudonymisation of identities (user names, host names, IP addresses) with a keyed HMAC, so that
 * nothing Vigil writes or sends — state, anomaly documents, explanations, alerts, logs — holds a
 * raw identity, while correlation still works: the same value always gives the same token, under
 * every field that carries the same kind of identity (`source.ip` and `related.ip` agree).
 *
 * Tokens by kind of identity (the "class" of a field):
 * - `ip`: an IPv6 address in the unique-local range fd00::/8 made of 120 bits of the HMAC, so the
 *   token still fits an `ip`-mapped field (ECS `source.ip`, `related.ip`);
 * - `user`: `u-` + 20 hex characters; `host`: `h-` + 20 hex characters; any other field: `t-` + 20 hex.
 * 80 bits make a collision among a billion distinct values unlikely (birthday bound ≈ 2⁻²⁰).
 *
 * The HMAC is one-way; `vigil reveal` works through a vault: for every token minted, the raw value is
 * encrypted (AES-256-GCM, random IV) under a second key and stored with the token as its id (vault.ts).
 * Both keys derive from `privacy.key` by HKDF-SHA256 with distinct labels, so one secret is kept.
 */
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';

export type IdentityClass = string;

/** The kind of identity a field carries: fields of one class share tokens. */
export function classOf(field: string): IdentityClass {
  if (field === 'ip' || field.endsWith('.ip') || field === 'related.ip') return 'ip';
  if (field === 'related.user' || field === 'user.name' || field.endsWith('.user.name') || field === 'user.id') return 'user';
  if (field === 'related.hosts' || field === 'host.name' || field === 'host.hostname' || field.endsWith('.host.name')) return 'host';
  return field;
}

/** One minted token, ready for the vault. */
export interface VaultRecord {
  readonly token: string;
  readonly class: IdentityClass;
  /** base64 of IV (12 bytes) ‖ ciphertext ‖ GCM tag (16 bytes). */
  readonly sealed: string;
}

const TOKEN_PATTERN = /\b(?:[uht]-[0-9a-f]{20}|fd[0-9a-f]{2}(?::[0-9a-f]{1,4}){7})\b/g;

export class Pseudonymiser {
  private readonly macKey: Buffer;
  private readonly encKey: Buffer;
  private readonly classes: ReadonlySet<IdentityClass>;
  /** Tokens minted since the last drain, for the vault (a token is recorded once per process). */
  private readonly minted = new Map<string, VaultRecord>();
  private readonly known = new Set<string>();
  /** Bounded memo of value → token: tokenising is on the hot path of every window. */
  private readonly memo = new Map<string, string>();

  /**
   * @param key the secret (`privacy.key`), at least 32 characters
   * @param fields the configured fields (`privacy.pseudonymise`); every field of the same class is tokenised too
   */
  constructor(key: string, fields: readonly string[]) {
    if (key.length < 32) throw new RangeError('privacy.key: at least 32 characters are needed (e.g. `openssl rand -hex 32`)');
    const ikm = Buffer.from(key, 'utf8');
    this.macKey = Buffer.from(hkdfSync('sha256', ikm, Buffer.alloc(0), 'vigil/privacy/token', 32));
    this.encKey = Buffer.from(hkdfSync('sha256', ikm, Buffer.alloc(0), 'vigil/privacy/vault', 32));
    this.classes = new Set(fields.map(classOf));
  }

  /** Whether values of this field are tokenised. */
  covers(field: string): boolean {
    return this.classes.has(classOf(field));
  }

  /** The token of a value of `field` (the value itself when the field is not covered; '' stays ''). */
  value(field: string, raw: string): string {
    if (raw === '' || !this.covers(field)) return raw;
    return this.token(classOf(field), raw);
  }

  /** Tokenises every value of a list (sorted again, since callers keep their lists sorted). */
  values(field: string, raws: readonly string[]): string[] {
    if (!this.covers(field)) return [...raws];
    return raws.map((r) => this.value(field, r)).sort();
  }

  token(cls: IdentityClass, raw: string): string {
    const memoKey = `${cls}\u0000${raw}`;
    let token = this.memo.get(memoKey);
    if (token === undefined) {
      const mac = createHmac('sha256', this.macKey).update(memoKey).digest();
      token = cls === 'ip' ? ulaAddress(mac) : `${prefixOf(cls)}-${mac.subarray(0, 10).toString('hex')}`;
      if (this.memo.size >= 100_000) this.memo.clear();
      this.memo.set(memoKey, token);
    }
    if (!this.known.has(token)) {
      // Bounded: past a million tokens the set restarts, and a token is offered to the vault again
      // (a create that finds it there is a no-op).
      if (this.known.size >= 1_000_000) this.known.clear();
      this.known.add(token);
      this.minted.set(token, { token, class: cls, sealed: this.seal(raw) });
    }
    return token;
  }

  /** Tokens minted since the previous call (the vault writes them before any document carries them). */
  drainMinted(): VaultRecord[] {
    const out = [...this.minted.values()];
    this.minted.clear();
    return out;
  }

  /** Tells the pseudonymiser a token is already in the vault (e.g. a write failed: mint again on next use). */
  forget(tokens: readonly string[]): void {
    for (const t of tokens) this.known.delete(t);
  }

  seal(raw: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.encKey, iv);
    const body = Buffer.concat([cipher.update(raw, 'utf8'), cipher.final()]);
    return Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64');
  }

  /** Decrypts a vault record; throws when the key is not the one that sealed it. */
  unseal(sealed: string): string {
    const bytes = Buffer.from(sealed, 'base64');
    if (bytes.length < 28) throw new Error('vault record is too short to be a sealed value');
    const decipher = createDecipheriv('aes-256-gcm', this.encKey, bytes.subarray(0, 12));
    decipher.setAuthTag(bytes.subarray(bytes.length - 16));
    try {
      return Buffer.concat([decipher.update(bytes.subarray(12, bytes.length - 16)), decipher.final()]).toString('utf8');
    } catch {
      throw new Error('the vault record does not open with this privacy.key (wrong key, or the record was altered)');
    }
  }
}

/** Every token in a piece of text (documents, explanations, alert payloads). */
export function tokensIn(text: string): string[] {
  return [...new Set(text.match(TOKEN_PATTERN) ?? [])];
}

function prefixOf(cls: IdentityClass): string {
  if (cls === 'user') return 'u';
  if (cls === 'host') return 'h';
  return 't';
}

/** fdXX:XXXX:…: the first byte fixed to 0xfd (RFC 4193 unique-local), 15 bytes from the HMAC. */
function ulaAddress(mac: Buffer): string {
  const bytes = Buffer.concat([Buffer.from([0xfd]), mac.subarray(0, 15)]);
  const groups: string[] = [];
  // A zero group would be written "::"-compressed by the engine (RFC 5952) and no longer match the
  // token as a string; 1 in its place keeps every token in its one canonical, uncompressed form.
  for (let i = 0; i < 16; i += 2) groups.push((bytes.readUInt16BE(i) || 1).toString(16));
  return groups.join(':');
}
