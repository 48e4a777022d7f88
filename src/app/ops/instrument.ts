/**
 * Metrics observed from the outside of the parts that do the work: the gateway (questions
 * received / turned away), each platform's worker side (queue wait, posting time, answers
 * and apologies by platform and mode) and the answerer (stage timings from
 * `Answer.timings`). Each wrapper is a Proxy that overrides only the observed methods and
 * passes everything else through, so the wrapped objects keep any member they add later.
 */
import type { AskGateway } from '../../queue/gateway.js';
import type { Platform } from '../../queue/job.js';
import type { PlatformWorkerSide, Reply, ReplyContext } from '../../queue/reply.js';
import type { Answerer } from '../../rag/types.js';
import { getMetrics, type Metrics } from '../../metrics.js';

/** Answer.timings keys (milliseconds) reported as stages. */
const ANSWER_STAGES = ['condense', 'retrieve', 'prompt', 'generate', 'total'] as const;

function override<T extends object>(target: T, overrides: Partial<T>): T {
  return new Proxy(target, {
    get(t, prop, receiver) {
      if (Object.prototype.hasOwnProperty.call(overrides, prop)) return (overrides as Record<string | symbol, unknown>)[prop];
      const value: unknown = Reflect.get(t, prop, receiver);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(t) : value;
    },
  });
}

/** Count enqueued questions by platform, and the ones turned away by reason. */
export function instrumentGateway<G extends AskGateway>(gateway: G, metrics: Metrics = getMetrics()): G {
  return override(gateway, {
    async admit(event) {
      const admission = await gateway.admit(event);
      if (!admission.ok && admission.reason !== 'duplicate') metrics.questionsRejected.inc({ platform: event.platform, reason: admission.reason });
      return admission;
    },
    async enqueue(job) {
      const result = await gateway.enqueue(job);
      if (result.ok) metrics.questionsReceived.inc({ platform: job.platform });
      else if (result.reason === 'invalid') metrics.questionsRejected.inc({ platform: job.platform, reason: 'invalid' });
      return result;
    },
  } as Partial<G>);
}

/** Observe queue wait (job creation → an attempt starts), posting time, and the outcome of each reply. */
export function instrumentWorkerSide(platform: Platform, side: PlatformWorkerSide, metrics: Metrics = getMetrics()): PlatformWorkerSide {
  return override(side, {
    createReply(context: ReplyContext): Reply {
      const reply = side.createReply(context);
      let started = false;
      return override(reply, {
        async start() {
          if (!started) {
            started = true;
            metrics.stageSeconds.observe({ stage: 'queue_wait' }, Math.max(0, Date.now() - context.job.createdAt) / 1000);
          }
          await reply.start();
        },
        async finish(answer) {
          const began = performance.now();
          await reply.finish(answer);
          metrics.stageSeconds.observe({ stage: 'post' }, (performance.now() - began) / 1000);
          metrics.questionsAnswered.inc({ platform, mode: answer.mode });
        },
        async fail(reason) {
          await reply.fail(reason);
          metrics.questionsFailed.inc({ platform });
        },
      });
    },
  });
}

/** Observe the answer pipeline's stage timings (`Answer.timings`, milliseconds). */
export function instrumentAnswerer<A extends Answerer>(answerer: A, metrics: Metrics = getMetrics()): A {
  return override(answerer, {
    async answer(question, options) {
      const answer = await answerer.answer(question, options);
      for (const stage of ANSWER_STAGES) {
        const ms = answer.timings[stage];
        if (typeof ms === 'number' && Number.isFinite(ms)) metrics.stageSeconds.observe({ stage }, ms / 1000);
      }
      return answer;
    },
  } as Partial<A>);
}
