export * from './job.js';
export type * from './reply.js';
export type * from './gateway.js';
