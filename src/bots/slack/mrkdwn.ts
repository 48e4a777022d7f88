/**
 * Markdown (as the model writes it) → Slack mrkdwn, plus sanitising so that the bot never
 * pings anyone: `<!channel>`, `<!here>`, `<!everyone>`, `<!subteam^…>`, `<@U…>`, `<#C…>`
 * and bare `@channel`/`@here`/`@everyone` are turned into harmless text. `&`, `<` and `>`
 * are escaped as Slack requires, so no other `<…>` control sequence can survive.
 */

import { tablesToCodeBlocks } from '../markdown-table.js';

const ZWSP = '\u200B';

/** Neutralise Slack's mention and broadcast syntax in text produced by the model or a user. */
export function neutraliseMentions(text: string): string {
  return text
    .replace(/<!(channel|here|everyone)(?:\|[^>]*)?>/gi, (_m, word: string) => `@${ZWSP}${word}`)
    .replace(/<!subteam\^([A-Za-z0-9]+)(?:\|@?([^>]*))?>/g, (_m, id: string, label?: string) => `@${ZWSP}${label || id}`)
    .replace(/<@([UWB][A-Za-z0-9]+)(?:\|([^>]*))?>/g, (_m, id: string, name?: string) => `@${ZWSP}${name || id}`)
    .replace(/<#([CGD][A-Za-z0-9]+)(?:\|([^>]*))?>/g, (_m, id: string, name?: string) => `#${name || id}`)
    .replace(/(^|[^\w\u200B])@(channel|here|everyone)\b/gi, (_m, pre: string, word: string) => `${pre}@${ZWSP}${word}`);
}

/** Escape the three characters Slack treats as control characters in message text. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Plain text made safe for Slack (no formatting conversion), e.g. a user's question echoed back. */
export function safeSlackText(text: string): string {
  return escapeMrkdwn(neutraliseMentions(text));
}

const STASH = '\u0002';
const BOLD = '\u0001';

/** Inline formatting of a piece of text that contains no code span. */
function convertInline(segment: string): string {
  const stash: string[] = [];
  const keep = (s: string) => `${STASH}${stash.push(s) - 1}${STASH}`;
  const label = (s: string) => s.replace(/\|/g, '/').replace(/\*\*|__/g, '');
  let out = safeSlackText(segment);
  // Images and links: [text](url) → <url|text>. Only http(s) URLs become links.
  out = out.replace(/!?\[([^\]]*)\]\((https?:\/\/[^\s)]+)(?:\s+"[^"]*")?\)/g, (_m, text: string, url: string) =>
    keep(text.trim() ? `<${url}|${label(text)}>` : `<${url}>`),
  );
  // Autolinks <https://…> arrive escaped at this point.
  out = out.replace(/&lt;(https?:\/\/[^\s&]+)&gt;/g, (_m, url: string) => keep(`<${url}>`));
  out = out.replace(/https?:\/\/[^\s<>()]+[^\s<>().,;:!?'"]/g, (url) => keep(url));
  out = out
    .replace(/\*\*(?=\S)([^*\n]+?)\*\*/g, `${BOLD}$1${BOLD}`)
    .replace(/(^|[^\w])__(?=\S)([^_\n]+?)__(?!\w)/g, `$1${BOLD}$2${BOLD}`)
    .replace(/(^|[^\w*])\*(?=\S)([^*\n]+?)\*(?![\w*])/g, '$1_$2_')
    .replace(/~~(?=\S)([^~\n]+?)~~/g, '~$1~')
    .replace(new RegExp(BOLD, 'g'), '*');
  return out.replace(new RegExp(`${STASH}(\\d+)${STASH}`, 'g'), (_m, i: string) => stash[Number(i)] ?? '');
}

/** One line outside a code block: code spans kept verbatim (escaped), the rest converted. */
function convertLine(line: string): string {
  const heading = /^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
  if (heading) {
    const inner = convertSpans(heading[1]!.replace(/\*\*|__/g, ''));
    return inner ? `*${inner}*` : '';
  }
  if (/^\s{0,3}([-*_])(\s*\1){2,}\s*$/.test(line)) return '───';
  const quote = /^(\s{0,3}>\s?)+/.exec(line);
  if (quote) return `> ${convertLine(line.slice(quote[0].length))}`.trimEnd();
  const bullet = /^(\s*)[-*+]\s+(.*)$/.exec(line);
  if (bullet) {
    const depth = Math.floor(bullet[1]!.replace(/\t/g, '    ').length / 2);
    return `${'    '.repeat(depth)}• ${convertSpans(bullet[2]!)}`;
  }
  const ordered = /^(\s*)(\d+)[.)]\s+(.*)$/.exec(line);
  if (ordered) {
    const depth = Math.floor(ordered[1]!.replace(/\t/g, '    ').length / 2);
    return `${'    '.repeat(depth)}${ordered[2]}. ${convertSpans(ordered[3]!)}`;
  }
  return convertSpans(line);
}

function convertSpans(text: string): string {
  return text
    .split(/(`[^`\n]+`)/)
    .map((part, i) => (i % 2 === 1 ? `\`${escapeMrkdwn(part.slice(1, -1))}\`` : convertInline(part)))
    .join('');
}

/**
 * Convert Markdown to Slack mrkdwn: **bold** → *bold*, *em* → _em_, ~~del~~ → ~del~,
 * [text](url) → <url|text>, headings → bold lines, bullets → •, fenced code kept as ```
 * blocks (language dropped; content escaped only), tables → aligned code blocks. Safe for
 * partial (streaming) text.
 */
export function markdownToMrkdwn(markdown: string): string {
  const out: string[] = [];
  let inCode = false;
  for (const line of tablesToCodeBlocks(markdown.replace(/\r\n?/g, '\n')).split('\n')) {
    const fence = /^\s*(```|~~~)/.test(line);
    if (fence) {
      // Opening fence: drop the language tag (Slack shows it as code text otherwise).
      out.push('```');
      inCode = !inCode;
      continue;
    }
    out.push(inCode ? escapeMrkdwn(line) : convertLine(line));
  }
  if (inCode) out.push('```');
  return out.join('\n').replace(/\n{3,}/g, '\n\n').trim();
}
