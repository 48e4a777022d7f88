/** The Slack platform: the Bolt adapter (bot side) and the REST-only reply side (worker). */
import type { PlatformModule } from '../platform.js';
import { startSlackAdapter } from './adapter.js';
import { createSlackWorkerSide } from './worker-side.js';
import { ConfigError } from '../../errors.js';

export const slackPlatform: PlatformModule = {
  name: 'slack',
  isConfigured: (config) => config.slack !== undefined,
  startAdapter: (deps) => startSlackAdapter(deps),
  createWorkerSide: ({ config, logger }) => {
    if (!config.slack) throw new ConfigError('SLACK_BOT_TOKEN', 'Slack is not configured: set SLACK_BOT_TOKEN');
    return createSlackWorkerSide({ config: config.slack, logger: logger.child({ platform: 'slack' }), memoryTurns: config.memory.turns });
  },
};

export { startSlackAdapter, type RunningSlackAdapter, type SlackAdapterOptions } from './adapter.js';
export { createSlackWorkerSide, type SlackWorkerSideOptions } from './worker-side.js';
