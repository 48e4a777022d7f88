/** Every platform the bot knows. `mrag bot` starts the configured ones; the worker builds their reply sides. */
import type { Config } from '../config/env.js';
import { discordPlatform } from './discord/index.js';
import type { PlatformModule } from './platform.js';
import { slackPlatform } from './slack/index.js';

export const ALL_PLATFORMS: readonly PlatformModule[] = [discordPlatform, slackPlatform];

export function configuredPlatforms(config: Config): PlatformModule[] {
  return ALL_PLATFORMS.filter((p) => p.isConfigured(config));
}
