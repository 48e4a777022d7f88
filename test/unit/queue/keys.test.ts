import { describe, expect, it } from 'vitest';
import { askJobId, keys } from '../../../src/queue/keys.js';

describe('queue keys', () => {
  it('derives a BullMQ-safe job id, one-to-one with (platform, event id)', () => {
    expect(askJobId('discord', '1234567890')).toBe('discord-1234567890');
    expect(askJobId('slack', 'Ev01:abc')).not.toContain(':');
    expect(askJobId('slack', 'a:b')).not.toBe(askJobId('slack', 'a%3Ab'));
    expect(askJobId('slack', 'x')).not.toBe(askJobId('discord', 'x'));
  });

  it('keeps every key under the configured prefix', () => {
    expect(keys.admitted('p1', 'discord', 'e')).toMatch(/^p1:/);
    expect(keys.thread('p1', 'slack', 'C', undefined)).toBe('p1:thread:slack:C:-');
    expect(keys.replyState('p1', 'discord-1')).toBe('p1:reply:discord-1');
  });
});
