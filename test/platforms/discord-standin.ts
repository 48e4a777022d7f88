/**
 * A small local stand-in of Discord for tests: the REST routes the bot uses and a gateway
 * WebSocket, on one HTTP server bound to 127.0.0.1:0. The real discord.js client logs in
 * to it with `rest.api = standIn.apiUrl`; tests dispatch MESSAGE_CREATE / INTERACTION_CREATE
 * and assert the REST calls it recorded.
 *
 * World: one guild with a text channel (`channelId`), a second text channel
 * (`otherChannelId`) and a thread someone else started (`foreignThreadId`).
 */
import { EventEmitter } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { GatewayStandIn, type IdentifyRecord } from './discord-standin-gateway.js';
import {
  chatInputInteractionPayload,
  componentInteractionPayload,
  guildPayload,
  messagePayload,
  snowflake,
  textChannelPayload,
  threadPayload,
  userPayload,
  type AttachmentPayload,
  type UserPayload,
} from './discord-standin-payloads.js';
import { createRestRouter, type Fault, type RestCall, type RestModel } from './discord-standin-rest.js';

export type { RestCall, RecordedFile } from './discord-standin-rest.js';

export const STANDIN_TOKEN = 'MTAwMDAwMDAwMDAwMDAwMDAw.standin.test-token-not-a-secret';

export interface DiscordStandInOptions {
  token?: string;
  heartbeatIntervalMs?: number;
  echoBotMessages?: boolean;
  /**
   * Intent bits the application is not allowed (privileged intents switched off in the
   * developer portal): an IDENTIFY asking for any of them is closed with 4014.
   */
  disallowedIntents?: number;
}

export class DiscordStandIn {
  readonly token: string;
  readonly applicationId = '100000000000000099';
  readonly guildId = '100000000000000001';
  readonly channelId = '100000000000000010';
  readonly otherChannelId = '100000000000000011';
  readonly foreignThreadId = '100000000000000012';
  /** The managed role Discord gave the bot in the guild. */
  readonly botRoleId = '100000000000000098';
  readonly botUser: UserPayload = userPayload('100000000000000099', 'mrag', true);
  readonly alice: UserPayload = userPayload('100000000000000201', 'alice');
  readonly bob: UserPayload = userPayload('100000000000000202', 'bob');
  readonly otherBot: UserPayload = userPayload('100000000000000203', 'otherbot', true);
  readonly calls: RestCall[] = [];
  readonly model: RestModel;
  private readonly faults: Fault[] = [];
  private readonly events = new EventEmitter();
  private readonly server: http.Server;
  private readonly gateway: GatewayStandIn;
  private port = 0;

  constructor(options: DiscordStandInOptions = {}) {
    this.token = options.token ?? STANDIN_TOKEN;
    this.events.setMaxListeners(1000);
    const channels = new Map<string, Record<string, unknown>>([
      [this.channelId, textChannelPayload(this.channelId, this.guildId, 'general')],
      [this.otherChannelId, textChannelPayload(this.otherChannelId, this.guildId, 'random')],
      [this.foreignThreadId, threadPayload(this.foreignThreadId, this.guildId, this.channelId, this.bob.id, "bob's thread")],
    ]);
    this.gateway = new GatewayStandIn({
      token: this.token,
      disallowedIntents: options.disallowedIntents ?? 0,
      heartbeatIntervalMs: options.heartbeatIntervalMs ?? 1000,
      resumeUrl: () => this.gatewayUrl,
      ready: () => ({
        v: 10,
        user: { ...this.botUser, verified: true, mfa_enabled: false, flags: 0 },
        guilds: [{ id: this.guildId, unavailable: true }],
        application: { id: this.applicationId, flags: 0 },
        private_channels: [],
        relationships: [],
        presences: [],
        user_settings: {},
        guild_join_requests: [],
        geo_ordered_rtc_regions: [],
        shard: [0, 1],
      }),
      guilds: () => [this.guildPayload()],
    });
    this.model = {
      token: this.token,
      applicationId: this.applicationId,
      botUser: this.botUser,
      guildId: this.guildId,
      channels,
      messages: new Map(),
      originals: new Map(),
      interactions: new Map(),
      expiredTokens: new Set(),
      uploads: new Map(),
      expiredSignatures: new Set(),
      archived: new Map(),
      dispatch: (t, d) => this.gateway.dispatch(t, d),
      gatewayUrl: () => this.gatewayUrl,
      echoBotMessages: options.echoBotMessages ?? true,
    };
    const handle = createRestRouter(this.model, this.faults);
    this.server = http.createServer((req, res) => {
      handle(req, res, this.calls, (call) => this.events.emit('call', call)).catch((err: unknown) => {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ code: 0, message: String(err) }));
      });
    });
    this.server.on('upgrade', (req, socket, head) => this.gateway.handleUpgrade(req, socket, head));
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  async stop(): Promise<void> {
    await this.gateway.close();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** REST base for `DISCORD_API_URL` / `new Client({ rest: { api } })` (the client appends /v10). */
  get apiUrl(): string {
    return `http://127.0.0.1:${this.port}/api`;
  }

  get gatewayUrl(): string {
    return `ws://127.0.0.1:${this.port}`;
  }

  get identifies(): IdentifyRecord[] {
    return this.gateway.identifies;
  }

  get resumes(): { sessionId: string; seq: number }[] {
    return this.gateway.resumes;
  }

  get readySessions(): number {
    return this.gateway.readySessions;
  }

  /** Make the next `times` requests matching method + path fail (e.g. 429 with retry_after seconds). */
  failNext(fault: Omit<Fault, 'times'> & { times?: number }): void {
    this.faults.push({ times: 1, ...fault });
  }

  /** Drop the gateway connection with a resumable code. */
  disconnectGateway(code = 4000): void {
    this.gateway.disconnectAll(code);
  }

  /**
   * Serve bytes as a user's upload; returns the attachment object to put on a message. Its
   * URL is signed like Discord's CDN URLs (`ex`, `is`, `hm`); `expired` makes it answer 404
   * until refreshed through POST /attachments/refresh-urls.
   */
  addUpload(filename: string, bytes: Buffer, contentType = 'image/png', options: { expired?: boolean } = {}): AttachmentPayload {
    this.model.uploads.set(filename, { bytes, contentType });
    const signature = `sig${snowflake()}`;
    if (options.expired) this.model.expiredSignatures.add(signature);
    const url = `http://127.0.0.1:${this.port}/attachments/${encodeURIComponent(filename)}?ex=00000000&is=00000000&hm=${signature}`;
    return { id: snowflake(), filename, size: bytes.length, url, proxy_url: url, content_type: contentType };
  }

  /** Archive a thread (its auto-archive timer ran out, or a moderator did it); `locked` ones the bot cannot reopen. */
  archiveThread(threadId: string, options: { locked?: boolean } = {}): void {
    this.model.archived.set(threadId, { locked: options.locked ?? false });
    const thread = this.model.channels.get(threadId);
    if (thread) Object.assign(thread.thread_metadata as Record<string, unknown>, { archived: true, locked: options.locked ?? false });
  }

  /** Deliver a click on a button of one of the bot's messages; returns the interaction id and token. */
  clickButton(options: { messageId: string; customId: string; user?: UserPayload }): { id: string; token: string } {
    const message = this.model.messages.get(options.messageId);
    if (!message) throw new Error(`stand-in: no message ${options.messageId}`);
    const channelId = String(message.channel_id);
    const token = `interaction-token-${snowflake()}`;
    const user = options.user ?? this.alice;
    const payload = componentInteractionPayload({
      applicationId: this.applicationId,
      guildId: this.guildId,
      channel: this.model.channels.get(channelId) ?? { id: channelId, type: 0 },
      user,
      token,
      message,
      customId: options.customId,
    });
    this.model.interactions.set(token, { id: String(payload.id), channelId, user, messageId: options.messageId });
    this.gateway.dispatch('INTERACTION_CREATE', payload);
    return { id: String(payload.id), token };
  }

  /** What the bot answered to a component interaction with callback type 4 (e.g. an ephemeral note). */
  interactionReplies(token: string): Record<string, unknown>[] {
    return this.model.interactions.get(token)?.replies ?? [];
  }

  /** Deliver a MESSAGE_CREATE (the same payload can be delivered twice to simulate a duplicate). */
  sendMessage(payload: Record<string, unknown>): void {
    const channel = this.model.channels.get(String(payload.channel_id));
    this.model.messages.set(String(payload.id), payload);
    this.gateway.dispatch('MESSAGE_CREATE', { ...payload, ...(channel ? { channel_type: channel.type } : {}) });
  }

  /** A user message in `channelId` (or a thread), optionally mentioning the bot. */
  userMessage(options: {
    content: string;
    channelId?: string;
    author?: UserPayload;
    mentionBot?: boolean;
    attachments?: AttachmentPayload[];
    replyTo?: Record<string, unknown>;
    guild?: boolean;
    /** Mention the bot's managed role instead of the bot user. */
    mentionRole?: boolean;
    stickers?: { id: string; name: string; format_type: number }[];
    embeds?: Record<string, unknown>[];
    forwardOf?: Record<string, unknown>;
  }): Record<string, unknown> {
    const mentionBot = options.mentionBot ?? false;
    const mention = mentionBot ? `<@${this.botUser.id}> ` : options.mentionRole ? `<@&${this.botRoleId}> ` : '';
    return messagePayload({
      channelId: options.channelId ?? this.channelId,
      guildId: options.guild === false ? undefined : this.guildId,
      author: options.author ?? this.alice,
      content: `${mention}${options.content}`.trim() === '' ? '' : `${mention}${options.content}`,
      mentions: mentionBot ? [this.botUser] : [],
      mentionRoles: options.mentionRole ? [this.botRoleId] : [],
      attachments: options.attachments,
      referencedMessage: options.replyTo,
      stickers: options.stickers,
      embeds: options.embeds,
      forwardOf: options.forwardOf ? { message: options.forwardOf, channelId: String(options.forwardOf.channel_id) } : undefined,
    });
  }

  /** Deliver an INTERACTION_CREATE for `/ask`; returns the interaction id and token. */
  sendAsk(options: { question: string; channelId?: string; user?: UserPayload; image?: AttachmentPayload; createdAt?: number }): { id: string; token: string } {
    const channelId = options.channelId ?? this.channelId;
    const token = `interaction-token-${snowflake()}`;
    const payload = chatInputInteractionPayload({
      id: snowflake(options.createdAt),
      applicationId: this.applicationId,
      guildId: this.guildId,
      channel: this.model.channels.get(channelId) ?? { id: channelId, type: 0 },
      user: options.user ?? this.alice,
      token,
      question: options.question,
      image: options.image,
    });
    this.model.interactions.set(token, { id: String(payload.id), channelId, user: options.user ?? this.alice });
    this.gateway.dispatch('INTERACTION_CREATE', payload);
    return { id: String(payload.id), token };
  }

  /** Resolve with the first recorded call (past or future) matching `predicate`. */
  async waitForCall(predicate: (call: RestCall) => boolean, timeoutMs = 15_000): Promise<RestCall> {
    const seen = this.calls.find(predicate);
    if (seen) return seen;
    return await new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.events.off('call', listener);
        reject(new Error(`stand-in: no matching REST call within ${timeoutMs} ms; calls: ${this.describeCalls()}`));
      }, timeoutMs);
      const listener = (call: RestCall) => {
        if (!predicate(call)) return;
        clearTimeout(timer);
        this.events.off('call', listener);
        resolve(call);
      };
      this.events.on('call', listener);
    });
  }

  /** Calls whose path mentions `id` (a channel, thread or interaction token). */
  callsFor(id: string): RestCall[] {
    return this.calls.filter((c) => c.path.includes(id));
  }

  describeCalls(): string {
    return this.calls.map((c) => `${c.method} ${c.path.replace(/interaction-token-\d+/, '<token>')} ${c.status}`).join(', ');
  }

  private guildPayload(): Record<string, unknown> {
    const all = [...this.model.channels.values()];
    return guildPayload({
      id: this.guildId,
      ownerId: this.bob.id,
      botUser: this.botUser,
      botRoleId: this.botRoleId,
      channels: all.filter((c) => c.type !== 11),
      threads: all.filter((c) => c.type === 11),
    });
  }
}

/** Start a stand-in on 127.0.0.1:0. */
export async function startDiscordStandIn(options: DiscordStandInOptions = {}): Promise<DiscordStandIn> {
  return await new DiscordStandIn(options).start();
}
