/** slack platform module. Placeholder until the slack adapter issue lands. */
import { NotImplementedError } from '../../errors.js';
import type { PlatformModule } from '../platform.js';

export const slackPlatform: PlatformModule = {
  name: 'slack',
  isConfigured: (config) => config.slack !== undefined,
  startAdapter: async () => {
    throw new NotImplementedError('The slack adapter');
  },
  createWorkerSide: () => {
    throw new NotImplementedError('The slack adapter');
  },
};
