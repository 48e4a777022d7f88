/**
 * Who is asking, and may they? One Fastify `onRequest` hook for every web chat route:
 *
 * 1. Bound to a loopback address, only requests addressed to a loopback host name are
 *    served (a page on another site that rebinds its DNS name to 127.0.0.1 is refused).
 * 2. A state-changing request whose `Origin` is another site is refused (CSRF).
 * 3. With WEB_TOKEN set, a request needs `Authorization: Bearer <WEB_TOKEN>` or the cookie
 *    the login form sets (an HMAC-signed expiry, never the token itself); pages redirect
 *    to /login, the API answers 401.
 * 4. Every browser gets a random session cookie; the user id of its questions, rate limits
 *    and ratings is a hash of it, so the session id itself is never stored in Redis.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isLoopbackHost } from '../../app/http-server.js';
import type { Config } from '../../config/env.js';
import type { Redis } from '../../queue/redis.js';
import { hitRateLimit } from '../../queue/rate-limit.js';
import { webKeys } from './conversations.js';
import { AUTH_COOKIE, LOGIN_ATTEMPTS_PER_MINUTE, SESSION_COOKIE, SESSION_MAX_AGE_SECONDS } from './types.js';

export interface WebSession {
  /** Derived from the session cookie; what jobs, rate limits and ratings carry. */
  userId: string;
  /** The single local user (loopback bind, no WEB_TOKEN). */
  local: boolean;
}

const sessions = new WeakMap<FastifyRequest, WebSession>();

/** The session of a request that passed the hook. */
export function sessionOf(request: FastifyRequest): WebSession {
  const session = sessions.get(request);
  if (!session) throw new Error('web: request has no session (route outside the web chat plugin?)');
  return session;
}

/** Routes reachable without signing in (the login form and its stylesheet). */
const PUBLIC_PATHS = new Set(['/login', '/assets/style.css']);

const sha256 = (s: string) => createHash('sha256').update(s).digest();
const userIdOf = (sessionId: string) => `u${sha256(sessionId).toString('hex').slice(0, 24)}`;

function sameSecret(given: string, expected: string): boolean {
  return timingSafeEqual(sha256(given), sha256(expected));
}

export interface SessionGuardOptions {
  config: Config;
  connection: Redis;
}

export class SessionGuard {
  private readonly token?: string;
  private readonly signingKey?: Buffer;
  private readonly loopback: boolean;

  constructor(private readonly options: SessionGuardOptions) {
    const { http } = options.config;
    this.token = http.webToken;
    this.signingKey = this.token ? sha256(`mrag-web-auth\u0000${this.token}`) : undefined;
    this.loopback = isLoopbackHost(http.host);
  }

  /** True for the single local user: loopback bind and no WEB_TOKEN. */
  get local(): boolean {
    return this.loopback && !this.token;
  }

  private sign(expiresAt: number): string {
    return `${expiresAt}.${createHmac('sha256', this.signingKey!).update(String(expiresAt)).digest('base64url')}`;
  }

  private validAuthCookie(value: string | undefined): boolean {
    if (!value || !this.signingKey) return false;
    const expiresAt = Number(value.split('.')[0]);
    return Number.isSafeInteger(expiresAt) && expiresAt > Date.now() && sameSecret(value, this.sign(expiresAt));
  }

  /** How the request is allowed in, or undefined when it is not. */
  private authenticate(request: FastifyRequest): 'open' | 'bearer' | 'cookie' | undefined {
    if (!this.token) return 'open';
    const header = request.headers.authorization;
    if (header?.startsWith('Bearer ') && sameSecret(header.slice(7).trim(), this.token)) return 'bearer';
    return this.validAuthCookie(request.cookies[AUTH_COOKIE]) ? 'cookie' : undefined;
  }

  private hostAllowed(request: FastifyRequest): boolean {
    if (!this.loopback) return true;
    const name = request.hostname.replace(/^\[|\]$/g, '');
    return isLoopbackHost(name) || name === this.options.config.http.host;
  }

  private cookieOptions(request: FastifyRequest) {
    return { path: '/', httpOnly: true, sameSite: 'strict' as const, secure: request.protocol === 'https', maxAge: SESSION_MAX_AGE_SECONDS };
  }

  /** The `onRequest` hook (see the file comment). */
  readonly onRequest = async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    if (!this.hostAllowed(request)) {
      await reply.code(421).type('text/plain').send('This web chat only answers requests addressed to localhost.');
      return;
    }
    const origin = request.headers.origin;
    if (request.method !== 'GET' && request.method !== 'HEAD' && origin && safeHost(origin) !== request.host) {
      await reply.code(403).send({ error: 'Cross-site request refused.' });
      return;
    }
    const pathname = request.url.split('?')[0]!;
    const auth = this.authenticate(request);
    if (!PUBLIC_PATHS.has(pathname) && !auth) {
      if (request.method === 'GET' && !pathname.startsWith('/api/')) {
        await reply.redirect(`/login?next=${encodeURIComponent(request.url)}`, 303);
      } else {
        await reply.code(401).header('www-authenticate', 'Bearer').send({ error: 'Sign in first: send Authorization: Bearer <WEB_TOKEN> or use the login form at /login.' });
      }
      return;
    }
    const cookie = request.cookies[SESSION_COOKIE];
    let sessionId: string;
    if (cookie && /^[A-Za-z0-9_-]{32,64}$/.test(cookie)) {
      sessionId = cookie;
    } else if (auth === 'bearer') {
      // An API client without cookies: one user per token, so its rate limit holds.
      sessionId = `bearer\u0000${this.token}`;
    } else {
      sessionId = randomBytes(24).toString('base64url');
      reply.setCookie(SESSION_COOKIE, sessionId, this.cookieOptions(request));
    }
    sessions.set(request, { userId: userIdOf(sessionId), local: this.local });
  };

  /** GET/POST /login. Without WEB_TOKEN there is nothing to sign in to: back to the chat. */
  registerLogin(scope: FastifyInstance): void {
    scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(String(body))));
    });
    scope.get('/login', async (request, reply) => {
      if (!this.token) return reply.redirect('/', 303);
      const query = request.query as { next?: string; error?: string };
      return reply.type('text/html; charset=utf-8').send(loginPage(safeNext(query.next), query.error ? 'That token is not right.' : undefined));
    });
    scope.post('/login', async (request, reply) => {
      if (!this.token) return reply.redirect('/', 303);
      const body = (request.body ?? {}) as { token?: string; next?: string };
      const next = safeNext(body.next);
      const rate = await hitRateLimit(this.options.connection, webKeys.login(this.options.config.redis.prefix, request.ip), LOGIN_ATTEMPTS_PER_MINUTE);
      if (!rate.allowed) return reply.code(429).type('text/html; charset=utf-8').send(loginPage(next, 'Too many attempts: wait a minute.'));
      if (typeof body.token !== 'string' || !sameSecret(body.token, this.token)) {
        return reply.redirect(`/login?error=1&next=${encodeURIComponent(next)}`, 303);
      }
      reply.setCookie(AUTH_COOKIE, this.sign(Date.now() + SESSION_MAX_AGE_SECONDS * 1000), this.cookieOptions(request));
      return reply.redirect(next, 303);
    });
  }
}

function safeHost(origin: string): string | undefined {
  try {
    return new URL(origin).host;
  } catch {
    return undefined;
  }
}

/** Only same-site paths: never an open redirect. */
function safeNext(next: string | undefined): string {
  return typeof next === 'string' && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\') ? next : '/';
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function loginPage(next: string, error?: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in · mrag-bot</title><link rel="icon" href="data:,"><link rel="stylesheet" href="/assets/style.css"></head>
<body class="login"><main>
<h1>mrag-bot</h1>
<form method="post" action="/login">
<label for="token">Access token (WEB_TOKEN)</label>
<input id="token" name="token" type="password" autocomplete="current-password" required autofocus>
<input type="hidden" name="next" value="${escapeHtml(next)}">
${error ? `<p role="alert" class="error">${escapeHtml(error)}</p>` : ''}
<button type="submit">Sign in</button>
</form></main></body></html>`;
}
