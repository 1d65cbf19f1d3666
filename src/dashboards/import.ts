/**
 * Imports Vigil's saved objects into Kibana or OpenSearch Dashboards through the saved objects
 * API (`POST /api/saved_objects/_import?overwrite=true`, multipart field `file` with a `.ndjson`
 * name, `kbn-xsrf` / `osd-xsrf` header). Both answer 200 even when some objects fail, so the
 * answer is read object by object and every failure is reported with its id, type and reason.
 * Without a URL nothing is sent: the report says where the bundles are and how to import them.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import { rootCertificates } from 'node:tls';
import { z } from 'zod';
import { repoRoot } from './build.js';

export type DashboardsAuth = { readonly username: string; readonly password: string } | { readonly apiKey: string };

export interface InstallDashboardsOptions {
  /** Kibana base URL, e.g. https://kibana.example:5601 (a space: https://kibana.example:5601/s/security). */
  readonly kibanaUrl?: string;
  /** OpenSearch Dashboards base URL, e.g. https://dashboards.example:5601. */
  readonly dashboardsUrl?: string;
  readonly auth?: DashboardsAuth;
  /** PEM file of a CA to trust in addition to Node's bundled roots. */
  readonly caFile?: string;
  /** Verify the server certificate (default true). */
  readonly verifyTls?: boolean;
  /** Folder holding kibana/ and opensearch/ bundles (default: the package's dashboards/). */
  readonly bundleDir?: string;
  /** Per-request timeout (default 60 s). */
  readonly timeoutMs?: number;
}

export type ImportPlatform = 'kibana' | 'opensearch-dashboards';

export interface ImportFailure {
  readonly id: string;
  readonly type: string;
  readonly title?: string;
  /** `conflict`, `missing_references`, `unsupported_type`, `unknown`, … as the server named it. */
  readonly error: string;
  /** Missing references or the server's message, when it gave one. */
  readonly detail?: string;
}

export interface TargetReport {
  readonly platform: ImportPlatform;
  readonly url: string;
  readonly file: string;
  /** Objects in the file. */
  readonly objects: number;
  readonly successCount: number;
  readonly success: boolean;
  readonly errors: readonly ImportFailure[];
}

export interface ImportReport {
  /** True when every requested import succeeded for every object (and true when nothing was requested). */
  readonly ok: boolean;
  readonly targets: readonly TargetReport[];
  /** Set when no URL was given: where the bundles are and how to import them by hand. */
  readonly instructions?: string;
}

/** Thrown when the import request itself fails (unreachable, 4xx/5xx, not a saved-objects answer). */
export class DashboardsImportError extends Error {
  constructor(
    readonly url: string,
    readonly status: number | undefined,
    detail: string,
  ) {
    super(`importing dashboards into ${url} failed${status ? ` (HTTP ${status})` : ''}: ${detail}`);
    this.name = 'DashboardsImportError';
  }
}

const importAnswer = z.object({
  success: z.boolean(),
  successCount: z.number().int().min(0),
  errors: z
    .array(
      z.object({
        id: z.string(),
        type: z.string(),
        title: z.string().optional(),
        meta: z.object({ title: z.string().optional() }).loose().optional(),
        error: z
          .object({
            type: z.string(),
            message: z.string().optional(),
            references: z.array(z.object({ type: z.string(), id: z.string() }).loose()).optional(),
          })
          .loose(),
      }),
    )
    .default([]),
});

export function defaultBundleDir(): string {
  return join(repoRoot(), 'dashboards');
}

/** Bundle file for a platform (all dashboards with their data views, in one file). */
export function bundleFile(platform: ImportPlatform, bundleDir: string = defaultBundleDir()): string {
  return join(bundleDir, platform === 'kibana' ? 'kibana' : 'opensearch', 'vigil.ndjson');
}

export function importInstructions(bundleDir: string = defaultBundleDir()): string {
  const kibana = bundleFile('kibana', bundleDir);
  const osd = bundleFile('opensearch-dashboards', bundleDir);
  return [
    'No Kibana or OpenSearch Dashboards URL given: nothing imported. The dashboards are in',
    `  Kibana 8.8+:               ${kibana}`,
    `  OpenSearch Dashboards 2.x: ${osd}`,
    'Import them with one of:',
    '  vigil install --config vigil.yml --kibana https://kibana.example:5601',
    '  vigil install --config vigil.yml --dashboards https://dashboards.example:5601',
    '  Kibana: Stack Management → Saved objects → Import (check "Automatically overwrite conflicts")',
    '  OpenSearch Dashboards: Dashboards Management → Saved objects → Import',
    `  curl -X POST "$KIBANA/api/saved_objects/_import?overwrite=true" -H "kbn-xsrf: true" --form file=@${kibana}`,
    `  curl -X POST "$OSD/api/saved_objects/_import?overwrite=true" -H "osd-xsrf: true" --form file=@${osd}`,
    'The Elastic package (Fleet) is in plugin/elastic-package, the OpenSearch Dashboards integration in plugin/opensearch-dashboards.',
  ].join('\n');
}

export async function installDashboards(options: InstallDashboardsOptions = {}): Promise<ImportReport> {
  const bundleDir = options.bundleDir ?? defaultBundleDir();
  const requested: [ImportPlatform, string][] = [];
  if (options.kibanaUrl) requested.push(['kibana', options.kibanaUrl]);
  if (options.dashboardsUrl) requested.push(['opensearch-dashboards', options.dashboardsUrl]);
  if (requested.length === 0) return { ok: true, targets: [], instructions: importInstructions(bundleDir) };
  const targets: TargetReport[] = [];
  for (const [platform, url] of requested) targets.push(await importBundle(platform, url, bundleFile(platform, bundleDir), options));
  return { ok: targets.every((t) => t.success && t.errors.length === 0), targets };
}

/** Imports one NDJSON file and reads the per-object answer. */
export async function importBundle(platform: ImportPlatform, baseUrl: string, file: string, options: InstallDashboardsOptions = {}): Promise<TargetReport> {
  let ndjson: string;
  try {
    ndjson = readFileSync(file, 'utf8');
  } catch {
    throw new Error(`the dashboards bundle ${file} is missing; run \`npx tsx scripts/build-dashboards.ts\``);
  }
  const objects = ndjson.split('\n').filter((l) => l.trim() !== '').length;
  const url = new URL(`${baseUrl.replace(/\/+$/, '')}/api/saved_objects/_import?overwrite=true`);
  const boundary = `----vigil${randomBytes(12).toString('hex')}`;
  const body = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="vigil.ndjson"\r\nContent-Type: application/ndjson\r\n\r\n`),
    Buffer.from(ndjson),
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  const headers: Record<string, string> = {
    'content-type': `multipart/form-data; boundary=${boundary}`,
    'content-length': String(body.length),
    [platform === 'kibana' ? 'kbn-xsrf' : 'osd-xsrf']: 'true',
    accept: 'application/json',
  };
  const auth = authorization(options.auth);
  if (auth) headers.authorization = auth;
  const { status, text } = await send(url, headers, body, options);
  if (status < 200 || status >= 300) throw new DashboardsImportError(baseUrl, status, text.slice(0, 500) || 'empty answer');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new DashboardsImportError(baseUrl, status, `the answer is not JSON (is this a ${platform === 'kibana' ? 'Kibana' : 'OpenSearch Dashboards'} URL?): ${text.slice(0, 200)}`);
  }
  const parsed = importAnswer.safeParse(json);
  if (!parsed.success) throw new DashboardsImportError(baseUrl, status, `unexpected answer ${text.slice(0, 200)}`);
  const errors: ImportFailure[] = parsed.data.errors.map((e) => {
    const title = e.title ?? e.meta?.title;
    const missing = e.error.references?.map((r) => `${r.type}:${r.id}`).join(', ');
    const detail = missing ? `missing ${missing}` : e.error.message;
    return { id: e.id, type: e.type, ...(title ? { title } : {}), error: e.error.type, ...(detail ? { detail } : {}) };
  });
  return { platform, url: baseUrl, file, objects, successCount: parsed.data.successCount, success: parsed.data.success, errors };
}

function authorization(auth: DashboardsAuth | undefined): string | undefined {
  if (!auth) return undefined;
  if ('apiKey' in auth) return `ApiKey ${auth.apiKey}`;
  return `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
}

function send(url: URL, headers: Record<string, string>, body: Buffer, options: InstallDashboardsOptions): Promise<{ status: number; text: string }> {
  const https = url.protocol === 'https:';
  let ca: string[] | undefined;
  if (options.caFile) {
    try {
      ca = [...rootCertificates, readFileSync(options.caFile, 'utf8')];
    } catch (error) {
      throw new Error(`cannot read the CA file ${options.caFile}: ${(error as Error).message}`, { cause: error });
    }
  }
  const timeout = options.timeoutMs ?? 60_000;
  return new Promise((resolve, reject) => {
    const onResponse = (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', (e) => reject(new DashboardsImportError(url.origin, res.statusCode, e.message)));
    };
    const common = { method: 'POST', headers, timeout };
    const req = https
      ? httpsRequest(url, { ...common, ...(ca ? { ca } : {}), rejectUnauthorized: options.verifyTls ?? true }, onResponse)
      : httpRequest(url, common, onResponse);
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeout} ms`)));
    req.on('error', (e) => reject(e instanceof DashboardsImportError ? e : new DashboardsImportError(url.origin, undefined, e.message)));
    req.end(body);
  });
}

/** One line per target and per failed object, for the CLI. */
export function formatImportReport(report: ImportReport): string {
  if (report.instructions) return report.instructions;
  const lines: string[] = [];
  for (const t of report.targets) {
    const name = t.platform === 'kibana' ? 'Kibana' : 'OpenSearch Dashboards';
    lines.push(`${t.success && t.errors.length === 0 ? '✓' : '✗'} ${name} ${t.url}: ${t.successCount}/${t.objects} objects imported from ${t.file}`);
    for (const e of t.errors) lines.push(`    ✗ ${e.type}:${e.id}${e.title ? ` (${e.title})` : ''}: ${e.error}${e.detail ? ` — ${e.detail}` : ''}`);
  }
  return lines.join('\n');
}
