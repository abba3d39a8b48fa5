import { it } from 'vitest';
import * as Y from 'yjs';
import { SyncClient, createStore } from 'tinysync/browser';
const name = () => `measure/${Math.random().toString(36).slice(2)}`;
it('measure', async () => {
  const log = (s: string) => console.log(s);
  const n = name();
  const a = await SyncClient.open(n, new Y.Doc());
  const b = await SyncClient.open(n, new Y.Doc());
  const lat: number[] = [];
  for (let i = 0; i < 300; i++) {
    const t0 = performance.now();
    const got = new Promise<void>((r) => { const f = () => { if (b.doc.getMap('m').get('k') === i) { b.doc.off('update', f); r(); } }; b.doc.on('update', f); });
    a.doc.getMap('m').set('k', i);
    await got;
    lat.push(performance.now() - t0);
  }
  lat.sort((x, y) => x - y);
  log(`M tab->tab p50 ${lat[150]!.toFixed(2)} ms p99 ${lat[297]!.toFixed(2)} ms`);
  await a.close(); await b.close();
  const s = await createStore(name(), { items: {} as Record<string, number> });
  let t0 = performance.now();
  for (let i = 0; i < 10000; i++) s.data.items[`k${i}`] = i;
  log(`M 10k one tick main ${(performance.now() - t0).toFixed(0)} ms`);
  await s.flushed();
  log(`M 10k one tick -> flushed ${(performance.now() - t0).toFixed(0)} ms`);
  t0 = performance.now();
  for (let i = 0; i < 1000; i++) { s.data.items[`j${i}`] = i; await new Promise((r) => setTimeout(r, 0)); }
  await s.flushed();
  log(`M 1000 one per macrotask -> flushed ${(performance.now() - t0).toFixed(0)} ms`);
  await s.close();
  const big = name();
  const s2 = await createStore(big, { items: [] as number[] });
  t0 = performance.now();
  s2.data.items.push(...Array.from({ length: 100000 }, (_, i) => i));
  log(`M push 100k main ${(performance.now() - t0).toFixed(0)} ms`);
  await s2.flushed(); await s2.close();
  log(`M 100k flushed ${(performance.now() - t0).toFixed(0)} ms`);
  t0 = performance.now();
  const s3 = await createStore(big, { items: [] as number[] });
  log(`M cold load 100k items ${(performance.now() - t0).toFixed(0)} ms (len ${s3.data.items.length})`);
  await s3.close();
}, 120000);
