/** The shipped question set stays usable: it parses, is big enough, and names evidence that exists. */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseQuestions } from '../../../src/rag/eval/questions.js';

const FILE = 'data/eval/questions.jsonl';
const questions = parseQuestions(readFileSync(FILE, 'utf8'), FILE);

describe('data/eval/questions.jsonl', () => {
  it('has at least 20 questions, a third of them answerable only from a figure', () => {
    expect(questions.length).toBeGreaterThanOrEqual(20);
    const figureOnly = questions.filter((q) => q.answerableFrom === 'figure');
    expect(figureOnly.length * 3).toBeGreaterThanOrEqual(questions.length);
    for (const q of figureOnly) {
      expect(q.sources).toEqual([]);
      expect(q.figures.length).toBeGreaterThan(0);
    }
    expect(new Set(questions.map((q) => q.id)).size).toBe(questions.length);
  });

  it('names documents and figure files that exist in data/articles', () => {
    for (const q of questions) {
      for (const source of q.sources) expect(existsSync(source), `${q.id}: ${source}`).toBe(true);
      for (const figure of q.figures) {
        const [doc, image] = figure.includes('#') ? figure.split('#') : [undefined, figure];
        if (doc) expect(existsSync(path.join('data/articles', doc)), `${q.id}: ${doc}`).toBe(true);
        expect(existsSync(path.join('data/articles/figures', image!)), `${q.id}: ${image}`).toBe(true);
        // The article really references the figure, so ingest stores it under that name.
        const articles = ['how-mrag-bot-works.md', 'retrieval.md', 'slack-setup.md', 'discord-setup.html'].map((f) => readFileSync(path.join('data/articles', f), 'utf8'));
        expect(articles.some((a) => a.includes(`figures/${image}`)), `${q.id}: ${image} referenced`).toBe(true);
      }
    }
  });
});
