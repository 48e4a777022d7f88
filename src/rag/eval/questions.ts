/**
 * The eval question file: JSONL, one question per line, with the expected evidence named
 * in a way that survives re-ingest (ids are content hashes; paths and file names are not):
 *
 *   {"id":"q1","question":"…","sources":["data/articles/clip.md"],"figures":["similarity-matrix.png"]}
 *
 * - `sources`: document paths (as stored, `<root>/<path under the root>`, or any path that ends
 *   with that, e.g. the file's path from the project folder), or URLs. A retrieved chunk from
 *   any of them counts. A path suffix also matches ("clip.md").
 * - `figures`: figure image file names, optionally scoped to a document ("clip.md#matrix.png").
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { UserFacingError } from '../../errors.js';

export const evalQuestionSchema = z
  .object({
    id: z.string().min(1).optional(),
    question: z.string().trim().min(1, 'question must not be empty'),
    sources: z.array(z.string().min(1)).default([]),
    figures: z.array(z.string().min(1)).default([]),
    /** Which evidence answers it (documentation; "figure" means only a figure does). */
    answerableFrom: z.enum(['text', 'figure', 'both']).optional(),
  })
  .refine((q) => q.sources.length + q.figures.length > 0, 'needs at least one expected source or figure');

export type EvalQuestion = z.infer<typeof evalQuestionSchema> & { id: string };

export function parseQuestions(text: string, file = 'questions'): EvalQuestion[] {
  const questions: EvalQuestion[] = [];
  const lines = text.split(/\r?\n/);
  for (const [i, line] of lines.entries()) {
    if (!line.trim()) continue;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch {
      throw new UserFacingError('eval_bad_line', `${file}:${i + 1}: not valid JSON`);
    }
    const parsed = evalQuestionSchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const where = issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
      throw new UserFacingError('eval_bad_line', `${file}:${i + 1}: ${where}${issue.message}`);
    }
    questions.push({ ...parsed.data, id: parsed.data.id ?? `line-${i + 1}` });
  }
  if (questions.length === 0) throw new UserFacingError('eval_empty', `${file}: no questions found`);
  return questions;
}

export async function loadQuestions(file: string): Promise<EvalQuestion[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new UserFacingError('eval_unreadable', `Cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return parseQuestions(text, file);
}
