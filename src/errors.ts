/**
 * Error classes shared across the code base.
 *
 * `UserFacingError` carries a message that is safe to show in a chat thread or a terminal:
 * no stack, no secret, no internal detail. Everything else is logged and replaced by a
 * generic apology before it reaches a user.
 */
export class UserFacingError extends Error {
  override readonly name: string = 'UserFacingError';
  /** A stable machine-readable code, e.g. `question_empty`, `rate_limited`. */
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** A malformed or missing environment variable. The message is one line naming the variable. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly variable: string;
  constructor(variable: string, message: string) {
    super(message);
    this.variable = variable;
  }
}

/** A CLI command or feature whose issue has not landed yet. */
export class NotImplementedError extends UserFacingError {
  override readonly name = 'NotImplementedError';
  constructor(feature: string) {
    super('not_implemented', `${feature} is not implemented yet.`);
  }
}
