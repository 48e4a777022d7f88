/**
 * `/ask question:<text> [image:<attachment>]`: admit, defer within Discord's 3-second
 * deadline (callback type 5: "mrag is thinking…"), start a public thread on the deferred
 * reply so the conversation can continue there, and enqueue. The worker edits the
 * response through the interaction webhook (`@original`) as the answer streams.
 * Refusals and rate limits are ephemeral. Clicks on an answer's 👍/👎 buttons
 * (MESSAGE_COMPONENT interactions) go to feedback.ts.
 */
import { ChannelType, MessageFlags, ThreadAutoArchiveDuration, type ChatInputCommandInteraction, type Interaction } from 'discord.js';
import { JOB_VERSION, type AskJobInput } from '../../queue/job.js';
import { checkPlace, isImage, PLACE_REFUSALS, toJobImage } from './filters.js';
import { threadNameFrom } from './markdown.js';
import { errorText, type HandlerDeps } from './messages.js';
import { FEEDBACK_PREFIX, onFeedbackClick } from './feedback.js';
import { ASK_COMMAND_NAME, NO_MENTIONS } from './types.js';

const NOT_AN_IMAGE = 'The `image` option must be an image (PNG, JPEG, GIF or WebP).';

async function refuse(interaction: ChatInputCommandInteraction, content: string): Promise<void> {
  await interaction.reply({ content, flags: MessageFlags.Ephemeral, allowedMentions: NO_MENTIONS });
}

async function handleAsk(deps: HandlerDeps, interaction: ChatInputCommandInteraction): Promise<void> {
  const { config, gateway, logger } = deps;
  const channel = interaction.channel;
  const inThread = channel?.isThread() ?? false;
  const parentId = channel?.isThread() ? channel.parentId : null;
  const verdict = checkPlace(config, interaction.guildId, interaction.channelId, parentId);
  if (verdict !== 'ok') return await refuse(interaction, PLACE_REFUSALS[verdict]);

  const question = interaction.options.getString('question', true);
  const attachment = interaction.options.getAttachment('image');
  if (attachment && !isImage(attachment)) return await refuse(interaction, NOT_AN_IMAGE);

  const channelId = parentId ?? interaction.channelId;
  const admission = await gateway.admit({ platform: 'discord', eventId: interaction.id, userId: interaction.user.id, channelId });
  if (!admission.ok) {
    if (admission.reason !== 'duplicate') await refuse(interaction, admission.message);
    return;
  }
  await interaction.deferReply();

  let threadId = inThread ? interaction.channelId : undefined;
  const threadable = channel?.type === ChannelType.GuildText || channel?.type === ChannelType.GuildAnnouncement;
  if (!threadId && threadable) {
    try {
      const response = await interaction.fetchReply();
      const thread = await response.startThread({ name: threadNameFrom(question), autoArchiveDuration: ThreadAutoArchiveDuration.OneDay });
      threadId = thread.id;
      await gateway.markBotThread('discord', channelId, thread.id);
    } catch (err) {
      logger.warn({ err: errorText(err) }, 'discord: could not start a thread on the /ask reply');
    }
  }

  const job: AskJobInput = {
    v: JOB_VERSION,
    platform: 'discord',
    eventId: interaction.id,
    workspaceId: interaction.guildId ?? undefined,
    channelId,
    threadId,
    userId: interaction.user.id,
    question,
    images: attachment ? [toJobImage(attachment)] : [],
    // A short-lived capability for this reply only (15 minutes), not a credential.
    replyHandle: {
      interactionToken: interaction.token,
      applicationId: interaction.applicationId,
      interactionCreatedAt: interaction.createdTimestamp,
    },
    // Where the user waits for the answer (the typing indicator goes there).
    meta: { interactionId: interaction.id, interactionChannelId: interaction.channelId },
    createdAt: Date.now(),
  };
  const result = await gateway.enqueue(job);
  if (!result.ok && result.reason === 'invalid') {
    await interaction.editReply({ content: `⚠️ ${result.message}`, allowedMentions: NO_MENTIONS });
  }
}

/** The `interactionCreate` listener. It never throws: a failure is logged and the bot stays up. */
export function createInteractionHandler(deps: HandlerDeps): (interaction: Interaction) => void {
  return (interaction) => {
    if (interaction.isButton() && interaction.customId.startsWith(FEEDBACK_PREFIX)) {
      onFeedbackClick(deps, interaction).then(
        (outcome) => deps.logger.debug({ outcome }, 'discord: feedback click handled'),
        (err: unknown) => deps.logger.error({ err: errorText(err) }, 'discord: feedback click failed'),
      );
      return;
    }
    if (!interaction.isChatInputCommand() || interaction.commandName !== ASK_COMMAND_NAME) return;
    handleAsk(deps, interaction).catch((err: unknown) => deps.logger.error({ err: errorText(err) }, 'discord: /ask handling failed'));
  };
}
