#!/usr/bin/env node
// Minimal Node reference relay for the LLM path (PROTOCOL.md §7.7, §8), built the way upstream
// intended: socket.io 4 + the real @sap_oss/node-socketio-stream writer, one forwarded stream per
// recipient socket per extension stream. No authentication, no rooms, no history: it exists only
// as the baseline for bench/run.py.
//
//   node reference/server.js [port]        (or PORT=4100 node reference/server.js)

'use strict';

const http = require('http');
const { Server } = require('socket.io');
const ss = require('@sap_oss/node-socketio-stream');

const port = Number(process.argv[2] || process.env.PORT || 4100);
const host = process.env.HOST || '127.0.0.1';

const httpServer = http.createServer();
const io = new Server(httpServer, { maxHttpBufferSize: 1048576 });
const llm = io.of('/llm');

const extensions = new Map(); // extension identity -> socket (most recent /llm socket), insertion = connect order
const socketsByIdentity = new Map(); // identity -> Set of /llm sockets
const requests = new Map(); // requestId -> requester identity (never pruned: a benchmark run is short)
const outputs = new Map(); // `${extension}\n${outputId}` -> requestId (mini-streams of one output follow the first)

const isExtension = (type) => type === 'SillyTavern' || type === 'extension';
const identityOf = (socket) => {
  const auth = socket.handshake.auth || {};
  return String(auth.identity || auth.clientId || socket.id);
};
const ack = (cb, value) => { if (typeof cb === 'function') cb(value); };

llm.on('connection', (socket) => {
  const auth = socket.handshake.auth || {};
  const identity = identityOf(socket);
  const extension = isExtension(auth.clientType);
  if (!socketsByIdentity.has(identity)) socketsByIdentity.set(identity, new Set());
  socketsByIdentity.get(identity).add(socket);
  if (extension) extensions.set(identity, socket);

  socket.on('LLM_REQUEST', (payload, cb) => {
    if (typeof payload === 'function') { cb = payload; payload = {}; }
    payload = payload || {};
    const { requestId } = payload;
    const wanted = Array.isArray(payload.target) ? payload.target[0] : payload.target;
    const target = wanted || extensions.keys().next().value;
    const extSocket = target && extensions.get(target);
    if (typeof requestId !== 'string' || !requestId) {
      return ack(cb, { status: 'error', message: 'Invalid LLM request data.' });
    }
    if (!extSocket) {
      return ack(cb, { status: 'error', message: wanted ? `Target extension ${wanted} is not connected.` : 'No extension available for this room.' });
    }
    requests.set(requestId, identity);
    ack(cb, { status: 'ok', message: 'Request received.', requestId, disposition: 'forwarded', targets: [target] });
    extSocket.emit('LLM_REQUEST', { requestId, message: payload.message ?? payload.data ?? '', requestType: payload.requestType || 'newMessage', target });
  });

  if (extension) handleExtensionStreams(socket, identity);

  socket.on('disconnect', () => {
    socketsByIdentity.get(identity).delete(socket);
    if (socketsByIdentity.get(identity).size === 0) socketsByIdentity.delete(identity);
    if (extensions.get(identity) === socket) extensions.delete(identity);
  });
});

function recipientsOf(requestId, extensionIdentity) {
  const requester = requests.get(requestId);
  const sockets = (requester && socketsByIdentity.get(requester)) || [];
  return [...sockets].filter((s) => identityOf(s) !== extensionIdentity);
}

function handleExtensionStreams(socket, identity) {
  const streams = new Map(); // streamId -> { outs, next, highest, waiting }

  const writeChunk = (stream, data) => {
    if (data) for (const out of stream.outs) out.write(data);
  };

  socket.on('CLIENT_STREAM_START', (p, cb) => {
    if (!p || p.type !== 1 || streams.has(p.streamId)) return ack(cb, { status: 'error', message: 'Invalid stream event.' });
    const outputId = p.outputId || p.streamId;
    const key = `${identity}\n${outputId}`;
    const requestId = outputs.get(key) || p.requestId;
    if (!requests.has(requestId)) return ack(cb, { status: 'error', message: 'No matching request.' });
    outputs.set(key, requestId);
    const meta = { streamId: p.streamId, outputId, requestId, source: 'server', clientId: identity };
    const outs = recipientsOf(requestId, identity).map((recipient) => {
      const out = ss.createStream();
      out.on('error', () => {}); // a recipient that goes away must not take the relay down
      ss(recipient).emit('SERVER_STREAM_DATA', out, meta);
      return out;
    });
    streams.set(p.streamId, { outs, next: 0, highest: -1, waiting: new Map() });
    ack(cb, { status: 'ok' });
  });

  const onData = (p, cb) => {
    const stream = p && streams.get(p.streamId);
    if (!stream) return ack(cb, { status: 'error', message: 'Unknown stream.' });
    const index = Number.isInteger(p.chunkIndex) && p.chunkIndex >= 0 ? p.chunkIndex : stream.highest + 1;
    stream.highest = Math.max(stream.highest, index);
    if (index >= stream.next) stream.waiting.set(index, String(p.data ?? ''));
    // Write in chunkIndex order: chunk i goes out once every lower index has gone out.
    while (stream.waiting.has(stream.next)) {
      writeChunk(stream, stream.waiting.get(stream.next));
      stream.waiting.delete(stream.next);
      stream.next += 1;
    }
    ack(cb, { status: 'ok' });
  };
  socket.on('CLIENT_STREAM_DATA_FIRST', onData);
  socket.on('CLIENT_STREAM_DATA_MIDDLE', onData);
  socket.on('CLIENT_STREAM_DATA_LAST', onData);

  socket.on('CLIENT_STREAM_END', (p, cb) => {
    const stream = p && p.type === 3 && streams.get(p.streamId);
    if (!stream) return ack(cb, { status: 'error', message: 'Unknown stream.' });
    for (const index of [...stream.waiting.keys()].sort((a, b) => a - b)) writeChunk(stream, stream.waiting.get(index));
    for (const out of stream.outs) out.end();
    streams.delete(p.streamId);
    ack(cb, { status: 'ok' });
  });

  socket.on('CLIENT_STREAM_DATA_FAILED', (p) => {
    const stream = p && streams.get(p.streamId);
    if (!stream) return;
    for (const out of stream.outs) out.emit('error', new Error(p.data || 'Stream failed.'));
    streams.delete(p.streamId);
  });

  socket.on('message', (p) => {
    if (!p || p.type !== 0 || !requests.has(p.requestId)) return;
    for (const recipient of recipientsOf(p.requestId, identity)) {
      recipient.emit('message', { type: 0, data: p.data, source: 'server', requestId: p.requestId, outputId: p.outputId, clientId: identity });
    }
  });

  socket.on('disconnect', () => {
    for (const stream of streams.values()) for (const out of stream.outs) out.emit('error', new Error('Extension disconnected.'));
    streams.clear();
  });
}

httpServer.listen(port, host, () => console.log(`reference relay listening on http://${host}:${port}`));
const stop = () => io.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
