/**
 * Run an app until SIGTERM/SIGINT (or until it finishes by itself), then stop it within
 * the worker's shutdown deadline. A second signal exits at once.
 */
import type { Logger } from '../log.js';
import type { RunningApp } from './app.js';

export async function runUntilSignal(app: RunningApp, logger: Logger): Promise<void> {
  let signalled: (signal: NodeJS.Signals) => void = () => undefined;
  const received = new Promise<NodeJS.Signals>((resolve) => (signalled = resolve));
  let count = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    count += 1;
    if (count > 1) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(130);
    }
    signalled(signal);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  try {
    const reason = await Promise.race([received, app.finished.then(() => 'finished' as const)]);
    logger.info({ reason }, 'shutting down');
    await app.stop();
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  }
}
