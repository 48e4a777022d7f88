/** Download progress summed over a model's files from transformers.js's own events. */
import { describe, expect, it } from 'vitest';
import { DownloadTracker, createProgressRenderer, describeProgress, formatBytes, formatEta, type DownloadProgress } from '../../../src/rag/embed/download-progress.js';

describe('DownloadTracker', () => {
  it('sums bytes over files, knows the total once every file started, and derives rate and ETA', () => {
    let now = 1_000;
    const seen: DownloadProgress[] = [];
    const tracker = new DownloadTracker((p) => seen.push(p), 2, () => now);
    tracker.handle({ status: 'initiate', file: 'config.json' }); // no bytes yet: nothing reported
    expect(seen).toEqual([]);
    tracker.handle({ status: 'progress', file: 'onnx/text_model.onnx', loaded: 0, total: 300_000_000 });
    expect(seen.at(-1)).toMatchObject({ loaded: 0, total: 300_000_000, totalKnown: false, etaSeconds: undefined });
    now += 2_000;
    tracker.handle({ status: 'progress', file: 'onnx/text_model.onnx', loaded: 100_000_000, total: 300_000_000 });
    tracker.handle({ status: 'progress', file: 'onnx/vision_model.onnx', loaded: 20_000_000, total: 200_000_000 });
    const p = seen.at(-1)!;
    expect(p).toMatchObject({ loaded: 120_000_000, total: 500_000_000, totalKnown: true, bytesPerSecond: 60_000_000, files: 3, filesDone: 0, file: 'onnx/vision_model.onnx' });
    expect(p.etaSeconds).toBeCloseTo(380 / 60, 6);
    tracker.handle({ status: 'done', file: 'onnx/text_model.onnx' });
    expect(seen.at(-1)!.filesDone).toBe(1);
  });

  it('formats sizes, rates and times for people', () => {
    expect([formatBytes(512), formatBytes(2_500), formatBytes(598_300_000), formatBytes(1_200_000_000)]).toEqual(['512 B', '2.5 kB', '598.3 MB', '1.20 GB']);
    expect([formatEta(undefined), formatEta(12.4), formatEta(125)]).toEqual(['?', '12 s', '2 min 5 s']);
    expect(describeProgress({ loaded: 270e6, total: 600e6, totalKnown: true, bytesPerSecond: 12.3e6, etaSeconds: 26.8, file: '', files: 6, filesDone: 2 })).toBe('45% 270.0 MB / 600.0 MB, 12.3 MB/s, ETA 27 s');
  });
});

describe('progress renderer without a terminal', () => {
  it('writes a line at each 10 % step once the total is known, and the last one', () => {
    const lines: string[] = [];
    const stream = { isTTY: false, write: () => true } as unknown as NodeJS.WriteStream;
    const renderer = createProgressRenderer('acme/clip', { stream, line: (t) => lines.push(t) });
    const at = (loaded: number, totalKnown = true) => renderer.update({ loaded, total: 1000, totalKnown, bytesPerSecond: 100, etaSeconds: (1000 - loaded) / 100, file: 'f', files: 6, filesDone: 0 });
    at(950, false); // total not known yet: a percentage would lie
    for (const loaded of [0, 50, 120, 130, 990, 1000]) at(loaded);
    renderer.stop();
    expect(lines.map((l) => l.split(':')[1]!.trim().split(' ')[0])).toEqual(['0%', '12%', '99%', '100%']);
    expect(lines[0]).toBe('downloading acme/clip: 0% 0 B / 1.0 kB, 100 B/s, ETA 10 s');
  });
});
