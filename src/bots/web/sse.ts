/**
 * Relay one conversation's Redis stream to a browser as Server-Sent Events.
 *
 * The SSE event id is the Redis stream entry id, so a browser that reconnects (EventSource
 * does so by itself and sends `Last-Event-ID`) continues exactly where it left off, and a
 * page opened later replays the conversation (compacted: finished answers arrive whole).
 * Each open relay holds one blocking Redis connection (XREAD BLOCK); the counts are capped
 * per session and in total (see types.ts).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from '../../log.js';
import type { Redis } from '../../queue/redis.js';
import { compactReplay, parseEntries, webKeys, type ConversationStore, type StreamEntry } from './conversations.js';
import { CONVERSATION_STREAM_MAXLEN, STREAM_BLOCK_MS } from './types.js';

/** Browsers wait this long before reconnecting a dropped stream. */
const RETRY_MS = 2000;
const STREAM_ID = /^\d+-\d+$/;

/** The Redis client name of the relays' blocking connections. */
export const sseConnectionName = (prefix: string) => `${prefix.replace(/[^A-Za-z0-9:_-]/g, '_')}:web-sse`;

export interface RelayDeps {
  store: ConversationStore;
  /** A connection to duplicate for the blocking reads. */
  connection: Redis;
  prefix: string;
  logger: Logger;
}

export interface OpenRelay {
  /** Resolves when the relay has ended (browser gone, or stop()). */
  done: Promise<void>;
  stop(): void;
}

/** Start relaying; the reply is taken over (hijacked) until the browser disconnects or stop() is called. */
export function relayConversation(deps: RelayDeps, request: FastifyRequest, reply: FastifyReply, conversationId: string): OpenRelay {
  const raw = reply.raw;
  reply.hijack();
  raw.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    // Reverse proxies (nginx) must not buffer the stream.
    'x-accel-buffering': 'no',
  });
  raw.write(`retry: ${RETRY_MS}\n\n`);

  // Named, so that `CLIENT LIST` shows what holds these connections.
  const blocking = deps.connection.duplicate({ connectionName: sseConnectionName(deps.prefix) });
  blocking.on('error', () => undefined); // the shared connection already reports outages
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    blocking.disconnect();
    if (!raw.writableEnded) raw.end();
  };
  // The response closes when the browser goes away (or the server ends it).
  raw.on('close', stop);

  const send = (entry: StreamEntry) => raw.write(`id: ${entry.id}\ndata: ${JSON.stringify(entry.event)}\n\n`);
  const lastEventId = request.headers['last-event-id'];
  const resumeFrom = typeof lastEventId === 'string' && STREAM_ID.test(lastEventId) ? lastEventId : undefined;

  const run = async () => {
    let last = resumeFrom ?? '0-0';
    if (resumeFrom) {
      for (;;) {
        const batch = await deps.store.read(conversationId, last);
        batch.forEach(send);
        if (batch.length === 0) break;
        last = batch.at(-1)!.id;
      }
    } else {
      const all = await deps.store.read(conversationId, undefined, CONVERSATION_STREAM_MAXLEN * 2);
      compactReplay(all).forEach(send);
      if (all.length > 0) last = all.at(-1)!.id;
    }
    const key = webKeys.conversation(deps.prefix, conversationId);
    while (!stopped) {
      const result = (await blocking.xread('BLOCK', STREAM_BLOCK_MS, 'STREAMS', key, last)) as Array<[string, Array<[string, string[]]>]> | null;
      if (stopped) break;
      if (!result) {
        raw.write(': keep-alive\n\n');
        continue;
      }
      for (const [, entries] of result) {
        if (entries.length > 0) last = entries.at(-1)![0];
        parseEntries(entries).forEach(send);
      }
    }
  };

  const done = run()
    .catch((err: unknown) => {
      if (!stopped) deps.logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'web: answer stream ended');
    })
    .finally(stop);
  return { done, stop };
}
