/**
 * A chat platform as the rest of the program sees it: the adapter that listens (bot
 * side) and the REST-only pieces the worker uses to reply (worker side).
 */
import type { HttpServer } from '../app/http-server.js';
import type { Config } from '../config/env.js';
import type { Logger } from '../log.js';
import type { AskGateway } from '../queue/gateway.js';
import type { Platform, PlatformWorkerSide } from '../queue/index.js';
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

export interface PlatformModule {
  name: Exclude<Platform, 'terminal'>;
  /** A platform is enabled exactly when its credentials are set (GUIDE §2). */
  isConfigured(config: Config): boolean;
  /**
   * Start listening. `http` is the process's HTTP server, not yet listening: adapters that
   * serve HTTP (the web chat) register their routes on `http.app` here. `retriever` is the
   * knowledge base when this process loaded it (a worker runs here too): bots never do RAG
   * work, but a page may offer search where it costs nothing extra.
   */
  startAdapter(deps: { config: Config; gateway: AskGateway; logger: Logger; http?: HttpServer; retriever?: Retriever }): Promise<RunningAdapter>;
  createWorkerSide(deps: { config: Config; logger: Logger }): PlatformWorkerSide;
}
