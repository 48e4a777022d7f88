/**
 * What the queue worker needs from Discord: a REST client (`@discordjs/rest`, no gateway),
 * a Reply per job, image downloads and thread history. Any number of workers can run this.
 */
import { REST } from 'discord.js';
import type { DiscordConfig } from '../../config/env.js';
import type { Logger } from '../../log.js';
import { fetchImageBytes } from '../../queue/fetch-image.js';
import type { PlatformWorkerSide } from '../../queue/reply.js';
import { readThreadHistory } from './history.js';
import { DiscordReply } from './reply.js';

/** A REST client for the configured API base; 429s are waited out by its own queue. */
export function createDiscordRest(config: DiscordConfig, logger: Logger): REST {
  const rest = new REST({ api: config.apiUrl, version: '10' }).setToken(config.token);
  // Log what happened, never the URL: a webhook URL contains an interaction token.
  rest.on('rateLimited', (info) => logger.debug({ method: info.method, retryAfterMs: info.retryAfter, global: info.global }, 'discord: rate limited, waiting'));
  return rest;
}

export function createDiscordWorkerSide(deps: { config: DiscordConfig; logger: Logger }): PlatformWorkerSide {
  const rest = createDiscordRest(deps.config, deps.logger);
  return {
    createReply: (context) => new DiscordReply(rest, context),
    // Discord CDN attachment URLs are signed and need no Authorization header.
    fetchImage: (url, maxBytes) => fetchImageBytes(url, maxBytes),
    fetchHistory: (job) => readThreadHistory(rest, job),
    close: async () => {
      rest.clearHashSweeper();
      rest.clearHandlerSweeper();
    },
  };
}
