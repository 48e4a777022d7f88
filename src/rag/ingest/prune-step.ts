/**
 * `mrag ingest --prune`: remove the documents whose file is gone. A local document's file is
 * found through its root (roots.ts), so pruning does not depend on the working directory;
 * when a root's folder itself is missing (moved, or a volume not mounted), its documents are
 * kept and the summary says so: a missing folder never empties the index.
 */
import { existsSync, statSync } from 'node:fs';
import type { IndexStore } from '../index/store.js';
import type { IngestRoots } from './roots.js';
import { isUrl } from './sources.js';

export interface PruneResult {
  pruned: number;
  /** Run-level notes: roots whose folder is missing, with how many documents were kept. */
  notices: string[];
}

export async function pruneMissing(store: IndexStore, roots: IngestRoots): Promise<PruneResult> {
  const kept = new Map<string, { dir?: string; count: number }>();
  let pruned = 0;
  for (const doc of await store.documents()) {
    if (isUrl(doc.source)) continue;
    const root = roots.rootOf(doc.source);
    if (!root || !existsSync(root.dir) || !statSync(root.dir).isDirectory()) {
      const label = root?.label ?? doc.source.split('/')[0]!;
      kept.set(label, { dir: root?.dir, count: (kept.get(label)?.count ?? 0) + 1 });
      continue;
    }
    if (existsSync(roots.fileOf(doc.source)!)) continue;
    await store.removeDocument(doc.docId);
    pruned++;
  }
  const notices = [...kept].map(
    ([label, { dir, count }]) =>
      `--prune kept ${count} document${count === 1 ? '' : 's'} of "${label}": ${dir ? `its folder ${dir} is not here` : 'the index does not know its folder'} ` +
      '(moved, or not mounted?). Ingest that folder from where it is now, with --prune, to update them.',
  );
  return { pruned, notices };
}
