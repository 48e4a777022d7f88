import type { Command } from 'commander';
import cliProgress from 'cli-progress';
import { UserFacingError } from '../../errors.js';
import { DEFAULT_MAX_FILE_BYTES, ingest, type IngestSummary } from '../../rag/ingest/ingest.js';
import { recordIngestRun } from '../../app/ops/ingest-record.js';
import { getCliContext } from '../context.js';

interface IngestFlags {
  prune?: boolean;
  rebuild?: boolean;
  describeFigures?: boolean;
  maxFileMb?: string;
}

/** Unsupported files of one type are listed this many at a time, then counted. */
const MAX_LISTED_PER_REASON = 5;

/** Notes grouped under the document they belong to (`docs/a.md › figure x` belongs to `docs/a.md`). */
function byDocument(items: Array<{ source: string; line: string }>): string[] {
  const groups = new Map<string, string[]>();
  for (const { source, line } of items) {
    const [doc, ...rest] = source.split(' › ');
    const lines = groups.get(doc!) ?? [];
    lines.push(rest.length ? `${rest.join(' › ')}: ${line}` : line);
    groups.set(doc!, lines);
  }
  // A document with one note of its own is one line; otherwise its notes go under it.
  return [...groups.entries()].flatMap(([doc, lines]) => (lines.length === 1 && !items.some((i) => i.source.startsWith(`${doc} › `)) ? [`  ${doc}: ${lines[0]}`] : [`  ${doc}`, ...lines.map((l) => `    ${l}`)]));
}

/** The embeddings line: what the model computed, or why there is none. */
function embeddingsLine(s: IngestSummary): string {
  const e = s.embeddings;
  if (s.level !== 3) {
    const why = s.level === 2 ? 'retrieval level 2' : 'retrieval level 1';
    return `embeddings: none (${why}: no embedding model; a later \`mrag ingest\` with the model adds them without re-parsing)`;
  }
  const parts = [`${e.computed} computed`];
  if (e.upgraded) parts.push(`${e.upgraded} added to rows that had none (upgrade to level 3)`);
  if (e.overlong) parts.push(`${e.overlong} chunks longer than the model's window embedded as the mean of their windows`);
  return `embeddings: ${parts.join(', ')}${e.model ? ` (${e.model})` : ''}`;
}

function descriptionsLine(s: IngestSummary): string {
  const d = s.descriptions;
  if (!d.enabled) return 'figure descriptions: off (--describe-figures, FIGURE_DESCRIPTIONS=true or RETRIEVAL_LEVEL=1 to write them)';
  const upgraded = d.upgraded ? `, ${d.upgraded} added to figures already indexed` : '';
  return `figure descriptions: ${d.described} written, ${d.cached} from the cache, ${d.skipped} skipped, ${d.failed} failed${upgraded}`;
}

/** The end-of-run report: what was added, kept, skipped and refused, and why. */
export function formatIngestSummary(s: IngestSummary): string {
  const d = s.documents;
  const o = s.ocr;
  const lines = [
    `documents: ${d.added} added, ${d.updated} updated, ${d.unchanged} unchanged, ${d.failed} failed, ${d.skipped} skipped${d.pruned ? `, ${d.pruned} pruned` : ''} (${s.totalDocuments} in the index)`,
    `text chunks: ${s.chunks.added} added, ${s.chunks.unchanged} unchanged`,
    `figures: ${s.figures.added} added, ${s.figures.unchanged} unchanged, ${s.figures.failed} failed, ${s.figures.skipped} skipped`,
    o.enabled ? `OCR: ${o.read} images read (${(o.ms / 1000).toFixed(1)} s), ${o.cached} from the cache${o.pages ? `, ${o.pages} scanned pages` : ''}` : 'OCR: off (OCR_ENABLED=false)',
    embeddingsLine(s),
    descriptionsLine(s),
  ];
  const c = s.compaction;
  if (c.versionsRemoved > 0) lines.push(`index: ${c.versionsRemoved} old versions removed (${(c.bytesRemoved / 1024 / 1024).toFixed(1)} MB freed)`);
  if (s.considered === 0) lines.push('nothing to ingest: no supported document (Markdown, HTML, text, PDF or image) was found in the inputs');
  if (s.failures.length) lines.push('failed:', ...byDocument(s.failures.map((f) => ({ source: f.source, line: f.reason }))));
  // Unsupported files: a few per type, then a count (a docs folder can hold hundreds of assets).
  const shown = new Map<string, number>();
  const skipped = s.skipped.filter((k) => {
    if (!k.reason.startsWith('unsupported file type')) return true;
    shown.set(k.reason, (shown.get(k.reason) ?? 0) + 1);
    return shown.get(k.reason)! <= MAX_LISTED_PER_REASON;
  });
  const more = [...shown.entries()].filter(([, n]) => n > MAX_LISTED_PER_REASON).map(([reason, n]) => `  … and ${n - MAX_LISTED_PER_REASON} more with ${reason}`);
  if (s.skipped.length) lines.push('skipped:', ...byDocument(skipped.map((k) => ({ source: k.source, line: k.reason }))), ...more);
  if (s.warnings.length) lines.push('warnings:', ...byDocument(s.warnings.map((w) => ({ source: w.source, line: w.message }))));
  const notes = [...s.notices, ...s.descriptions.warnings];
  if (notes.length) lines.push('notes:', ...notes.map((n) => `  ${n}`));
  lines.push(`time: ${(s.ms / 1000).toFixed(1)} s`);
  return lines.join('\n');
}

/** Non-zero when a document failed or nothing supported was found (GUIDE §2); failed or skipped figures are listed, not fatal. */
export const ingestExitCode = (s: IngestSummary) => (s.documents.failed > 0 || s.considered === 0 ? 1 : 0);

export function registerIngest(program: Command): void {
  program
    .command('ingest')
    .description('Build or update the index from files, directories or URLs.')
    .argument('<paths...>', 'files, directories or http(s) URLs')
    .option('--prune', 'remove documents whose source disappeared')
    .option('--rebuild', 'build a new index from these inputs alone (after changing EMBEDDING_MODEL); readers keep the old one until it is done')
    .option('--describe-figures', 'write a model description of every figure (level 1; needs Ollama; also FIGURE_DESCRIPTIONS=true)')
    .option('--max-file-mb <n>', `largest file or download accepted, in MB (default ${DEFAULT_MAX_FILE_BYTES / 1024 / 1024})`)
    .action(async (paths: string[], flags: IngestFlags) => {
      const { config, logger } = getCliContext();
      const maxMb = flags.maxFileMb === undefined ? undefined : Number(flags.maxFileMb);
      if (maxMb !== undefined && !(maxMb > 0)) throw new UserFacingError('bad_option', '--max-file-mb must be a positive number');
      // A progress bar only where someone watches; logs and CI get the summary alone.
      const bar = process.stderr.isTTY
        ? new cliProgress.SingleBar({ format: 'ingest [{bar}] {value}/{total} {source}', stream: process.stderr, clearOnComplete: true, hideCursor: true }, cliProgress.Presets.shades_classic)
        : undefined;
      let started = false;
      try {
        const summary = await ingest(paths, { config, logger }, {
          prune: flags.prune,
          rebuild: flags.rebuild,
          describeFigures: flags.describeFigures,
          maxFileBytes: maxMb === undefined ? undefined : Math.round(maxMb * 1024 * 1024),
          onProgress: ({ done, total, source }) => {
            if (!bar) return;
            if (!started) {
              bar.start(total, 0, { source });
              started = true;
            }
            bar.update(done, { source: source.length > 50 ? '…' + source.slice(-49) : source });
          },
        });
        bar?.stop();
        process.stdout.write(formatIngestSummary(summary) + '\n');
        if (!(await recordIngestRun(config, summary))) logger.debug('ingest run not recorded for /metrics: Redis unreachable');
        process.exitCode = ingestExitCode(summary);
      } finally {
        if (started) bar?.stop();
      }
    });
}
