/**
 * Fetches, caches, starts, health-checks and stops the embedded OpenSearch / Elasticsearch
 * integration-test distributions. Used by the test command, CI, `vigil demo` and the benchmarks.
 *
 * - Distributions come from Maven Central with `mvn dependency:copy` (Maven keeps its own copy in
 *   ~/.m2 as well) and are unpacked once into an install root outside the working tree.
 * - Both engines refuse to run as root, so when we are root the node runs as `nobody` via
 *   `setpriv`, with its install root under /var/tmp (root's home is not traversable by nobody).
 * - Each instance keeps data, logs and its pid file in its own run directory; `stop` kills by pid.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync, rmSync, openSync, closeSync, readdirSync, realpathSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { EMBEDDED_ENGINES, OPENSEARCH_PLUGIN_VERSION, type EngineFlavour, type EmbeddedEngineSpec } from './versions.js';

export interface LaunchOptions {
  /** Override the HTTP port (defaults from versions.ts). */
  readonly httpPort?: number;
  readonly transportPort?: number;
  /** JVM heap, e.g. "512m". */
  readonly heap?: string;
  /** Seconds to wait for health. */
  readonly timeoutSeconds?: number;
  /** Extra OpenSearch plugins (artifact ids under org.opensearch.plugin) to install; ignored for Elasticsearch. */
  readonly plugins?: readonly string[];
  /** Wipe the instance's data directory before starting (only when it is not running). */
  readonly fresh?: boolean;
  readonly onProgress?: (message: string) => void;
}

export interface RunningEngine {
  readonly flavour: EngineFlavour;
  readonly version: string;
  readonly url: string;
  readonly pid: number;
  /** True when this call started the node (false when an already-running one was reused). */
  readonly startedHere: boolean;
  readonly logFile: string;
}

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const RUN_AS = 'nobody';

function cacheRoot(): string {
  return process.env.VIGIL_CACHE_DIR ?? join(homedir(), '.cache', 'vigil');
}

/** Where distributions are unpacked and instances keep their data. Must be readable by the engine user. */
export function installRoot(): string {
  if (process.env.VIGIL_ENGINE_HOME) return process.env.VIGIL_ENGINE_HOME;
  return isRoot ? '/var/tmp/vigil-engines' : join(cacheRoot(), 'engines');
}

function specFor(flavour: EngineFlavour): EmbeddedEngineSpec {
  return EMBEDDED_ENGINES[flavour];
}

/** A plugin set gets its own copy of the distribution, so a plain node never loads plugins it was not asked for. */
function homeDirOf(spec: EmbeddedEngineSpec, plugins: readonly string[] = []): string {
  const suffix = plugins.length ? `+${[...plugins].sort().join('+')}` : '';
  return join(installRoot(), `${spec.flavour}-${spec.version}${suffix}`);
}

function runDirOf(spec: EmbeddedEngineSpec, port: number): string {
  return join(installRoot(), 'run', `${spec.flavour}-${spec.version}-${port}`);
}

function javaHome(): string {
  if (process.env.VIGIL_JAVA_HOME) return process.env.VIGIL_JAVA_HOME;
  if (process.env.JAVA_HOME && existsSync(join(process.env.JAVA_HOME, 'bin', 'java'))) return process.env.JAVA_HOME;
  try {
    const java = execFileSync('sh', ['-c', 'command -v java'], { encoding: 'utf8' }).trim();
    // …/bin/java → …
    return realpathSync(java).replace(/\/bin\/java$/, '');
  } catch {
    throw new Error('no Java found: install OpenJDK 17 or set VIGIL_JAVA_HOME to a JDK 17 home');
  }
}

function mvnCopy(coordinates: string, outDir: string, onProgress?: (m: string) => void): void {
  mkdirSync(outDir, { recursive: true });
  onProgress?.(`fetching ${coordinates} from Maven Central`);
  try {
    execFileSync('mvn', ['-q', '-B', 'dependency:copy', `-Dartifact=${coordinates}`, `-DoutputDirectory=${outDir}`], {
      stdio: ['ignore', 'pipe', 'pipe'],
      cwd: outDir,
      timeout: 15 * 60_000,
    });
  } catch (error) {
    const out = error instanceof Error && 'stdout' in error ? String((error as { stdout: unknown }).stdout) : '';
    throw new Error(`mvn dependency:copy ${coordinates} failed (is Maven installed and Maven Central reachable?)\n${out.slice(-2000)}`, {
      cause: error,
    });
  }
}

/** Downloads (once) and unpacks (once) the distribution; returns its home directory. */
export function fetchEngine(flavour: EngineFlavour, onProgress?: (m: string) => void, plugins: readonly string[] = []): string {
  const spec = specFor(flavour);
  const home = homeDirOf(spec, plugins);
  if (existsSync(join(home, 'bin', flavour))) return home;
  const zipDir = join(cacheRoot(), 'dist');
  const zip = join(zipDir, `${flavour}-${spec.version}.zip`);
  if (!existsSync(zip)) mvnCopy(`${spec.artifact}:${spec.version}:zip`, zipDir, onProgress);
  onProgress?.(`unpacking ${zip}`);
  mkdirSync(installRoot(), { recursive: true });
  const tmp = `${home}.unpacking`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  execFileSync('unzip', ['-q', '-o', zip, '-d', tmp]);
  execFileSync('mv', [join(tmp, `${flavour}-${spec.version}`), home]);
  if (plugins.length && flavour === 'opensearch') installOpenSearchPlugins(home, plugins, onProgress);
  rmSync(tmp, { recursive: true, force: true });
  if (isRoot) execFileSync('chown', ['-R', `${RUN_AS}:`, installRoot()]);
  return home;
}

function installOpenSearchPlugins(home: string, plugins: readonly string[], onProgress?: (m: string) => void): void {
  const installed = existsSync(join(home, 'plugins')) ? readdirSync(join(home, 'plugins')) : [];
  for (const plugin of plugins) {
    const dirName = plugin.replace(/^opensearch-/, '');
    if (installed.some((d) => d === plugin || d === dirName || d === `opensearch-${dirName}`)) continue;
    const zipDir = join(cacheRoot(), 'dist', 'plugins');
    const zip = join(zipDir, `${plugin}-${OPENSEARCH_PLUGIN_VERSION}.zip`);
    if (!existsSync(zip)) mvnCopy(`org.opensearch.plugin:${plugin}:${OPENSEARCH_PLUGIN_VERSION}:zip`, zipDir, onProgress);
    onProgress?.(`installing OpenSearch plugin ${plugin}`);
    execFileSync(join(home, 'bin', 'opensearch-plugin'), ['install', '--batch', `file://${zip}`], {
      env: { ...process.env, JAVA_HOME: javaHome(), OPENSEARCH_JAVA_HOME: javaHome() },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  }
  if (isRoot) execFileSync('chown', ['-R', `${RUN_AS}:`, home]);
}

function readPid(runDir: string): number | undefined {
  const file = join(runDir, 'pid');
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, 'utf8').trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** GET url+path; resolves with the status, or undefined when nothing answers. */
async function probe(url: string, path: string): Promise<{ status: number; body: string } | undefined> {
  try {
    const res = await fetch(url + path, { signal: AbortSignal.timeout(3000) });
    return { status: res.status, body: await res.text() };
  } catch {
    return undefined;
  }
}

/** Version reported by the node at url (via _nodes/_local: the minimal Elasticsearch has no `GET /`). */
async function nodeVersion(url: string): Promise<string | undefined> {
  const res = await probe(url, '/_nodes/_local?filter_path=nodes.*.version');
  if (res?.status !== 200) return undefined;
  const nodes = (JSON.parse(res.body) as { nodes?: Record<string, { version?: string }> }).nodes ?? {};
  return Object.values(nodes)[0]?.version;
}

async function waitForHealth(url: string, timeoutSeconds: number, pid: number, logFile: string): Promise<void> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  while (Date.now() < deadline) {
    if (!alive(pid)) throw new Error(`engine process ${pid} exited during start-up; last log lines:\n${tail(logFile, 30)}`);
    const res = await probe(url, '/_cluster/health?wait_for_status=yellow&timeout=2s');
    if (res?.status === 200) return;
    await new Promise((r) => setTimeout(r, 1000));
  }
  throw new Error(`engine at ${url} not healthy after ${timeoutSeconds}s; last log lines:\n${tail(logFile, 30)}`);
}

function tail(file: string, lines: number): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/**
 * Starts the engine unless one of the pinned version already answers on the port (then it is reused).
 * Safe to call concurrently from several test processes: they converge on the same pid file.
 */
export async function startEngine(flavour: EngineFlavour, options: LaunchOptions = {}): Promise<RunningEngine> {
  const spec = specFor(flavour);
  const port = options.httpPort ?? spec.httpPort;
  const transportPort = options.transportPort ?? spec.transportPort;
  const url = `http://127.0.0.1:${port}`;
  const runDir = runDirOf(spec, port);
  const logFile = join(runDir, 'console.log');

  const existingVersion = await nodeVersion(url);
  if (existingVersion) {
    if (existingVersion !== spec.version) {
      throw new Error(
        `port ${port} is taken by a node of version ${existingVersion}, expected ${spec.version}; stop it or choose another port`,
      );
    }
    return { flavour, version: spec.version, url, pid: readPid(runDir) ?? -1, startedHere: false, logFile };
  }
  const stalePid = readPid(runDir);
  if (stalePid && alive(stalePid)) {
    // Starting up already (another process launched it): just wait for it.
    await waitForHealth(url, options.timeoutSeconds ?? 180, stalePid, logFile);
    return { flavour, version: spec.version, url, pid: stalePid, startedHere: false, logFile };
  }

  const plugins = flavour === 'opensearch' ? (options.plugins ?? []) : [];
  const home = fetchEngine(flavour, options.onProgress, plugins);
  if (options.fresh) rmSync(join(runDir, 'data'), { recursive: true, force: true });
  mkdirSync(join(runDir, 'data'), { recursive: true });
  mkdirSync(join(runDir, 'logs'), { recursive: true });
  if (isRoot) execFileSync('chown', ['-R', `${RUN_AS}:`, runDir]);

  const heap = options.heap ?? '512m';
  const jdk = javaHome();
  const settings = [
    '-Ediscovery.type=single-node',
    '-Enetwork.host=127.0.0.1',
    `-Ehttp.port=${port}`,
    `-Etransport.port=${transportPort}`,
    `-Epath.data=${join(runDir, 'data')}`,
    `-Epath.logs=${join(runDir, 'logs')}`,
    `-Ecluster.name=vigil-${flavour}-${port}`,
    // Small CI disks must not flip indices read-only mid-test.
    '-Ecluster.routing.allocation.disk.threshold_enabled=false',
    ...(flavour === 'elasticsearch' ? ['-Expack.security.enabled=false'] : []),
  ];
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HOME: runDir,
    JAVA_HOME: jdk,
    ES_JAVA_HOME: jdk,
    OPENSEARCH_JAVA_HOME: jdk,
    ES_JAVA_OPTS: `-Xms${heap} -Xmx${heap}`,
    OPENSEARCH_JAVA_OPTS: `-Xms${heap} -Xmx${heap}`,
  };
  const bin = join(home, 'bin', flavour);
  const [command, args] = isRoot
    ? ['setpriv', ['--reuid', RUN_AS, '--regid', 'nogroup', '--clear-groups', bin, ...settings]]
    : [bin, settings];
  options.onProgress?.(`starting ${flavour} ${spec.version} on ${url}`);
  const out = openSync(logFile, 'a');
  const child = spawn(command, args, { env, detached: true, stdio: ['ignore', out, out], cwd: runDir });
  closeSync(out);
  if (child.pid === undefined) throw new Error(`could not spawn ${bin}`);
  child.unref();
  writeFileSync(join(runDir, 'pid'), String(child.pid));
  await waitForHealth(url, options.timeoutSeconds ?? 180, child.pid, logFile);
  options.onProgress?.(`${flavour} ${spec.version} healthy on ${url}`);
  return { flavour, version: spec.version, url, pid: child.pid, startedHere: true, logFile };
}

/** Stops the instance on the port by its pid (TERM, then KILL after a grace period). */
export async function stopEngine(flavour: EngineFlavour, options: { httpPort?: number; graceSeconds?: number } = {}): Promise<boolean> {
  const spec = specFor(flavour);
  const runDir = runDirOf(spec, options.httpPort ?? spec.httpPort);
  const pid = readPid(runDir);
  if (!pid || !alive(pid)) {
    rmSync(join(runDir, 'pid'), { force: true });
    return false;
  }
  // The node runs in its own process group (detached), so signal the group: setpriv execs, but be safe.
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(-pid, sig);
    } catch {
      try {
        process.kill(pid, sig);
      } catch {
        /* already gone */
      }
    }
  };
  signal('SIGTERM');
  const deadline = Date.now() + (options.graceSeconds ?? 30) * 1000;
  while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
  if (alive(pid)) signal('SIGKILL');
  rmSync(join(runDir, 'pid'), { force: true });
  return true;
}

export async function engineStatus(flavour: EngineFlavour, httpPort?: number): Promise<{ url: string; version?: string; pid?: number }> {
  const spec = specFor(flavour);
  const port = httpPort ?? spec.httpPort;
  const url = `http://127.0.0.1:${port}`;
  return { url, version: await nodeVersion(url), pid: readPid(runDirOf(spec, port)) };
}
