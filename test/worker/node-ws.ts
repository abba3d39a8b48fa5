// `ws` loaded by file path: vite-plugin-solid adds the `browser` resolve condition in test mode,
// which would resolve `ws` to its browser stub. Tests that load the server mock `ws` with it:
//   vi.mock('ws', () => import('./node-ws.js'));
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type * as WsModule from 'ws';

const nodeBuild = fileURLToPath(new URL('../../node_modules/ws/index.js', import.meta.url));
const ws = createRequire(import.meta.url)(nodeBuild) as typeof WsModule.default & typeof WsModule;

export default ws;
export const WebSocket = ws.WebSocket;
export const WebSocketServer = ws.WebSocketServer;
export const createWebSocketStream = ws.createWebSocketStream;
