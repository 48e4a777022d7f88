/**
 * A chat platform as the rest of the program sees it: the adapter that listens (bot
 * side) and the REST-only pieces the worker uses to reply (worker side).
 */
import type { Config } from '../config/env.js';
import type { Logger } from '../log.js';
import type { AskGateway } from '../queue/gateway.js';
import type { Platform, PlatformWorkerSide } from '../queue/index.js';

export interface RunningAdapter {
  stop(): Promise<void>;
}

export interface PlatformModule {
  name: Exclude<Platform, 'terminal'>;
  /** A platform is enabled exactly when its credentials are set (GUIDE §2). */
  isConfigured(config: Config): boolean;
  startAdapter(deps: { config: Config; gateway: AskGateway; logger: Logger }): Promise<RunningAdapter>;
  createWorkerSide(deps: { config: Config; logger: Logger }): PlatformWorkerSide;
}
