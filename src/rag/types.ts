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

/** A figure (image) found in a document or ingested on its own. */
export interface FigureRecord {
  id: string;
  docId: string;
  source: string;
  title: string;
  section: string;
  caption: string;
  /** Absolute path of the stored image file (under DATA_DIR). */
  imagePath: string;
  width?: number;
  height?: number;
  page?: number;
}

export interface ScoredChunk extends ChunkRecord {
  kind: 'text';
  score: number;
}

export interface ScoredFigure extends FigureRecord {
  kind: 'figure';
  score: number;
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
