/**
 * `npm run bench -- <name> [args]` runs bench/<name>.ts. Every benchmark prints its
 * figures and ends with one JSON line (the last line of stdout) for the issue notes.
 */
import { existsSync, readdirSync } from 'node:fs';

const name = process.argv[2];
const available = readdirSync(new URL('.', import.meta.url))
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts' && !f.startsWith('_'))
  .map((f) => f.replace(/\.ts$/, ''));

if (!name || !available.includes(name)) {
  console.error(`usage: npm run bench -- <${available.join('|') || 'name'}> [args]`);
  process.exit(name ? 1 : 0);
}
const file = new URL(`./${name}.ts`, import.meta.url);
if (!existsSync(file)) process.exit(1);
process.argv.splice(2, 1);
await import(file.href);
