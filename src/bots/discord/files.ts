/**
 * Figures as Discord attachments: read each figure's image, downscale the ones over the
 * per-file limit with sharp, and group them into messages of at most 10 files (and at
 * most the per-message upload size).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import type { Logger } from '../../log.js';
import type { AnswerFigure } from '../../rag/types.js';
import {
  DISCORD_MAX_ATTACHMENT_DESCRIPTION,
  DISCORD_MAX_FILE_BYTES,
  DISCORD_MAX_FILES_PER_MESSAGE,
  DISCORD_MAX_MESSAGE_FILE_BYTES,
} from './types.js';

export interface FigureFile {
  /** File name shown in Discord, e.g. `figure-1.png`. */
  name: string;
  data: Buffer;
  contentType: string;
  /** Alt text (the figure's caption). */
  description?: string;
}

const CONTENT_TYPES: Record<string, string> = {
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
};

/** Re-encode as JPEG at shrinking sizes until the image fits `maxBytes`. */
export async function downscaleToFit(data: Buffer, maxBytes: number): Promise<Buffer> {
  const meta = await sharp(data).metadata();
  let width = Math.min(meta.width ?? 2048, 2048);
  for (let i = 0; i < 8; i++) {
    const out = await sharp(data)
      .rotate()
      .resize({ width, withoutEnlargement: true })
      .flatten({ background: '#ffffff' })
      .jpeg({ quality: 80, mozjpeg: true })
      .toBuffer();
    if (out.length <= maxBytes) return out;
    width = Math.max(64, Math.floor(width * 0.7));
  }
  throw new Error('figure could not be downscaled under the upload limit');
}

/**
 * Load the figures as files. A figure that cannot be read (file gone) is skipped with a
 * warning: the answer is still worth posting without it.
 */
export async function loadFigureFiles(
  figures: readonly AnswerFigure[],
  logger: Logger,
  maxFileBytes: number = DISCORD_MAX_FILE_BYTES,
): Promise<FigureFile[]> {
  const files: FigureFile[] = [];
  for (const figure of figures) {
    try {
      let data: Buffer = await readFile(figure.imagePath);
      const ext = path.extname(figure.imagePath).toLowerCase();
      let contentType = CONTENT_TYPES[ext] ?? 'application/octet-stream';
      let name = `figure-${figure.n}${CONTENT_TYPES[ext] ? ext : '.bin'}`;
      if (data.length > maxFileBytes) {
        data = await downscaleToFit(data, maxFileBytes);
        contentType = 'image/jpeg';
        name = `figure-${figure.n}.jpg`;
      }
      const description = figure.caption.trim().slice(0, DISCORD_MAX_ATTACHMENT_DESCRIPTION) || undefined;
      files.push({ name, data, contentType, description });
    } catch (err) {
      logger.warn({ figure: figure.id, err: err instanceof Error ? err.message : String(err) }, 'figure skipped');
    }
  }
  return files;
}

/** Group files into messages: at most 10 per message and within the per-message size. */
export function groupFiles(files: readonly FigureFile[], maxMessageBytes: number = DISCORD_MAX_MESSAGE_FILE_BYTES): FigureFile[][] {
  const groups: FigureFile[][] = [];
  let current: FigureFile[] = [];
  let bytes = 0;
  for (const file of files) {
    if (current.length > 0 && (current.length >= DISCORD_MAX_FILES_PER_MESSAGE || bytes + file.data.length > maxMessageBytes)) {
      groups.push(current);
      current = [];
      bytes = 0;
    }
    current.push(file);
    bytes += file.data.length;
  }
  if (current.length > 0) groups.push(current);
  return groups;
}
