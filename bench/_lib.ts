/**
 * Shared pieces of the benchmarks (files starting with '_' are not benchmarks of their own):
 * percentiles, the machine's description, targets, and a child process that reports one
 * JSON line (for memory measured in a fresh process).
 */
import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';

export const round = (x: number, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;

/** The p-th percentile (nearest rank) of `xs`. */
export function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
}

export const stats = (xs: number[], digits = 1) => ({ n: xs.length, p50: round(percentile(xs, 50), digits), p99: round(percentile(xs, 99), digits) });

/** What the numbers were taken on: every benchmark prints and reports it. */
export function machine() {
  return {
    cores: os.availableParallelism(),
    cpu: os.cpus()[0]?.model ?? 'unknown',
    memoryGiB: round(os.totalmem() / 2 ** 30, 1),
    loadAverage1m: round(os.loadavg()[0]!, 2),
    node: process.version,
  };
}

export function printMachine(): ReturnType<typeof machine> {
  const m = machine();
  console.log(`machine: ${m.cores} cores (${m.cpu}), ${m.memoryGiB} GiB, load average ${m.loadAverage1m} at start, Node ${m.node}`);
  if (m.loadAverage1m > m.cores * 0.5) console.log(`note: the machine is busy (load ${m.loadAverage1m} on ${m.cores} cores): numbers are upper bounds`);
  return m;
}

/** A number beside its target, e.g. "p50 12.3 ms (target < 50 ms: met)". */
export function versus(label: string, value: number, unit: string, target: { below?: number; atLeast?: number }): string {
  const met = target.below !== undefined ? value < target.below : value >= target.atLeast!;
  const bound = target.below !== undefined ? `< ${target.below}` : `≥ ${target.atLeast}`;
  const by = target.below !== undefined ? value - target.below : target.atLeast! - value;
  return `${label} ${value}${unit} (target ${bound}${unit}: ${met ? 'met' : `missed by ${round(by, 2)}${unit}`})`;
}

export const rssMb = () => Math.round(process.memoryUsage().rss / 2 ** 20);

/**
 * Run `bench/<file>` in a fresh Node process (tsx), passing `args`; resolves with the JSON
 * object of its last stdout line. Its other stdout lines are echoed when `echo`.
 */
export function runChild<T>(file: string, args: string[], options: { echo?: boolean; env?: NodeJS.ProcessEnv } = {}): Promise<T> {
  const script = path.join(path.dirname(new URL(import.meta.url).pathname), file);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...options.env } });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (options.echo) process.stdout.write(d);
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const last = out.trim().split('\n').at(-1) ?? '';
      if (code !== 0) return reject(new Error(`${file} exited with ${code}`));
      try {
        resolve(JSON.parse(last) as T);
      } catch {
        reject(new Error(`${file} did not end with a JSON line: ${last.slice(0, 200)}`));
      }
    });
  });
}
