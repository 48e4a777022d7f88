/**
 * Where things are drawn on a PDF page: walks pdf.js's operator list keeping the current
 * transformation matrix (save/restore, `cm`, form XObjects) and reports, in page space
 * (PDF points, y up), every raster image placement and the bounding box of every painted
 * vector path. pdf.js gives each `constructPath` its own bounding box (`minMax`, in the
 * path's user space); we map its corners through the matrix.
 */

/** A rectangle in page space (PDF points, origin bottom-left). */
export interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

export interface ImagePlacement {
  /** pdf.js object id ('g_…' ids live in the document-wide store) or undefined for inline images. */
  key?: string;
  /** Inline image data (BI … EI), already decoded by pdf.js. */
  inline?: unknown;
  box: Box;
}

export interface PageGraphics {
  images: ImagePlacement[];
  /** Painted (stroked or filled) vector paths; clipping-only paths are left out. */
  paths: Box[];
}

/** The subset of pdf.js's OPS table we read (numbers come from the loaded pdf.js). */
export type OpsTable = Record<string, number>;

type Matrix = [number, number, number, number, number, number];
const IDENTITY: Matrix = [1, 0, 0, 1, 0, 0];

/** m · t (column vectors): apply t first, then m — what `cm` does to the CTM. */
function multiply(m: Matrix, t: Matrix): Matrix {
  return [
    m[0] * t[0] + m[2] * t[1],
    m[1] * t[0] + m[3] * t[1],
    m[0] * t[2] + m[2] * t[3],
    m[1] * t[2] + m[3] * t[3],
    m[0] * t[4] + m[2] * t[5] + m[4],
    m[1] * t[4] + m[3] * t[5] + m[5],
  ];
}

/** Bounding box of the rectangle (x0,y0)–(x1,y1) mapped through m. */
export function transformBox(m: Matrix, x0: number, y0: number, x1: number, y1: number): Box {
  const xs: number[] = [];
  const ys: number[] = [];
  for (const [x, y] of [[x0, y0], [x1, y0], [x0, y1], [x1, y1]] as const) {
    xs.push(m[0] * x + m[2] * y + m[4]);
    ys.push(m[1] * x + m[3] * y + m[5]);
  }
  return { x0: Math.min(...xs), y0: Math.min(...ys), x1: Math.max(...xs), y1: Math.max(...ys) };
}

export const boxArea = (b: Box) => Math.max(0, b.x1 - b.x0) * Math.max(0, b.y1 - b.y0);

const isNumbers = (v: unknown): v is ArrayLike<number> => Array.isArray(v) || ArrayBuffer.isView(v);

export function pageGraphics(operators: { fnArray: number[]; argsArray: unknown[] }, OPS: OpsTable): PageGraphics {
  const paintOps = new Set(
    ['stroke', 'closeStroke', 'fill', 'eoFill', 'fillStroke', 'eoFillStroke', 'closeFillStroke', 'closeEOFillStroke', 'rawFillPath'].map((n) => OPS[n]).filter((v): v is number => v !== undefined),
  );
  const out: PageGraphics = { images: [], paths: [] };
  const stack: Matrix[] = [];
  let ctm: Matrix = IDENTITY;
  const unitSquare = () => transformBox(ctm, 0, 0, 1, 1);

  for (let i = 0; i < operators.fnArray.length; i++) {
    const fn = operators.fnArray[i];
    const args = operators.argsArray[i] as unknown[] | null;
    switch (fn) {
      case OPS.save:
        stack.push(ctm);
        break;
      case OPS.restore:
        ctm = stack.pop() ?? IDENTITY;
        break;
      case OPS.transform:
        if (args && args.length === 6) ctm = multiply(ctm, args as Matrix);
        break;
      case OPS.paintFormXObjectBegin: {
        stack.push(ctm);
        const matrix = args?.[0];
        if (isNumbers(matrix) && matrix.length === 6) ctm = multiply(ctm, Array.from(matrix) as Matrix);
        break;
      }
      case OPS.paintFormXObjectEnd:
        ctm = stack.pop() ?? IDENTITY;
        break;
      case OPS.paintImageXObject:
      case OPS.paintImageXObjectRepeat:
        if (typeof args?.[0] === 'string') out.images.push({ key: args[0], box: unitSquare() });
        break;
      case OPS.paintInlineImageXObject:
        if (args?.[0]) out.images.push({ inline: args[0], box: unitSquare() });
        break;
      case OPS.constructPath: {
        // pdf.js ≥ 5: [paintOp, [pathData], minMax]; minMax is null for an empty path.
        const paint = args?.[0];
        const minMax = args?.[2];
        if (typeof paint !== 'number' || !paintOps.has(paint) || !isNumbers(minMax) || minMax.length !== 4) break;
        const [x0, y0, x1, y1] = Array.from(minMax);
        if (![x0, y0, x1, y1].every(Number.isFinite)) break;
        out.paths.push(transformBox(ctm, x0!, y0!, x1!, y1!));
        break;
      }
      default:
        break;
    }
  }
  return out;
}
