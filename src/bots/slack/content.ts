/**
 * What a Slack message asks, wherever Slack put it: the `text`, else the rich-text
 * `blocks`; a shared (forwarded) message's text and files, which Slack delivers as an
 * `attachments` entry; and files whose fields Slack withheld (`file_access:
 * "check_file_info"`, Slack Connect), completed with `files.info`.
 */
import type { Logger } from '../../log.js';
import { MAX_IMAGES_PER_QUESTION, type JobImage } from '../../queue/job.js';
import { slackErrorCode, type WebClient } from './client.js';
import type { SlackAttachment, SlackFile, SlackMessageEvent } from './types.js';

export const DEFAULT_IMAGE_QUESTION = 'What does this image show, and what do the docs say about it?';
const IMAGE_EXTENSIONS = /\.(png|jpe?g|gif|webp|bmp|tiff?|heic|avif)$/i;

/** Slack mrkdwn of a message → plain text for the model (mentions and link markup removed). */
export function plainThreadText(text: string): string {
  return text
    .replace(/<@[A-Za-z0-9]+(?:\|[^>]*)?>/g, '')
    .replace(/<(https?:[^|>]+)\|([^>]+)>/g, '$2 ($1)')
    .replace(/<(https?:[^>]+)>/g, '$1')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
    .trim();
}

type RichElement = { type?: string; text?: string; url?: string; user_id?: string; name?: string; elements?: RichElement[] };

/** The text of rich-text blocks (sections, lists, quotes, code), in Slack's markup. */
export function richTextOf(blocks: readonly unknown[] | undefined): string {
  const walk = (el: RichElement): string => {
    switch (el.type) {
      case 'text':
        return el.text ?? '';
      case 'link':
        return el.text ? `<${el.url}|${el.text}>` : `<${el.url}>`;
      case 'user':
        return `<@${el.user_id}>`;
      case 'emoji':
        return `:${el.name}:`;
      case 'rich_text_section':
        return (el.elements ?? []).map(walk).join('');
      default:
        return (el.elements ?? []).map(walk).join('\n');
    }
  };
  return (blocks ?? [])
    .filter((b): b is RichElement => typeof b === 'object' && b !== null && (b as RichElement).type === 'rich_text')
    .map(walk)
    .join('\n')
    .trim();
}

/** A shared message (or a Slack message link unfurl) carries the words someone forwarded. */
const isSharedMessage = (a: SlackAttachment) => Boolean(a.is_share || a.is_msg_unfurl || a.message_blocks?.length);

/** The text of the messages shared along with this one. */
export function sharedTextOf(attachments: readonly SlackAttachment[] | undefined): string[] {
  return (attachments ?? []).filter(isSharedMessage).flatMap((a) => {
    const text = a.text || a.message_blocks?.map((m) => m.message?.text || richTextOf(m.message?.blocks)).join('\n') || a.fallback || '';
    const plain = plainThreadText([a.pretext, text].filter(Boolean).join('\n'));
    return plain ? [plain] : [];
  });
}

/** The message's own words (text, else rich-text blocks) plus any shared message, as plain text. */
export function messageText(event: Pick<SlackMessageEvent, 'text' | 'blocks' | 'attachments'>): { own: string; shared: string[] } {
  const own = plainThreadText(event.text || richTextOf(event.blocks));
  return { own, shared: sharedTextOf(event.attachments) };
}

/** The question a message asks: its words, a shared message quoted after them, or the image question. */
export function questionOf(event: Pick<SlackMessageEvent, 'text' | 'blocks' | 'attachments'>, hasImages: boolean): string {
  const { own, shared } = messageText(event);
  const quoted = shared.map((s) => `Shared message:\n${s}`);
  const text = [own, ...quoted].filter(Boolean).join('\n\n');
  return text || (hasImages ? DEFAULT_IMAGE_QUESTION : '');
}

const isImageFile = (f: SlackFile) => Boolean(f.mimetype?.startsWith('image/') || (f.name && IMAGE_EXTENSIONS.test(f.name)));

/**
 * The image files of a message and of the messages it shares. A file whose URL Slack
 * withheld is completed with `files.info`; one that still has no URL is skipped (logged).
 */
export async function imagesOf(event: Pick<SlackMessageEvent, 'files' | 'attachments'>, client: WebClient, logger: Logger): Promise<JobImage[]> {
  const files = [...(event.files ?? []), ...(event.attachments ?? []).filter(isSharedMessage).flatMap((a) => a.files ?? [])];
  const images: JobImage[] = [];
  for (const listed of files) {
    if (images.length >= MAX_IMAGES_PER_QUESTION) break;
    let file = listed;
    const withheld = file.file_access === 'check_file_info' || !(file.url_private_download ?? file.url_private);
    if (withheld && file.id) {
      try {
        file = { ...file, ...((await client.files.info({ file: file.id })).file as SlackFile | undefined) };
      } catch (err) {
        logger.warn({ file: file.id, code: slackErrorCode(err) }, 'slack: files.info failed; attachment skipped');
        continue;
      }
    }
    const url = file.url_private_download ?? file.url_private;
    if (!url || !isImageFile(file)) continue;
    images.push({ url, bytes: file.size ?? 0, contentType: file.mimetype, name: file.name });
  }
  return images;
}

/** Slack file ids inside a file URL (`…/files-pri/T0123-F0456/name.png`), for refreshing it with files.info. */
export function fileIdOfUrl(url: string): string | undefined {
  return /(?:^|[/-])(F[A-Z0-9]+)\//.exec(new URL(url).pathname)?.[1];
}
