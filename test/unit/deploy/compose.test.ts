// No Docker engine runs on CI machines, so the compose file and the Dockerfile are checked
// statically: the services and the order they start in, a healthcheck on every service that
// probes the port it really listens on, variables the config schema knows, interpolations
// that resolve with only .env.example copied, the read-only documents mount, a pinned Ollama.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { z } from 'zod';
import { envSchema, loadConfig } from '../../../src/config/env.js';

const root = new URL('../../../', import.meta.url);
const read = (file: string) => readFileSync(new URL(file, root), 'utf8');

const condition = z.enum(['service_started', 'service_healthy', 'service_completed_successfully']);
const serviceSchema = z.object({
  image: z.string().optional(),
  build: z.object({ context: z.string(), dockerfile: z.string() }).optional(),
  command: z.array(z.string()).optional(),
  environment: z.record(z.string(), z.string()).optional(),
  env_file: z.string().optional(),
  volumes: z.array(z.string()).optional(),
  ports: z.array(z.string()).optional(),
  depends_on: z.record(z.string(), z.object({ condition })).optional(),
  healthcheck: z.union([
    z.object({ disable: z.literal(true) }),
    z.object({ test: z.array(z.string()).min(2), interval: z.string(), timeout: z.string(), retries: z.number(), start_period: z.string().optional() }),
  ]),
  restart: z.enum(['no', 'unless-stopped', 'always', 'on-failure']),
  stop_grace_period: z.string().optional(),
});
const composeText = read('docker-compose.yml');
const compose = z.object({ services: z.record(z.string(), serviceSchema), volumes: z.record(z.string(), z.null()) }).parse(parse(composeText));
const services = compose.services;
const knownVariables = new Set(Object.keys(envSchema.shape));
const exampleValues = new Map(
  read('.env.example')
    .split('\n')
    .filter((line) => /^[A-Z][A-Z0-9_]*=/.test(line))
    .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)] as const),
);
const built = Object.entries(services).filter(([, s]) => s.build);

describe('docker-compose.yml', () => {
  it('has redis, ollama, the one-shot ingest, the worker and the bot', () => {
    expect(Object.keys(services).sort()).toEqual(['bot', 'ingest', 'ollama', 'redis', 'worker']);
    expect(services.ingest!.command).toEqual(['ingest', '--prune', '/kb']);
    expect(services.worker!.command).toEqual(['worker']);
    expect(services.bot!.command).toEqual(['bot']);
  });

  it('starts in dependency order: Redis healthy before anything uses it; the worker beside the ingest; no cycles', () => {
    expect(services.ingest!.depends_on).toEqual({ redis: { condition: 'service_healthy' } });
    expect(services.worker!.depends_on).toEqual({
      redis: { condition: 'service_healthy' },
      ollama: { condition: 'service_started' },
      // The worker waits for the index itself: a document that fails must not keep it down.
      ingest: { condition: 'service_started' },
    });
    expect(services.bot!.depends_on).toEqual({ redis: { condition: 'service_healthy' } });
    // service_healthy only on services that have a healthcheck
    for (const [name, service] of Object.entries(services)) {
      for (const [dep, { condition: c }] of Object.entries(service.depends_on ?? {})) {
        expect(services[dep], `${name} → ${dep}`).toBeDefined();
        if (c === 'service_healthy') expect('test' in services[dep]!.healthcheck, `${name} waits for ${dep} to be healthy`).toBe(true);
      }
    }
    const visiting = new Set<string>();
    const visit = (name: string, path: string[]) => {
      expect(visiting.has(name), `cycle: ${[...path, name].join(' → ')}`).toBe(false);
      visiting.add(name);
      for (const dep of Object.keys(services[name]!.depends_on ?? {})) visit(dep, [...path, name]);
      visiting.delete(name);
    };
    for (const name of Object.keys(services)) visit(name, []);
  });

  it('has a healthcheck on every long-running service, probing /readyz on the port the process listens on', () => {
    for (const [name, service] of Object.entries(services)) {
      if (name === 'ingest') {
        expect(service.healthcheck).toEqual({ disable: true });
        expect(service.restart).toBe('no');
        continue;
      }
      expect('test' in service.healthcheck, name).toBe(true);
      expect(service.restart, name).toBe('unless-stopped');
    }
    const probe = (name: string) => {
      const hc = services[name]!.healthcheck;
      return 'test' in hc ? hc.test.join(' ') : '';
    };
    expect(probe('redis')).toBe('CMD redis-cli ping');
    expect(probe('ollama')).toBe('CMD ollama list');
    expect(probe('worker')).toContain(`http://127.0.0.1:${services.worker!.environment!.WORKER_HTTP_PORT}/readyz`);
    expect(probe('bot')).toContain(`http://127.0.0.1:${services.bot!.environment!.HTTP_PORT}/readyz`);
    // The probes run inside the container: the processes listen on all its interfaces.
    expect(services.worker!.environment!.HTTP_HOST).toBe('0.0.0.0');
    expect(services.bot!.environment!.HTTP_HOST).toBe('0.0.0.0');
  });

  it('publishes the web/health port on this host only and the Slack HTTP-mode port, each to the port the bot listens on', () => {
    const bot = services.bot!;
    expect(bot.ports).toEqual([`127.0.0.1:\${HTTP_PORT:-8080}:${bot.environment!.HTTP_PORT}`, `\${SLACK_PORT:-3000}:${bot.environment!.SLACK_PORT}`]);
  });

  it('mounts the documents read-only for the ingest, and one data volume for ingest, worker and bot', () => {
    expect(services.ingest!.volumes).toContain('${KB_DIR:-./kb}:/kb:ro');
    expect(services.ingest!.environment!.KB_DIR).toBe('/kb');
    for (const name of ['ingest', 'worker', 'bot']) {
      expect(services[name]!.volumes, name).toContain('kb-data:/app/data');
      expect(services[name]!.environment!.DATA_DIR, name).toBe('/app/data');
      expect(services[name]!.env_file, name).toBe('.env');
    }
    expect(Object.keys(compose.volumes).sort()).toEqual(['kb-data', 'ollama-models', 'redis-data']);
  });

  it('sets only variables that the config schema validates', () => {
    for (const [name, service] of built) {
      for (const variable of Object.keys(service.environment ?? {})) {
        expect(knownVariables.has(variable), `${name}: ${variable}`).toBe(true);
      }
    }
  });

  it('resolves every ${VAR} with only .env.example copied to .env (what `docker compose config` needs)', () => {
    const interpolations = [...composeText.matchAll(/\$\{([A-Z0-9_]+)(:?-[^}]*)?\}/g)];
    expect(interpolations.length).toBeGreaterThan(0);
    for (const [whole, name, fallback] of interpolations) {
      expect(fallback !== undefined || Boolean(exampleValues.get(name!)), whole).toBe(true);
    }
  });

  it('pins the Ollama image to a release and documents the NVIDIA GPU reservation with its reason', () => {
    expect(services.ollama!.image).toMatch(/^ollama\/ollama:\d+\.\d+\.\d+$/);
    expect(services.redis!.image).toMatch(/^redis:\d+\.\d+/);
    // Uncommenting the stanza under the ollama service gives Compose's GPU reservation.
    const lines = composeText.split('\n');
    const start = lines.findIndex((l) => l === '    # deploy:');
    expect(start).toBeGreaterThan(lines.findIndex((l) => l === '  ollama:'));
    const stanza = lines.slice(start, start + 7).map((l) => l.replace(/^ {4}# /, '')).join('\n');
    expect(parse(stanza)).toEqual({ deploy: { resources: { reservations: { devices: [{ driver: 'nvidia', count: 'all', capabilities: ['gpu'] }] } } } });
    expect(composeText).toMatch(/on CPU takes minutes per answer[\s\S]*retrieval-only/);
  });

  it('gives a stopping worker time to finish or hand back its answers before Docker kills it', () => {
    const grace = /^(\d+)s$/.exec(services.worker!.stop_grace_period ?? '');
    const shutdownMs = loadConfig({}).worker.shutdownTimeoutMs;
    expect(Number(grace?.[1]) * 1000).toBeGreaterThanOrEqual(shutdownMs + 5000); // + the worker's hand-back grace
  });

  it('keeps Redis append-only and never evicting', () => {
    expect(services.redis!.command!.join(' ')).toBe('redis-server --appendonly yes --maxmemory-policy noeviction');
  });

  it('builds ingest, worker and bot from the one multi-stage, non-root Dockerfile on the current Node LTS', () => {
    expect(built.map(([name]) => name).sort()).toEqual(['bot', 'ingest', 'worker']);
    for (const [, service] of built) expect(service.build?.dockerfile).toBe('Dockerfile');
    const dockerfile = read('Dockerfile');
    expect(dockerfile.match(/^FROM /gm)?.length).toBeGreaterThanOrEqual(2);
    expect(dockerfile).toMatch(/^USER (?!root)\w+/m);
    const base = /^ARG NODE_IMAGE=node:(\d+)-[a-z]+-slim$/m.exec(dockerfile);
    expect(base, 'the base image is an ARG with a Node major').not.toBeNull();
    // Node 26 became Active LTS on 2026-10-28; 20 is end-of-life (2026-04-30), 22 and 24 are in maintenance.
    expect(Number(base![1])).toBeGreaterThanOrEqual(26);
    expect(dockerfile).not.toMatch(/node:20/);
  });
});

describe('.dockerignore', () => {
  it('keeps secrets, local state and the documents out of the build context', () => {
    const ignored = read('.dockerignore').split('\n').map((l) => l.trim());
    for (const entry of ['.env', 'node_modules', '.git', 'kb', 'data/index', 'data/cache', 'data/redis']) expect(ignored, entry).toContain(entry);
    expect(ignored).toContain('!.env.example');
  });
});

describe('.env.example', () => {
  it('documents every variable of the config schema, and only those', () => {
    expect(new Set(exampleValues.keys())).toEqual(knownVariables);
  });
});
