/**
 * The page's static files: HTML, CSS and the browser code bundled with esbuild (marked and
 * DOMPurify included). A production build (`npm run build`) writes them to
 * dist/bots/web/public/; from a source checkout (`npm start` runs the TypeScript through
 * tsx) they are bundled in memory at start-up, in well under a second.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Asset {
  body: Buffer;
  contentType: string;
}

/** Browser entry points (page/<name>.ts → <name>.js) and copied files. */
const ENTRY_POINTS = ['chat', 'kb'] as const;
const STATIC_FILES = ['index.html', 'kb.html', 'style.css'] as const;

const PAGE_DIR = fileURLToPath(new URL('./page/', import.meta.url));
/** Where a production build puts the assets, next to this module in dist/. */
const PUBLIC_DIR = fileURLToPath(new URL('./public/', import.meta.url));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
};
const typeOf = (name: string) => TYPES[path.extname(name)] ?? 'application/octet-stream';

/** Bundle the browser code and collect the static files (needs the sources in page/). */
export async function buildPageAssets(pageDir = PAGE_DIR): Promise<Map<string, Asset>> {
  // Loaded only when bundling: a production image never needs esbuild at run time.
  const esbuild = await import('esbuild');
  const result = await esbuild.build({
    entryPoints: Object.fromEntries(ENTRY_POINTS.map((name) => [name, path.join(pageDir, `${name}.ts`)])),
    bundle: true,
    format: 'esm',
    target: 'es2022',
    platform: 'browser',
    minify: true,
    write: false,
    outdir: 'out',
    legalComments: 'eof',
    logLevel: 'silent',
  });
  const assets = new Map<string, Asset>();
  for (const file of result.outputFiles) {
    const name = path.basename(file.path);
    assets.set(name, { body: Buffer.from(file.contents), contentType: typeOf(name) });
  }
  for (const name of STATIC_FILES) assets.set(name, { body: await readFile(path.join(pageDir, name)), contentType: typeOf(name) });
  return assets;
}

/** Write the assets where a production build serves them from. */
export async function writePageAssets(outDir: string, assets: Map<string, Asset>): Promise<void> {
  await mkdir(outDir, { recursive: true });
  for (const [name, asset] of assets) await writeFile(path.join(outDir, name), asset.body);
}

/** The prebuilt assets of a production build, else a fresh in-memory bundle. */
export async function loadPageAssets(options: { publicDir?: string; pageDir?: string } = {}): Promise<Map<string, Asset>> {
  const publicDir = options.publicDir ?? PUBLIC_DIR;
  if (existsSync(path.join(publicDir, 'index.html'))) {
    const assets = new Map<string, Asset>();
    for (const name of await readdir(publicDir)) assets.set(name, { body: await readFile(path.join(publicDir, name)), contentType: typeOf(name) });
    return assets;
  }
  return await buildPageAssets(options.pageDir);
}
