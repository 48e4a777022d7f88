#!/usr/bin/env node
// The `mrag` CLI. From a source checkout it runs the TypeScript directly (via tsx);
// in the Docker image, which ships only the compiled dist/, it runs that.
import { existsSync } from 'node:fs';

const source = new URL('../src/cli/main.ts', import.meta.url);
const compiled = new URL('../dist/cli/main.js', import.meta.url);

let mod;
if (existsSync(source)) {
  const { register } = await import('tsx/esm/api');
  register();
  mod = await import(source.href);
} else {
  mod = await import(compiled.href);
}
await mod.main(process.argv);
