/**
 * What the queue worker needs from Discord: a REST client (`@discordjs/rest`, no gateway),
 * a Reply per job, image downloads (an attachment URL that expired is refreshed once with
 * `POST /attachments/refresh-urls`) and thread history. Any number of workers can run this.
 */
import { REST } from 'discord.js';
import type { DiscordConfig } from '../../config/env.js';
import type { Logger } from '../../log.js';
import { PermanentJobError } from '../../queue/errors.js';
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

/**
 * A fresh URL for an expired Discord CDN attachment URL (signed URLs carry `ex`/`is`/`hm`
 * and stop working after about a day), or undefined when Discord gives none.
 */
export async function refreshAttachmentUrl(rest: REST, url: string): Promise<string | undefined> {
  const res = (await rest.post('/attachments/refresh-urls', { body: { attachment_urls: [url] } })) as { refreshed_urls?: { original: string; refreshed: string }[] };
  return res.refreshed_urls?.find((r) => r.original === url)?.refreshed;
}

export function createDiscordWorkerSide(deps: { config: DiscordConfig; logger: Logger }): PlatformWorkerSide {
  const rest = createDiscordRest(deps.config, deps.logger);
  return {
    createReply: (context) => new DiscordReply(rest, context),
    // Discord CDN attachment URLs are signed and need no Authorization header; an expired one answers 403/404.
    async fetchImage(url, maxBytes) {
      try {
        return await fetchImageBytes(url, maxBytes);
      } catch (err) {
        if (!(err instanceof PermanentJobError && /HTTP (403|404|410)/.test(err.message))) throw err;
        const fresh = await refreshAttachmentUrl(rest, url).catch((e: unknown) => {
          deps.logger.warn({ err: e instanceof Error ? e.message : String(e) }, 'discord: attachment URL could not be refreshed');
          return undefined;
        });
        if (!fresh || fresh === url) throw err;
        deps.logger.info('discord: expired attachment URL refreshed');
        return await fetchImageBytes(fresh, maxBytes);
      }
    },
    fetchHistory: (job) => readThreadHistory(rest, job),
    close: async () => {
      rest.clearHashSweeper();
      rest.clearHandlerSweeper();
    },
  };
}
