// vite-plugin-solid adds the `browser` resolve condition in test mode (vitest even passes
// `--conditions browser` to its Node workers), which makes `ws` resolve to its browser stub
// ("ws does not work in the browser"). Test files mock `ws` with this module, which loads the
// real Node build by its file path, where package exports and conditions do not apply.
//   vi.mock('ws', () => import('./node-ws.js'));
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type * as WsModule from 'ws';

const nodeBuild = fileURLToPath(new URL('../node_modules/ws/index.js', import.meta.url));
const ws = createRequire(import.meta.url)(nodeBuild) as typeof WsModule.default & typeof WsModule;

export default ws;
export const WebSocket = ws.WebSocket;
export const WebSocketServer = ws.WebSocketServer;
export const createWebSocketStream = ws.createWebSocketStream;
