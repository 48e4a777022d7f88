/**
 * The final answer as Slack messages: mrkdwn split into section-sized pieces (one message
 * each), and a "Sources" context block and the 👍/👎 buttons appended to the last one.
 * Each message comes with its fallbacks, richest first: a workspace that refuses a block
 * (`invalid_blocks`) gets ordinary buttons instead of `feedback_buttons`, then plain text.
 */
import type { Answer, AnswerSource } from '../../rag/types.js';
import { feedbackActionsBlock, feedbackButtonsBlock, type FeedbackBlock } from './feedback.js';
import { markdownToMrkdwn, safeSlackText } from './mrkdwn.js';
import { splitMessage } from './split.js';
import { SLACK_MAX_CONTEXT_ELEMENTS, SLACK_MAX_SECTION_LENGTH } from './types.js';

/** The Block Kit blocks we post (a subset of @slack/types' KnownBlock, kept explicit). */
export type SlackBlock =
  | { type: 'section'; text: { type: 'mrkdwn'; text: string } }
  | { type: 'context'; elements: { type: 'mrkdwn'; text: string }[] }
  | FeedbackBlock;

export interface SlackMessagePayload {
  /** Fallback text (notifications, screen readers); at most one section's worth. */
  text: string;
  blocks: SlackBlock[];
}

const MAX_SOURCE_LABEL = 150;

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1).trimEnd()}…`;
}

/** `[2] <https://x|Guide — Install>` for web sources, `[2] Guide — Install (guide.pdf, p. 3)` for files. */
export function formatSource(source: AnswerSource): string {
  const name = clip([source.title, source.section].filter(Boolean).join(' — ') || source.source, MAX_SOURCE_LABEL);
  if (/^https?:\/\//i.test(source.source)) {
    return `[${source.n}] <${source.source}|${safeSlackText(name).replace(/\|/g, '/')}>`;
  }
  const file = source.source.split(/[\\/]/).pop() ?? source.source;
  const where = [file, source.page !== undefined ? `p. ${source.page}` : ''].filter(Boolean).join(', ');
  return `[${source.n}] ${safeSlackText(name)}${where && where !== name ? ` (${safeSlackText(where)})` : ''}`;
}

export function sourcesBlock(sources: AnswerSource[]): SlackBlock | undefined {
  if (sources.length === 0) return undefined;
  const shown = sources.slice(0, SLACK_MAX_CONTEXT_ELEMENTS - 1);
  const elements = [{ type: 'mrkdwn' as const, text: '*Sources*' }, ...shown.map((s) => ({ type: 'mrkdwn' as const, text: formatSource(s) }))];
  return { type: 'context', elements };
}

/** The answer as one or more messages, each under Slack's section and text limits. */
export function answerMessages(answer: Answer): SlackMessagePayload[] {
  const mrkdwn = markdownToMrkdwn(answer.text) || '_(no answer text)_';
  const pieces = splitMessage(mrkdwn, SLACK_MAX_SECTION_LENGTH);
  const messages: SlackMessagePayload[] = pieces.map((piece) => ({
    text: piece,
    blocks: [{ type: 'section', text: { type: 'mrkdwn', text: piece } }],
  }));
  const sources = sourcesBlock(answer.sources);
  if (sources) messages[messages.length - 1]!.blocks.push(sources);
  return messages;
}

/** A streaming partial for the placeholder edit: converted, sanitised, and clipped to one message. */
export function partialText(markdown: string): string {
  const text = markdownToMrkdwn(markdown);
  return text.length <= SLACK_MAX_SECTION_LENGTH ? `${text} …` : `${text.slice(0, SLACK_MAX_SECTION_LENGTH - 2)} …`;
}

/** Error codes with which Slack refuses a message's blocks (the text alone would be accepted). */
export const BLOCK_REFUSALS = new Set(['invalid_blocks', 'invalid_blocks_format', 'msg_blocks_too_long', 'invalid_block_type']);

/** The plain-text form of a message: its text, then its Sources line by line. */
export function plainTextOf(message: SlackMessagePayload): string {
  const sources = message.blocks.flatMap((b) => (b.type === 'context' ? b.elements.map((e) => e.text) : []));
  return [message.text, ...sources].join('\n');
}

/** Append the 👍/👎 block (Slack's `feedback_buttons`) to the last message. */
export function withFeedback(messages: SlackMessagePayload[], answerId: string): SlackMessagePayload[] {
  const last = messages[messages.length - 1];
  if (!last) return messages;
  return [...messages.slice(0, -1), { ...last, blocks: [...last.blocks, feedbackButtonsBlock(answerId)] }];
}

/**
 * The ways to post a message, richest first: as built; with ordinary buttons in place of
 * `feedback_buttons`; as plain text (no blocks).
 */
export function messageVariants(message: SlackMessagePayload): { text: string; blocks?: SlackBlock[] }[] {
  const variants: { text: string; blocks?: SlackBlock[] }[] = [message];
  const feedback = message.blocks.find((b) => b.type === 'context_actions');
  if (feedback) {
    const answerId = String(feedback.elements[0]?.positive_button.value ?? '').replace(/^up:/, '');
    variants.push({ text: message.text, blocks: message.blocks.map((b) => (b === feedback ? feedbackActionsBlock(answerId) : b)) });
  }
  variants.push({ text: plainTextOf(message) });
  return variants;
}
