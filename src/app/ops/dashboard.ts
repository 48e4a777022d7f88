/**
 * The queue dashboard (bull-board) at `/admin/queues`, behind ADMIN_TOKEN. Without the token
 * the route does not exist (404). With it, a request needs `Authorization: Bearer <token>`,
 * or HTTP Basic auth with the token as the password (any user name) — what a browser asks
 * for on its own. Serve it behind TLS (a reverse proxy) when it leaves the host.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { Queue } from 'bullmq';
import type { FastifyInstance } from 'fastify';

export const DASHBOARD_PATH = '/admin/queues';

const digest = (s: string) => createHash('sha256').update(s).digest();

/** True when the Authorization header carries `token` (Bearer, or Basic with it as password). Constant-time. */
export function isAuthorized(header: string | undefined, token: string): boolean {
  if (!header) return false;
  const [scheme, value = ''] = header.split(' ', 2);
  let presented: string | undefined;
  if (scheme?.toLowerCase() === 'bearer') presented = value.trim();
  if (scheme?.toLowerCase() === 'basic') {
    const decoded = Buffer.from(value.trim(), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    presented = colon >= 0 ? decoded.slice(colon + 1) : undefined;
  }
  return presented !== undefined && timingSafeEqual(digest(presented), digest(token));
}

/** Register the dashboard for `queues` on `app` (before it listens). */
export async function registerDashboard(app: FastifyInstance, options: { adminToken: string; queues: Queue[] }): Promise<void> {
  const serverAdapter = new FastifyAdapter();
  serverAdapter.setBasePath(DASHBOARD_PATH);
  createBullBoard({ queues: options.queues.map((q) => new BullMQAdapter(q)), serverAdapter });
  // An encapsulated scope: the auth hook guards the dashboard's routes and nothing else.
  await app.register(async (scope) => {
    scope.addHook('onRequest', async (request, reply) => {
      if (isAuthorized(request.headers.authorization, options.adminToken)) return;
      await reply
        .code(401)
        .header('www-authenticate', 'Basic realm="mrag admin", charset="UTF-8"')
        .send({ error: 'ADMIN_TOKEN required (Authorization: Bearer <token>, or the token as the Basic auth password)' });
    });
    await scope.register(serverAdapter.registerPlugin(), { prefix: DASHBOARD_PATH });
  });
}
