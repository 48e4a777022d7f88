/** The pieces of src/app/ops that need no server: readiness rules, the level seam, dashboard auth, metric wrappers. */
import { describe, expect, it } from 'vitest';
import { isAuthorized } from '../../../src/app/ops/dashboard.js';
import { answererLevel, modelCheck } from '../../../src/app/ops/index.js';
import { instrumentAnswerer, instrumentGateway, instrumentWorkerSide } from '../../../src/app/ops/instrument.js';
import { createMetrics } from '../../../src/metrics.js';
import { Readiness } from '../../../src/app/ops/readiness.js';
import { loadConfig } from '../../../src/config/env.js';
import type { AskGateway } from '../../../src/queue/gateway.js';
import type { AskJob } from '../../../src/queue/job.js';
import type { PlatformWorkerSide, Reply } from '../../../src/queue/reply.js';
import type { Answer, Answerer } from '../../../src/rag/types.js';
import { sample } from '../../helpers/prometheus.js';

const answer = (mode: Answer['mode'], timings: Record<string, number> = {}): Answer => ({ text: 't', sources: [], figures: [], mode, timings });

describe('readiness', () => {
  it('is ready only when every check passes; a throwing or hanging check fails with why', async () => {
    const readiness = new Readiness();
    readiness.set('fine', () => ({ ok: true, detail: 'up' }));
    expect(await readiness.report()).toEqual({ ready: true, checks: { fine: { ok: true, detail: 'up' } } });
    readiness.set('throws', () => {
      throw new Error('boom');
    });
    readiness.set('hangs', () => new Promise(() => undefined));
    const report = await readiness.report(50);
    expect(report.ready).toBe(false);
    expect(report.checks.throws).toEqual({ ok: false, detail: 'boom' });
    expect(report.checks.hangs).toEqual({ ok: false, detail: 'no answer within 50 ms' });
  });
});

describe('the retrieval level seam', () => {
  const config = (level?: string) => loadConfig(level ? { RETRIEVAL_LEVEL: level } : {});

  it('reads the level an answerer reports, else assumes the configured one (3 for auto)', () => {
    expect(answererLevel({ level: 2 }, 'auto')).toBe(2);
    expect(answererLevel({}, 'auto')).toBe(3);
    expect(answererLevel({}, 1)).toBe(1);
    expect(answererLevel({ level: 'three' }, 2)).toBe(2);
  });

  it('is ready at level 3, or at a lower level chosen on purpose; not when auto fell back to level 2', () => {
    expect(modelCheck(config(), 3)).toMatchObject({ ok: true });
    expect(modelCheck(config('2'), 2)).toEqual({ ok: true, detail: 'level 2 (RETRIEVAL_LEVEL=2): no embedding model needed' });
    const fallen = modelCheck(config(), 2);
    expect(fallen.ok).toBe(false);
    expect(fallen.detail).toContain('did not load (RETRIEVAL_LEVEL=auto)');
    expect(fallen.detail).toContain('mrag model pull');
    expect(fallen.detail).toContain('RETRIEVAL_LEVEL=2');
  });
});

describe('dashboard authorisation', () => {
  const token = 'the-admin-token-0123';
  it('accepts the token as a bearer token or as the Basic auth password, and nothing else', () => {
    expect(isAuthorized(`Bearer ${token}`, token)).toBe(true);
    expect(isAuthorized(`Basic ${Buffer.from(`anyone:${token}`).toString('base64')}`, token)).toBe(true);
    expect(isAuthorized(`Basic ${Buffer.from(`${token}:`).toString('base64')}`, token)).toBe(false);
    expect(isAuthorized(`Bearer ${token}x`, token)).toBe(false);
    expect(isAuthorized(`Bearer`, token)).toBe(false);
    expect(isAuthorized('Basic !!!', token)).toBe(false);
    expect(isAuthorized(undefined, token)).toBe(false);
  });
});

describe('metric wrappers', () => {
  it('count replies by platform and mode, time the post, and keep every other member of the wrapped object', async () => {
    const metrics = createMetrics();
    const calls: string[] = [];
    const reply: Reply & { extra: () => string } = {
      start: async () => void calls.push('start'),
      update: async () => void calls.push('update'),
      finish: async () => void calls.push('finish'),
      fail: async () => void calls.push('fail'),
      extra: () => 'kept',
    };
    const side: PlatformWorkerSide & { label: string } = { label: 'side', createReply: () => reply, fetchImage: async () => new Uint8Array() };
    const wrapped = instrumentWorkerSide('discord', side, metrics) as typeof side;
    expect(wrapped.label).toBe('side');
    const job = { createdAt: Date.now() - 1500 } as AskJob;
    const r = wrapped.createReply({ job, answerId: 'a', state: { get: async () => undefined, set: async () => undefined }, logger: undefined as never, editIntervalMs: 0 }) as typeof reply;
    await r.start();
    await r.start(); // one queue-wait observation per reply
    await r.update('x');
    await r.finish(answer('retrieval-only'));
    await r.fail('sorry');
    expect(r.extra()).toBe('kept');
    expect(calls).toEqual(['start', 'start', 'update', 'finish', 'fail']);
    const text = await metrics.registry.metrics();
    expect(sample(text, 'mrag_questions_answered_total', { platform: 'discord', mode: 'retrieval-only' })).toBe(1);
    expect(sample(text, 'mrag_questions_failed_total', { platform: 'discord' })).toBe(1);
    expect(sample(text, 'mrag_stage_duration_seconds_count', { stage: 'queue_wait' })).toBe(1);
    expect(sample(text, 'mrag_stage_duration_seconds_sum', { stage: 'queue_wait' })).toBeGreaterThanOrEqual(1.5);
    expect(sample(text, 'mrag_stage_duration_seconds_count', { stage: 'post' })).toBe(1);
  });

  it('does not count a reply whose finish failed', async () => {
    const metrics = createMetrics();
    const side: PlatformWorkerSide = {
      createReply: () => ({ start: async () => undefined, update: async () => undefined, finish: async () => Promise.reject(new Error('429')), fail: async () => undefined }),
      fetchImage: async () => new Uint8Array(),
    };
    const r = instrumentWorkerSide('slack', side, metrics).createReply({ job: { createdAt: Date.now() } as AskJob, answerId: 'a', state: { get: async () => undefined, set: async () => undefined }, logger: undefined as never, editIntervalMs: 0 });
    await expect(r.finish(answer('llm'))).rejects.toThrow('429');
    expect(sample(await metrics.registry.metrics(), 'mrag_questions_answered_total', { platform: 'slack', mode: 'llm' })).toBeUndefined();
  });

  it('count enqueued and turned-away questions (not duplicates), and the answer stages in seconds', async () => {
    const metrics = createMetrics();
    const admissions = [{ ok: false, reason: 'rate_limited', message: 'slow down' }, { ok: false, reason: 'duplicate' }, { ok: true }] as const;
    let n = 0;
    const gateway: AskGateway & { close(): Promise<void> } = {
      admit: async () => admissions[n++]!,
      enqueue: async (job) => (job.question ? { ok: true, jobId: '1' } : { ok: false, reason: 'invalid', message: 'The question is empty.' }),
      isBotThread: async () => false,
      markBotThread: async () => undefined,
      close: async () => undefined,
    };
    const g = instrumentGateway(gateway, metrics);
    const event = { platform: 'web' as const, eventId: 'e', userId: 'u', channelId: 'c' };
    for (let i = 0; i < 3; i++) await g.admit(event);
    await g.enqueue({ v: 1, platform: 'web', eventId: 'e', channelId: 'c', userId: 'u', question: 'q', createdAt: 0 });
    await g.enqueue({ v: 1, platform: 'web', eventId: 'e', channelId: 'c', userId: 'u', question: '', createdAt: 0 });
    await expect(g.close()).resolves.toBeUndefined();
    const stub: Answerer = { answer: async () => answer('llm', { retrieve: 12, generate: 3400, total: 3500, unknownStage: 5 }) };
    const answerer = instrumentAnswerer(stub, metrics);
    await answerer.answer('q');
    const text = await metrics.registry.metrics();
    expect(sample(text, 'mrag_questions_rejected_total', { platform: 'web', reason: 'rate_limited' })).toBe(1);
    expect(sample(text, 'mrag_questions_rejected_total', { platform: 'web', reason: 'duplicate' })).toBeUndefined();
    expect(sample(text, 'mrag_questions_rejected_total', { platform: 'web', reason: 'invalid' })).toBe(1);
    expect(sample(text, 'mrag_questions_received_total', { platform: 'web' })).toBe(1);
    expect(sample(text, 'mrag_stage_duration_seconds_sum', { stage: 'generate' })).toBeCloseTo(3.4);
    expect(sample(text, 'mrag_stage_duration_seconds_count', { stage: 'unknownStage' })).toBeUndefined();
  });
});
