/**
 * The local default for Redis (`mrag start`): use REDIS_URL when set; else a Redis already
 * listening on 127.0.0.1:6379; else start a private `redis-server` child with append-only
 * persistence under DATA_DIR/redis; else explain how to get one.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdirSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { Config } from '../config/env.js';
import { UserFacingError } from '../errors.js';
import type { Logger } from '../log.js';

export interface RedisEndpoint {
  url: string;
  /** True when we started the server (it stops with the app). */
  owned: boolean;
  stop(): Promise<void>;
}

export const REDIS_MISSING_MESSAGE =
  'Redis is not running and redis-server is not installed. Install it (Debian/Ubuntu: sudo apt-get install redis-server; macOS: brew install redis) or set REDIS_URL to a running Redis.';

const DEFAULT_HOST = '127.0.0.1';
const DEFAULT_PORT = 6379;

/** True when something accepts TCP connections on host:port. */
export function isListening(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** The absolute path of an executable on PATH, or undefined. */
export function findExecutable(name: string, searchPath = process.env.PATH ?? ''): string | undefined {
  for (const dir of searchPath.split(path.delimiter).filter(Boolean)) {
    const candidate = path.join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, DEFAULT_HOST, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export async function ensureRedis(deps: {
  config: Config;
  logger: Logger;
  /** Overrides for tests: where to look for a running Redis and for the binary. */
  probe?: { host: string; port: number };
  searchPath?: string;
}): Promise<RedisEndpoint> {
  const { config, logger } = deps;
  const noop = async () => undefined;
  if (config.redis.explicit) return { url: config.redis.url, owned: false, stop: noop };
  const probe = deps.probe ?? { host: DEFAULT_HOST, port: DEFAULT_PORT };
  if (await isListening(probe.host, probe.port)) return { url: `redis://${probe.host}:${probe.port}`, owned: false, stop: noop };

  const binary = findExecutable('redis-server', deps.searchPath);
  if (!binary) throw new UserFacingError('redis_missing', REDIS_MISSING_MESSAGE);
  const dir = path.join(config.dataDir, 'redis');
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const child = spawn(
    binary,
    ['--port', String(port), '--bind', DEFAULT_HOST, '--dir', dir, '--appendonly', 'yes', '--appendfsync', 'everysec', '--save', '', '--maxmemory-policy', 'noeviction'],
    { stdio: 'ignore' },
  );
  await waitUntilUp(child, port);
  logger.info({ port, dir }, 'started a private redis-server (append-only persistence)');
  return {
    url: `redis://${DEFAULT_HOST}:${port}`,
    owned: true,
    stop: () => stopChild(child),
  };
}

async function waitUntilUp(child: ChildProcess, port: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  let exited = false;
  child.once('exit', () => (exited = true));
  while (!(await isListening(DEFAULT_HOST, port, 200))) {
    if (exited) throw new UserFacingError('redis_failed', `redis-server exited at start-up (port ${port}); set REDIS_URL to a running Redis instead.`);
    if (Date.now() > deadline) {
      await stopChild(child);
      throw new UserFacingError('redis_failed', 'redis-server did not start within 10 s; set REDIS_URL to a running Redis instead.');
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** SIGTERM lets Redis flush its append-only file before exiting. */
async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
