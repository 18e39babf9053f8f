#!/usr/bin/env node
// Shows whether a server interleaves consecutive mini-streams of one output at the client.
// One extension sends a sentence the way the SillyTavern extension does (per piece of new text:
// START, five chunks, END, all at once); one client appends whatever arrives, in arrival order,
// both as seen on the wire ($stream-write packets) and as the socket.io-stream library delivers it.
//
//   node interleave.js '{"url":"http://127.0.0.1:4100"}'
//   node interleave.js '{"url":"…","extension":{"clientId":"…","key":"…"},"client":{"clientId":"…","key":"…"}}'

'use strict';

const { io } = require('socket.io-client');
const ss = require('@sap_oss/node-socketio-stream');

const params = JSON.parse(process.argv[2] || '{"url":"http://127.0.0.1:4100"}');
const extension = params.extension || { clientId: 'interleave-ext', key: 'unused' };
const client = params.client || { clientId: 'interleave-client', key: 'unused' };
const TEXT = 'Bonjour 世界, this is a longer sentence split into mini-streams of five chunks each.';

const open = (auth) => new Promise((resolve, reject) => {
  const socket = io(`${params.url}/llm`, { auth, transports: ['websocket'], forceNew: true, reconnection: false });
  socket.once('connect', () => resolve(socket));
  socket.once('connect_error', (err) => reject(new Error(`${auth.clientId}: ${err.message}`)));
});

async function main() {
  const ext = await open({ clientType: 'SillyTavern', ...extension });
  const cli = await open({ clientType: 'bench-client', ...client });
  let wire = '';
  let delivered = '';
  let ended = 0;
  const pieces = [];
  for (let i = 0; i < TEXT.length;) { const piece = [...TEXT.slice(i)].slice(0, 10).join(''); pieces.push(piece); i += piece.length; }

  cli.onAny((event, ...args) => { if (event === '$stream-write') wire += Buffer.from(args[1]).toString(); });
  ss(cli).on('SERVER_STREAM_DATA', (stream) => {
    stream.setEncoding('utf8');
    stream.on('data', (data) => { delivered += data; });
    stream.on('end', () => { ended += 1; if (ended === pieces.length) report(); });
  });

  ext.on('LLM_REQUEST', ({ requestId }) => {
    pieces.forEach((piece, s) => {
      const streamId = `interleave-${s}`;
      const chars = [...piece];
      const size = Math.ceil(chars.length / 5);
      ext.emit('CLIENT_STREAM_START', { type: 1, streamId, outputId: 'interleave-output', requestId });
      for (let i = 0; i < 5; i += 1) {
        const [type, event] = s === 0 && i === 0 ? [4, 'CLIENT_STREAM_DATA_FIRST'] : i === 4 ? [6, 'CLIENT_STREAM_DATA_LAST'] : [5, 'CLIENT_STREAM_DATA_MIDDLE'];
        ext.emit(event, { type, streamId, chunkIndex: i, data: chars.slice(i * size, (i + 1) * size).join('') });
      }
      ext.emit('CLIENT_STREAM_END', { type: 3, streamId });
    });
  });

  function report() {
    console.log(JSON.stringify({ sent: TEXT, wire, delivered, interleaved: delivered !== TEXT }, null, 2));
    process.exit(0);
  }
  cli.emit('LLM_REQUEST', { requestId: `interleave-${Date.now()}`, message: 'interleave check', target: extension.clientId }, (ack) => {
    if (!ack || ack.status !== 'ok') { console.log(JSON.stringify({ error: ack })); process.exit(1); }
  });
  setTimeout(() => { console.log(JSON.stringify({ error: 'timed out', wire, delivered })); process.exit(1); }, 10000);
}

main().catch((err) => { console.log(JSON.stringify({ error: err.message })); process.exit(1); });
