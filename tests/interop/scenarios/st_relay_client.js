'use strict';
// The bundled SillyTavern extension's connection logic (src/relay_client.js, src/framing.js)
// against the real relay, with the npm socket.io-client Manager in place of the browser build:
// pairing by approval, a streamed answer, revocation sending it back to pairing, a restart
// with the stored key, a denial. params: {url, admin:{clientId,key}, client:{clientId,key}, stId}
const path = require('node:path');
const { pathToFileURL } = require('node:url');
const { Manager } = require('socket.io-client');
const { assert, log, main, connectOk, show } = require('./lib');
const { StreamReceiver, sendRequest, until, uuid } = require('./llm_lib');

const EXT = path.resolve(__dirname, '../../../newage_desktop/sillytavern/extension/src');
const load = (name) => import(pathToFileURL(path.join(EXT, name)).href);

main(async ({ url, admin, client, stId }) => {
  const { RelayClient } = await load('relay_client.js');
  const { OutputStream } = await load('framing.js');
  const { STATUS } = await load('connection.js');

  const adm = await connectOk(url, '/clients', { clientId: admin.clientId, key: admin.key, clientType: 'monitor' }, { name: 'admin' });
  const statuses = [];
  let storedKey = null;
  const requests = [];
  const ext = new RelayClient({
    Manager,
    onStatus: (state, detail) => statuses.push(detail ? `${state}:${detail}` : state),
    onKey: (key) => { storedKey = key; },
    onRequest: (payload) => requests.push(payload),
  });
  ext.configure({ serverUrl: url, clientId: stId, key: null, takeRequests: true, desc: 'scenario' });

  // ---- nothing listening: "server unreachable", and the Manager keeps trying ----
  const net = require('node:net');
  const closedPort = await new Promise((resolve) => {
    const probe = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
  ext.configure({ serverUrl: `http://127.0.0.1:${closedPort}`, clientId: stId, key: null, takeRequests: true, desc: 'scenario' });
  ext.start();
  await until(() => ext.state === STATUS.UNREACHABLE, 5000, () => `unreachable; statuses ${show(statuses)}`);
  ext.stop();
  log('unreachable server reported');

  // ---- pairing: pending, approved, key stored, /llm connected ----
  ext.configure({ serverUrl: url });
  ext.start();
  await until(() => ext.state === STATUS.PAIRING, 5000, () => `pairing state; statuses ${show(statuses)}`);
  const { requests: pending } = await adm.ackOk('GET_KEY_REQUESTS');
  const mine = pending.find((r) => r.clientId === stId);
  assert.ok(mine, `the extension's request is pending: ${show(pending)}`);
  assert.equal(mine.clientType, 'SillyTavern');
  assert.equal(mine.namespace, '/sillytavern');
  await adm.ackOk('APPROVE_KEY_REQUEST', { roomId: mine.roomId });
  await until(() => ext.state === STATUS.CONNECTED, 5000, () => `connected after approval; statuses ${show(statuses)}`);
  assert.match(String(storedKey), /^[0-9a-f-]{36}$/, 'the pushed key was stored');
  log('paired and connected');

  // ---- a client's request reaches onRequest; the framed answer streams back ----
  const c = await connectOk(url, '/llm', { clientId: client.clientId, key: client.key }, { name: 'client' });
  const recv = new StreamReceiver(c);
  const requestId = uuid();
  const rec = sendRequest(c, { requestId, message: 'hello', target: stId });
  assert.equal((await rec.acked).status, 'ok', show(rec.ack));
  await until(() => requests.length === 1, 5000, 'LLM_REQUEST at the extension');
  assert.equal(requests[0].requestId, requestId);
  assert.equal(requests[0].message, 'hello');
  const out = new OutputStream({ emit: (e, p) => ext.emitLlm(e, p), requestId, outputId: uuid(), streamId: uuid() });
  for (const piece of ['Bon', 'jour ', '世界 ', '🙂']) out.push(piece);
  out.finish();
  await recv.settled(requestId, 1);
  assert.equal(recv.textOf(requestId), 'Bonjour 世界 🙂');
  log('streamed answer received');

  // ---- revocation: back to pairing with the reason, key forgotten ----
  await adm.ackOk('REMOVE_CLIENT_KEY', { targetClientId: stId });
  await until(() => ext.state === STATUS.PAIRING, 5000, () => `pairing after revocation; statuses ${show(statuses)}`);
  assert.equal(storedKey, null, 'a revoked key is forgotten');
  assert.equal(ext.previousReason, 'Key revoked.');
  const again = (await adm.ackOk('GET_KEY_REQUESTS')).requests.find((r) => r.clientId === stId);
  assert.ok(again, 'a new pairing request after revocation');
  await adm.ackOk('APPROVE_KEY_REQUEST', { roomId: again.roomId });
  await until(() => ext.state === STATUS.CONNECTED && storedKey, 5000, 'connected again');
  log('re-paired after revocation');

  // ---- restart with the stored key: no new request ----
  ext.stop();
  ext.configure({ key: storedKey });
  ext.start();
  await until(() => ext.state === STATUS.CONNECTED, 5000, () => `connected with the stored key; statuses ${show(statuses)}`);
  assert.equal((await adm.ackOk('GET_KEY_REQUESTS')).requests.filter((r) => r.clientId === stId).length, 0);
  log('reconnected with the stored key');

  // ---- taking requests off closes /llm (the extension is no longer available) ----
  ext.setTakeRequests(false);
  assert.equal(ext.state, STATUS.PAUSED);
  const off = await c.ackOk('GET_SILLYTAVERN_EXTENSION');
  await until(async () => !(await c.ackOk('GET_SILLYTAVERN_EXTENSION')).extensions.some((e) => (e.identity ?? e.clientId ?? e) === stId),
    5000, () => `extension gone from the list: ${show(off)}`);
  ext.setTakeRequests(true);
  await until(() => ext.state === STATUS.CONNECTED, 5000, 'connected after taking requests again');

  // ---- a denial stops with the reason ----
  ext.pairAgain();
  await until(() => ext.state === STATUS.PAIRING, 5000, 'pairing again');
  const third = (await adm.ackOk('GET_KEY_REQUESTS')).requests.find((r) => r.clientId === stId);
  await adm.ackOk('DENY_KEY_REQUEST', { roomId: third.roomId });
  await until(() => ext.state === STATUS.REFUSED, 5000, () => `refused after denial; statuses ${show(statuses)}`);
  assert.equal(ext.detail, 'Key request denied.');
  ext.stop();
  log('denial shown');
});
