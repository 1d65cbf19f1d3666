/**
 * The README and the pages under docs/ link to each other, to images and to source files: every
 * relative link must name a file that exists and, when it carries an anchor, a heading of that
 * file (GitHub's slug rule). External links (http, mailto) are not fetched.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../../..');

/** GitHub's heading anchor: lower-case, punctuation dropped (hyphens kept), spaces to hyphens. */
export function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}_\- ]/gu, '')
    .replace(/ /g, '-');
}

/** Markdown outside fenced code blocks (links inside code are examples, not links). */
function prose(markdown: string): string {
  let fenced = false;
  return markdown
    .split('\n')
    .filter((line) => {
      if (line.startsWith('```')) fenced = !fenced;
      return !fenced && !line.startsWith('```');
    })
    .join('\n');
}

function anchors(file: string): Set<string> {
  const out = new Set<string>();
  for (const line of prose(readFileSync(file, 'utf8')).split('\n')) {
    const m = /^#{1,6} (.*)$/.exec(line);
    if (m) out.add(slug(m[1].replace(/`/g, '')));
  }
  return out;
}

function pages(): string[] {
  const docs = join(ROOT, 'docs');
  return [
    join(ROOT, 'README.md'),
    ...readdirSync(docs)
      .filter((f) => f.endsWith('.md'))
      .map((f) => join(docs, f)),
  ];
}

describe('documentation links', () => {
  it('README stays a short front page (≤ 350 lines)', () => {
    const lines = readFileSync(join(ROOT, 'README.md'), 'utf8').split('\n').length;
    assert.ok(lines <= 350, `README.md has ${lines} lines`);
  });

  it('every docs page is linked from the README', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const missing = readdirSync(join(ROOT, 'docs'))
      .filter((f) => f.endsWith('.md'))
      .filter((f) => !readme.includes(`](docs/${f}`));
    assert.deepEqual(missing, []);
  });

  it('every relative link resolves to a file and an existing heading', () => {
    const dead: string[] = [];
    for (const page of pages()) {
      for (const m of prose(readFileSync(page, 'utf8')).matchAll(/\]\(([^)\s]+)\)/g)) {
        const target = m[1];
        if (/^[a-z]+:/i.test(target)) continue;
        const [path, anchor] = target.split('#', 2);
        const file = path === '' ? page : resolve(dirname(page), path);
        if (!existsSync(file)) {
          dead.push(`${page.slice(ROOT.length + 1)}: ${target} (no such file)`);
          continue;
        }
        if (anchor !== undefined && file.endsWith('.md') && !anchors(file).has(anchor)) {
          dead.push(`${page.slice(ROOT.length + 1)}: ${target} (no such heading)`);
        }
      }
    }
    assert.deepEqual(dead, []);
  });

  it('slugs follow GitHub', () => {
    assert.equal(slug('vigil demo — the first command'), 'vigil-demo--the-first-command');
    assert.equal(slug('Dashboards (Kibana and OpenSearch Dashboards)'), 'dashboards-kibana-and-opensearch-dashboards');
  });
});
