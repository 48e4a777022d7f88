/**
 * The bot side: a Bolt app in Socket Mode (SLACK_APP_TOKEN; no public URL) or HTTP mode
 * (SLACK_SIGNING_SECRET; Bolt answers 401 to unsigned, badly signed or stale requests).
 * Events are acknowledged by Bolt before our listeners run; `/ask` and button clicks ack
 * first thing. Then handlers.ts (mentions, messages, `/ask`) and assistant.ts (the AI-app
 * side panel) admit and enqueue — the answer itself comes from the worker; feedback.ts
 * stores 👍/👎 clicks.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { App, HTTPReceiver, SocketModeReceiver } from '@slack/bolt';
import { ConfigError } from '../../errors.js';
import type { AdapterDeps, RunningAdapter } from '../platform.js';
import { createAssistant } from './assistant.js';
import { createBotThreads } from './bot-threads.js';
import { slackErrorCode, slackLogger, webClientOptions, type RetryOptions } from './client.js';
import { onFeedbackClick, type BlockActionsBody } from './feedback.js';
import { onAskCommand, onMention, onMessage, type EventEnvelope, type HandlerDeps } from './handlers.js';
import { createPromptSource } from './prompts.js';
import { FEEDBACK_ACTION_ID, type SlackMessageEvent } from './types.js';

export const ASK_COMMAND = '/ask';
export const HTTP_EVENTS_PATH = '/slack/events';

export interface SlackAdapterOptions {
  retryConfig?: RetryOptions;
  /** HTTP mode: port to listen on instead of SLACK_PORT (0 = any free port, for tests). */
  port?: number;
  /** HTTP mode: interface to listen on (default all interfaces). */
  host?: string;
  /** Socket Mode: milliseconds to wait for a pong / a server ping before reconnecting. */
  clientPingTimeoutMs?: number;
  serverPingTimeoutMs?: number;
}

export interface RunningSlackAdapter extends RunningAdapter {
  mode: 'socket' | 'http';
  /** HTTP mode: the port actually listened on. */
  port?: number;
}

export async function startSlackAdapter(deps: Omit<AdapterDeps, 'http'>, options: SlackAdapterOptions = {}): Promise<RunningSlackAdapter> {
  const slack = deps.config.slack;
  if (!slack) throw new ConfigError('SLACK_BOT_TOKEN', 'Slack is not configured: set SLACK_BOT_TOKEN');
  const logger = deps.logger.child({ platform: 'slack' });
  const boltLogger = slackLogger(logger);
  const clientOptions = webClientOptions(slack, logger, { retryConfig: options.retryConfig });

  const socketReceiver =
    slack.mode === 'socket'
      ? new SocketModeReceiver({
          appToken: slack.appToken!,
          logger: boltLogger,
          clientPingTimeout: options.clientPingTimeoutMs,
          serverPingTimeout: options.serverPingTimeoutMs,
          // Socket Mode's own WebClient (apps.connections.open) gets the same base URL and retries.
          installerOptions: { clientOptions: { ...clientOptions, retryConfig: { ...clientOptions.retryConfig } } },
        })
      : undefined;
  const httpReceiver =
    slack.mode === 'http'
      ? new HTTPReceiver({ signingSecret: slack.signingSecret!, endpoints: [HTTP_EVENTS_PATH], logger: boltLogger })
      : undefined;

  const app = new App({
    token: slack.botToken,
    receiver: socketReceiver ?? httpReceiver,
    socketMode: slack.mode === 'socket',
    logger: boltLogger,
    clientOptions,
    // auth.test runs in init(), so a bad token is a clear start-up error rather than a stray rejection.
    deferInitialization: true,
  });
  try {
    await app.init();
  } catch (err) {
    const code = slackErrorCode(err);
    throw new ConfigError('SLACK_BOT_TOKEN', `Slack rejected SLACK_BOT_TOKEN at auth.test${code ? ` (${code})` : ''}`);
  }

  const botThreads = createBotThreads({ gateway: deps.gateway, client: app.client, logger });
  const handlerDeps: HandlerDeps = { config: slack, gateway: deps.gateway, client: app.client, logger, botThreads };
  // Listener errors are logged here, with ids only: never the payload (it holds user text).
  const guard = (what: string, run: () => Promise<string>) =>
    run().then(
      (outcome) => logger.debug({ what, outcome }, 'slack: handled'),
      (err: unknown) => logger.error({ what, err: (err as Error).message, code: slackErrorCode(err) }, 'slack: handler failed'),
    );

  // The AI-app surface first: it takes assistant-thread messages before the generic listeners.
  const prompts = createPromptSource({ configured: slack.suggestedPrompts, dataDir: deps.config.dataDir, logger });
  app.assistant(createAssistant({ ...handlerDeps, prompts, guard }));
  app.event('app_mention', async ({ event, body }) => {
    await guard('app_mention', () => onMention(handlerDeps, event as unknown as SlackMessageEvent, body as EventEnvelope));
  });
  app.event('message', async ({ event, body, context }) => {
    const me = { userId: context.botUserId, botId: context.botId };
    await guard('message', () => onMessage(handlerDeps, event as unknown as SlackMessageEvent, body as EventEnvelope, me));
  });
  app.command(ASK_COMMAND, async ({ command, ack, respond }) => {
    await ack();
    await guard('command', () => onAskCommand(handlerDeps, command, respond));
  });
  app.action({ action_id: new RegExp(`^${FEEDBACK_ACTION_ID}`) }, async ({ ack, body, action, respond }) => {
    await ack();
    const tell = (text: string) => respond({ response_type: 'ephemeral', replace_original: false, text });
    await guard('feedback', () => onFeedbackClick({ feedback: deps.feedback, client: app.client, logger }, body as BlockActionsBody, action as { value?: unknown }, tell));
  });
  app.error(async (err) => {
    logger.error({ err: err.message, code: err.code }, 'slack: bolt error');
  });

  if (socketReceiver) {
    await app.start();
    logger.info('slack: connected in Socket Mode');
    return {
      mode: 'socket',
      // Wait for the socket to be closed: Bolt's stop() does not, and a half-closed socket keeps the process alive.
      stop: async () => {
        await socketReceiver.client.disconnect();
      },
    };
  }
  const server = (await app.start({ port: options.port ?? slack.port, host: options.host })) as Server;
  const port = (server.address() as AddressInfo).port;
  logger.info({ port, path: HTTP_EVENTS_PATH }, 'slack: listening for HTTP events');
  return { mode: 'http', port, stop: () => app.stop() as Promise<void> };
}
