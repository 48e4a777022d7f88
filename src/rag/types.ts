/**
 * The RAG library's public data types. Shared by ingest/search (knowledge base), the
 * answer pipeline, the queue worker and the platform adapters. Keep this file free of
 * logic and of any import from chat code.
 */

/** A text chunk: `text` is the window that was embedded (fits CLIP's 77 tokens), `context` the full paragraph for the LLM. */
export interface ChunkRecord {
  id: string;
  docId: string;
  /** File path or URL the document came from. */
  source: string;
  title: string;
  /** Current h1–h3 (or PDF page label) the chunk is under; '' when none. */
  section: string;
  text: string;
  context: string;
  page?: number;
}

/**
 * The three levels of multimodal RAG of the source article, as modes of one pipeline:
 * 1 = figures translated to text (captions, OCR, model descriptions; the LLM gets text only),
 * 2 = text-only retrieval (BM25), original figure images to the vision model,
 * 3 = multimodal retrieval (CLIP/SigLIP text and pixels in one space, fused with BM25).
 */
export type RetrievalLevel = 1 | 2 | 3;

/** A figure (image) found in a document or ingested on its own. */
export interface FigureRecord {
  id: string;
  docId: string;
  source: string;
  title: string;
  section: string;
  caption: string;
  /** Text read from the image's pixels by OCR ('' or absent when none / OCR off). */
  ocrText?: string;
  /** Model-written description of the figure (level 1, `--describe-figures`); absent when none. */
  description?: string;
  /** Absolute path of the stored image file (the index stores it relative to DATA_DIR). */
  imagePath: string;
  width?: number;
  height?: number;
  page?: number;
}

/**
 * One ranked list's opinion of a hit, for "why this answer": its 1-based rank in that list
 * and the list's own score (cosine similarity for vector lists, BM25 score for full text).
 * Signal names: `vector` (query text vs chunk or figure pixels), `image` (the user's image vs
 * pixels), `caption` (query vs caption embedding), `bm25` (full text: chunk text, or the
 * figure's caption, OCR text and description).
 */
export interface SignalScore {
  rank: number;
  score: number;
}
export type ScoreSignals = Partial<Record<'vector' | 'image' | 'caption' | 'bm25', SignalScore>>;

export interface ScoredChunk extends ChunkRecord {
  kind: 'text';
  /** The fused score the ranking used. */
  score: number;
  signals?: ScoreSignals;
}

export interface ScoredFigure extends FigureRecord {
  kind: 'figure';
  /** The fused score the ranking used. */
  score: number;
  signals?: ScoreSignals;
}

/** A query may be text, an image, or both. */
export interface SearchQuery {
  text?: string;
  image?: Uint8Array;
}

export type ScoringMode = 'hybrid' | 'seed';

export interface SearchOptions {
  mode?: ScoringMode;
  textK?: number;
  figureK?: number;
}

export interface SearchResult {
  chunks: ScoredChunk[];
  figures: ScoredFigure[];
  timings: Record<string, number>;
  /** The retrieval level this search ran at (absent from retrievers that do not know). */
  level?: RetrievalLevel;
}

/** Anything that can answer a search; the answer pipeline depends on this, not on the index. */
export interface Retriever {
  search(query: SearchQuery, options?: SearchOptions): Promise<SearchResult>;
}

/** One earlier question/answer pair in a thread. */
export interface ChatTurn {
  question: string;
  answer: string;
}

/** A numbered text source as shown to the model and to users ([1], [2], …). */
export interface AnswerSource {
  n: number;
  id: string;
  title: string;
  section: string;
  source: string;
  snippet: string;
  page?: number;
}

/** A figure attached to the answer ([F1], [F2], …); adapters upload `imagePath`. */
export interface AnswerFigure {
  n: number;
  id: string;
  imagePath: string;
  caption: string;
  title: string;
  section: string;
  source: string;
}

export interface Answer {
  /** Markdown text (adapters convert it for their platform). */
  text: string;
  sources: AnswerSource[];
  figures: AnswerFigure[];
  /** `llm` when the model answered; `retrieval-only` when it could not and we list the best snippets. */
  mode: 'llm' | 'retrieval-only';
  /** Milliseconds per stage, e.g. { condense, retrieve, prompt, generate, total }. */
  timings: Record<string, number>;
  /** The retrieval level the answer was produced at. */
  level?: RetrievalLevel;
  /**
   * "Why this answer": what retrieval returned (scores per signal) and which figure ids'
   * images the model was shown. Optional so stored answers of older versions still parse.
   */
  retrieval?: {
    chunks: ScoredChunk[];
    figures: ScoredFigure[];
    /** Figure ids whose image bytes went to the model (others reached it as text only). */
    shownToModel: string[];
  };
}

export interface AnswerOptions {
  history?: ChatTurn[];
  /** The user's own attached images (bytes), passed to the model first. */
  images?: Uint8Array[];
  /** Called with each streamed token (or chunk of tokens). */
  onToken?: (token: string) => void;
  signal?: AbortSignal;
  /**
   * Ids of figures already attached earlier in this thread. When the model cites no figure,
   * the fallback "top figure" skips these, so a follow-up does not re-post the same image.
   * A figure the model cites is attached again: the answer refers to it.
   */
  shownFigureIds?: readonly string[];
}

/** The answer pipeline's one-call surface: `answerer.answer(question, options)`. */
export interface Answerer {
  answer(question: string, options?: AnswerOptions): Promise<Answer>;
}
