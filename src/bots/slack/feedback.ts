/**
 * 👍/👎 under every final answer, and what a click does.
 *
 * The buttons: Slack's `feedback_buttons` element in a `context_actions` block (the AI-app
 * convention); where a workspace refuses that block, two ordinary buttons in an `actions`
 * block. Both carry `up:<answerId>` / `down:<answerId>` as their value (the answer id is
 * the BullMQ job id the worker remembered the answer under).
 *
 * A click (`block_actions`, over Socket Mode or HTTP) is acknowledged first, then stored in
 * the shared feedback store, then the message is edited: the buttons give way to a line
 * that shows the choice.
 */
import type { Logger } from '../../log.js';
import type { FeedbackRating, FeedbackStore } from '../../queue/feedback.js';
import { slackErrorCode, type WebClient } from './client.js';
import { FEEDBACK_ACTION_ID, FEEDBACK_BLOCK_ID } from './types.js';

export interface FeedbackButtonsBlock {
  type: 'context_actions';
  block_id: string;
  elements: {
    type: 'feedback_buttons';
    action_id: string;
    positive_button: { text: { type: 'plain_text'; text: string }; accessibility_label: string; value: string };
    negative_button: { text: { type: 'plain_text'; text: string }; accessibility_label: string; value: string };
  }[];
}

export interface ActionsButtonsBlock {
  type: 'actions';
  block_id: string;
  elements: { type: 'button'; action_id: string; text: { type: 'plain_text'; text: string; emoji: true }; value: string }[];
}

export type FeedbackBlock = FeedbackButtonsBlock | ActionsButtonsBlock;

const plain = (text: string) => ({ type: 'plain_text' as const, text });

/** The AI-app feedback element: `context_actions` + `feedback_buttons`. */
export function feedbackButtonsBlock(answerId: string): FeedbackButtonsBlock {
  return {
    type: 'context_actions',
    block_id: FEEDBACK_BLOCK_ID,
    elements: [
      {
        type: 'feedback_buttons',
        action_id: FEEDBACK_ACTION_ID,
        positive_button: { text: plain('Good answer'), accessibility_label: 'Mark this answer as helpful', value: `up:${answerId}` },
        negative_button: { text: plain('Bad answer'), accessibility_label: 'Mark this answer as not helpful', value: `down:${answerId}` },
      },
    ],
  };
}

/** Where `feedback_buttons` is unavailable: two plain buttons with their own action ids. */
export function feedbackActionsBlock(answerId: string): ActionsButtonsBlock {
  return {
    type: 'actions',
    block_id: FEEDBACK_BLOCK_ID,
    elements: [
      { type: 'button', action_id: `${FEEDBACK_ACTION_ID}_up`, text: { type: 'plain_text', text: '👍 Helpful', emoji: true }, value: `up:${answerId}` },
      { type: 'button', action_id: `${FEEDBACK_ACTION_ID}_down`, text: { type: 'plain_text', text: '👎 Not helpful', emoji: true }, value: `down:${answerId}` },
    ],
  };
}

/** `up:<answerId>` → { rating, answerId }; undefined for anything else. */
export function parseFeedbackValue(value: unknown): { rating: FeedbackRating; answerId: string } | undefined {
  if (typeof value !== 'string') return undefined;
  const match = /^(up|down):(.+)$/.exec(value);
  return match ? { rating: match[1] as FeedbackRating, answerId: match[2]! } : undefined;
}

/** The line that replaces the buttons once someone rated the answer. */
export function ratedLine(rating: FeedbackRating): string {
  return rating === 'up' ? ':thumbsup: Rated helpful — thanks for the feedback.' : ':thumbsdown: Rated not helpful — thanks, this helps improve the docs.';
}

/** The fields of a `block_actions` payload the click handler reads. */
export interface BlockActionsBody {
  user?: { id?: string };
  channel?: { id?: string };
  container?: { channel_id?: string; message_ts?: string };
  message?: { ts?: string; text?: string; blocks?: { type: string; block_id?: string }[] };
}

/**
 * Handle one click (already acknowledged). Returns what happened, for logs and tests:
 * `stored`, `unknown-answer` (expired or never ours: the user is told, privately) or `invalid`.
 */
export async function onFeedbackClick(
  deps: { feedback?: FeedbackStore; client: WebClient; logger: Logger },
  body: BlockActionsBody,
  action: { value?: unknown },
  tellUser: (text: string) => Promise<unknown>,
): Promise<string> {
  const parsed = parseFeedbackValue(action.value);
  const userId = body.user?.id;
  if (!parsed || !userId) return 'invalid';
  if (!deps.feedback) {
    await tellUser('Feedback is not enabled on this deployment.');
    return 'disabled';
  }
  const entry = await deps.feedback.record({ answerId: parsed.answerId, userId, rating: parsed.rating });
  if (!entry) {
    await tellUser('Sorry — this answer is too old to rate.');
    return 'unknown-answer';
  }
  const channel = body.container?.channel_id ?? body.channel?.id;
  const ts = body.container?.message_ts ?? body.message?.ts;
  if (channel && ts && body.message) {
    const kept = (body.message.blocks ?? []).filter((b) => b.block_id !== FEEDBACK_BLOCK_ID);
    const blocks = [...kept, { type: 'context', elements: [{ type: 'mrkdwn', text: ratedLine(parsed.rating) }] }];
    try {
      await deps.client.chat.update({ channel, ts, text: body.message.text ?? '', blocks });
    } catch (err) {
      // The rating is stored; a message that cannot be edited only misses the confirmation line.
      deps.logger.warn({ code: slackErrorCode(err) }, 'slack: could not mark the rated answer');
    }
  }
  return 'stored';
}
