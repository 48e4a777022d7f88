/** `mrag ingest` and `mrag search` as a user runs them: a child process, env vars, stdout. */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanPrefix, TEST_REDIS_URL, uniquePrefix } from '../../helpers/redis.js';

const run = promisify(execFile);
const tmp = mkdtempSync(path.join(os.tmpdir(), 'mrag-cli-'));
// Its own Redis prefix: `mrag ingest` records its run in Redis for /metrics.
const prefix = uniquePrefix('cli');
const env = { ...process.env, REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: prefix, DATA_DIR: path.join(tmp, 'data'), EMBEDDING_MODEL: 'test/fixtures/clip-tiny', LOG_LEVEL: 'silent' };
const mrag = (...args: string[]) => run(process.execPath, ['bin/mrag.js', ...args], { env, cwd: process.cwd() }).catch((err: { stdout: string; stderr: string; code: number }) => err);

afterAll(async () => {
  rmSync(tmp, { recursive: true, force: true });
  await cleanPrefix(TEST_REDIS_URL, prefix);
});

describe('mrag ingest / mrag search', () => {
  it('ingests the shipped articles with a summary, reports failures, then searches text and figures', async () => {
    const bad = path.join(tmp, 'bad.pdf');
    writeFileSync(bad, Buffer.from('%PDF-1.4\nnot really a PDF'));
    const first = (await mrag('ingest', 'data/articles', bad)) as { stdout: string; code?: number };
    expect(first.stdout).toMatch(/documents: \d+ added, 0 updated, 0 unchanged, 1 failed, 0 skipped/);
    expect(first.stdout).toMatch(/figures: [1-9]\d* added/);
    expect(first.stdout).toMatch(/OCR: [1-9]\d* images read/);
    expect(first.stdout).toMatch(/failed:\n {2}\S*bad\.pdf: unreadable PDF/);
    expect(first.code).toBe(1); // a failed document makes the exit status non-zero

    // Each CLI start costs seconds on a loaded machine: re-ingest and JSON output are covered in-process.
    const search = (await mrag('search', 'how is the architecture built?', '--figures', '2')) as { stdout: string };
    expect(search.stdout).toMatch(/^ 1\. text {3}\d\.\d{3} {2}\S/m);
    expect(search.stdout).toMatch(/^ 1\. figure \d\.\d{3}/m);
    // Figure files are content-addressed (sha256 folders) and keep their document's file name.
    expect(search.stdout).toMatch(/index\/figures\/[0-9a-f]{2}\/[0-9a-f]{64}\/[a-z-]+\.png {2}\[[0-9a-f]{12}#f\d+\]/);
  });
});
