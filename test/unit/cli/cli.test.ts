import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const bin = fileURLToPath(new URL('../../../bin/mrag.js', import.meta.url));

async function mrag(args: string[], env: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, ...args], { env: { ...process.env, ...env } });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('mrag CLI', () => {
  it('--help lists every command of the interface contract', async () => {
    const { code, stdout } = await mrag(['--help']);
    expect(code).toBe(0);
    for (const command of ['ingest', 'search', 'ask', 'eval', 'worker', 'bot', 'start', 'discord']) {
      expect(stdout).toMatch(new RegExp(`^\\s+${command}\\b`, 'm'));
    }
  });

  it('stops on a malformed variable with exactly one line naming it', async () => {
    const { code, stdout, stderr } = await mrag(['worker'], { REDIS_URL: 'foo' });
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toContain('REDIS_URL');
  });
});
