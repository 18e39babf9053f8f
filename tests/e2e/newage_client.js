'use strict';
// A NewAge client process for the end-to-end tests, written from the client document: the real
// socket.io-client and @sap_oss/node-socketio-stream, /llm with clientId and key, LLM_REQUEST,
// SERVER_STREAM_DATA streams, CANCEL_REQUEST. An admin role (clientType monitor) lists and
// approves key requests on /clients.
//
// Driven over stdin/stdout with JSON lines: commands in, events out (each with `t`, wall-clock
// milliseconds with a fraction, comparable with the mock backend's time.time_ns()).
//   argv[2] = {"url", "clientId", "key", "admin": bool}
//   {"cmd":"request", requestId, message, requestType?, target?}  → {"event":"ack", requestId, ack}
//   {"cmd":"cancel", requestId}                                   → {"event":"cancel-ack", requestId, ack}
//   {"cmd":"pending"} → {"event":"pending", requests}; {"cmd":"approve", roomId} → {"event":"approve-ack", ack}
//   {"cmd":"call", payload} (FUNCTION_CALL on /function_call)     → {"event":"call-ack", ack}
//   stream events: stream-start {requestId, ssId, meta}, chunk {requestId, ssId, text}, stream-end, stream-error {message}
//   other events: message, ERROR, REQUEST_STATUS_UPDATE, connected, connect_error, disconnect
const path = require('node:path');
const readline = require('node:readline');
const { createRequire } = require('node:module');

const nodeRequire = createRequire(path.resolve(__dirname, '../interop/package.json'));
const { Manager } = nodeRequire('socket.io-client');
const ss = nodeRequire('@sap_oss/node-socketio-stream');

const now = () => performance.timeOrigin + performance.now();
const out = (event, fields = {}) => process.stdout.write(JSON.stringify({ event, t: now(), ...fields }) + '\n');

const { url, clientId, key, admin } = JSON.parse(process.argv[2]);
const manager = new Manager(url, { reconnection: false, transports: ['websocket'] });
const auth = { clientId, key, clientType: admin ? 'monitor' : 'e2e-client' };

function open(namespace) {
    const socket = manager.socket(namespace, { auth });
    socket.on('connect', () => out('connected', { namespace }));
    socket.on('connect_error', (err) => out('connect_error', { namespace, message: err.message }));
    socket.on('disconnect', (reason) => out('disconnect', { namespace, reason }));
    return socket;
}

const llm = open('/llm');
const calls = open('/function_call');
const clients = admin ? open('/clients') : null;

for (const name of ['message', 'ERROR', 'REQUEST_STATUS_UPDATE', 'NEW_MESSAGE']) {
    llm.on(name, (payload) => out(name, { payload }));
}
ss(llm).on('SERVER_STREAM_DATA', (stream, meta) => {
    const requestId = meta?.requestId;
    out('stream-start', { requestId, ssId: stream.id, meta });
    stream.on('data', (chunk) => out('chunk', { requestId, ssId: stream.id, text: chunk.toString() }));
    stream.on('end', () => out('stream-end', { requestId, ssId: stream.id }));
    stream.on('error', (err) => out('stream-error', { requestId, ssId: stream.id, message: err?.message ?? String(err) }));
});

const commands = {
    request: ({ requestId, message, requestType, target }) => {
        const payload = { requestId, message, requestType: requestType ?? 'newMessage' };
        if (target) payload.target = target;
        llm.emit('LLM_REQUEST', payload, (ack) => out('ack', { requestId, ack }));
    },
    cancel: ({ requestId }) => llm.emit('CANCEL_REQUEST', { requestId }, (ack) => out('cancel-ack', { requestId, ack })),
    pending: () => clients.emit('GET_KEY_REQUESTS', (ack) => out('pending', { requests: ack?.requests ?? [], ack })),
    approve: ({ roomId }) => clients.emit('APPROVE_KEY_REQUEST', { roomId }, (ack) => out('approve-ack', { ack })),
    call: ({ payload }) => calls.emit('FUNCTION_CALL', payload, (ack) => out('call-ack', { ack })),
    quit: () => {
        manager._close?.();
        process.exit(0);
    },
};

readline.createInterface({ input: process.stdin }).on('line', (line) => {
    if (!line.trim()) return;
    const command = JSON.parse(line);
    const run = commands[command.cmd];
    if (!run) return out('bad-command', { command });
    run(command);
});
process.stdin.on('end', () => process.exit(0));
