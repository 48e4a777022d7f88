/**
 * Last line of defence against mass pings: whatever the model or a document says, text
 * leaving the answer pipeline never contains a working @everyone / @here / <!channel>.
 * Adapters sanitise again for their platform (allowed_mentions, mrkdwn escaping); this
 * module makes the pipeline safe on its own, including the streamed tokens.
 */

const ZWSP = '\u200b';

/** Discord @everyone/@here, Slack @channel/@here, Slack <!channel>/<!here>/<!everyone>/<!subteam^…>, Discord role pings <@&id>. */
const MASS_MENTIONS: Array<[RegExp, (m: string) => string]> = [
  [/@(everyone|here|channel)/gi, (m) => `@${ZWSP}${m.slice(1)}`],
  [/<!(channel|here|everyone|subteam\^[^>]*)>/gi, (m) => `<${ZWSP}${m.slice(1)}`],
  [/<@&(\d+)>/g, (m) => `<${ZWSP}${m.slice(1)}`],
];

/** Break every mass mention in `text` with a zero-width space so no platform pings on it. */
export function neutraliseMentions(text: string): string {
  let out = text;
  for (const [pattern, fix] of MASS_MENTIONS) out = out.replace(pattern, fix);
  return out;
}

/** Longest mention we guard (`<!subteam^S0123456789>` fits). */
const MAX_HELD_CHARS = 32;

/**
 * Sanitises a token stream. A mention can be split across tokens ("@every" + "one"), so the
 * tail that could still become one is held back until the next token (or `flush`).
 */
export class MentionGuard {
  private pending = '';

  constructor(private readonly emit: (text: string) => void) {}

  push(token: string): void {
    this.pending += token;
    const cut = holdBackFrom(this.pending);
    const ready = this.pending.slice(0, cut);
    this.pending = this.pending.slice(cut);
    if (ready) this.emit(neutraliseMentions(ready));
  }

  flush(): void {
    if (this.pending) this.emit(neutraliseMentions(this.pending));
    this.pending = '';
  }
}

/** Index from which `text` must be held back: the first '@' or '<' in the last word, if that word is short. */
function holdBackFrom(text: string): number {
  const lastSpace = Math.max(text.lastIndexOf(' '), text.lastIndexOf('\n'), text.lastIndexOf('\t'));
  const wordStart = lastSpace + 1;
  for (let i = Math.max(wordStart, text.length - MAX_HELD_CHARS); i < text.length; i++) {
    const c = text[i];
    if (c === '@' || c === '<') return i;
  }
  return text.length;
}
