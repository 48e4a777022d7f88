/** The page's files: bundled by esbuild, written where a production build serves them from, and complete. */
import { readdirSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { buildPageAssets, loadPageAssets, writePageAssets } from '../../../src/bots/web/assets.js';
import { workDir } from './harness.js';

const work = workDir('assets');
afterAll(() => work.cleanup());

describe('web chat assets', () => {
  it('bundles the browser code with marked and DOMPurify, and a production build serves the same files', async () => {
    const built = await buildPageAssets();
    expect([...built.keys()].sort()).toEqual(['chat.js', 'index.html', 'kb.html', 'kb.js', 'style.css']);
    const chat = built.get('chat.js')!.body.toString();
    expect(chat).toContain('DOMPurify');
    expect(chat).not.toMatch(/^import /m); // one self-contained bundle
    // Every asset a page refers to exists.
    for (const page of ['index.html', 'kb.html']) {
      for (const [, name] of built.get(page)!.body.toString().matchAll(/(?:src|href)="\/assets\/([^"]+)"/g)) expect(built.has(name!)).toBe(true);
    }
    await writePageAssets(work.dir, built);
    expect(readdirSync(work.dir).sort()).toEqual([...built.keys()].sort());
    const served = await loadPageAssets({ publicDir: work.dir, pageDir: '/nonexistent' });
    for (const [name, asset] of built) {
      expect(served.get(name)?.body.equals(asset.body)).toBe(true);
      expect(served.get(name)?.contentType).toBe(asset.contentType);
    }
  });
});
