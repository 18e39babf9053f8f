'use strict';
// /clients lists and broadcasts (§5, §6.4), ack conventions (§2.2): equivalent ack-only forms,
// invalid payloads, unknown events, non-string event names.
// params: {url, observer:{clientId,key}, listed:{clientId,key}, allKeys:[plaintext…]}
const { assert, log, main, connectOk, assertIso, show, sleep } = require('./lib');

const ENTRY_FIELDS = ['clientId', 'clientType', 'connectedAt', 'desc', 'identity', 'namespaces'];

function hasIdentity(id) {
  return (p) => p && Array.isArray(p.clients) && p.clients.some((e) => e && e.identity === id);
}

main(async ({ url, observer, listed, allKeys }) => {
  const obs = await connectOk(url, '/clients', { clientId: observer.clientId, key: observer.key, clientType: 'TestClient' },
    { name: 'observer@/clients', transports: ['websocket'] });
  const since = obs.mark();

  // A client connects: every /clients socket receives both update events.
  const lst = await connectOk(url, '/', { clientId: listed.clientId, key: listed.key, clientType: 'TestClient', desc: 'listed by interop' },
    { name: 'listed@/' });
  const u1 = await obs.waitFor('UPDATE_CONNECTED_CLIENTS', hasIdentity(listed.clientId), 5000, `listing ${listed.clientId}`, since);
  const u2 = await obs.waitFor('CONNECTED_CLIENTS_UPDATE', hasIdentity(listed.clientId), 5000, `listing ${listed.clientId}`, since);
  log('observer got UPDATE_CONNECTED_CLIENTS and CONNECTED_CLIENTS_UPDATE');
  for (const [name, p] of [['UPDATE_CONNECTED_CLIENTS', u1], ['CONNECTED_CLIENTS_UPDATE', u2]]) {
    assert.deepEqual(Object.keys(p), ['clients'], `${name} payload must be {clients}, got keys ${show(Object.keys(p))}`);
  }

  // The three ack-only forms are equivalent.
  const a = await obs.ack('GET_CLIENT_LIST');
  const b = await obs.ack('GET_CLIENT_LIST', {});
  const c = await obs.ack('GET_CLIENT_LIST', undefined);
  const d = await obs.ack('GET_CLIENT_LIST', null);
  assert.equal(a && a.status, 'ok', `GET_CLIENT_LIST(cb): ${show(a)}`);
  assert.deepEqual(b, a, `GET_CLIENT_LIST({}, cb) must answer like GET_CLIENT_LIST(cb): ${show(b)} vs ${show(a)}`);
  assert.deepEqual(c, a, `GET_CLIENT_LIST(undefined, cb) must answer like GET_CLIENT_LIST(cb): ${show(c)} vs ${show(a)}`);
  assert.deepEqual(d, a, `GET_CLIENT_LIST(null, cb) must answer like GET_CLIENT_LIST(cb): ${show(d)} vs ${show(a)}`);
  log('GET_CLIENT_LIST(cb), ({}, cb), (undefined, cb), (null, cb) answer identically');

  // Entry shape.
  assert.deepEqual(Object.keys(a).sort(), ['clients', 'status'], `GET_CLIENT_LIST ack keys: ${show(Object.keys(a))}`);
  assert.ok(Array.isArray(a.clients), 'clients must be an array');
  for (const e of a.clients) {
    assert.deepEqual(Object.keys(e).sort(), ENTRY_FIELDS, `client list entry must have exactly {clientId, identity, clientType, desc, namespaces, connectedAt}: ${show(e)}`);
    assert.ok(Array.isArray(e.namespaces), `entry.namespaces must be an array: ${show(e)}`);
    assertIso(e.connectedAt, `connectedAt of ${e.identity}`);
  }
  const me = a.clients.find((e) => e.identity === listed.clientId);
  assert.ok(me, `GET_CLIENT_LIST must list ${listed.clientId}`);
  assert.equal(me.clientId, listed.clientId, `entry.clientId: ${show(me)}`);
  assert.equal(me.clientType, 'TestClient', `entry.clientType: ${show(me)}`);
  assert.equal(me.desc, 'listed by interop', `entry.desc: ${show(me)}`);
  assert.deepEqual(me.namespaces, ['/'], `entry.namespaces: ${show(me)}`);
  const obsEntry = a.clients.find((e) => e.identity === observer.clientId);
  assert.ok(obsEntry && obsEntry.namespaces.includes('/clients'), `the observer itself must be listed with /clients: ${show(obsEntry)}`);

  // Never a key or a hash anywhere.
  for (const [name, payload] of [['GET_CLIENT_LIST ack', a], ['UPDATE_CONNECTED_CLIENTS', u1], ['CONNECTED_CLIENTS_UPDATE', u2]]) {
    const text = JSON.stringify(payload);
    assert.ok(!text.includes('$2'), `${name} contains something like a bcrypt hash ('$2'): ${text.slice(0, 300)}`);
    for (const k of allKeys) assert.ok(!text.includes(k), `${name} contains a plaintext key`);
  }
  log('client list entries have the §5 shape and carry no key or hash');

  // Request form of UPDATE_CONNECTED_CLIENTS.
  const upd = await obs.ack('UPDATE_CONNECTED_CLIENTS');
  assert.deepEqual(upd, a, `UPDATE_CONNECTED_CLIENTS with an ack must answer {status:'ok', clients} like GET_CLIENT_LIST: ${show(upd)}`);

  // Non-object payloads.
  await obs.ackError('GET_CLIENT_LIST', ['x'], 'Invalid payload.');
  await obs.ackError('GET_CLIENT_LIST', [5], 'Invalid payload.');
  await obs.ackError('GET_CLIENT_LIST', [[1, 2]], 'Invalid payload.');
  await obs.ackError('GET_CLIENT_LIST', [true], 'Invalid payload.');
  log('GET_CLIENT_LIST with non-object payloads: Invalid payload.');

  // Unknown events.
  await obs.ackError('NO_SUCH_EVENT_XYZ', [], 'Unknown event.');
  await obs.ackError('NO_SUCH_EVENT_XYZ', [{ a: 1 }], 'Unknown event.');
  await obs.ackError('LOGIN', [{}], 'Unknown event.');
  obs.socket.emit('NO_SUCH_EVENT_WITHOUT_ACK', { a: 1 });
  log('unknown events with an ack: Unknown event.');

  // Non-string event names are ignored; the connection stays open.
  obs.socket.emit(undefined, { a: 1 });
  obs.socket.emit(null, 'x');
  obs.socket.emit(42, { a: 1 });
  await obs.noAck(undefined, { a: 1 }, 500);
  assert.ok(obs.connected, 'the socket must stay connected after packets with a non-string event name');
  const after = await obs.ackOk('GET_CLIENT_LIST');
  assert.ok(Array.isArray(after.clients), `GET_CLIENT_LIST after non-string event names: ${show(after)}`);
  assert.ok(lst.connected, 'listed@/ must be unaffected');
  log('non-string event names ignored; socket still answers');

  // CLIENT_DISCONNECTED disconnects that socket only (§6.1); the observer sees the removal.
  const sinceRemoval = obs.mark();
  lst.socket.emit('CLIENT_DISCONNECTED', {});
  const reason = await lst.waitDisconnect(5000, 'after CLIENT_DISCONNECTED');
  assert.equal(reason, 'io server disconnect', `CLIENT_DISCONNECTED: disconnect reason ${show(reason)}`);
  await obs.waitFor('UPDATE_CONNECTED_CLIENTS', (p) => p && Array.isArray(p.clients) && !hasIdentity(listed.clientId)(p),
    5000, `without ${listed.clientId} after it left`, sinceRemoval);
  await obs.waitFor('CONNECTED_CLIENTS_UPDATE', (p) => p && Array.isArray(p.clients) && !hasIdentity(listed.clientId)(p),
    5000, `without ${listed.clientId} after it left`, sinceRemoval);
  log('removal broadcast to /clients');
  await sleep(10);
}, 30000);
