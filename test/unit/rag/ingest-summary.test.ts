/** The ingest summary as printed: counts, then failures, skips and warnings grouped by document; the exit status. */
import { describe, expect, it } from 'vitest';
import { formatIngestSummary, ingestExitCode } from '../../../src/cli/commands/ingest.js';
import { emptySummary } from '../../../src/rag/ingest/summary.js';

describe('ingest summary', () => {
  it('groups notes under their document and says why each thing was left out', () => {
    const s = emptySummary(true);
    Object.assign(s.documents, { added: 2, failed: 1, skipped: 7 });
    Object.assign(s.figures, { added: 3, failed: 1, skipped: 2 });
    Object.assign(s.ocr, { read: 3, cached: 1, pages: 1, ms: 2400 });
    s.considered = 3;
    s.totalDocuments = 2;
    s.ms = 5100;
    s.failures.push({ source: 'docs/bad.pdf', reason: 'unreadable PDF (Invalid PDF structure)' }, { source: 'docs/guide.md › figure broken.png', reason: 'corrupt or unsupported image data' });
    s.skipped.push(
      { source: 'docs/guide.md › figure images/icon.png', reason: 'shown at 24×24 px, below the 32 px minimum (icon, spacer or tracking pixel)' },
      { source: 'docs/manual.pdf › image 64×64 (first on page 1)', reason: 'drawn on 12 of 12 pages: a logo or page decoration, not content' },
      ...Array.from({ length: 6 }, (_, i) => ({ source: `docs/style-${i}.css`, reason: 'unsupported file type .css' })),
    );
    s.warnings.push({ source: 'docs/manual.pdf', message: 'page 3 has no text layer: read by OCR (120 words)' });

    expect(formatIngestSummary(s)).toBe(
      [
        'documents: 2 added, 0 updated, 0 unchanged, 1 failed, 7 skipped (2 in the index)',
        'text chunks: 0 added, 0 unchanged',
        'figures: 3 added, 0 unchanged, 1 failed, 2 skipped',
        'OCR: 3 images read (2.4 s), 1 from the cache, 1 scanned pages',
        'failed:',
        '  docs/bad.pdf: unreadable PDF (Invalid PDF structure)',
        '  docs/guide.md',
        '    figure broken.png: corrupt or unsupported image data',
        'skipped:',
        '  docs/guide.md',
        '    figure images/icon.png: shown at 24×24 px, below the 32 px minimum (icon, spacer or tracking pixel)',
        '  docs/manual.pdf',
        '    image 64×64 (first on page 1): drawn on 12 of 12 pages: a logo or page decoration, not content',
        ...Array.from({ length: 5 }, (_, i) => `  docs/style-${i}.css: unsupported file type .css`),
        '  … and 1 more with unsupported file type .css',
        'warnings:',
        '  docs/manual.pdf: page 3 has no text layer: read by OCR (120 words)',
        'time: 5.1 s',
      ].join('\n'),
    );
    expect(ingestExitCode(s)).toBe(1);
  });

  it('exits 0 when only figures failed or were skipped, and 1 when nothing supported was found', () => {
    const s = emptySummary(false);
    s.considered = 1;
    s.documents.added = 1;
    s.figures.failed = 2;
    expect(ingestExitCode(s)).toBe(0);
    expect(formatIngestSummary(s)).toContain('OCR: off (OCR_ENABLED=false)');
    s.considered = 0;
    expect(ingestExitCode(s)).toBe(1);
  });
});
