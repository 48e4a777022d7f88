/**
 * Which file an `<img>` really shows, as a browser (with scripts) would: lazy-load libraries
 * keep the real source in `data-*` attributes and put a placeholder (a 1×1 GIF, a blank SVG,
 * or nothing) in `src`; responsive images list candidates in `srcset`, of which we take the
 * largest. Candidates are returned best first; the loader takes the first that loads and is
 * not a placeholder.
 *
 * Attribute families covered (the lead keeps other members to check with):
 * - src-like: `data-src`, `data-lazy-src`, `data-original`, `data-original-src`, `data-lazy`,
 *   `data-lazyload`, `data-echo`, `data-hi-res-src`, `data-full-src`, `data-orig-file`, `data-large-file`,
 *   `data-actualsrc`, `data-url` — any `data-…src`, plus the named ones (lazysizes, lozad,
 *   jQuery lazyload, Jetpack/WordPress, echo.js, Medium-style);
 * - srcset-like: `srcset`, `data-srcset`, `data-lazy-srcset` — any `data-…srcset`;
 * - `<picture><source srcset>` candidates (passed in by the parser).
 */

const NAMED_SRC_ATTRIBUTES = ['data-original', 'data-lazy', 'data-lazyload', 'data-lazy-load', 'data-echo', 'data-orig-file', 'data-large-file', 'data-url'];

export interface SrcsetCandidate {
  url: string;
  /** Width descriptor (`480w`), or density (`2x`) × 1e6 so that widths and densities sort apart. */
  size: number;
}

/**
 * Parse a `srcset` value ("a.png 1x, b.png 2x" / "s.jpg 480w, l.jpg 1080w") into candidates,
 * largest first. URLs may contain commas (data: URIs), so a URL is a run of non-space
 * characters, as in the HTML standard's algorithm.
 */
export function parseSrcset(value: string): SrcsetCandidate[] {
  const out: SrcsetCandidate[] = [];
  let i = 0;
  while (i < value.length) {
    while (i < value.length && /[\s,]/.test(value[i]!)) i++;
    if (i >= value.length) break;
    let j = i;
    while (j < value.length && !/\s/.test(value[j]!)) j++;
    let url = value.slice(i, j);
    i = j;
    let descriptor = '';
    if (url.endsWith(',')) {
      url = url.replace(/,+$/, '');
    } else {
      let depth = 0;
      while (i < value.length && (value[i] !== ',' || depth > 0)) {
        if (value[i] === '(') depth++;
        if (value[i] === ')') depth--;
        descriptor += value[i++];
      }
    }
    if (!url) continue;
    const d = descriptor.trim().toLowerCase();
    const w = /^(\d+)w$/.exec(d);
    const x = /^(\d*\.?\d+)x$/.exec(d);
    out.push({ url, size: w ? Number(w[1]) : x ? Number(x[1]) * 1e6 : 1e6 });
  }
  // Widths and densities never mix in one srcset (the HTML standard forbids it), so one sort serves both.
  return out.sort((a, b) => b.size - a.size);
}

const isSrcLike = (name: string) => (name.startsWith('data-') && name.endsWith('src') && !name.endsWith('srcset')) || NAMED_SRC_ATTRIBUTES.includes(name);
const isSrcsetLike = (name: string) => name === 'srcset' || (name.startsWith('data-') && name.endsWith('srcset'));

/** A data: URI or blank value that only holds a placeholder (lazy-load libraries' 1×1 GIF or empty SVG). */
export const isInlinePlaceholder = (ref: string) => /^data:/i.test(ref) && ref.length < 400;

export interface ImageCandidates {
  /** Real sources: the largest srcset candidates and the lazy-load attributes, best first. */
  primary: string[];
  /** `src` (often the placeholder when a primary exists) and the smaller srcset candidates. */
  fallback: string[];
}

/** The candidates of one `<img>` (attribute names lower-case), with `<picture>` sources first. */
export function imageCandidates(attrs: Record<string, string>, pictureSrcsets: string[] = []): ImageCandidates {
  const sets = [...pictureSrcsets, ...Object.entries(attrs).filter(([k]) => isSrcsetLike(k)).map(([, v]) => v)].map(parseSrcset);
  const largest = sets.map((s) => s[0]?.url).filter((u): u is string => !!u);
  const smaller = sets.flatMap((s) => s.slice(1).map((c) => c.url));
  const lazy = Object.entries(attrs)
    .filter(([k, v]) => isSrcLike(k) && v.trim())
    .map(([, v]) => v.trim());
  const src = attrs.src?.trim();
  const unique = (list: string[]) => [...new Set(list.filter((u) => u && !isInlinePlaceholder(u)))];
  const primary = unique([...largest, ...lazy]);
  const fallback = unique([...(src ? [src] : []), ...smaller]).filter((u) => !primary.includes(u));
  // A src that is only a placeholder is still a candidate when nothing else exists (it then loads as tiny/blank and is skipped, reported).
  if (primary.length === 0 && fallback.length === 0 && src) fallback.push(src);
  return { primary, fallback };
}

/** A CSS pixel length from an attribute ("600", "600px") or undefined (percentages, other units, junk). */
function pxLength(value: string | undefined): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(px)?\s*$/i.exec(value ?? '');
  return m ? Number(m[1]) : undefined;
}

/** The size the page asks for: `width`/`height` attributes or the inline style's `width`/`height` in px. */
export function declaredSize(attrs: Record<string, string>): { width?: number; height?: number } | undefined {
  const style = attrs.style ?? '';
  const fromStyle = (prop: string) => pxLength(new RegExp(`(?:^|;)\\s*${prop}\\s*:\\s*([^;]+)`, 'i').exec(style)?.[1]);
  const width = fromStyle('width') ?? pxLength(attrs.width);
  const height = fromStyle('height') ?? pxLength(attrs.height);
  return width === undefined && height === undefined ? undefined : { width, height };
}

/** Hidden from every reader (`hidden`, `display:none`, `visibility:hidden`, `aria-hidden` 1-px tricks are caught by size). */
export function isHidden(attrs: Record<string, string>): boolean {
  return 'hidden' in attrs || /(?:^|;)\s*(display\s*:\s*none|visibility\s*:\s*hidden)/i.test(attrs.style ?? '');
}
