/**
 * The answer pipeline: retrieve → prompt → generate. Placeholder until the answers issue
 * lands; `createAnswerer` is the contract the worker and `mrag ask` use.
 */
import type { Config } from '../../config/env.js';
import { NotImplementedError } from '../../errors.js';
import type { Logger } from '../../log.js';
import type { Answerer } from '../types.js';

export interface RunningAnswerer extends Answerer {
  close(): Promise<void>;
}

export async function createAnswerer(_deps: { config: Config; logger: Logger }): Promise<RunningAnswerer> {
  throw new NotImplementedError('The answer pipeline');
}
