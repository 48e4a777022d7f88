/**
 * Download progress of a model, from transformers.js's own `progress_callback` events
 * (`initiate` → `download` → `progress` {file, loaded, total} … → `done`, per file), summed
 * over every file of the model: bytes, rate and ETA. Rendered as a bar on a terminal, as a
 * line every 10 % elsewhere (logs).
 */
import cliProgress from 'cli-progress';

/** The part of transformers.js's ProgressInfo we read (utils/core.js). */
export interface TransformersProgressEvent {
  status: string;
  file?: string;
  loaded?: number;
  total?: number;
}

export interface DownloadProgress {
  /** Bytes received so far, all files together. */
  loaded: number;
  /** Bytes expected so far (files whose size is known). */
  total: number;
  /** Every expected file has announced its size: `total` is final and a percentage means something. */
  totalKnown: boolean;
  /** Bytes per second since the first byte. */
  bytesPerSecond: number;
  /** Seconds left at the current rate; undefined before a rate is known. */
  etaSeconds?: number;
  /** The file that reported last. */
  file: string;
  /** Files that finished downloading / that started. */
  filesDone: number;
  files: number;
}

/** Sums per-file events into one running total. `now` is injectable for tests. */
export class DownloadTracker {
  private readonly files = new Map<string, { loaded: number; total: number; done: boolean }>();
  private started?: number;

  /** `expectedFiles`: how many files the model has (its total is known once each has started). */
  constructor(
    private readonly onProgress: (p: DownloadProgress) => void,
    private readonly expectedFiles = 1,
    private readonly now: () => number = Date.now,
  ) {}

  /** Feed one transformers.js progress event. */
  handle(event: TransformersProgressEvent): void {
    if (!event.file) return;
    const entry = this.files.get(event.file) ?? { loaded: 0, total: 0, done: false };
    this.files.set(event.file, entry);
    if (event.status === 'progress') {
      entry.loaded = event.loaded ?? entry.loaded;
      entry.total = event.total || entry.total;
    } else if (event.status === 'done') {
      entry.done = true;
      if (entry.total === 0) entry.total = entry.loaded;
    } else {
      return;
    }
    this.started ??= this.now();
    this.onProgress(this.snapshot(event.file));
  }

  snapshot(file = ''): DownloadProgress {
    let loaded = 0;
    let total = 0;
    let filesDone = 0;
    let sized = 0;
    for (const f of this.files.values()) {
      loaded += f.loaded;
      total += Math.max(f.total, f.loaded);
      if (f.done) filesDone++;
      if (f.total > 0 || f.done) sized++;
    }
    const seconds = this.started === undefined ? 0 : (this.now() - this.started) / 1000;
    const bytesPerSecond = seconds > 0 ? loaded / seconds : 0;
    const etaSeconds = bytesPerSecond > 0 ? Math.max(0, (total - loaded) / bytesPerSecond) : undefined;
    return { loaded, total, totalKnown: sized >= this.expectedFiles, bytesPerSecond, etaSeconds, file, filesDone, files: this.files.size };
  }
}

/** "12.3 MB" (decimal megabytes, as download sizes are usually given). */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  if (bytes < 1e6) return `${(bytes / 1e3).toFixed(1)} kB`;
  if (bytes < 1e9) return `${(bytes / 1e6).toFixed(1)} MB`;
  return `${(bytes / 1e9).toFixed(2)} GB`;
}

export function formatEta(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  return s >= 60 ? `${Math.floor(s / 60)} min ${s % 60} s` : `${s} s`;
}

/** "45% 270.0 MB / 600.0 MB, 12.3 MB/s, ETA 27 s". */
export function describeProgress(p: DownloadProgress): string {
  const percent = p.total > 0 ? Math.floor((p.loaded / p.total) * 100) : 0;
  return `${percent}% ${formatBytes(p.loaded)} / ${formatBytes(p.total)}, ${formatBytes(p.bytesPerSecond)}/s, ETA ${formatEta(p.etaSeconds)}`;
}

export interface ProgressRenderer {
  update(p: DownloadProgress): void;
  stop(): void;
}

/**
 * A progress display for downloading `model`: a bar on a TTY `stream`, else `line` called at
 * every 10 % step once the total is known (and at the end).
 */
export function createProgressRenderer(model: string, options: { stream?: NodeJS.WriteStream; line?: (text: string) => void } = {}): ProgressRenderer {
  const stream = options.stream ?? process.stderr;
  const line = options.line ?? ((text: string) => stream.write(text + '\n'));
  if (stream.isTTY) {
    const bar = new cliProgress.SingleBar(
      { format: `downloading ${model} [{bar}] {percentage}% {done} / {size}, {rate}/s, ETA {left}`, stream, hideCursor: true },
      cliProgress.Presets.shades_classic,
    );
    let started = false;
    return {
      update(p) {
        const payload = { done: formatBytes(p.loaded), size: formatBytes(p.total), rate: formatBytes(p.bytesPerSecond), left: formatEta(p.etaSeconds) };
        if (!started) {
          bar.start(Math.max(1, p.total), p.loaded, payload);
          started = true;
        }
        bar.setTotal(Math.max(1, p.total));
        bar.update(p.loaded, payload);
      },
      stop: () => started && bar.stop(),
    };
  }
  let lastStep = -1;
  let last: DownloadProgress | undefined;
  return {
    update(p) {
      last = p;
      if (!p.totalKnown) return;
      const step = p.total > 0 ? Math.floor((p.loaded / p.total) * 10) : 0;
      if (step > lastStep) {
        lastStep = step;
        line(`downloading ${model}: ${describeProgress(p)}`);
      }
    },
    stop() {
      if (last && lastStep < 10 && last.total > 0 && last.loaded >= last.total) line(`downloading ${model}: ${describeProgress(last)}`);
    },
  };
}
