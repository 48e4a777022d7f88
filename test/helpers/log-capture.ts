/** A real logger whose JSON lines are collected for assertions. */
import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../src/log.js';

export function captureLogger(level = 'debug', secrets: string[] = []): { logger: Logger; lines: string[]; messages: () => string[] } {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer | string, _enc, callback) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      callback();
    },
  });
  const logger = createLogger({ level, secrets, destination, pretty: false });
  return { logger, lines, messages: () => lines.map((l) => String((JSON.parse(l) as { msg?: string }).msg ?? '')) };
}
