import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createEditThrottle } from '../../../src/queue/throttle.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

function recorder() {
  const edits: { text: string; at: number }[] = [];
  return { edits, edit: async (text: string) => void edits.push({ text, at: Date.now() }) };
}

describe('edit throttle', () => {
  it('sends the first text at once, then at most one edit per interval with the newest text', async () => {
    const r = recorder();
    const t = createEditThrottle({ intervalMs: 1500, edit: r.edit });
    const start = Date.now();
    t.push('a');
    await vi.advanceTimersByTimeAsync(0);
    for (const text of ['ab', 'abc', 'abcd']) {
      t.push(text);
      await vi.advanceTimersByTimeAsync(100);
    }
    expect(r.edits.map((e) => e.text)).toEqual(['a']);
    await vi.advanceTimersByTimeAsync(1500);
    expect(r.edits.map((e) => e.text)).toEqual(['a', 'abcd']);
    expect(r.edits[1]!.at - start).toBe(1500);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(r.edits).toHaveLength(2);
  });

  it('flush() sends the last text now and waits for it', async () => {
    const r = recorder();
    const t = createEditThrottle({ intervalMs: 1500, edit: r.edit });
    t.push('one');
    t.push('one two');
    await t.flush();
    expect(r.edits.map((e) => e.text)).toEqual(['one', 'one two']);
    await t.flush();
    expect(r.edits).toHaveLength(2);
  });

  it('cancel() drops a pending partial and waits for the edit in flight', async () => {
    let release!: () => void;
    const edits: string[] = [];
    const t = createEditThrottle({
      intervalMs: 1000,
      edit: (text) => {
        edits.push(text);
        return new Promise<void>((resolve) => (release = resolve));
      },
    });
    t.push('partial');
    t.push('later partial');
    let cancelled = false;
    const cancelling = t.cancel().then(() => (cancelled = true));
    await vi.advanceTimersByTimeAsync(0);
    expect(cancelled).toBe(false);
    release();
    await cancelling;
    await vi.advanceTimersByTimeAsync(5000);
    expect(edits).toEqual(['partial']);
    t.push('after cancel');
    await vi.advanceTimersByTimeAsync(5000);
    expect(edits).toEqual(['partial']);
  });

  it('reports a failed edit and keeps streaming', async () => {
    const errors: unknown[] = [];
    const edits: string[] = [];
    const t = createEditThrottle({
      intervalMs: 10,
      edit: async (text) => {
        edits.push(text);
        if (text === 'bad') throw new Error('429');
      },
      onError: (err) => errors.push(err),
    });
    t.push('bad');
    await vi.advanceTimersByTimeAsync(0);
    t.push('good');
    await vi.advanceTimersByTimeAsync(20);
    expect(edits).toEqual(['bad', 'good']);
    expect(errors).toHaveLength(1);
  });

  it('never sends the same text twice in a row', async () => {
    const r = recorder();
    const t = createEditThrottle({ intervalMs: 10, edit: r.edit });
    t.push('same');
    await vi.advanceTimersByTimeAsync(50);
    t.push('same');
    await vi.advanceTimersByTimeAsync(50);
    await t.flush();
    expect(r.edits).toHaveLength(1);
  });
});
