/**
 * Slack payloads as Slack sends them (Events API callbacks, slash commands), and signed
 * HTTP delivery for HTTP-mode tests (`v0=` HMAC-SHA256 of `v0:<timestamp>:<body>`).
 */
import { createHmac, randomUUID } from 'node:crypto';
import { stringify } from 'node:querystring';
import type { SlackStandIn } from './slack-standin.js';

export interface EventFields {
  channel: string;
  user: string;
  text: string;
  ts: string;
  thread_ts?: string;
  channel_type?: 'channel' | 'group' | 'im' | 'mpim';
  subtype?: string;
  bot_id?: string;
  files?: Record<string, unknown>[];
  attachments?: Record<string, unknown>[];
  blocks?: Record<string, unknown>[];
}

export function mentionEvent(f: EventFields): Record<string, unknown> {
  return { type: 'app_mention', client_msg_id: randomUUID(), event_ts: f.ts, ...f };
}

export function messageEvent(f: EventFields): Record<string, unknown> {
  return { type: 'message', client_msg_id: randomUUID(), event_ts: f.ts, channel_type: 'channel', ...f };
}

/** The `event_callback` body wrapping an event (Socket Mode payload / HTTP body). */
export function eventCallback(standIn: SlackStandIn, event: Record<string, unknown>, eventId = `Ev${randomUUID().slice(0, 10).toUpperCase()}`): Record<string, unknown> {
  return {
    token: 'verification-token-unused',
    team_id: standIn.teamId,
    api_app_id: standIn.appId,
    event,
    type: 'event_callback',
    event_id: eventId,
    event_time: Math.floor(Date.now() / 1000),
    authorizations: [{ enterprise_id: null, team_id: standIn.teamId, user_id: standIn.botUserId, is_bot: true, is_enterprise_install: false }],
    is_ext_shared_channel: false,
    event_context: `4-${randomUUID()}`,
  };
}

/**
 * `assistant_thread_started` as Slack sends it when a user opens the app's assistant
 * (side panel or Chat tab). The thread is registered with the stand-in as an assistant
 * thread (status, title and prompts work there). `context.channel_id` is the channel the
 * user was viewing, if any.
 */
export function assistantThreadStarted(standIn: SlackStandIn, f: { channel: string; user: string; threadTs: string; viewing?: string }): Record<string, unknown> {
  standIn.assistantThreads.add(`${f.channel}:${f.threadTs}`);
  return {
    type: 'assistant_thread_started',
    assistant_thread: {
      user_id: f.user,
      context: f.viewing ? { channel_id: f.viewing, team_id: standIn.teamId, enterprise_id: null } : {},
      channel_id: f.channel,
      thread_ts: f.threadTs,
    },
    event_ts: standIn.nextTs(),
  };
}

export function assistantContextChanged(standIn: SlackStandIn, f: { channel: string; user: string; threadTs: string; viewing: string }): Record<string, unknown> {
  return {
    type: 'assistant_thread_context_changed',
    assistant_thread: { user_id: f.user, context: { channel_id: f.viewing, team_id: standIn.teamId, enterprise_id: null }, channel_id: f.channel, thread_ts: f.threadTs },
    event_ts: standIn.nextTs(),
  };
}

/**
 * A `block_actions` interactivity payload: `user` clicked the element with `value` (a
 * `feedback_buttons` element unless `elementType` says otherwise) on a message the stand-in
 * holds. Delivered as a Socket Mode `interactive` envelope, or form-encoded (`payload=`) over HTTP.
 */
export function blockActions(
  standIn: SlackStandIn,
  f: { channel: string; messageTs: string; user: string; actionId: string; value: string; elementType?: 'feedback_buttons' | 'button' },
): Record<string, unknown> {
  const message = standIn.messages.get(f.channel)?.find((m) => m.ts === f.messageTs);
  if (!message) throw new Error(`stand-in: no message ${f.messageTs} in ${f.channel}`);
  return {
    type: 'block_actions',
    user: { id: f.user, username: 'someone', name: 'someone', team_id: standIn.teamId },
    api_app_id: standIn.appId,
    token: 'verification-token-unused',
    container: { type: 'message', message_ts: f.messageTs, channel_id: f.channel, is_ephemeral: false },
    trigger_id: `${Date.now()}.${Math.floor(Math.random() * 1e9)}.${randomUUID().slice(0, 8)}`,
    team: { id: standIn.teamId, domain: 'standin' },
    enterprise: null,
    is_enterprise_install: false,
    channel: { id: f.channel, name: 'general' },
    message: { type: 'message', user: standIn.botUserId, bot_id: standIn.botId, ts: message.ts, thread_ts: message.thread_ts, text: message.text, blocks: message.blocks ?? [] },
    state: { values: {} },
    response_url: `${standIn.baseUrl}/actions/${standIn.teamId}/${randomUUID()}`,
    actions: [
      {
        type: f.elementType ?? 'feedback_buttons',
        action_id: f.actionId,
        block_id: 'mrag_feedback',
        value: f.value,
        action_ts: `${Math.floor(Date.now() / 1000)}.000100`,
      },
    ],
  };
}

/** A slash command payload (all values are strings, as Slack sends them). */
export function slashCommand(standIn: SlackStandIn, f: { channel: string; user: string; text: string; command?: string }): Record<string, string> {
  const triggerId = `${Date.now()}.${Math.floor(Math.random() * 1e9)}.${randomUUID().slice(0, 8)}`;
  return {
    token: 'verification-token-unused',
    team_id: standIn.teamId,
    team_domain: 'standin',
    channel_id: f.channel,
    channel_name: 'general',
    user_id: f.user,
    user_name: 'someone',
    command: f.command ?? '/ask',
    text: f.text,
    api_app_id: standIn.appId,
    is_enterprise_install: 'false',
    response_url: `${standIn.baseUrl}/commands/${standIn.teamId}/${randomUUID()}`,
    trigger_id: triggerId,
  };
}

export function slackSignature(secret: string, timestamp: number, body: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

export interface SignedPostOptions {
  /** Signing secret to sign with (a wrong one makes a bad signature). */
  secret: string;
  /** Seconds since epoch; default now. */
  timestamp?: number;
  retryNum?: number;
  form?: boolean;
}

/** An interactivity payload as Slack POSTs it in HTTP mode: form-encoded, one `payload` field of JSON. */
export function interactiveForm(payload: Record<string, unknown>): Record<string, string> {
  return { payload: JSON.stringify(payload) };
}

/** POST a payload to a Bolt HTTP receiver the way Slack does. */
export async function postSigned(url: string, payload: Record<string, unknown>, options: SignedPostOptions): Promise<Response> {
  const body = options.form ? stringify(payload as Record<string, string>) : JSON.stringify(payload);
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  const headers: Record<string, string> = {
    'content-type': options.form ? 'application/x-www-form-urlencoded' : 'application/json',
    'x-slack-request-timestamp': String(timestamp),
    'x-slack-signature': slackSignature(options.secret, timestamp, body),
  };
  if (options.retryNum !== undefined) {
    headers['x-slack-retry-num'] = String(options.retryNum);
    headers['x-slack-retry-reason'] = 'http_timeout';
  }
  return await fetch(url, { method: 'POST', headers, body });
}
