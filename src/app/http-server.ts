/**
 * The one HTTP server of a long-running process (Fastify). `mrag start` / `bot` / `web`
 * serve it on HTTP_HOST:HTTP_PORT (web chat, health, metrics, admin); `mrag worker` on
 * WORKER_HTTP_PORT (health and metrics only). Features register themselves as Fastify
 * plugins before `listen()`:
 *
 *   const http = createHttpServer({ logger });
 *   await http.app.register(webChatRoutes, { ... });   // src/bots/web
 *   const { url } = await http.listen('127.0.0.1', 8080);
 *
 * `GET /healthz` (the process is alive) is always there; readiness and metrics are added
 * by the operations module.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import type { Logger } from '../log.js';

export interface HttpServer {
  readonly app: FastifyInstance;
  /** Start listening; port 0 picks a free one. Returns the base URL, e.g. http://127.0.0.1:8080. */
  listen(host: string, port: number): Promise<{ url: string; port: number }>;
  close(): Promise<void>;
}

export interface HttpServerOptions {
  logger: Logger;
  /** Largest request body accepted, in bytes (default 12 MiB: an attached image plus JSON). */
  bodyLimit?: number;
}

/** True for addresses only this machine can reach (no token needed there). */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

export function createHttpServer(options: HttpServerOptions): HttpServer {
  // Fastify's own request logging is off: our logger scrubs secrets and we log what matters.
  const app = Fastify({ logger: false, bodyLimit: options.bodyLimit ?? 12 * 1024 * 1024 });
  app.get('/healthz', async () => ({ ok: true }));
  app.setErrorHandler((err: Error & { statusCode?: number }, _req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 ? err.statusCode : 500;
    if (status >= 500) options.logger.error({ err: err.message }, 'http: request failed');
    // Never echo internals: 4xx messages are Fastify's validation texts, 5xx a fixed line.
    void reply.status(status).send({ error: status >= 500 ? 'internal error' : err.message });
  });
  return {
    app,
    async listen(host, port) {
      await app.listen({ host, port });
      const address = app.server.address();
      const bound = typeof address === 'object' && address ? address.port : port;
      const shownHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
      return { url: `http://${shownHost}:${bound}`, port: bound };
    },
    close: () => app.close(),
  };
}
