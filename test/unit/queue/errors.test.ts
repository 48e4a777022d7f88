import { describe, expect, it } from 'vitest';
import { UserFacingError } from '../../../src/errors.js';
import { GENERIC_APOLOGY, isTransientError, PermanentJobError, TransientError, userMessageFor } from '../../../src/queue/errors.js';

const withProps = (props: Record<string, unknown>, message = 'x') => Object.assign(new Error(message), props);

describe('transient error classifier', () => {
  it.each([
    ['explicit TransientError', new TransientError('later')],
    ['HTTP 500', withProps({ status: 500 })],
    ['HTTP 503 (statusCode)', withProps({ statusCode: 503 })],
    ['ollama ResponseError 502 (status_code)', withProps({ status_code: 502, name: 'ResponseError' })],
    ['HTTP 429', withProps({ status: 429 })],
    ['HTTP 408', withProps({ status: 408 })],
    ['ECONNRESET', withProps({ code: 'ECONNRESET' })],
    ['ECONNREFUSED', withProps({ code: 'ECONNREFUSED' })],
    ['Slack rate limit', withProps({ code: 'slack_webapi_rate_limited_error' })],
    ['fetch failed', new TypeError('fetch failed')],
    ['timeout', withProps({ name: 'TimeoutError' })],
    ['a network error as the cause', new Error('wrapped', { cause: withProps({ code: 'ETIMEDOUT' }) })],
  ])('retries %s', (_label, err) => {
    expect(isTransientError(err)).toBe(true);
  });

  it.each([
    ['a user-facing error', new UserFacingError('empty', 'The question is empty.')],
    ['a permanent job error', new PermanentJobError('bad', 'bad')],
    ['HTTP 400', withProps({ status: 400 })],
    ['HTTP 404 (model missing)', withProps({ status_code: 404 })],
    ['HTTP 403', withProps({ statusCode: 403 })],
    ['a plain programming error', new TypeError("Cannot read properties of undefined (reading 'x')")],
    ['a string', 'oops'],
    ['null', null],
  ])('does not retry %s', (_label, err) => {
    expect(isTransientError(err)).toBe(false);
  });

  it('shows users safe messages only', () => {
    expect(userMessageFor(new UserFacingError('x', 'Ask something shorter.'))).toBe('Ask something shorter.');
    expect(userMessageFor(new PermanentJobError('internal detail', 'The image is too large.'))).toBe('The image is too large.');
    expect(userMessageFor(new Error('ECONNREFUSED 10.0.0.3:11434 at Socket.connect (node:net:1)'))).toBe(GENERIC_APOLOGY);
  });
});
