import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_IMAGE_QUESTION, fileIdOfUrl, questionOf, richTextOf, sharedTextOf } from '../../../src/bots/slack/content.js';
import { feedbackActionsBlock, feedbackButtonsBlock, parseFeedbackValue } from '../../../src/bots/slack/feedback.js';
import { answerMessages, messageVariants, withFeedback } from '../../../src/bots/slack/blocks.js';
import { configuredPrompts, createPromptSource, GENERIC_PROMPTS, promptsFromTitles } from '../../../src/bots/slack/prompts.js';
import { createStreamRefusals } from '../../../src/bots/slack/stream-refusals.js';
import { loadConfig } from '../../../src/config/env.js';
import { createLogger } from '../../../src/log.js';
import { IndexStore } from '../../../src/rag/index/store.js';

const logger = createLogger({ level: 'silent' });

describe('what a Slack message asks', () => {
  it('takes the text, else the rich-text blocks, plus every shared message', () => {
    expect(questionOf({ text: '<@UBOT> how? <https://x.test|docs>' }, false)).toBe('how? docs (https://x.test)');
    const blocks = [{ type: 'rich_text', elements: [{ type: 'rich_text_list', elements: [{ type: 'rich_text_section', elements: [{ type: 'text', text: 'one' }] }, { type: 'rich_text_section', elements: [{ type: 'emoji', name: 'fire' }] }] }] }];
    expect(richTextOf(blocks)).toBe('one\n:fire:');
    expect(questionOf({ text: '', blocks }, false)).toBe('one\n:fire:');
    const attachments = [
      { is_share: true, text: 'shared &amp; quoted' },
      { title: 'A link preview', text: 'not a shared message' },
      { is_msg_unfurl: true, fallback: 'unfurled message' },
      { message_blocks: [{ message: { text: '', blocks: [{ type: 'rich_text', elements: [{ type: 'rich_text_section', elements: [{ type: 'text', text: 'from blocks' }] }] }] } }] },
    ];
    expect(sharedTextOf(attachments)).toEqual(['shared & quoted', 'unfurled message', 'from blocks']);
    expect(questionOf({ text: '<@UBOT>', attachments }, false)).toBe('Shared message:\nshared & quoted\n\nShared message:\nunfurled message\n\nShared message:\nfrom blocks');
  });

  it('asks the image question when there is only an image, and nothing when there is nothing', () => {
    expect(questionOf({ text: '<@UBOT>' }, true)).toBe(DEFAULT_IMAGE_QUESTION);
    expect(questionOf({ text: '<@UBOT>  ' }, false)).toBe('');
  });

  it('finds the file id in Slack file URLs', () => {
    expect(fileIdOfUrl('https://files.slack.com/files-pri/T0123-F0456ABC/shot.png')).toBe('F0456ABC');
    expect(fileIdOfUrl('https://files.slack.com/files-pri/T0123-F0456ABC/download/shot.png')).toBe('F0456ABC');
    expect(fileIdOfUrl('https://example.test/image.png')).toBeUndefined();
  });
});

describe('feedback buttons', () => {
  it('carry the answer id in both values and parse back', () => {
    const block = feedbackButtonsBlock('slack-C1%3A1.2');
    expect(block.elements[0]!.positive_button.value).toBe('up:slack-C1%3A1.2');
    expect(block.elements[0]!.negative_button.value).toBe('down:slack-C1%3A1.2');
    expect(parseFeedbackValue('down:slack-C1%3A1.2')).toEqual({ rating: 'down', answerId: 'slack-C1%3A1.2' });
    expect(parseFeedbackValue('sideways:x')).toBeUndefined();
    expect(parseFeedbackValue(42)).toBeUndefined();
    expect(feedbackActionsBlock('a1').elements.map((e) => e.action_id)).toEqual(['mrag_feedback_up', 'mrag_feedback_down']);
  });

  it('go on the last message; each message has plainer variants to fall back to', () => {
    const long = Array.from({ length: 30 }, (_, i) => `Paragraph ${i} ${'x'.repeat(150)}`).join('\n\n');
    const messages = withFeedback(answerMessages({ text: long, sources: [{ n: 1, id: 'a', title: 'Guide', section: '', source: 'g.md', snippet: '' }], figures: [], mode: 'llm', timings: {} }), 'job-1');
    expect(messages.slice(0, -1).every((m) => m.blocks.every((b) => b.type === 'section'))).toBe(true);
    const last = messages.at(-1)!;
    expect(last.blocks.map((b) => b.type)).toEqual(['section', 'context', 'context_actions']);
    const variants = messageVariants(last);
    expect(variants.map((v) => v.blocks?.map((b) => b.type))).toEqual([['section', 'context', 'context_actions'], ['section', 'context', 'actions'], undefined]);
    expect(JSON.stringify(variants[1])).toContain('up:job-1');
    expect(variants[2]!.text.endsWith('*Sources*\n[1] Guide (g.md)')).toBe(true);
    expect(messageVariants(messages[0]!)).toHaveLength(2);
  });
});

describe('suggested prompts', () => {
  it('uses the configured ones (at most 4), else one per document title, else generic ones', async () => {
    expect(configuredPrompts(['How do I deploy?', 'b', 'c', 'd', 'e'])).toHaveLength(4);
    expect(promptsFromTitles(['B', 'A', 'A', ' '])).toEqual([
      { title: 'Explain “B”', message: 'What does “B” explain? Summarise the key points and show its figures.' },
      { title: 'Explain “A”', message: 'What does “A” explain? Summarise the key points and show its figures.' },
    ]);
    const empty = mkdtempSync(path.join(os.tmpdir(), 'mrag-prompts-'));
    expect(await createPromptSource({ configured: [], dataDir: empty, logger })()).toEqual(GENERIC_PROMPTS);
    expect((await createPromptSource({ configured: ['Only this'], dataDir: empty, logger })()).map((p) => p.message)).toEqual(['Only this']);
  });

  it('reads the titles from a real index, and rereads them after the cache time', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mrag-prompts-'));
    const store = await IndexStore.create(dir, 'm', 4);
    const doc = (i: number, title: string) => ({ docId: `d${i}`, source: `${i}.md`, kind: 'markdown' as const, title, hash: `h${i}`, chunks: 0, figures: 0, ingestedAt: '2024-01-01T00:00:00Z' });
    await store.replaceDocument(doc(1, 'Setup'), [], []);
    await store.commit();
    let now = 0;
    const source = createPromptSource({ configured: [], dataDir: dir, logger, now: () => now });
    expect((await source()).map((p) => p.title)).toEqual(['Explain “Setup”']);
    await store.replaceDocument(doc(2, 'Backups'), [], []);
    await store.commit();
    expect((await source()).map((p) => p.title)).toEqual(['Explain “Setup”']);
    now += 11 * 60_000;
    expect((await source()).map((p) => p.title)).toEqual(['Explain “Backups”', 'Explain “Setup”']);
    await store.close();
  });

  it('SLACK_SUGGESTED_PROMPTS takes up to 4 prompts separated by |', () => {
    const base = { SLACK_BOT_TOKEN: ['xoxb', 'unit'].join('-'), SLACK_APP_TOKEN: 'xapp-unit' };
    expect(loadConfig({ ...base, SLACK_SUGGESTED_PROMPTS: ' How do I deploy? | What is CLIP? |' }).slack!.suggestedPrompts).toEqual(['How do I deploy?', 'What is CLIP?']);
    expect(loadConfig(base).slack!.suggestedPrompts).toEqual([]);
    expect(() => loadConfig({ ...base, SLACK_SUGGESTED_PROMPTS: 'a|b|c|d|e' })).toThrow(/SLACK_SUGGESTED_PROMPTS must be at most 4 prompts/);
  });
});

describe('workspaces that refused native streaming (without Redis)', () => {
  it('are remembered for a day, per workspace', async () => {
    let now = 0;
    const refusals = createStreamRefusals({ prefix: 'p', now: () => now });
    await refusals.remember('T1', 'not_allowed');
    expect(await refusals.isRefused('T1')).toBe(true);
    expect(await refusals.isRefused('T2')).toBe(false);
    now += 25 * 3600 * 1000;
    expect(await refusals.isRefused('T1')).toBe(false);
  });
});
