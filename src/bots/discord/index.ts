/**
 * The Discord platform module (discord.js 14): the gateway adapter for `mrag bot` and the
 * REST-only worker side for `mrag worker`.
 */
import type { Config, DiscordConfig } from '../../config/env.js';
import { ConfigError } from '../../errors.js';
import type { PlatformModule } from '../platform.js';
import { startDiscordAdapter } from './adapter.js';
import { createDiscordWorkerSide } from './worker-side.js';

function discordConfig(config: Config): DiscordConfig {
  if (!config.discord) throw new ConfigError('DISCORD_TOKEN', 'Invalid configuration: DISCORD_TOKEN must be set to enable Discord');
  return config.discord;
}

export const discordPlatform: PlatformModule = {
  name: 'discord',
  isConfigured: (config) => config.discord !== undefined,
  startAdapter: async ({ config, gateway, logger, feedback }) =>
    await startDiscordAdapter({ config: discordConfig(config), gateway, logger: logger.child({ platform: 'discord' }), feedback }),
  createWorkerSide: ({ config, logger }) => createDiscordWorkerSide({ config: discordConfig(config), logger: logger.child({ platform: 'discord' }) }),
};

export { startDiscordAdapter } from './adapter.js';
export { createDiscordWorkerSide } from './worker-side.js';
