/**
 * Exact (brute-force) inner-product search over unit vectors packed in one Float32Array.
 * At knowledge-base scale (up to ~100k rows) this beats LanceDB's flat scan here and is
 * exact; see bench/search.ts for the numbers.
 */
export interface Hit {
  index: number;
  score: number;
}

export class VectorMatrix {
  readonly rows: number;
  private readonly data: Float32Array;

  constructor(
    readonly dim: number,
    vectors: Float32Array[] | Float32Array,
  ) {
    if (vectors instanceof Float32Array) {
      this.data = vectors;
    } else {
      this.data = new Float32Array(vectors.length * dim);
      vectors.forEach((v, i) => this.data.set(v, i * dim));
    }
    this.rows = this.data.length / dim;
  }

  /** Similarity of `query` to every row. */
  scoresAll(query: Float32Array): Float32Array {
    const { dim, data, rows } = this;
    const out = new Float32Array(rows);
    for (let r = 0, off = 0; r < rows; r++, off += dim) {
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      let i = 0;
      // Four accumulators let V8 overlap the multiply-adds.
      for (; i + 3 < dim; i += 4) {
        s0 += data[off + i]! * query[i]!;
        s1 += data[off + i + 1]! * query[i + 1]!;
        s2 += data[off + i + 2]! * query[i + 2]!;
        s3 += data[off + i + 3]! * query[i + 3]!;
      }
      for (; i < dim; i++) s0 += data[off + i]! * query[i]!;
      out[r] = s0 + s1 + s2 + s3;
    }
    return out;
  }

  topK(query: Float32Array, k: number): Hit[] {
    return topKOf(this.scoresAll(query), k);
  }
}

/** The k best entries of `scores`, best first (a bounded insertion list: k is small). */
export function topKOf(scores: Float32Array, k: number, candidates?: Iterable<number>): Hit[] {
  const best: Hit[] = [];
  const consider = (index: number) => {
    const score = scores[index]!;
    if (best.length === k && score <= best[k - 1]!.score) return;
    let at = best.length < k ? best.length : k - 1;
    while (at > 0 && best[at - 1]!.score < score) at--;
    best.splice(at, 0, { index, score });
    if (best.length > k) best.pop();
  };
  if (k <= 0) return best;
  if (candidates) for (const i of candidates) consider(i);
  else for (let i = 0; i < scores.length; i++) consider(i);
  return best;
}
