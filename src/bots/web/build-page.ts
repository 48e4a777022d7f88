/**
 * `npm run build` step: bundle the web chat's browser code and copy its static files to
 * dist/bots/web/public/, where the compiled adapter serves them from (the Docker image
 * ships dist/ only). Run with tsx from the source tree: `node --import tsx src/bots/web/build-page.ts`.
 */
import { fileURLToPath } from 'node:url';
import { buildPageAssets, writePageAssets } from './assets.js';

const outDir = fileURLToPath(new URL('../../../dist/bots/web/public/', import.meta.url));
const assets = await buildPageAssets();
await writePageAssets(outDir, assets);
process.stdout.write(`web chat assets: ${[...assets.keys()].sort().join(', ')} → ${outDir}\n`);
