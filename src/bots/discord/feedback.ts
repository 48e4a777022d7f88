/**
 * 👍/👎 under every final answer on Discord: an action row of two buttons whose
 * `custom_id`s carry the rating and the answer id (`mrag:fb:up:<answerId>`; the answer id
 * is the BullMQ job id the worker remembered the answer under).
 *
 * A click arrives over the gateway as a MESSAGE_COMPONENT interaction. It is stored in the
 * shared feedback store and answered with UPDATE_MESSAGE (callback type 7), well within
 * Discord's 3 seconds: both buttons disabled, the chosen one highlighted and labelled.
 */
import { ButtonStyle, ComponentType, MessageFlags, type ButtonInteraction } from 'discord.js';
import type { Logger } from '../../log.js';
import type { FeedbackRating, FeedbackStore } from '../../queue/feedback.js';
import { NO_MENTIONS } from './types.js';

export const FEEDBACK_PREFIX = 'mrag:fb:';
/** Discord's limit on a component's `custom_id`. */
export const DISCORD_MAX_CUSTOM_ID = 100;

export interface ButtonJson {
  type: ComponentType.Button;
  style: ButtonStyle;
  custom_id: string;
  label: string;
  emoji: { name: string };
  disabled?: boolean;
}

export interface ActionRowJson {
  type: ComponentType.ActionRow;
  components: ButtonJson[];
}

const LABELS: Record<FeedbackRating, { label: string; emoji: string }> = {
  up: { label: 'Helpful', emoji: '👍' },
  down: { label: 'Not helpful', emoji: '👎' },
};

export const feedbackCustomId = (rating: FeedbackRating, answerId: string) => `${FEEDBACK_PREFIX}${rating}:${answerId}`;

/** `mrag:fb:up:<answerId>` → { rating, answerId }; undefined for anything else. */
export function parseFeedbackId(customId: string): { rating: FeedbackRating; answerId: string } | undefined {
  const match = /^mrag:fb:(up|down):(.+)$/.exec(customId);
  return match ? { rating: match[1] as FeedbackRating, answerId: match[2]! } : undefined;
}

/** The row under an answer; none when the answer id would not fit in a custom_id. */
export function feedbackRow(answerId: string): ActionRowJson[] {
  if (feedbackCustomId('down', answerId).length > DISCORD_MAX_CUSTOM_ID) return [];
  const button = (rating: FeedbackRating): ButtonJson => ({
    type: ComponentType.Button,
    style: ButtonStyle.Secondary,
    custom_id: feedbackCustomId(rating, answerId),
    label: LABELS[rating].label,
    emoji: { name: LABELS[rating].emoji },
  });
  return [{ type: ComponentType.ActionRow, components: [button('up'), button('down')] }];
}

/** The row once rated: both disabled, the chosen one green (👍) or red (👎) and marked. */
export function ratedRow(answerId: string, chosen: FeedbackRating): ActionRowJson[] {
  return feedbackRow(answerId).map((row) => ({
    ...row,
    components: row.components.map((b) => {
      const rating = parseFeedbackId(b.custom_id)!.rating;
      if (rating !== chosen) return { ...b, disabled: true };
      return { ...b, disabled: true, style: chosen === 'up' ? ButtonStyle.Success : ButtonStyle.Danger, label: `${b.label} — thanks!` };
    }),
  }));
}

/** Handle one feedback click. Returns what happened (for logs and tests). */
export async function onFeedbackClick(deps: { feedback?: FeedbackStore; logger: Logger }, interaction: ButtonInteraction): Promise<string> {
  const parsed = parseFeedbackId(interaction.customId);
  if (!parsed) return 'invalid';
  const ephemeral = (content: string) => interaction.reply({ content, flags: MessageFlags.Ephemeral, allowedMentions: NO_MENTIONS });
  if (!deps.feedback) {
    await ephemeral('Feedback is not enabled on this deployment.');
    return 'disabled';
  }
  const entry = await deps.feedback.record({ answerId: parsed.answerId, userId: interaction.user.id, rating: parsed.rating });
  if (!entry) {
    await ephemeral('Sorry — this answer is too old to rate.');
    return 'unknown-answer';
  }
  await interaction.update({ components: ratedRow(parsed.answerId, parsed.rating) });
  deps.logger.info({ answerId: parsed.answerId, rating: parsed.rating }, 'discord: feedback stored');
  return 'stored';
}
