import { test, expect } from 'vitest';
import { snapshot, track, transact } from 'tinysync';
import { applyStep } from './mutations.js';
const show = (x: unknown) => JSON.stringify(x, (k, v) => v instanceof Map ? {map: [...v]} : v instanceof Set ? {set: [...v]} : v);
test('dbg', () => {
  const start: any = {"obj":new Set([]),"list":[new Set([]),{"a":new Set([])},new Set([null,false])],"map":new Map([["a",new Map([["a",{}]])]]),"set":new Set([])};
  const groups: any[] = [{"steps":[{"pick":1939435812,"kind":447765583,"a":0,"b":0,"key":"a","value":new Map([]),"primitive":""}],"throws":true},{"steps":[{"pick":143475785,"kind":155396248,"a":0,"b":0,"key":"a","value":{},"primitive":0}],"throws":false},{"steps":[{"pick":0,"kind":188201146,"a":0,"b":0,"key":"a","value":{},"primitive":false},{"pick":0,"kind":125349214,"a":0,"b":0,"key":"constructor","value":new Set([]),"primitive":""},{"pick":0,"kind":6380254,"a":0,"b":0,"key":"prototype","value":new Set([]),"primitive":""}],"throws":false},{"steps":[{"pick":993466617,"kind":12525424,"a":0,"b":0,"key":"a","value":"","primitive":false}],"throws":false}];
  const state = track(structuredClone(start));
  const mirror = structuredClone(start);
  for (const g of groups) {
    try { transact(state, () => { for (const s of g.steps) applyStep(state, s); if (g.throws) throw new Error('x'); }); } catch {}
    if (!g.throws) for (const s of g.steps) applyStep(mirror, s);
    console.log('T', show(snapshot(state))); console.log('M', show(mirror));
  }
});
