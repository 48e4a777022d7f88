export * from './job.js';
export type * from './reply.js';
export type * from './gateway.js';
export type { ThreadMemory, ThreadRef, ThreadSnapshot } from './thread-memory.js';
export { createEditThrottle, type EditThrottle, type EditThrottleOptions } from './throttle.js';
export { isTransientError, TransientError, PermanentJobError, userMessageFor, GENERIC_APOLOGY } from './errors.js';
export { fetchImageBytes, MAX_IMAGE_BYTES } from './fetch-image.js';
