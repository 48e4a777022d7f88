/**
 * A chat platform as the rest of the program sees it: the adapter that listens (bot
 * side) and the REST-only pieces the worker uses to reply (worker side).
 */
import type { HttpServer } from '../app/http-server.js';
import type { Config } from '../config/env.js';
import type { Logger } from '../log.js';
import type { FeedbackStore } from '../queue/feedback.js';
import type { AskGateway } from '../queue/gateway.js';
import type { Platform, PlatformWorkerSide } from '../queue/index.js';
import type { Redis } from '../queue/redis.js';
import type { Retriever } from '../rag/types.js';

/** What `/readyz` and the start-up log say about one platform connection. */
export interface AdapterHealth {
  ok: boolean;
  /** One line: what is wrong and the exact fix (e.g. where in the developer portal). */
  detail?: string;
}

export interface RunningAdapter {
  stop(): Promise<void>;
  /** Current state of the platform connection (absent = assumed healthy while running). */
  health?(): AdapterHealth;
}

export interface AdapterDeps {
  config: Config;
  gateway: AskGateway;
  logger: Logger;
  http?: HttpServer;
  /** Where feedback clicks (👍/👎 on an answer) are stored; absent = no feedback buttons are handled. */
  feedback?: FeedbackStore;
  /**
   * The knowledge base when this process loaded it (a worker runs here too): bots never do
   * RAG work, but a page may offer search where it costs nothing extra (the web chat).
   */
  retriever?: Retriever;
}

export interface PlatformModule {
  name: Exclude<Platform, 'terminal'>;
  /** A platform is enabled exactly when its credentials are set (GUIDE §2). */
  isConfigured(config: Config): boolean;
  /**
   * Start listening. `http` is the process's HTTP server, not yet listening: adapters that
   * serve HTTP (the web chat) register their routes on `http.app` here.
   */
  startAdapter(deps: AdapterDeps): Promise<RunningAdapter>;
  /** `connection`: the worker's Redis, for what a platform remembers across jobs (e.g. Slack workspaces without native streaming). */
  createWorkerSide(deps: { config: Config; logger: Logger; connection?: Redis }): PlatformWorkerSide;
}
