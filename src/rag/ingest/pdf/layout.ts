/**
 * Page geometry for PDF figures: text lines with their boxes, the caption of a figure
 * ("Figure 1: …" above or below it, else the lines right next to it), and vector-drawn
 * figures (clusters of painted paths that look like a chart or diagram, not a table or a rule).
 */
import { boxArea, type Box } from './page-graphics.js';

export interface TextLine {
  text: string;
  box: Box;
}

/** Caption labels in the languages of the shipped and field documents (and common German/French/Spanish ones). */
export const CAPTION_LABEL = /^(fig(?:ure)?\.?|chart|diagram|graph|illustration|exhibit|plate|abbildung|abb\.|figura|schéma|graphique)\s*[\dA-Z]/i;
/** How far from a figure a caption may sit (points; ~3 lines of body text). */
const CAPTION_REACH = 36;
/** An unlabelled line this close to a figure describes it. */
const NEAR_REACH = 18;
const CAPTION_CHARS = 300;

interface TextItemLike {
  str?: string;
  transform?: number[];
  width?: number;
  height?: number;
  hasEOL?: boolean;
}

/** Group text items into lines (same baseline within 2 pt), top to bottom. */
export function textLines(items: TextItemLike[]): TextLine[] {
  const lines: Array<{ y: number; parts: Array<{ x: number; str: string; box: Box }> }> = [];
  for (const item of items) {
    if (!item.str?.trim() || !item.transform) continue;
    const [, , , d = 0, x = 0, y = 0] = item.transform;
    const h = item.height || Math.abs(d) || 10;
    const box = { x0: x, y0: y - h * 0.25, x1: x + (item.width ?? 0), y1: y + h };
    let line = lines.find((l) => Math.abs(l.y - y) <= 2);
    if (!line) lines.push((line = { y, parts: [] }));
    line.parts.push({ x, str: item.str, box });
  }
  return lines
    .sort((a, b) => b.y - a.y)
    .map((l) => {
      const parts = l.parts.sort((a, b) => a.x - b.x);
      return {
        text: parts.map((p) => p.str).join(' ').replace(/\s+/g, ' ').trim(),
        box: parts.reduce<Box>((u, p) => union(u, p.box), parts[0]!.box),
      };
    });
}

export const union = (a: Box, b: Box): Box => ({ x0: Math.min(a.x0, b.x0), y0: Math.min(a.y0, b.y0), x1: Math.max(a.x1, b.x1), y1: Math.max(a.y1, b.y1) });
const overlapsX = (a: Box, b: Box) => Math.min(a.x1, b.x1) - Math.max(a.x0, b.x0) > 0;
const grow = (b: Box, by: number): Box => ({ x0: b.x0 - by, y0: b.y0 - by, x1: b.x1 + by, y1: b.y1 + by });
const intersects = (a: Box, b: Box) => a.x0 <= b.x1 && b.x0 <= a.x1 && a.y0 <= b.y1 && b.y0 <= a.y1;
const cap = (s: string) => (s.length > CAPTION_CHARS ? s.slice(0, CAPTION_CHARS) + '…' : s);

/** Vertical gap from the figure to the line (negative when they overlap vertically). */
function gap(figure: Box, line: Box): number {
  if (line.y1 <= figure.y0 + 2) return figure.y0 - line.y1; // below
  if (line.y0 >= figure.y1 - 2) return line.y0 - figure.y1; // above
  return -1;
}

/**
 * The caption of a figure at `box`: a labelled line ("Figure 2: …") within reach above or
 * below it, with the lines that continue it; else the nearest unlabelled line(s) touching it;
 * else undefined (the caller falls back to the page's text).
 */
export function captionNear(box: Box, lines: TextLine[]): string | undefined {
  const near = lines
    .map((line, index) => ({ line, index, gap: gap(box, line.box) }))
    .filter((c) => c.gap >= 0 && c.gap <= CAPTION_REACH && overlapsX(box, c.line.box))
    .sort((a, b) => a.gap - b.gap);
  const labelled = near.find((c) => CAPTION_LABEL.test(c.line.text));
  if (labelled) {
    const parts = [labelled.line.text];
    const height = labelled.line.box.y1 - labelled.line.box.y0;
    for (let i = labelled.index + 1; i < lines.length; i++) {
      const prev = lines[i - 1]!.box;
      const next = lines[i]!;
      if (prev.y0 - next.box.y1 > height * 0.8 || CAPTION_LABEL.test(next.text) || gap(box, next.box) < 0) break;
      parts.push(next.text);
      if (parts.join(' ').length > CAPTION_CHARS) break;
    }
    return cap(parts.join(' '));
  }
  const closest = near.filter((c) => c.gap <= NEAR_REACH).slice(0, 2);
  return closest.length ? cap(closest.map((c) => c.line.text).join(' ')) : undefined;
}

export interface VectorRegion {
  box: Box;
  paths: number;
  caption?: string;
}

/** Gap (points) within which painted paths belong to the same drawing. */
const CLUSTER_GAP = 8;
/** Smallest drawing treated as a figure (points; 1 × 0.5 inch), and smallest with a caption label. */
const MIN_WIDTH = 72;
const MIN_HEIGHT = 36;
const MIN_PATHS = 3;
/** A drawing whose area is more than this share text is a table or a boxed paragraph, not a figure. */
const MAX_TEXT_SHARE = 0.35;
/** Paths covering more than this share of the page are backgrounds or frames. */
const MAX_PAGE_SHARE = 0.85;

/**
 * Vector-drawn figures on a page: painted paths clustered by proximity; a cluster is a figure
 * when it is at least 1 × 0.5 inch, has ≥ 3 paths (or a caption label next to it), is not mostly
 * text (tables, boxed notes) and is not a raster image's frame.
 */
export function vectorRegions(paths: Box[], page: Box, lines: TextLine[], imageBoxes: Box[]): VectorRegion[] {
  const pageArea = boxArea(page);
  const boxes = paths.filter((b) => boxArea(b) < pageArea * MAX_PAGE_SHARE);
  const clusters: Array<{ box: Box; paths: number }> = [];
  for (const b of boxes) {
    let merged = { box: b, paths: 1 };
    for (let i = clusters.length - 1; i >= 0; i--) {
      if (intersects(grow(clusters[i]!.box, CLUSTER_GAP), merged.box)) {
        merged = { box: union(clusters[i]!.box, merged.box), paths: clusters[i]!.paths + merged.paths };
        clusters.splice(i, 1);
      }
    }
    clusters.push(merged);
  }
  // Merging can make a cluster reach one it was not touching before: repeat until stable.
  for (let changed = true; changed; ) {
    changed = false;
    outer: for (let i = 0; i < clusters.length; i++) {
      for (let j = i + 1; j < clusters.length; j++) {
        if (intersects(grow(clusters[i]!.box, CLUSTER_GAP), clusters[j]!.box)) {
          clusters[i] = { box: union(clusters[i]!.box, clusters[j]!.box), paths: clusters[i]!.paths + clusters[j]!.paths };
          clusters.splice(j, 1);
          changed = true;
          break outer;
        }
      }
    }
  }
  const regions: VectorRegion[] = [];
  for (const c of clusters) {
    const w = c.box.x1 - c.box.x0;
    const h = c.box.y1 - c.box.y0;
    if (w < MIN_WIDTH / 2 || h < MIN_HEIGHT / 2) continue;
    const caption = captionNear(c.box, lines);
    const labelled = caption !== undefined && CAPTION_LABEL.test(caption);
    if (!labelled && (w < MIN_WIDTH || h < MIN_HEIGHT || c.paths < MIN_PATHS)) continue;
    const textArea = lines.filter((l) => intersects(l.box, c.box)).reduce((sum, l) => sum + boxArea(clip(l.box, c.box)), 0);
    if (textArea > boxArea(c.box) * MAX_TEXT_SHARE) continue;
    if (imageBoxes.some((img) => boxArea(clip(img, c.box)) > boxArea(c.box) * 0.5)) continue;
    regions.push({ box: c.box, paths: c.paths, caption });
  }
  return regions;
}

function clip(a: Box, to: Box): Box {
  return { x0: Math.max(a.x0, to.x0), y0: Math.max(a.y0, to.y0), x1: Math.min(a.x1, to.x1), y1: Math.min(a.y1, to.y1) };
}
