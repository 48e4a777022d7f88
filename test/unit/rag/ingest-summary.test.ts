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
    s.embeddings = { model: 'Xenova/clip-vit-base-patch16', computed: 12, upgraded: 0, overlong: 0 };
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
        'embeddings: 12 computed (Xenova/clip-vit-base-patch16)',
        'figure descriptions: off (--describe-figures, FIGURE_DESCRIPTIONS=true or RETRIEVAL_LEVEL=1 to write them)',
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

  it('says why there are no embeddings, what the upgrade and the descriptions did, and the run-level notes', () => {
    const s = emptySummary(true);
    s.considered = 4;
    s.level = 2;
    s.descriptions = { enabled: true, described: 2, cached: 1, skipped: 3, failed: 0, upgraded: 1, warnings: ['Figure descriptions skipped: Ollama at 127.0.0.1:1 is unreachable.'] };
    s.notices.push('--prune kept 4 documents of "docs": its folder /srv/docs is not here');
    s.compaction = { versionsRemoved: 40, bytesRemoved: 3 * 1024 * 1024 };
    const text = formatIngestSummary(s);
    expect(text).toContain('embeddings: none (retrieval level 2: no embedding model; a later `mrag ingest` with the model adds them without re-parsing)');
    expect(text).toContain('figure descriptions: 2 written, 1 from the cache, 3 skipped, 0 failed, 1 added to figures already indexed');
    expect(text).toContain('index: 40 old versions removed (3.0 MB freed)');
    expect(text).toContain('notes:\n  --prune kept 4 documents of "docs": its folder /srv/docs is not here\n  Figure descriptions skipped: Ollama at 127.0.0.1:1 is unreachable.');

    s.level = 3;
    s.embeddings = { model: 'clip-tiny', computed: 0, upgraded: 57, overlong: 2 };
    expect(formatIngestSummary(s)).toContain(
      "embeddings: 0 computed, 57 added to rows that had none (upgrade to level 3), 2 chunks longer than the model's window embedded as the mean of their windows (clip-tiny)",
    );
  });
});
