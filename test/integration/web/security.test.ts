/**
 * The web chat's guard rails, over real HTTP (and Chromium for the login form): no open
 * chat on a reachable address, WEB_TOKEN as bearer or login cookie, per-session rate
 * limits (the local user excepted), sessions that cannot read each other's conversations,
 * refused DNS-rebinding and cross-site requests, and read-only file routes that serve
 * nothing outside the index.
 */
import { execFile } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webTokenRequiredMessage } from '../../../src/bots/web/index.js';
import { sseConnectionName } from '../../../src/bots/web/sse.js';
import { closeRedisConnection, createRedisConnection } from '../../../src/queue/redis.js';
import { startDiscordStandIn } from '../../platforms/discord-standin.js';
import { askInPage, buildIndex, launchBrowser, startWebStack, webEnv, workDir, type WebStack } from './harness.js';

const run = promisify(execFile);
const work = workDir('security');
const dataDir = path.join(work.dir, 'data');
// Assembled at run time: no token-shaped literal in the repository.
const TOKEN = ['web', 'test', 'token', String(process.pid), 'x'.repeat(8)].join('-');

let local: WebStack;
const stacks: WebStack[] = [];

beforeAll(async () => {
  await buildIndex(dataDir);
  // No worker: questions are admitted and queued, which is all these tests need.
  local = await startWebStack(webEnv(dataDir), { worker: false });
});

afterAll(async () => {
  for (const s of [local, ...stacks]) await s?.stop();
  work.cleanup();
});

/** A client with its own cookie jar (one browser session). */
function client(base: string, headers: Record<string, string> = {}) {
  const jar = new Map<string, string>();
  return async (route: string, init: RequestInit = {}) => {
    const cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    const response = await fetch(`${base}${route}`, { redirect: 'manual', ...init, headers: { ...headers, ...(cookie ? { cookie } : {}), ...(init.headers as Record<string, string>) } });
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const [k, v] = pair!.split('=');
      jar.set(k!, v!);
    }
    return response;
  };
}

const id = () => `t${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`.slice(0, 24).padEnd(20, 'x');
const askBody = (conversationId: string, question = 'What is CLIP?') => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ question, conversationId, requestId: id() }),
});

describe('binding and sign-in', () => {
  it('refuses to start on an address other machines can reach without WEB_TOKEN, for every such address', async () => {
    for (const host of ['0.0.0.0', '::', '192.0.2.10']) {
      await expect(startWebStack(webEnv(dataDir, { HTTP_HOST: host }), { worker: false })).rejects.toThrow(webTokenRequiredMessage(host));
    }
  });

  it('mrag web and mrag start say so in one line and exit with the configuration error status', async () => {
    for (const command of ['web', 'start']) {
      const env = { ...process.env, ...webEnv(dataDir, { HTTP_HOST: '0.0.0.0', LOG_LEVEL: 'warn' }) };
      const result = await run(process.execPath, ['bin/mrag.js', command], { env }).catch((err: { code: number; stdout: string; stderr: string }) => err);
      expect('code' in result ? result.code : 0).toBe(2);
      expect(result.stderr.trim().split('\n').filter((line) => line.startsWith('mrag:'))).toEqual([`mrag: ${webTokenRequiredMessage('0.0.0.0')}`]);
    }
  });

  it('stops start-up even when another platform could start', async () => {
    const discord = await startDiscordStandIn();
    try {
      const env = webEnv(dataDir, { HTTP_HOST: '0.0.0.0', DISCORD_TOKEN: discord.token, DISCORD_API_URL: discord.apiUrl });
      await expect(startWebStack(env, { worker: false, platforms: ['discord', 'web'] })).rejects.toThrow(webTokenRequiredMessage('0.0.0.0'));
    } finally {
      await discord.stop();
    }
  });

  it('`mrag bot` (no platform list) serves the web chat exactly when WEB_TOKEN, its credential, is set', async () => {
    const withToken = await startWebStack(webEnv(dataDir, { HTTP_HOST: '0.0.0.0', WEB_TOKEN: TOKEN }), { worker: false, platforms: undefined });
    stacks.push(withToken);
    expect([...withToken.app.adapters.keys()]).toEqual(['web']);
    expect((await fetch(`${withToken.url}/`, { redirect: 'manual' })).status).toBe(303); // to the login form
    const without = await startWebStack(webEnv(dataDir, { HTTP_HOST: '0.0.0.0' }), { worker: false, platforms: undefined });
    stacks.push(without);
    expect([...without.app.adapters.keys()]).toEqual([]);
    expect((await fetch(`${without.url}/`, { redirect: 'manual' })).status).toBe(404);
    expect((await fetch(`${without.url}/healthz`)).status).toBe(200);
  });

  it('on a loopback address it needs no token', async () => {
    const stack = await startWebStack(webEnv(dataDir, { HTTP_HOST: 'localhost' }), { worker: false });
    stacks.push(stack);
    expect((await fetch(`${stack.url}/api/conversations`)).status).toBe(200);
  });

  it('with WEB_TOKEN, asks for it: bearer token for API clients, login form for browsers', async () => {
    const stack = await startWebStack(webEnv(dataDir, { HTTP_HOST: '0.0.0.0', WEB_TOKEN: TOKEN }), { worker: false });
    stacks.push(stack);
    const anonymous = client(stack.url);
    const page = await anonymous('/');
    expect(page.status).toBe(303);
    expect(page.headers.get('location')).toBe('/login?next=%2F');
    expect((await anonymous('/api/conversations')).status).toBe(401);
    expect((await anonymous('/kb/figures/x')).status).toBe(303);
    expect((await client(stack.url, { authorization: 'Bearer not-the-token-at-all' })('/api/conversations')).status).toBe(401);
    expect((await client(stack.url, { authorization: `Bearer ${TOKEN}` })('/api/conversations')).status).toBe(200);
    expect((await anonymous('/healthz')).status).toBe(200); // health stays open (it is not the chat's)

    const browser = await launchBrowser();
    try {
      const { page: tab, context } = browser;
      await tab.goto(`${stack.url}/kb`);
      expect(new URL(tab.url()).pathname).toBe('/login');
      await tab.getByLabel('Access token (WEB_TOKEN)').fill('wrong-token-guess-1234');
      await tab.getByRole('button', { name: 'Sign in' }).click();
      await expect.poll(() => tab.getByRole('alert').innerText()).toContain('That token is not right.');
      await tab.getByLabel('Access token (WEB_TOKEN)').fill(TOKEN);
      await tab.getByRole('button', { name: 'Sign in' }).click();
      await expect.poll(() => new URL(tab.url()).pathname).toBe('/kb');
      await expect.poll(() => tab.locator('#documents tbody tr').count()).toBe(4);
      const cookies = await context.cookies();
      expect(cookies.map((c) => c.name).sort()).toEqual(['mrag_auth', 'mrag_session']);
      for (const c of cookies) {
        expect(c.value).not.toContain(TOKEN);
        expect(c).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
      }
    } finally {
      await browser.close();
    }
  });
});

describe('rate limits and sessions', () => {
  it('holds shared-chat sessions to RATE_LIMIT_USER_PER_MINUTE, but not the single local user', async () => {
    const stack = await startWebStack(webEnv(dataDir, { HTTP_HOST: '0.0.0.0', WEB_TOKEN: TOKEN, RATE_LIMIT_CHANNEL_PER_MINUTE: '100' }), { worker: false });
    stacks.push(stack);
    const bearer = client(stack.url, { authorization: `Bearer ${TOKEN}` });
    const conversation = id();
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await bearer('/api/ask', askBody(conversation))).status);
    expect(statuses).toEqual([202, 202, 202, 202, 202, 429]);
    const refused = await bearer('/api/ask', askBody(id()));
    expect(((await refused.json()) as { error: string }).error).toMatch(/wait about \d+ s/);
    // A refused question leaves no empty conversation behind.
    const listed = (await (await bearer('/api/conversations')).json()) as { conversations: Array<{ id: string }> };
    expect(listed.conversations.map((c) => c.id)).toEqual([conversation]);

    const browserSession = client(local.url);
    const mine = id();
    const localStatuses: number[] = [];
    for (let i = 0; i < 8; i++) localStatuses.push((await browserSession('/api/ask', askBody(mine))).status);
    expect(localStatuses).toEqual(Array(8).fill(202));
  });

  it('keeps each session\'s conversations to itself', async () => {
    const alice = client(local.url);
    const mallory = client(local.url);
    const conversation = id();
    expect((await alice('/api/ask', askBody(conversation, 'A private question'))).status).toBe(202);
    const list = (await (await alice('/api/conversations')).json()) as { conversations: Array<{ id: string; title: string }> };
    expect(list.conversations).toEqual([expect.objectContaining({ id: conversation, title: 'A private question' })]);
    expect(((await (await mallory('/api/conversations')).json()) as { conversations: unknown[] }).conversations).toEqual([]);
    expect((await mallory(`/api/conversations/${conversation}/events`)).status).toBe(404);
    expect((await mallory('/api/ask', askBody(conversation, 'Let me in'))).status).toBe(403);
    expect((await mallory('/api/answers/web-anything/feedback', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"rating":"up"}' })).status).toBe(404);
  });

  it('holds one Redis connection per open answer stream, at most 4 per browser, and lets go when the browser does', async () => {
    const session = client(local.url);
    const conversation = id();
    expect((await session('/api/ask', askBody(conversation))).status).toBe(202);
    const named = async () => {
      const redis = createRedisConnection(local.config.redis.url);
      try {
        const list = String(await redis.client('LIST'));
        return list.split('\n').filter((line) => line.includes(`name=${sseConnectionName(local.config.redis.prefix)} `)).length;
      } finally {
        await closeRedisConnection(redis);
      }
    };
    const aborts: AbortController[] = [];
    for (let i = 0; i < 4; i++) {
      const abort = new AbortController();
      aborts.push(abort);
      const response = await session(`/api/conversations/${conversation}/events`, { signal: abort.signal });
      expect(response.headers.get('content-type')).toContain('text/event-stream');
      const first = await response.body!.getReader().read();
      expect(new TextDecoder().decode(first.value)).toContain('retry:');
    }
    await expect.poll(named).toBe(4);
    expect((await session(`/api/conversations/${conversation}/events`)).status).toBe(429);
    for (const abort of aborts) abort.abort();
    await expect.poll(named).toBe(0);
    const again = new AbortController();
    expect((await session(`/api/conversations/${conversation}/events`, { signal: again.signal })).status).toBe(200);
    again.abort();
  });

  it('tells the browser when no worker takes its question', async () => {
    const browser = await launchBrowser();
    try {
      await browser.page.goto(local.url);
      await askInPage(browser.page, 'Is anybody there?');
      const status = browser.page.locator('article.answer .status-line');
      await expect.poll(() => status.innerText()).toBe('Waiting for a worker…');
      await expect.poll(() => status.innerText(), { timeout: 30_000 }).toContain('no `mrag worker` is running');
    } finally {
      await browser.close();
    }
  });

  it('refuses bad questions with a clear message and stores nothing', async () => {
    const session = client(local.url);
    const conversation = id();
    const bad = [
      { body: { question: '   ', conversationId: conversation, requestId: id() }, message: 'Type a question' },
      { body: { question: 'x'.repeat(4001), conversationId: conversation, requestId: id() }, message: 'too long' },
      { body: { question: 'ok', conversationId: '../../etc', requestId: id() }, message: 'Malformed' },
    ];
    for (const { body, message } of bad) {
      const response = await session('/api/ask', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      expect(response.status).toBe(400);
      expect(((await response.json()) as { error: string }).error).toContain(message);
    }
    const form = new FormData();
    form.append('question', 'What is this?');
    form.append('conversationId', conversation);
    form.append('image', new Blob([Buffer.from('not an image at all')], { type: 'image/png' }), 'fake.png');
    const response = await session('/api/ask', { method: 'POST', body: form });
    expect(response.status).toBe(415);
    const huge = new FormData();
    huge.append('question', 'What is this?');
    huge.append('conversationId', conversation);
    const png = Buffer.alloc(11 * 1024 * 1024);
    png.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    huge.append('image', new Blob([png], { type: 'image/png' }), 'huge.png');
    const tooLarge = await session('/api/ask', { method: 'POST', body: huge });
    expect(tooLarge.status).toBe(413);
    expect(((await tooLarge.json()) as { error: string }).error).toBe('The image is larger than 10 MB; attach a smaller one.');
    expect(((await (await session('/api/conversations')).json()) as { conversations: unknown[] }).conversations).toEqual([]);
  });
});

describe('requests from elsewhere and file routes', () => {
  it('refuses requests addressed to another host name (DNS rebinding) and cross-site posts', async () => {
    const { port } = new URL(local.url);
    const status = await new Promise<number>((resolve, reject) => {
      http.get({ host: '127.0.0.1', port, path: '/', headers: { host: `attacker.example:${port}` } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      }).on('error', reject);
    });
    expect(status).toBe(421);
    const crossSite = await client(local.url)('/api/ask', { ...askBody(id()), headers: { 'content-type': 'application/json', origin: 'https://attacker.example' } });
    expect(crossSite.status).toBe(403);
  });

  it('serves indexed files only: no path outside the index, nothing not ingested', async () => {
    const session = client(local.url);
    const served = await session(`/sources/file?source=${encodeURIComponent('articles/retrieval.md')}`);
    expect(served.status).toBe(200);
    expect(served.headers.get('content-type')).toContain('text/plain');
    const html = await session(`/sources/file?source=${encodeURIComponent('articles/discord-setup.html')}`);
    expect(html.headers.get('content-security-policy')).toMatch(/^sandbox/);
    for (const route of [
      '/sources/file?source=..%2F..%2F..%2F..%2Fetc%2Fpasswd',
      '/sources/file?source=%2Fetc%2Fpasswd',
      '/sources/file?source=package.json',
      '/kb/figures/..%2Fmeta.json',
      '/kb/figures/does-not-exist',
      '/api/figures/..%2F..%2Fpackage.json',
      `/api/figures/${'0'.repeat(64)}.png`,
      '/assets/..%2Fadapter.ts',
      '/assets/index.html',
    ]) {
      expect([route, (await session(route)).status]).toEqual([route, 404]);
    }
  });

  it('says which variable to change when HTTP_PORT is taken', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      await expect(startWebStack(webEnv(dataDir, { HTTP_PORT: String(port) }), { worker: false })).rejects.toThrow(
        `Port ${port} on 127.0.0.1 is already in use (HTTP_PORT): stop the other process or set HTTP_PORT to a free port.`,
      );
    } finally {
      blocker.close();
    }
  });
});
