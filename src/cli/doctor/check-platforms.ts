/**
 * Doctor: platform credentials, checked with the platforms' own identity calls against the
 * configured API bases (DISCORD_API_URL, SLACK_API_URL), so proxies and stand-ins answer too:
 * Discord `GET /v10/users/@me` (+ `GET /v10/applications/@me` for the Message Content
 * intent flags), Slack `auth.test` with the bot token and `apps.connections.open` with the
 * app token (Socket Mode).
 */
import type { DiscordConfig, SlackConfig } from '../../config/env.js';
import { errorText, fail, ok, warn, type DoctorContext, type DoctorLine } from './checks.js';

/** Application flags GATEWAY_MESSAGE_CONTENT (1 << 18) and GATEWAY_MESSAGE_CONTENT_LIMITED (1 << 19), Discord API docs "Application Flags". */
const MESSAGE_CONTENT_FLAGS = (1 << 18) | (1 << 19);

async function getJson(url: string, init: RequestInit, timeoutMs: number): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
  const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  return { status: res.status, body };
}

async function checkDiscord(discord: DiscordConfig, timeoutMs: number): Promise<DoctorLine[]> {
  const headers = { authorization: `Bot ${discord.token}` };
  let me;
  try {
    me = await getJson(`${discord.apiUrl}/v10/users/@me`, { headers }, timeoutMs);
  } catch (err) {
    return [fail('Discord', `cannot reach ${discord.apiUrl} (${errorText(err)})`, 'check the network, or DISCORD_API_URL')];
  }
  if (me.status === 401) return [fail('Discord', 'DISCORD_TOKEN was rejected (401 Unauthorized)', 'Developer Portal → your application → Bot → Reset Token, then put the new token in .env')];
  if (me.status !== 200) return [fail('Discord', `GET /users/@me answered ${me.status}`, 'check DISCORD_API_URL and Discord status')];
  const lines = [ok('Discord', `token accepted: logged in as ${String(me.body.username ?? '?')} (${String(me.body.id ?? '?')})`)];
  try {
    const app = await getJson(`${discord.apiUrl}/v10/applications/@me`, { headers }, timeoutMs);
    const flags = Number(app.body.flags ?? 0);
    if (app.status === 200 && (flags & MESSAGE_CONTENT_FLAGS) === 0) {
      lines.push(warn('Discord intents', 'the Message Content intent is off: @mentions arrive without text (`/ask` still works)', 'Developer Portal → Bot → Privileged Gateway Intents → Message Content Intent'));
    } else if (app.status === 200) {
      lines.push(ok('Discord intents', 'Message Content intent enabled'));
    }
  } catch {
    // the intent check is a courtesy; the token check above is what matters
  }
  return lines;
}

async function slackCall(slack: SlackConfig, method: string, token: string, timeoutMs: number): Promise<Record<string, unknown>> {
  const { body } = await getJson(`${slack.apiUrl}${method}`, { method: 'POST', headers: { authorization: `Bearer ${token}` } }, timeoutMs);
  return body;
}

async function checkSlack(slack: SlackConfig, timeoutMs: number): Promise<DoctorLine[]> {
  let auth;
  try {
    auth = await slackCall(slack, 'auth.test', slack.botToken, timeoutMs);
  } catch (err) {
    return [fail('Slack', `cannot reach ${slack.apiUrl} (${errorText(err)})`, 'check the network, or SLACK_API_URL')];
  }
  if (auth.ok !== true) {
    return [fail('Slack', `SLACK_BOT_TOKEN was rejected (${String(auth.error ?? 'unknown error')})`, 'api.slack.com/apps → your app → OAuth & Permissions: (re)install it and copy the Bot User OAuth Token (xoxb-…)')];
  }
  const lines = [ok('Slack', `bot token accepted: ${String(auth.user ?? '?')} in workspace ${String(auth.team ?? '?')}`)];
  if (slack.mode === 'socket' && slack.appToken) {
    try {
      const open = await slackCall(slack, 'apps.connections.open', slack.appToken, timeoutMs);
      if (open.ok === true) lines.push(ok('Slack Socket Mode', 'app token can open a connection'));
      else lines.push(fail('Slack Socket Mode', `SLACK_APP_TOKEN was rejected (${String(open.error ?? 'unknown error')})`, 'Basic Information → App-Level Tokens: generate one with the connections:write scope (xapp-…), and turn Socket Mode on'));
    } catch (err) {
      lines.push(fail('Slack Socket Mode', `apps.connections.open failed (${errorText(err)})`, 'check the network, or SLACK_API_URL'));
    }
  } else {
    lines.push(ok('Slack HTTP mode', `signing secret set; Slack must reach this host on port ${slack.port} (verified on Slack's first request)`));
  }
  return lines;
}

export async function checkPlatforms({ config, timeoutMs }: DoctorContext): Promise<DoctorLine[]> {
  const lines: DoctorLine[] = [];
  if (config.discord) lines.push(...(await checkDiscord(config.discord, timeoutMs)));
  if (config.slack) lines.push(...(await checkSlack(config.slack, timeoutMs)));
  return lines;
}
