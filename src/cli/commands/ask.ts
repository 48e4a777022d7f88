/**
 * `mrag ask "<question>" [--image file] [--json]`: the full answer pipeline on the terminal.
 * Tokens stream to stdout as they arrive; then the sources and the figure files are listed.
 * With no Ollama at all the answer is the retrieval-only one, labelled as such.
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { UserFacingError } from '../../errors.js';
import { createAnswerer } from '../../rag/answer/index.js';
import { truncate } from '../../rag/answer/prompt.js';
import type { PullProgress } from '../../rag/llm/ollama-startup.js';
import type { Answer } from '../../rag/types.js';
import { getCliContext } from '../context.js';
import { LEVEL_NAMES } from './search.js';

/** Largest image accepted from the command line. */
export const MAX_IMAGE_BYTES = 20 * 1024 * 1024;

const IMAGE_SIGNATURES: Array<[string, number[]]> = [
  ['PNG', [0x89, 0x50, 0x4e, 0x47]],
  ['JPEG', [0xff, 0xd8, 0xff]],
  ['GIF', [0x47, 0x49, 0x46, 0x38]],
  ['WebP', [0x52, 0x49, 0x46, 0x46]],
];

/** Read an image the user named, or explain clearly why not. */
export async function readImageFile(file: string): Promise<Uint8Array> {
  let size: number;
  try {
    const info = await stat(file);
    if (!info.isFile()) throw new UserFacingError('image_unreadable', `--image ${file}: not a file`);
    size = info.size;
  } catch (err) {
    if (err instanceof UserFacingError) throw err;
    throw new UserFacingError('image_unreadable', `--image ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : 'cannot read it'}`);
  }
  if (size > MAX_IMAGE_BYTES) throw new UserFacingError('image_too_large', `--image ${file}: larger than ${MAX_IMAGE_BYTES / 1024 / 1024} MB`);
  const bytes = new Uint8Array(await readFile(file));
  if (!IMAGE_SIGNATURES.some(([, sig]) => sig.every((b, i) => bytes[i] === b))) {
    throw new UserFacingError('image_unsupported', `--image ${file}: not a PNG, JPEG, GIF or WebP image`);
  }
  return bytes;
}

/** The list printed under the answer. */
export function formatAnswerFooter(answer: Answer, cwd = process.cwd()): string {
  const lines: string[] = [];
  if (answer.sources.length > 0) {
    lines.push('Sources:');
    for (const s of answer.sources) {
      const where = s.section && s.section !== s.title ? `${s.title} › ${s.section}` : s.title;
      lines.push(`  [${s.n}] ${where} (${s.source}${s.page !== undefined ? `, page ${s.page}` : ''})`);
    }
  }
  if (answer.figures.length > 0) {
    lines.push('Figures:');
    for (const f of answer.figures) {
      // Relative when the file is under the working directory, else absolute (clearer than ../../).
      const relative = path.relative(cwd, f.imagePath);
      const shown = relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : f.imagePath;
      lines.push(`  [F${f.n}] ${shown}  ${truncate(f.caption, 100)}`);
    }
  }
  if (answer.level !== undefined) lines.push(`(retrieval level ${answer.level}: ${LEVEL_NAMES[answer.level]})`);
  return lines.join('\n');
}

function pullProgressBar(): { onProgress: (p: PullProgress) => void; stop: () => void } {
  let bar: cliProgress.SingleBar | undefined;
  return {
    onProgress: (p) => {
      if (!p.total) {
        process.stderr.write(`ollama pull ${p.model}: ${p.status}\n`);
        return;
      }
      bar ??= new cliProgress.SingleBar({ format: `pulling ${p.model} [{bar}] {percentage}% {value}/{total} bytes`, stream: process.stderr }, cliProgress.Presets.shades_classic);
      if (!bar.isActive) bar.start(p.total, p.completed ?? 0);
      bar.setTotal(p.total);
      bar.update(p.completed ?? 0);
    },
    stop: () => bar?.stop(),
  };
}

export function registerAsk(program: Command): void {
  program
    .command('ask')
    .description('Answer a question on the terminal, with figures and sources.')
    .argument('<question>', 'the question')
    .option('--image <file>', 'attach an image to the question')
    .option('--json', 'print the answer object as JSON')
    .action(async (question: string, opts: { image?: string; json?: boolean }) => {
      const { config, logger } = getCliContext();
      const images = opts.image ? [await readImageFile(opts.image)] : [];
      const progress = pullProgressBar();
      const answerer = await createAnswerer({ config, logger, onPullProgress: progress.onProgress }).finally(() => progress.stop());
      const controller = new AbortController();
      const onSigint = () => controller.abort();
      process.once('SIGINT', onSigint);
      try {
        let streamed = false;
        const answer = await answerer.answer(question, {
          images,
          signal: controller.signal,
          onToken: opts.json
            ? undefined
            : (token) => {
                streamed = true;
                process.stdout.write(token);
              },
        });
        if (opts.json) {
          // `mode` and `level` first: what a script checks before reading the rest.
          const { mode, level, ...rest } = answer;
          process.stdout.write(JSON.stringify({ mode, level: level ?? null, ...rest }, null, 2) + '\n');
          return;
        }
        // The streamed text is the answer in llm mode; otherwise (fallback, maybe after a
        // partial stream) the final text replaces it.
        if (answer.mode !== 'llm') process.stdout.write((streamed ? '\n\n' : '') + answer.text);
        const footer = formatAnswerFooter(answer);
        process.stdout.write('\n' + (footer ? `\n${footer}\n` : ''));
      } finally {
        process.off('SIGINT', onSigint);
        await answerer.close();
      }
    });
}
