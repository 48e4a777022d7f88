import './src/rag/index/lance-env.js';
import * as lancedb from '@lancedb/lancedb';
import { mkdtempSync } from 'node:fs';
import os from 'node:os'; import path from 'node:path';
const dir = mkdtempSync(path.join(os.tmpdir(), 'lexp-'));
const db = await lancedb.connect(dir);
const t = await db.createTable('t', [{ id: 'a', v: 1 }]);
await t.add([{ id: 'b', v: 2 }]);
const pinned = await t.version();
const tags = await t.tags();
await tags.create('gen-1', pinned);
for (let i = 0; i < 5; i++) await t.add([{ id: 'x' + i, v: i }]);
console.log('versions before', (await t.listVersions()).map(v => v.version), 'tags', await tags.list());
try {
  const st = await t.optimize({ cleanupOlderThan: new Date() });
  console.log(st.prune, (await t.listVersions()).map(v => v.version));
} catch (e) { console.log('ERR', (e as Error).message); }
const r = await (await lancedb.connect(dir)).openTable('t');
await r.checkout(pinned); console.log('pinned rows', await r.countRows());
await r.checkout('gen-1'); console.log('by tag rows', await r.countRows());
await tags.delete('gen-1');
const st2 = await t.optimize({ cleanupOlderThan: new Date() });
console.log(st2.prune, (await t.listVersions()).map(v => v.version));
