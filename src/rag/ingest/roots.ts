/**
 * Ingest roots: where a local document's identity comes from.
 *
 * A local document's `source` is `<root label>/<path under the root>` (POSIX separators) and
 * its docId is sha256(source), so neither depends on the working directory nor on where the
 * documents or DATA_DIR are mounted. The root of a file is, in this order:
 *
 *   1. KB_DIR, labelled `kb`, when the file is inside it (Compose mounts it at /kb, a laptop
 *      has ./kb: the same documents get the same ids);
 *   2. the innermost root the index already knows that contains the file (so
 *      `mrag ingest docs/` and later `mrag ingest docs/guide/a.md` name a.md the same);
 *   3. else a new root: the directory given (`mrag ingest ~/team/docs` → `docs`), or for a
 *      file given alone, its folder; labelled by the folder's name.
 *
 * Labels are unique in an index: a second folder with a taken name gets `name-2`, `name-3`…,
 * unless the folder recorded under that name no longer exists — then the documents moved,
 * and the label follows them (a note says so). The index records each root's last location
 * (meta.json `roots`: relative to DATA_DIR when inside it, else absolute) to find a
 * document's file again (`--prune`, the web chat's document links); it is never part of an
 * identity.
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { relativeToDataDir } from '../index/meta.js';

/** The label of KB_DIR's documents. */
export const KB_ROOT = 'kb';

const isUrl = (input: string) => /^https?:\/\//i.test(input);

/** True when `file` is `dir` or inside it. */
export function isInside(dir: string, file: string): boolean {
  const rel = path.relative(dir, file);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

const isDirectory = (dir: string) => existsSync(dir) && statSync(dir).isDirectory();

/** A folder name usable as a label (no separators, never empty). */
function labelOf(dir: string): string {
  const name = path.basename(dir).replace(/[\\/]/g, '_').trim();
  return name && name !== '.' && name !== '..' ? name : 'root';
}

export class IngestRoots {
  /** label → absolute directory. */
  private readonly roots = new Map<string, string>();
  /** What changed about the roots in this run (moved folders), for the summary. */
  readonly notes: string[] = [];

  /**
   * @param stored meta.json `roots` of the index (relative to DATA_DIR or absolute)
   * @param kbDir KB_DIR, absolute (the `kb` root wherever it is mounted); undefined to use the stored location
   */
  constructor(
    private readonly dataDir: string,
    stored: Readonly<Record<string, string>>,
    private readonly kbDir?: string,
  ) {
    for (const [label, location] of Object.entries(stored)) this.roots.set(label, path.resolve(dataDir, location));
    if (kbDir) this.roots.set(KB_ROOT, path.resolve(kbDir));
  }

  /** Make sure an input (a directory, or a file given alone) has a root; see the module comment. */
  register(input: string, isDir: boolean): void {
    const full = path.resolve(input);
    if (this.kbDir && isInside(path.resolve(this.kbDir), full)) return;
    if (this.containing(full)) return;
    this.add(isDir ? full : path.dirname(full));
  }

  /** `source` of a local file (its root must be registered: `register` the input first). */
  sourceOf(file: string): string {
    const full = path.resolve(file);
    const label = this.containing(full) ?? this.add(path.dirname(full));
    const rel = path.relative(this.roots.get(label)!, full).split(path.sep).join('/');
    return `${label}/${rel}`;
  }

  /** Absolute path of a local document's file; undefined for a URL or a root this index does not know. */
  fileOf(source: string): string | undefined {
    if (isUrl(source)) return undefined;
    const slash = source.indexOf('/');
    const root = slash > 0 ? this.roots.get(source.slice(0, slash)) : undefined;
    return root ? path.join(root, ...source.slice(slash + 1).split('/')) : undefined;
  }

  /** Where the root of a local `source` is (absolute), if known. */
  rootOf(source: string): { label: string; dir: string } | undefined {
    if (isUrl(source)) return undefined;
    const label = source.slice(0, Math.max(0, source.indexOf('/')));
    const dir = this.roots.get(label);
    return dir ? { label, dir } : undefined;
  }

  /** The roots to record, limited to the labels still used by documents' sources. */
  toStored(sources: Iterable<string>): Record<string, string> {
    const used = new Set<string>();
    for (const s of sources) if (!isUrl(s) && s.includes('/')) used.add(s.slice(0, s.indexOf('/')));
    const out: Record<string, string> = {};
    for (const [label, dir] of [...this.roots].sort(([a], [b]) => a.localeCompare(b))) if (used.has(label)) out[label] = relativeToDataDir(this.dataDir, dir);
    return out;
  }

  /** The innermost known root containing `file` (KB_DIR first). */
  private containing(file: string): string | undefined {
    if (this.kbDir && isInside(path.resolve(this.kbDir), file)) return KB_ROOT;
    let best: [string, string] | undefined;
    for (const [label, dir] of this.roots) {
      if (label === KB_ROOT && this.kbDir) continue;
      if (isInside(dir, file) && (!best || dir.length > best[1].length)) best = [label, dir];
    }
    return best?.[0];
  }

  /** A new root at `dir`: its folder name, or the name's first free variant (see the module comment). */
  private add(dir: string): string {
    const base = labelOf(dir);
    for (let n = 1; ; n++) {
      const label = n === 1 ? base : `${base}-${n}`;
      if (label === KB_ROOT) continue; // KB_DIR's label, whether or not KB_DIR is in use
      const known = this.roots.get(label);
      if (known === undefined) {
        this.roots.set(label, dir);
        return label;
      }
      if (known === dir) return label;
      if (!isDirectory(known)) {
        this.notes.push(`the documents of "${label}" were at ${known}, which is gone: they are now read from ${dir}`);
        this.roots.set(label, dir);
        return label;
      }
    }
  }
}
