/**
 * The text of a natively streamed answer (`markdown_text` of chat.startStream /
 * appendStream / stopStream). Slack renders standard Markdown there, so the model's text
 * is sent as is, with the same sanitising as every other message (no `<!channel>`, no
 * `@here`, no user or group mention can ping) and tables turned into code blocks.
 *
 * A stream can only grow, so what is sent must never need taking back: a partial answer
 * is committed up to its last whitespace (a mention or a word is never cut in two) and
 * before a table that is still being written. Every commit is then a prefix of the next
 * one and of the final text, except in rare cases (a line that turns into a table later)
 * which the Reply detects and repairs by replacing the message once the stream stops.
 */
import { openTableStart, tablesToCodeBlocks } from '../markdown-table.js';
import { neutraliseMentions } from './mrkdwn.js';

/** Slack's own mention syntax cannot survive, even half-written: `<!…`, `<@…`, `<#…` lose their meaning. */
function sanitise(markdown: string): string {
  return neutraliseMentions(markdown).replace(/<([!@#])/g, '<\u200B$1');
}

/** The final streamed text of an answer. */
export function finalStreamText(markdown: string): string {
  return sanitise(tablesToCodeBlocks(markdown.replace(/\r\n?/g, '\n').trim()));
}

/** The part of a partial answer that can be streamed for good (see the module comment). */
export function committedStreamText(partial: string): string {
  const text = partial.replace(/\r\n?/g, '\n').trimStart();
  const lastSpace = Math.max(text.lastIndexOf(' '), text.lastIndexOf('\n'), text.lastIndexOf('\t'));
  if (lastSpace <= 0) return '';
  let committed = text.slice(0, lastSpace);
  const table = openTableStart(committed);
  if (table !== undefined) committed = committed.slice(0, table);
  return sanitise(tablesToCodeBlocks(committed)).trimEnd();
}
