/** discord platform module. Placeholder until the discord adapter issue lands. */
import { NotImplementedError } from '../../errors.js';
import type { PlatformModule } from '../platform.js';

export const discordPlatform: PlatformModule = {
  name: 'discord',
  isConfigured: (config) => config.discord !== undefined,
  startAdapter: async () => {
    throw new NotImplementedError('The discord adapter');
  },
  createWorkerSide: () => {
    throw new NotImplementedError('The discord adapter');
  },
};
