// No Docker engine runs on CI machines, so the compose file is checked statically:
// every variable it sets is one the config schema knows, and every built service uses our Dockerfile.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { z } from 'zod';
import { envSchema } from '../../../src/config/env.js';

const root = new URL('../../../', import.meta.url);
const read = (file: string) => readFileSync(new URL(file, root), 'utf8');

const serviceSchema = z.object({
  image: z.string().optional(),
  build: z.object({ context: z.string(), dockerfile: z.string() }).optional(),
  command: z.array(z.string()).optional(),
  environment: z.record(z.string(), z.string()).optional(),
  env_file: z.string().optional(),
});
const composeSchema = z.object({ services: z.record(z.string(), serviceSchema) });
const compose = composeSchema.parse(parse(read('docker-compose.yml')));
const knownVariables = new Set(Object.keys(envSchema.shape));

describe('docker-compose.yml', () => {
  it('has redis, ollama, worker and bot services', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['bot', 'ollama', 'redis', 'worker']);
  });

  it('sets only variables that the config schema validates', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      if (service.image) continue; // third-party images have their own variables
      for (const variable of Object.keys(service.environment ?? {})) {
        expect(knownVariables.has(variable), `${name}: ${variable}`).toBe(true);
      }
    }
  });

  it('builds the bot and the worker from the multi-stage, non-root Dockerfile', () => {
    const built = Object.values(compose.services).filter((s) => s.build);
    expect(built).toHaveLength(2);
    for (const service of built) expect(service.build?.dockerfile).toBe('Dockerfile');
    const dockerfile = read('Dockerfile');
    expect(dockerfile.match(/^FROM /gm)?.length).toBeGreaterThanOrEqual(2);
    expect(dockerfile).toMatch(/^USER (?!root)\w+/m);
    expect(compose.services.worker?.command).toEqual(['worker']);
    expect(compose.services.bot?.command).toEqual(['bot']);
  });

  it('keeps Redis append-only so accepted questions survive a restart', () => {
    expect(compose.services.redis?.command?.join(' ')).toContain('--appendonly yes');
  });
});

describe('.env.example', () => {
  it('documents every variable of the config schema, and only those', () => {
    const documented = read('.env.example')
      .split('\n')
      .filter((line) => /^[A-Z][A-Z0-9_]*=/.test(line))
      .map((line) => line.split('=')[0]);
    expect(new Set(documented)).toEqual(knownVariables);
  });
});
