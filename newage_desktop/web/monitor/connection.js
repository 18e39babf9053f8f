// The page's sockets: one Engine.IO connection (a socket.io Manager) carrying /auth, /clients,
// /rooms and /llm, each admitted with the same handshake `auth` (PROTOCOL.md §4.1). Uses the
// classic-script globals window.io and window.ss (§10, §12 item 16).

import { NAMESPACES, STREAM_EVENTS } from '/lib/constants.js';

export const PAGE_NAMESPACES = [NAMESPACES.AUTH, NAMESPACES.CLIENTS, NAMESPACES.ROOMS, NAMESPACES.LLM];

export function handshake({ clientId, key, admin }) {
  return { clientId, key, clientType: admin ? 'monitor' : 'web-monitor', desc: 'NewAge web monitor page' };
}

/** Open the given namespaces; `handlers` gets connect / refused (the first connect_error
 * message) / lost (a disconnect not asked for). Returns the sockets by namespace. */
export function openSockets(url, auth, namespaces, handlers) {
  const manager = new window.io.Manager(url, { autoConnect: false, transports: ['websocket', 'polling'] });
  const sockets = {};
  let connected = 0;
  let closing = false;
  for (const ns of namespaces) {
    const socket = manager.socket(ns, { auth });
    sockets[ns] = socket;
    socket.on('connect', () => {
      connected += 1;
      if (connected === namespaces.length) handlers.connect?.();
    });
    // A refused namespace is not retried by socket.io-client (§4.3): stop all of them.
    socket.on('connect_error', (err) => {
      if (closing) return;
      closing = true;
      close();
      handlers.refused?.(err?.message ?? String(err), err?.data ?? null);
    });
    socket.on('disconnect', (reason) => {
      connected = Math.max(0, connected - 1);
      if (!closing && reason !== 'io client disconnect') handlers.lost?.(reason);
    });
  }
  function close() {
    closing = true;
    for (const socket of Object.values(sockets)) socket.disconnect();
    manager._close?.();
  }
  for (const socket of Object.values(sockets)) socket.connect();
  return { sockets, close };
}

/** Emit with an ack, as a promise (an ack that never comes rejects after `timeoutMs`). */
export function call(socket, event, payload = {}, timeoutMs = 15000) {
  return new Promise((resolve, reject) => {
    socket.timeout(timeoutMs).emit(event, payload, (err, ack) => (err ? reject(err) : resolve(ack)));
  });
}

/** socket.io-stream: every answer stream announced on /llm (§7.7, §8). */
export function onAnswerStreams(llm, handler) {
  window.ss(llm).on(STREAM_EVENTS.streamed_data, handler);
}
