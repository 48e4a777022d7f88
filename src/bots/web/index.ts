/**
 * The web chat platform module: a chat in the browser served by the process's HTTP server
 * (bot side) and a Reply that streams into the conversation's Redis stream (worker side).
 * It needs no credentials on this machine, so it is always available; on any other
 * address WEB_TOKEN guards it.
 */
import type { PlatformModule } from '../platform.js';
import { startWebAdapter } from './adapter.js';
import { createWebWorkerSide } from './worker-side.js';

export const webPlatform: PlatformModule = {
  name: 'web',
  isConfigured: () => true,
  startAdapter: async (deps) => await startWebAdapter({ ...deps, logger: deps.logger.child({ platform: 'web' }) }),
  createWorkerSide: ({ config, logger, connection }) => createWebWorkerSide({ config, logger: logger.child({ platform: 'web' }), connection }),
};

export { startWebAdapter, webTokenRequiredMessage } from './adapter.js';
export { createWebWorkerSide } from './worker-side.js';
