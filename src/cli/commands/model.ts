/**
 * `mrag model pull [--model ID] [--dtype fp32|fp16|q8] [--to DIR]` and `mrag model info [--json]`:
 * get the embedding model (level 3) onto this machine, or onto a directory to carry to an
 * air-gapped one, and see what is configured and whether it loads.
 */
import type { Command } from 'commander';
import { UserFacingError } from '../../errors.js';
import { createProgressRenderer, formatBytes } from '../../rag/embed/download-progress.js';
import { describeModel, sameModel } from '../../rag/embed/identity.js';
import { modelCacheDir, type EmbeddingDtype } from '../../rag/embed/model-files.js';
import { modelInfo, pullModel, type ModelInfo } from '../../rag/embed/pull.js';
import { readIndexMeta } from '../../rag/index/store.js';
import { getCliContext } from '../context.js';

const DTYPES = ['fp32', 'fp16', 'q8'] as const;

function parseDtype(value: string | undefined, fallback: EmbeddingDtype): EmbeddingDtype {
  if (value === undefined) return fallback;
  if (!(DTYPES as readonly string[]).includes(value)) throw new UserFacingError('bad_option', `--dtype must be one of ${DTYPES.join(', ')}`);
  return value as EmbeddingDtype;
}

/** The human-readable `mrag model info`. */
export function formatModelInfo(info: ModelInfo, index?: { recorded: string; matches: boolean }): string {
  const lines = [
    `EMBEDDING_MODEL  ${info.model} (${info.location.kind === 'local' ? 'local directory' : 'Hub id'})`,
    `EMBEDDING_DTYPE  ${info.dtype}`,
    ...(info.hubEndpoint ? [`HF_ENDPOINT      ${info.hubEndpoint}`] : []),
    `files            ${info.location.dir}`,
    ...info.files.map((f) => `  ${f.present ? '✓' : '✗'} ${f.file}${f.present ? `  ${formatBytes(f.bytes)}` : '  missing'}`),
    `size             ${formatBytes(info.bytes)}${info.complete ? '' : ' (incomplete)'}`,
    info.loads
      ? `loads            yes: ${info.family}, ${describeModel(info.identity!)}`
      : `loads            no: ${info.error ?? 'unknown error'}`,
  ];
  if (index) lines.push(`index            built with ${index.recorded}${index.matches ? ' (this model)' : ' — a different model: re-ingest or set EMBEDDING_MODEL back'}`);
  if (!info.loads) {
    lines.push(
      '',
      info.location.kind === 'hub'
        ? 'Get it with `mrag model pull` (downloads into the cache), or on a machine with internet access `mrag model pull --to DIR`, copy DIR here and set EMBEDDING_MODEL=DIR (docs/air-gapped.md). Without it the bot runs at retrieval level 2.'
        : 'The directory must hold the files listed above (docs/air-gapped.md). Without it the bot runs at retrieval level 2.',
    );
  }
  return lines.join('\n');
}

export function registerModel(program: Command): void {
  const model = program.command('model').description('Manage the embedding model (retrieval level 3).');
  model
    .command('pull')
    .description('Download the embedding model (with progress), check that it loads, and print the EMBEDDING_MODEL= line.')
    .option('--model <id>', 'Hub id or local directory (default: EMBEDDING_MODEL)')
    .option('--dtype <dtype>', 'weights: fp32, fp16 or q8 (default: EMBEDDING_DTYPE)')
    .option('--to <dir>', 'also copy the model into this directory, ready to carry to an air-gapped machine')
    .action(async (opts: { model?: string; dtype?: string; to?: string }) => {
      const { config } = getCliContext();
      const id = opts.model ?? config.embedding.model;
      const dtype = parseDtype(opts.dtype, config.embedding.dtype);
      const progress = createProgressRenderer(id);
      let result;
      try {
        result = await pullModel({ model: id, dtype, cacheDir: modelCacheDir(config.dataDir), hubEndpoint: config.embedding.hubEndpoint, to: opts.to, onProgress: (p) => progress.update(p) });
      } finally {
        progress.stop();
      }
      const out = [
        `${describeModel(result.identity)}: ${result.family} family, ${dtype}, ${formatBytes(result.bytes)} in ${result.location.dir}: loads.`,
        ...(result.copiedTo ? [`Copied to ${result.copiedTo} (checked: it loads as the same model). Carry that directory to the machine that runs the bot (docs/air-gapped.md).`] : []),
        'Use it with:',
        ...result.env,
      ];
      process.stdout.write(out.join('\n') + '\n');
    });
  model
    .command('info')
    .description('Show the configured embedding model: where it is, its size, whether it loads (never downloads).')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      const { config } = getCliContext();
      const info = await modelInfo({ model: config.embedding.model, dtype: config.embedding.dtype, cacheDir: modelCacheDir(config.dataDir), hubEndpoint: config.embedding.hubEndpoint });
      const meta = readIndexMeta(config.dataDir);
      const index = meta?.model ? { recorded: describeModel(meta), matches: info.identity ? sameModel(meta, { ...info.identity, ref: info.location.ref }) : false } : undefined;
      process.stdout.write((opts.json ? JSON.stringify({ ...info, ...(index ? { index } : {}) }, null, 2) : formatModelInfo(info, index)) + '\n');
      if (!info.loads) process.exitCode = 1;
    });
}
