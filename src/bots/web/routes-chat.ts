/**
 * The chat API (bot side): ask → admit → placeholder (the `question` event) → enqueue;
 * the conversation's events over SSE; ratings; the answer's figure images.
 *
 *   POST /api/ask                              multipart or JSON → 202 {conversationId, answerId}
 *   GET  /api/conversations                    this session's conversations
 *   GET  /api/conversations/:id/events         SSE relay of the conversation stream
 *   POST /api/answers/:answerId/feedback       {rating: 'up'|'down'} → feedback store
 *   GET  /api/figures/:name                    figure bytes the worker copied (content-addressed)
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Config } from '../../config/env.js';
import type { Logger } from '../../log.js';
import type { FeedbackStore } from '../../queue/feedback.js';
import type { AskGateway } from '../../queue/gateway.js';
import { JOB_VERSION } from '../../queue/job.js';
import { askJobId } from '../../queue/keys.js';
import type { Redis } from '../../queue/redis.js';
import { AskInputError, readAskInput } from './ask-input.js';
import type { ConversationStore } from './conversations.js';
import { FIGURE_ROUTE } from './format.js';
import { IMAGE_CONTENT_TYPES, type ImageExtension } from './image-type.js';
import { sessionOf } from './session.js';
import { relayConversation, type OpenRelay } from './sse.js';
import { CLIENT_ID_PATTERN, LOCAL_USER_PER_MINUTE, MAX_STREAMS_PER_SESSION, MAX_STREAMS_TOTAL, WEB_CHANNEL_ID } from './types.js';

export interface ChatRouteDeps {
  config: Config;
  gateway: AskGateway;
  store: ConversationStore;
  feedback: FeedbackStore;
  connection: Redis;
  logger: Logger;
  /** Open SSE relays, so that stop() can end them. */
  relays: Set<OpenRelay>;
}

const FIGURE_NAME = /^([a-f0-9]{64})\.(png|jpg|gif|webp)$/;
const TITLE_CHARS = 80;

function fail(reply: FastifyReply, status: number, error: string) {
  return reply.code(status).send({ error });
}

export function registerChatRoutes(scope: FastifyInstance, deps: ChatRouteDeps): void {
  const { config, gateway, store, feedback, logger } = deps;
  const streamsPerUser = new Map<string, number>();

  scope.post('/api/ask', async (request, reply) => {
    const { userId, local } = sessionOf(request);
    let input;
    try {
      input = await readAskInput(request);
    } catch (err) {
      if (err instanceof AskInputError) return fail(reply, err.statusCode, err.message);
      throw err;
    }
    const { question, conversationId, requestId, image } = input;
    const answerId = askJobId('web', requestId);
    const notYours = () => fail(reply, 403, 'This conversation belongs to another session: start a new one.');
    const owner = await store.owner(conversationId);
    if (owner !== undefined && owner !== userId) return notYours();
    const admission = await gateway.admit({
      platform: 'web',
      eventId: requestId,
      userId,
      channelId: WEB_CHANNEL_ID,
      ...(local ? { userPerMinute: LOCAL_USER_PER_MINUTE } : {}),
    });
    if (!admission.ok) {
      // The same request sent twice (a double click, a retried POST) is the same question.
      if (admission.reason === 'duplicate') return reply.code(202).send({ conversationId, answerId });
      return fail(reply, admission.reason === 'rate_limited' ? 429 : 503, admission.message);
    }
    // Claimed only once admitted, so a refused question leaves no empty conversation behind.
    if (!(await store.claim(conversationId, userId, question.slice(0, TITLE_CHARS)))) return notYours();
    const images = image ? [{ url: await store.putUpload(requestId, image.bytes), bytes: image.bytes.length, contentType: image.contentType, name: image.name }] : [];
    // The placeholder: the browser shows the question and "thinking…" from this event.
    await store.append(conversationId, { type: 'question', answerId, question, ...(image ? { imageName: image.name } : {}), at: Date.now() });
    const result = await gateway.enqueue({
      v: JOB_VERSION,
      platform: 'web',
      eventId: requestId,
      channelId: WEB_CHANNEL_ID,
      threadId: conversationId,
      userId,
      question,
      images,
      createdAt: Date.now(),
    });
    if (!result.ok && result.reason === 'invalid') {
      await store.append(conversationId, { type: 'error', answerId, message: result.message });
      return fail(reply, 400, result.message);
    }
    return reply.code(202).send({ conversationId, answerId });
  });

  scope.get('/api/conversations', async (request) => ({ conversations: await store.list(sessionOf(request).userId) }));

  scope.get<{ Params: { id: string } }>('/api/conversations/:id/events', async (request, reply) => {
    const { userId } = sessionOf(request);
    const { id } = request.params;
    if (!CLIENT_ID_PATTERN.test(id) || (await store.owner(id)) !== userId) return fail(reply, 404, 'No such conversation.');
    const open = streamsPerUser.get(userId) ?? 0;
    if (open >= MAX_STREAMS_PER_SESSION) return fail(reply, 429, 'Too many open conversations in this browser: close a tab.');
    if (deps.relays.size >= MAX_STREAMS_TOTAL) return fail(reply, 503, 'The web chat is serving too many browsers right now: try again in a minute.');
    streamsPerUser.set(userId, open + 1);
    const relay = relayConversation({ store, connection: deps.connection, prefix: config.redis.prefix, logger }, request, reply, id);
    deps.relays.add(relay);
    void relay.done.finally(() => {
      deps.relays.delete(relay);
      const left = (streamsPerUser.get(userId) ?? 1) - 1;
      if (left > 0) streamsPerUser.set(userId, left);
      else streamsPerUser.delete(userId);
    });
    return reply;
  });

  scope.post<{ Params: { answerId: string }; Body: { rating?: unknown } }>('/api/answers/:answerId/feedback', async (request, reply) => {
    const { userId } = sessionOf(request);
    const rating = request.body?.rating;
    if (rating !== 'up' && rating !== 'down') return fail(reply, 400, 'rating must be "up" or "down".');
    const remembered = await feedback.answer(request.params.answerId);
    // Only the conversation's owner rates its answers (and unknown answers look the same).
    const conversationId = remembered?.platform === 'web' ? remembered.threadId : undefined;
    if (!remembered || !conversationId || (await store.owner(conversationId)) !== userId) {
      return fail(reply, 404, 'This answer can no longer be rated.');
    }
    const entry = await feedback.record({ answerId: remembered.answerId, userId, rating });
    if (!entry) return fail(reply, 404, 'This answer can no longer be rated.');
    await store.append(conversationId, { type: 'feedback', answerId: remembered.answerId, rating });
    return { ok: true, rating };
  });

  scope.get<{ Params: { name: string } }>(`${FIGURE_ROUTE}/:name`, async (request, reply) => {
    const match = FIGURE_NAME.exec(request.params.name);
    const bytes = match ? await store.getFigure(request.params.name) : undefined;
    if (!match || !bytes) return fail(reply, 404, 'This figure is no longer available.');
    // Content-addressed: the same name is always the same bytes.
    return reply
      .type(IMAGE_CONTENT_TYPES[match[2] as ImageExtension])
      .header('cache-control', 'private, max-age=86400, immutable')
      .send(bytes);
  });
}
