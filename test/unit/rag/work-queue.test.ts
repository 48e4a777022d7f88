import { describe, expect, it } from 'vitest';
import { inInputOrder, runInOrder, type Outcome } from '../../../src/rag/ingest/work-queue.js';

/** A promise resolved from outside. */
function deferred<T = void>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}
const tick = () => new Promise((r) => setImmediate(r));

describe('runInOrder', () => {
  it('settles in input order whatever order the work finishes in, with at most `concurrency` at once', async () => {
    const gates = Array.from({ length: 6 }, () => deferred());
    let running = 0;
    let most = 0;
    const settled: number[] = [];
    const done = runInOrder(
      [0, 1, 2, 3, 4, 5],
      { concurrency: 3 },
      async (n) => {
        running++;
        most = Math.max(most, running);
        await gates[n]!.promise;
        running--;
        return n * 10;
      },
      (outcome, n) => void settled.push(outcome.ok ? outcome.value : -n),
    );
    await tick();
    expect(running).toBe(3);
    for (const n of [2, 1, 5, 4, 3, 0]) {
      gates[n]!.resolve();
      await tick();
    }
    await done;
    expect(settled).toEqual([0, 10, 20, 30, 40, 50]);
    expect(most).toBe(3);
  });

  it('isolates a failing item: its outcome carries the error, the others go on', async () => {
    const outcomes: Array<Outcome<string>> = [];
    await runInOrder(
      ['a', 'bad', 'c', 'd'],
      { concurrency: 2 },
      async (s) => {
        if (s === 'bad') throw new Error('unreadable');
        return s.toUpperCase();
      },
      (o) => void outcomes.push(o),
    );
    expect(outcomes.map((o) => (o.ok ? o.value : `error: ${(o.error as Error).message}`))).toEqual(['A', 'error: unreadable', 'C', 'D']);
  });

  it('does not run ahead of a slow item by more than the lookahead (memory stays bounded)', async () => {
    const slow = deferred();
    const started: number[] = [];
    const done = runInOrder(
      Array.from({ length: 10 }, (_, i) => i),
      { concurrency: 2, lookahead: 1 },
      async (n) => {
        started.push(n);
        if (n === 0) await slow.promise;
      },
      () => undefined,
    );
    for (let i = 0; i < 5; i++) await tick();
    // Item 0 holds the head: 0 running, 1 and 2 finished and waiting (window = 2 + 1).
    expect(started).toEqual([0, 1, 2]);
    slow.resolve();
    await done;
    expect(started).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('stops starting work when settling throws, and rejects after the started work ends', async () => {
    const started: number[] = [];
    const err = await runInOrder(
      [0, 1, 2, 3, 4, 5],
      { concurrency: 2 },
      async (n) => void started.push(n),
      (_o, n) => {
        if (n === 1) throw new Error('disk full');
      },
    ).catch((e: unknown) => e);
    expect((err as Error).message).toBe('disk full');
    expect(started.length).toBeLessThan(6);
  });

  it('runs one at a time with concurrency 1 and handles no items', async () => {
    const log: string[] = [];
    await runInOrder(['x', 'y'], { concurrency: 1, lookahead: 0 }, async (s) => void log.push(`work ${s}`), (_o, s) => void log.push(`settle ${s}`));
    expect(log).toEqual(['work x', 'settle x', 'work y', 'settle y']);
    await runInOrder([], { concurrency: 4 }, async () => undefined, () => undefined);
  });
});

describe('inInputOrder', () => {
  it('orders notes by their document’s input position, keeping each document’s own order', () => {
    const notes = [
      { source: 'b.md › figure 2', reason: 'b2' },
      { source: 'a.md', reason: 'a' },
      { source: 'b.md › figure 1', reason: 'b1' },
      { source: 'elsewhere', reason: 'x' },
      { source: 'a.md › figure 1', reason: 'a1' },
    ];
    expect(inInputOrder(notes, ['a.md', 'b.md']).map((n) => n.reason)).toEqual(['a', 'a1', 'b2', 'b1', 'x']);
  });
});
