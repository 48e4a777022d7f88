/** Every platform the bot knows. The worker builds a reply side for each configured one; `mrag bot`, `web` and `start` choose which adapters listen. */
import type { Config } from '../config/env.js';
import { discordPlatform } from './discord/index.js';
import type { PlatformModule } from './platform.js';
import { slackPlatform } from './slack/index.js';
import { webPlatform } from './web/index.js';

export const ALL_PLATFORMS: readonly PlatformModule[] = [discordPlatform, slackPlatform, webPlatform];

/** Discord and Slack when their credentials are set; the web chat always (it needs none on this machine). */
export function configuredPlatforms(config: Config): PlatformModule[] {
  return ALL_PLATFORMS.filter((p) => p.isConfigured(config));
}

/**
 * The chat platforms enabled by credentials (what `mrag bot` listens on): Discord and Slack
 * when their tokens are set, and the web chat when WEB_TOKEN is set (its credential: a bot
 * in a container or on a server listens beyond this machine). `mrag start` and `mrag web`
 * serve the web chat without a token on a loopback address.
 */
export function credentialedPlatforms(config: Config): PlatformModule[] {
  return configuredPlatforms(config).filter((p) => p.name !== 'web' || config.http.webToken !== undefined);
}
