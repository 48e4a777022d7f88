/** The page's calls to the web adapter. A 401 (signed out, WEB_TOKEN set) goes to the login form. */
import type { ConversationSummary, StreamEvent } from '../protocol.js';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function parse<T>(response: Response): Promise<T> {
  if (response.status === 401) {
    location.assign(`/login?next=${encodeURIComponent(location.pathname + location.search)}`);
    throw new ApiError(401, 'Sign in first.');
  }
  const body = (await response.json().catch(() => ({}))) as { error?: string };
  if (!response.ok) throw new ApiError(response.status, body.error ?? `The server answered ${response.status}.`);
  return body as T;
}

export async function getJson<T>(url: string): Promise<T> {
  return parse<T>(await fetch(url, { headers: { accept: 'application/json' } }));
}

export async function postJson<T>(url: string, body: unknown): Promise<T> {
  return parse<T>(await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify(body) }));
}

export async function ask(form: FormData): Promise<{ conversationId: string; answerId: string }> {
  return parse(await fetch('/api/ask', { method: 'POST', body: form, headers: { accept: 'application/json' } }));
}

export const listConversations = () => getJson<{ conversations: ConversationSummary[] }>('/api/conversations');

export const rate = (answerId: string, rating: 'up' | 'down') => postJson<{ ok: true }>(`/api/answers/${encodeURIComponent(answerId)}/feedback`, { rating });

/**
 * Follow a conversation's events. EventSource reconnects by itself after a network drop
 * and resumes after the last event it saw; `onGone` is called when the server refused the
 * stream for good (unknown or expired conversation).
 */
export function followConversation(id: string, onEvent: (event: StreamEvent) => void, onGone: () => void): EventSource {
  const source = new EventSource(`/api/conversations/${encodeURIComponent(id)}/events`);
  source.onmessage = (message: MessageEvent<string>) => {
    try {
      onEvent(JSON.parse(message.data) as StreamEvent);
    } catch {
      // A malformed event is skipped; the next one carries on.
    }
  };
  source.onerror = () => {
    if (source.readyState === EventSource.CLOSED) onGone();
  };
  return source;
}
