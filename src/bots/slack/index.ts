/** The Slack platform: the Bolt adapter (bot side) and the REST-only reply side (worker). */
import type { PlatformModule } from '../platform.js';
import { startSlackAdapter } from './adapter.js';
import { createSlackWorkerSide } from './worker-side.js';
import { ConfigError } from '../../errors.js';

export const slackPlatform: PlatformModule = {
  name: 'slack',
  isConfigured: (config) => config.slack !== undefined,
  startAdapter: (deps) => startSlackAdapter(deps),
  createWorkerSide: ({ config, logger, connection }) => {
    if (!config.slack) throw new ConfigError('SLACK_BOT_TOKEN', 'Slack is not configured: set SLACK_BOT_TOKEN');
    const slackLogger = logger.child({ platform: 'slack' });
    return createSlackWorkerSide({ config: config.slack, logger: slackLogger, memoryTurns: config.memory.turns, connection, prefix: config.redis.prefix });
  },
};

export { startSlackAdapter, type RunningSlackAdapter, type SlackAdapterOptions } from './adapter.js';
export { createSlackWorkerSide, type SlackWorkerSideOptions } from './worker-side.js';
