// Real Slack events that broke bots elsewhere, each kind with several members, against the real Bolt app in Socket
// Mode: one message delivered twice (new event_id, no retry header; app_mention + message; a DM), content that is
// not in `text` (a shared message, rich-text blocks only, files whose URL Slack withholds, a file URL that moved),
// the bot's own thread recognised after Redis forgot it (history rebuilt from Slack), group DMs and DMs, and
// messages with nothing to answer in the bot's thread.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_IMAGE_QUESTION } from '../../../src/bots/slack/content.js';
import { cleanPrefix } from '../../helpers/redis.js';
import { createStubAnswerer } from '../../helpers/stub-answerer.js';
import { eventCallback, mentionEvent, messageEvent } from '../../platforms/slack-standin-payloads.js';
import { startSlackHarness, type SlackHarness } from './harness.js';

const USER = 'UASKER01';
const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de', 'hex');

let h: SlackHarness;
const answerer = createStubAnswerer({ tokenDelayMs: 5 });

beforeAll(async () => {
  h = await startSlackHarness({ answerer, mode: 'socket' });
});
afterAll(async () => {
  await h?.close();
});

/** Deliver an event (stored in the channel first, as Slack has it), optionally under a given event_id. */
async function deliver(event: Record<string, unknown>, eventId?: string): Promise<void> {
  const channel = String(event.channel);
  if (!h.standIn.messages.get(channel)?.some((m) => m.ts === event.ts)) {
    h.standIn.addMessage(channel, { ts: String(event.ts), user: String(event.user), text: String(event.text ?? ''), thread_ts: event.thread_ts as string | undefined });
  }
  await h.standIn.sendEnvelope('events_api', eventCallback(h.standIn, event, eventId));
}

const questionsAsked = (q: string) => answerer.calls.filter((c) => c.question === q);
const mentionText = (q: string) => `<@${h.standIn.botUserId}> ${q}`;

describe('one message, delivered twice, is answered once', () => {
  it('the same mention under a new event_id and no retry header', async () => {
    const ts = h.standIn.nextTs();
    const event = mentionEvent({ channel: 'CDUP1', user: USER, text: mentionText('duplicated delivery'), ts });
    await deliver(event, 'Ev0FIRST0001');
    await deliver(event, 'Ev0SECOND002');
    await h.answered('CDUP1', ts);
    await h.handled('duplicate');
    expect(questionsAsked('duplicated delivery')).toHaveLength(1);
    expect(h.standIn.botMessagesIn('CDUP1', ts)).toHaveLength(1);
  });

  it('a follow-up delivered as message.channels twice, and a DM delivered twice', async () => {
    const root = h.standIn.nextTs();
    await deliver(mentionEvent({ channel: 'CDUP2', user: USER, text: mentionText('root of a thread'), ts: root }));
    await h.answered('CDUP2', root);
    const followUp = messageEvent({ channel: 'CDUP2', user: USER, text: 'twice delivered follow-up', ts: h.standIn.nextTs(), thread_ts: root });
    await deliver(followUp);
    await deliver({ ...followUp, client_msg_id: followUp.client_msg_id });
    const dm = messageEvent({ channel: 'D0DUP3', channel_type: 'im', user: USER, text: 'twice delivered DM', ts: h.standIn.nextTs() });
    await deliver(dm);
    await deliver(dm);
    await h.answered('CDUP2', String(followUp.ts));
    await h.answered('D0DUP3', String(dm.ts));
    expect(questionsAsked('twice delivered follow-up')).toHaveLength(1);
    expect(questionsAsked('twice delivered DM')).toHaveLength(1);
  });
});

describe('content that is not in `text` is still the question', () => {
  it('a shared message (Slack puts it in `attachments`) mentioned with no words of its own', async () => {
    const ts = h.standIn.nextTs();
    const shared = { is_share: true, text: 'Deploys fail with error E42 since *Monday*', fallback: '[Mon] bob: Deploys fail…', author_name: 'bob' };
    await deliver({ ...mentionEvent({ channel: 'CSHARE', user: USER, text: mentionText(''), ts }), attachments: [shared] });
    await h.answered('CSHARE', ts);
    expect(answerer.calls.at(-1)!.question).toBe('Shared message:\nDeploys fail with error E42 since *Monday*');
  });

  it('a shared message with words of its own and an image inside the share', async () => {
    const file = h.standIn.addFile('shared.png', PNG);
    const ts = h.standIn.nextTs();
    const shared = { is_share: true, text: 'Look at this dashboard', files: [file] };
    await deliver({ ...mentionEvent({ channel: 'CSHARE', user: USER, text: mentionText('what is wrong here?'), ts }), attachments: [shared] });
    await h.answered('CSHARE', ts);
    const call = answerer.calls.at(-1)!;
    expect(call.question).toBe('what is wrong here?\n\nShared message:\nLook at this dashboard');
    expect(call.images.map((i) => Buffer.from(i).equals(PNG))).toEqual([true]);
  });

  it('a message whose words are only in rich-text blocks', async () => {
    const ts = h.standIn.nextTs();
    const blocks = [
      { type: 'rich_text', elements: [{ type: 'rich_text_section', elements: [{ type: 'user', user_id: h.standIn.botUserId }, { type: 'text', text: ' how do I ' }, { type: 'link', url: 'https://docs.test/keys', text: 'rotate keys' }, { type: 'text', text: '?' }] }] },
    ];
    await deliver({ ...mentionEvent({ channel: 'CRICH', user: USER, text: '', ts }), blocks });
    await h.answered('CRICH', ts);
    expect(answerer.calls.at(-1)!.question).toBe('how do I rotate keys (https://docs.test/keys)?');
  });

  it('a file whose URL Slack withholds (file_access: check_file_info) is fetched through files.info', async () => {
    const file = h.standIn.addFile('connect.png', PNG);
    const ts = h.standIn.nextTs();
    await deliver(mentionEvent({ channel: 'CFILES', user: USER, text: mentionText(''), ts, files: [{ id: file.id, file_access: 'check_file_info' }] }));
    await h.answered('CFILES', ts);
    expect(h.standIn.callsTo('files.info').some((c) => c.args.file === file.id)).toBe(true);
    const call = answerer.calls.at(-1)!;
    expect(call.question).toBe(DEFAULT_IMAGE_QUESTION);
    expect(Buffer.from(call.images[0]!).equals(PNG)).toBe(true);
  });

  it('a withheld file files.info does not know is skipped, and the words are still answered', async () => {
    const ts = h.standIn.nextTs();
    await deliver(mentionEvent({ channel: 'CFILES', user: USER, text: mentionText('text with a lost file'), ts, files: [{ id: 'F0GONE', file_access: 'check_file_info' }] }));
    await h.answered('CFILES', ts);
    expect(answerer.calls.at(-1)).toMatchObject({ question: 'text with a lost file', images: [] });
  });

  it('a file URL that stopped working by the time the worker downloads it is refreshed with files.info', async () => {
    const file = h.standIn.addFile('moved.png', PNG);
    const ts = h.standIn.nextTs();
    const event = mentionEvent({ channel: 'CFILES', user: USER, text: mentionText('image whose URL moved'), ts, files: [{ ...file }] });
    h.standIn.moveFile(file.id); // the URL in the event now answers 404
    await deliver(event);
    await h.answered('CFILES', ts);
    expect(Buffer.from(answerer.calls.at(-1)!.images[0]!).equals(PNG)).toBe(true);
    expect(h.logs.some((l) => l.includes('attachment URL refreshed'))).toBe(true);
  });
});

describe('the bot knows its own threads without Redis', () => {
  it('after the thread memory is gone, a plain follow-up is answered with the history rebuilt from Slack', async () => {
    const root = h.standIn.nextTs();
    await deliver(mentionEvent({ channel: 'CNOREDIS', user: USER, text: mentionText('what is the retention period?'), ts: root }));
    await h.answered('CNOREDIS', root);
    await cleanPrefix(h.config.redis.url, `${h.config.redis.prefix}:thread:`); // what the TTL or a Redis restart does
    const followUp = messageEvent({ channel: 'CNOREDIS', user: USER, text: 'and for backups?', ts: h.standIn.nextTs(), thread_ts: root });
    await deliver(followUp);
    await h.answered('CNOREDIS', String(followUp.ts));
    const call = questionsAsked('and for backups?')[0]!;
    expect(call.history).toEqual([{ question: 'what is the retention period?', answer: 'Answer to: what is the retention period?' }]);
    // The thread is marked again: the next follow-up needs no history read to be recognised.
    expect(await h.connection.exists(`${h.config.redis.prefix}:thread:slack:CNOREDIS:${root}:mark`)).toBe(1);
  });

  it('a thread the bot never answered in stays ignored', async () => {
    const root = h.standIn.addMessage('CNOREDIS', { user: 'UOTHER01', text: 'unrelated discussion' });
    h.standIn.addMessage('CNOREDIS', { user: 'UOTHER02', text: 'a reply', thread_ts: root.ts });
    await deliver(messageEvent({ channel: 'CNOREDIS', user: USER, text: 'me too', ts: h.standIn.nextTs(), thread_ts: root.ts }));
    await h.handled('not-bot-thread');
    expect(questionsAsked('me too')).toEqual([]);
  });
});

describe('group DMs and DMs', () => {
  it('a mention in a group DM is answered in a thread; plain group-DM chatter is not', async () => {
    const ts = h.standIn.nextTs();
    await deliver(mentionEvent({ channel: 'G0MPIM01', user: USER, text: mentionText('group DM question'), ts }));
    await deliver(messageEvent({ channel: 'G0MPIM01', channel_type: 'mpim', user: 'UOTHER01', text: 'lunch?', ts: h.standIn.nextTs() }));
    await h.answered('G0MPIM01', ts);
    expect(h.standIn.botMessagesIn('G0MPIM01', ts)).toHaveLength(1);
    const followUp = messageEvent({ channel: 'G0MPIM01', channel_type: 'mpim', user: 'UOTHER01', text: 'group DM follow-up', ts: h.standIn.nextTs(), thread_ts: ts });
    await deliver(followUp);
    await h.answered('G0MPIM01', String(followUp.ts));
    expect(questionsAsked('lunch?')).toEqual([]);
    expect(questionsAsked('group DM follow-up')[0]!.history).toHaveLength(1);
  });

  it('a top-level DM is answered in a thread on it', async () => {
    const ts = h.standIn.nextTs();
    await deliver(messageEvent({ channel: 'D0DIRECT', channel_type: 'im', user: USER, text: 'direct question', ts }));
    await h.answered('D0DIRECT', ts);
    expect(h.standIn.botMessagesIn('D0DIRECT', ts)).toHaveLength(1);
  });
});

describe('nothing to answer in the bot\'s thread', () => {
  it('an emoji-only message, a non-image file and an empty message are ignored quietly (no usage hint)', async () => {
    const root = h.standIn.nextTs();
    await deliver(mentionEvent({ channel: 'CQUIET', user: USER, text: mentionText('first question'), ts: root }));
    await h.answered('CQUIET', root);
    const before = h.standIn.calls.length;
    await deliver(messageEvent({ channel: 'CQUIET', user: USER, text: '', ts: h.standIn.nextTs(), thread_ts: root }));
    await deliver({ ...messageEvent({ channel: 'CQUIET', user: USER, text: '', ts: h.standIn.nextTs(), thread_ts: root }), subtype: 'file_share', files: [{ id: 'F0PDF', name: 'notes.pdf', mimetype: 'application/pdf', url_private: `${h.standIn.baseUrl}/x.pdf` }] });
    await h.handled('empty', 2);
    const posted = h.standIn.calls.slice(before).filter((c) => c.method.startsWith('chat.'));
    expect(posted).toEqual([]);
  });
});

describe('a refused rich message falls back', () => {
  it('to ordinary buttons when feedback_buttons is refused, then to plain text when blocks are', async () => {
    h.standIn.refusedBlockTypes.add('context_actions');
    const ts = h.standIn.nextTs();
    await deliver(mentionEvent({ channel: 'CRICHFB', user: USER, text: mentionText('rich refused'), ts }));
    await h.answered('CRICHFB', ts);
    expect(h.standIn.botMessagesIn('CRICHFB', ts)[0]!.blocks!.map((b) => b.type)).toEqual(['section', 'context', 'actions']);

    h.standIn.refusedBlockTypes.add('section');
    const ts2 = h.standIn.nextTs();
    await deliver(mentionEvent({ channel: 'CRICHFB', user: USER, text: mentionText('all blocks refused'), ts: ts2 }));
    await h.answered('CRICHFB', ts2);
    const [plain] = h.standIn.botMessagesIn('CRICHFB', ts2);
    expect(plain!.text).toBe('Answer to: all blocks refused\n*Sources*\n[1] Doc — Intro (doc.md)');
    expect(plain!.blocks ?? []).toEqual([]);
    h.standIn.refusedBlockTypes.clear();
  });
});
