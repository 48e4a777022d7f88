/**
 * The Discord bot side: one discord.js gateway client that listens for mentions, thread
 * follow-ups, `/ask` and 👍/👎 clicks, acknowledges within the platform deadline and
 * enqueues jobs. Gateway disconnects are handled by the client's own resume/reconnect;
 * jobs in flight are unaffected because the worker replies over REST. A close Discord
 * will not recover from (4014: the Message Content intent is off) fails start-up at once
 * — or, later, the adapter's health — with the exact fix (gateway-errors.ts).
 */
import { Client, Events, GatewayIntentBits, Partials } from 'discord.js';
import type { DiscordConfig } from '../../config/env.js';
import { UserFacingError } from '../../errors.js';
import type { Logger } from '../../log.js';
import type { FeedbackStore } from '../../queue/feedback.js';
import type { AskGateway } from '../../queue/gateway.js';
import type { AdapterHealth, RunningAdapter } from '../platform.js';
import { fatalCloseFix } from './gateway-errors.js';
import { createInteractionHandler } from './interactions.js';
import { createMessageHandler, errorText } from './messages.js';
import { NO_MENTIONS } from './types.js';

export interface DiscordAdapterDeps {
  config: DiscordConfig;
  gateway: AskGateway;
  logger: Logger;
  feedback?: FeedbackStore;
  /** How long to wait for READY and the guilds before giving up (ms). */
  readyTimeoutMs?: number;
}

export interface RunningDiscordAdapter extends RunningAdapter {
  client: Client<true>;
}

/**
 * Guilds, GuildMessages and the privileged MessageContent — no more. DirectMessages (and
 * the partial DM channel it needs) only when DISCORD_ALLOW_DMS is on.
 */
export function intentsFor(config: DiscordConfig): GatewayIntentBits[] {
  const intents = [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages, GatewayIntentBits.MessageContent];
  return config.allowDms ? [...intents, GatewayIntentBits.DirectMessages] : intents;
}

export function createDiscordClient(config: DiscordConfig): Client {
  return new Client({
    intents: intentsFor(config),
    partials: config.allowDms ? [Partials.Channel] : [],
    // discord.js appends /v10 and discovers the gateway from GET /gateway/bot.
    rest: { api: config.apiUrl },
    // Default for every message sent through the client; handlers also pass it explicitly.
    allowedMentions: NO_MENTIONS,
  });
}

export async function startDiscordAdapter(deps: DiscordAdapterDeps): Promise<RunningDiscordAdapter> {
  const { config, gateway, logger } = deps;
  const client = createDiscordClient(config);
  let health: AdapterHealth = { ok: true };
  let failStartUp: (err: Error) => void = () => undefined;
  // Without an `error` listener, an emitted error would crash the process.
  client.on(Events.Error, (err) => logger.error({ err: errorText(err) }, 'discord: client error'));
  client.on(Events.Warn, (message) => logger.warn({ message }, 'discord: client warning'));
  client.on(Events.ShardDisconnect, (event) => {
    const fix = fatalCloseFix(event.code);
    if (!fix) return void logger.warn({ code: event.code }, 'discord: gateway disconnected');
    // Discord will not take this connection back: say exactly what to change, and where.
    health = { ok: false, detail: fix };
    logger.error({ code: event.code }, fix);
    failStartUp(new UserFacingError('discord_gateway_closed', fix));
  });
  client.on(Events.ShardResume, (_id, replayed) => logger.info({ replayed }, 'discord: gateway resumed'));
  client.rest.on('rateLimited', (info) => logger.debug({ method: info.method, retryAfterMs: info.retryAfter }, 'discord: rate limited, waiting'));

  const handlerDeps = { config, gateway, logger, client, feedback: deps.feedback };
  client.on(Events.MessageCreate, createMessageHandler(handlerDeps));
  client.on(Events.InteractionCreate, createInteractionHandler(handlerDeps));

  const timeoutMs = deps.readyTimeoutMs ?? 60_000;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const ready = new Promise<Client<true>>((resolve, reject) => {
    failStartUp = reject;
    client.once(Events.ClientReady, resolve);
    timer = setTimeout(() => reject(new UserFacingError('discord_not_ready', `Discord did not become ready within ${timeoutMs / 1000} s.`)), timeoutMs);
  });
  try {
    // A fatal gateway close can come while login() still waits: whichever settles first wins.
    await Promise.race([client.login(config.token), ready]);
    const readyClient = await ready;
    logger.info({ user: readyClient.user.tag, guilds: readyClient.guilds.cache.size }, 'discord: adapter ready');
    if (config.applicationId && readyClient.application.id !== config.applicationId) {
      logger.warn('discord: DISCORD_APPLICATION_ID does not match the bot token\'s application');
    }
    return { client: readyClient, health: () => health, stop: async () => void (await client.destroy()) };
  } catch (err) {
    await client.destroy();
    if (err instanceof UserFacingError) throw err;
    // discord.js may reject login() with its own words ("Used disallowed intents") before or after the close event.
    const fix = health.detail ?? (/disallowed intents/i.test(String((err as Error)?.message)) ? fatalCloseFix(4014) : undefined);
    if (fix) throw new UserFacingError('discord_gateway_closed', fix, { cause: err });
    // discord.js messages do not contain the token; the logger scrubs it anyway.
    throw new UserFacingError('discord_login_failed', `Discord login failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  } finally {
    clearTimeout(timer);
  }
}
