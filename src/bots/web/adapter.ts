/**
 * The web chat's bot side: routes on the process's HTTP server (one Fastify plugin, so its
 * hooks touch only its own routes), a Redis connection for the conversation streams, and
 * nothing else — the worker answers the web chat's questions like any platform's, and
 * streams them back through Redis.
 *
 * Refuses to start on an address other machines can reach unless WEB_TOKEN is set.
 */
import fastifyCookie from '@fastify/cookie';
import fastifyMultipart from '@fastify/multipart';
import type { FastifyInstance } from 'fastify';
import { isLoopbackHost } from '../../app/http-server.js';
import { ConfigError, UserFacingError } from '../../errors.js';
import { createFeedbackStore } from '../../queue/feedback.js';
import { MAX_IMAGE_BYTES } from '../../queue/fetch-image.js';
import { closeRedisConnection, createRedisConnection } from '../../queue/redis.js';
import type { AdapterDeps, RunningAdapter } from '../platform.js';
import { loadPageAssets, type Asset } from './assets.js';
import { ConversationStore } from './conversations.js';
import { registerChatRoutes } from './routes-chat.js';
import { registerKbRoutes } from './routes-kb.js';
import { SessionGuard } from './session.js';
import type { OpenRelay } from './sse.js';

/** The platform adapter deps; a missing `feedback` store is made here from the adapter's connection. */
export type WebAdapterDeps = AdapterDeps;

/** Scripts, styles, images and connections only from this origin; nothing inline, no frames. */
const PAGE_CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

/** The one-line refusal for a reachable address without a token. */
export function webTokenRequiredMessage(host: string): string {
  return `HTTP_HOST=${host} lets other machines reach the web chat: set WEB_TOKEN (16+ random characters) to require a token, or set HTTP_HOST=127.0.0.1.`;
}

export async function startWebAdapter(deps: WebAdapterDeps): Promise<RunningAdapter> {
  const { config, gateway, logger, http, retriever } = deps;
  if (!http) throw new UserFacingError('web_needs_http', 'The web chat needs the HTTP server (HTTP_PORT).');
  if (!isLoopbackHost(config.http.host) && !config.http.webToken) {
    throw new ConfigError('WEB_TOKEN', webTokenRequiredMessage(config.http.host));
  }
  const assets = await loadPageAssets();
  const connection = createRedisConnection(config.redis.url, { logger });
  const store = new ConversationStore({ connection, prefix: config.redis.prefix, ttlSeconds: config.memory.ttlSeconds });
  const feedback = deps.feedback ?? createFeedbackStore(connection, config.redis.prefix);
  const guard = new SessionGuard({ config, connection });
  const relays = new Set<OpenRelay>();

  await http.app.register(async (scope: FastifyInstance) => {
    if (!scope.hasRequestDecorator('cookies')) await scope.register(fastifyCookie);
    await scope.register(fastifyMultipart, { limits: { fileSize: MAX_IMAGE_BYTES, files: 1 } });
    scope.addHook('onRequest', guard.onRequest);
    scope.addHook('onSend', async (_request, reply, payload) => {
      if (!reply.hasHeader('content-security-policy')) reply.header('content-security-policy', PAGE_CSP);
      reply.header('x-content-type-options', 'nosniff').header('referrer-policy', 'same-origin').header('x-frame-options', 'DENY');
      return payload;
    });
    guard.registerLogin(scope);
    registerPages(scope, assets);
    registerChatRoutes(scope, { config, gateway, store, feedback, connection, logger, relays });
    registerKbRoutes(scope, { config, logger, retriever });
  });

  logger.info({ host: config.http.host, signIn: Boolean(config.http.webToken), search: Boolean(retriever) }, 'web: chat ready');
  return {
    async stop() {
      for (const relay of relays) relay.stop();
      await Promise.all([...relays].map((r) => r.done));
      await closeRedisConnection(connection);
    },
    health: () => (connection.status === 'ready' ? { ok: true } : { ok: false, detail: `web: Redis connection ${connection.status}` }),
  };
}

function registerPages(scope: FastifyInstance, assets: Map<string, Asset>): void {
  const page = (name: string) => assets.get(name)!;
  for (const [route, name] of [['/', 'index.html'], ['/kb', 'kb.html']] as const) {
    scope.get(route, async (_request, reply) => reply.type(page(name).contentType).header('cache-control', 'no-cache').send(page(name).body));
  }
  scope.get<{ Params: { name: string } }>('/assets/:name', async (request, reply) => {
    const asset = assets.get(request.params.name);
    if (!asset || request.params.name.endsWith('.html')) return reply.code(404).send({ error: 'Not found.' });
    return reply.type(asset.contentType).header('cache-control', 'no-cache').send(asset.body);
  });
}
