'use strict';
// Payload limit (§2.1): a message larger than maxPayloadBytes closes that Engine.IO connection
// with no ack; the server stays up and serves new clients.
// params: {url, client:{clientId,key}, other:{clientId,key}}
const { assert, log, main, newManager, connectOk, show, sleep } = require('./lib');

const TRANSPORT_REASONS = ['transport close', 'transport error'];
const BIG = 'x'.repeat(2 * 1024 * 1024);

async function oversize(url, client, transports, label) {
  const m = newManager(url, { transports });
  const auth = { clientId: client.clientId, key: client.key };
  const cl = await connectOk(url, '/clients', auth, { manager: m, name: `${label}@/clients` });
  const root = await connectOk(url, '/', auth, { manager: m, name: `${label}@/` });
  // a payload below the limit is fine
  const fine = await cl.ack('GET_CLIENT_LIST', { blob: 'y'.repeat(256 * 1024) }, { __ackTimeout: 10000 });
  assert.equal(fine && fine.status, 'ok', `${label}: a 256 KiB payload must be accepted: ${show(fine)}`);

  let acked = null;
  cl.socket.emit('GET_CLIENT_LIST', { blob: BIG }, (...args) => { acked = args; });
  const r1 = await cl.waitDisconnect(10000, `${label}: after a 2 MiB message`);
  const r2 = await root.waitDisconnect(5000, `${label}: other namespace on the same connection after a 2 MiB message`);
  assert.ok(TRANSPORT_REASONS.includes(r1), `${label}@/clients: disconnect reason must be transport close/error, got ${show(r1)}`);
  assert.ok(TRANSPORT_REASONS.includes(r2), `${label}@/: disconnect reason must be transport close/error, got ${show(r2)}`);
  await sleep(200);
  assert.equal(acked, null, `${label}: an oversized message must get no ack, got ${show(acked)}`);
  log(`${label}: 2 MiB message closed the connection (${r1}), no ack`);
}

main(async ({ url, client, other }) => {
  await oversize(url, client, ['websocket'], 'websocket');
  await oversize(url, client, ['polling'], 'polling');

  // The server is still up: a new client connects and gets acks.
  const fresh = await connectOk(url, '/clients', { clientId: other.clientId, key: other.key }, { name: 'fresh@/clients' });
  const res = await fresh.ackOk('GET_CLIENT_LIST');
  assert.ok(Array.isArray(res.clients), `GET_CLIENT_LIST after the oversized messages: ${show(res)}`);
  const again = await connectOk(url, '/clients', { clientId: client.clientId, key: client.key },
    { name: 'offender reconnecting', transports: ['websocket'] });
  await again.ackOk('GET_CLIENT_LIST');
  log('server still serves new connections');
}, 40000);
