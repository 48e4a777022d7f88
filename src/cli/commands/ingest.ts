import type { Command } from 'commander';
import cliProgress from 'cli-progress';
import { UserFacingError } from '../../errors.js';
import { DEFAULT_MAX_FILE_BYTES, ingest, type IngestSummary } from '../../rag/ingest/ingest.js';
import { recordIngestRun } from '../../app/ops/ingest-record.js';
import { getCliContext } from '../context.js';

interface IngestFlags {
  prune?: boolean;
  rebuild?: boolean;
  maxFileMb?: string;
}

/** The end-of-run report: what was added, kept and refused, and why. */
export function formatIngestSummary(s: IngestSummary): string {
  const d = s.documents;
  const lines = [
    `documents: ${d.added} added, ${d.updated} updated, ${d.unchanged} unchanged, ${d.failed} failed${d.pruned ? `, ${d.pruned} pruned` : ''} (${s.totalDocuments} in the index)`,
    `text chunks: ${s.chunks.added} added, ${s.chunks.unchanged} unchanged`,
    `figures: ${s.figures.added} added, ${s.figures.unchanged} unchanged, ${s.figures.failed} failed`,
  ];
  if (s.failures.length) {
    lines.push('failed:');
    for (const f of s.failures) lines.push(`  ${f.source}: ${f.reason}`);
  }
  lines.push(`time: ${(s.ms / 1000).toFixed(1)} s`);
  return lines.join('\n');
}

export function registerIngest(program: Command): void {
  program
    .command('ingest')
    .description('Build or update the index from files, directories or URLs.')
    .argument('<paths...>', 'files, directories or http(s) URLs')
    .option('--prune', 'remove documents whose source disappeared')
    .option('--rebuild', 'drop the index first (after changing EMBEDDING_MODEL)')
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
        if (summary.documents.failed > 0 || summary.figures.failed > 0) process.exitCode = 1;
      } finally {
        if (started) bar?.stop();
      }
    });
}
