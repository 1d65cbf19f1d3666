/** `vigil dashboards check|install` (registered on a fresh program: src/cli/main.ts wires it for real). */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Command } from 'commander';
import { register } from '../../../src/cli/commands/dashboards.js';
import { UsageError } from '../../../src/cli/errors.js';

async function run(...args: string[]): Promise<{ out: string; exitCode: number | undefined }> {
  const program = new Command('vigil').exitOverride();
  register(program);
  const lines: string[] = [];
  const log = console.log;
  const before = process.exitCode;
  console.log = (...a: unknown[]) => void lines.push(a.join(' '));
  try {
    await program.parseAsync(['node', 'vigil', ...args]);
    return { out: lines.join('\n'), exitCode: process.exitCode as number | undefined };
  } finally {
    console.log = log;
    process.exitCode = before;
  }
}

describe('vigil dashboards', () => {
  it('check: the committed files match the specs and the mappings', async () => {
    const r = await run('dashboards', 'check');
    assert.match(r.out, /^ok: \d+ generated files match the specs and the mappings$/);
    assert.equal(r.exitCode, undefined);
  });

  it('install without a URL prints where the bundles are and how to import them', async () => {
    const r = await run('dashboards', 'install');
    assert.match(r.out, /dashboards\/kibana\/vigil\.ndjson/);
    assert.match(r.out, /dashboards\/opensearch\/vigil\.ndjson/);
  });

  it('install refuses a non-http URL and half-given credentials as usage errors', async () => {
    await assert.rejects(run('dashboards', 'install', '--kibana', 'ftp://x'), (e: unknown) => e instanceof UsageError && e.message.includes('--kibana expects an http(s) URL'));
    await assert.rejects(run('dashboards', 'install', '--kibana', 'http://localhost:5601', '--password', 'x'), (e: unknown) => e instanceof UsageError && e.message.includes('--password needs --username'));
  });
});
