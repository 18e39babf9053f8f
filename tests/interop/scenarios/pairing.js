'use strict';
// 'getKey' pairing (§4.7, §6.4): pending state, admin view, approve, deny, held
// IDENTIFY_SILLYTAVERN, unknown roomId, non-admin refusal.
// params: {url, admin:{clientId,key}, client:{clientId,key}, approveId, denyId, stId, supersedeId}
const { assert, log, main, result, connectOk, connectRefused, assertUuidV4, assertIso, show, sleep, UUID_V4 } = require('./lib');

const TEMP_ROOM = new RegExp('^temp-' + UUID_V4.source.slice(1, -1) + '$');
const REQUEST_FIELDS = ['roomId', 'clientId', 'clientType', 'identity', 'desc', 'namespace', 'address', 'origin', 'createdAt', 'expiresAt'];
// A local page (§2.1: the default "local" refuses other sites before any namespace).
const ORIGIN = 'http://127.0.0.1:8123';

async function startPending(url, ns, clientId, clientType, transports) {
  const pending = await connectOk(url, ns,
    { clientId, key: 'getKey', clientType, desc: `pairing ${clientId}` },
    // Only the websocket transport can send an Origin header from Node (XHR forbids it).
    { name: `pending ${clientId}@${ns}`, transports, ...(transports ? { extraHeaders: { Origin: ORIGIN } } : {}) });
  const t = await pending.waitFor('TEMP_ROOM_ASSIGNED', () => true, 5000, 'after a getKey connect');
  assert.ok(t && typeof t === 'object', `TEMP_ROOM_ASSIGNED payload must be an object, got ${show(t)}`);
  assert.match(String(t.roomId), TEMP_ROOM, `TEMP_ROOM_ASSIGNED.roomId must be 'temp-<uuid v4>', got ${show(t)}`);
  log(`${clientId}: pending in ${t.roomId}`);
  return { pending, roomId: t.roomId };
}

main(async ({ url, admin, client, approveId, denyId, stId, supersedeId }) => {
  const adm = await connectOk(url, '/clients', { clientId: admin.clientId, key: admin.key, clientType: 'monitor' },
    { name: 'admin@/clients', transports: ['websocket'] });
  const nonAdmin = await connectOk(url, '/clients', { clientId: client.clientId, key: client.key },
    { name: 'non-admin@/clients' });

  // ---------- approve, on /auth (websocket: Node's XHR polling drops an Origin header) ----------
  const { pending, roomId } = await startPending(url, '/auth', approveId, 'TestClient', ['websocket']);

  const upd = await adm.waitFor('KEY_REQUESTS_UPDATE',
    (p) => p && Array.isArray(p.requests) && p.requests.some((r) => r.roomId === roomId),
    5000, `listing ${roomId}`);
  log('admin got KEY_REQUESTS_UPDATE listing the request');
  assert.ok(Array.isArray(upd.requests));

  const list = await adm.ackOk('GET_KEY_REQUESTS');
  assert.ok(Array.isArray(list.requests), `GET_KEY_REQUESTS ack must carry requests[], got ${show(list)}`);
  const req = list.requests.find((r) => r.roomId === roomId);
  assert.ok(req, `GET_KEY_REQUESTS must list ${roomId}, got ${show(list)}`);
  for (const f of REQUEST_FIELDS) {
    assert.ok(Object.hasOwn(req, f), `pending request entry lacks field '${f}': ${show(req)}`);
  }
  assert.equal(req.clientId, approveId, `request.clientId: ${show(req)}`);
  assert.equal(req.clientType, 'TestClient', `request.clientType: ${show(req)}`);
  assert.equal(req.identity, approveId, `request.identity (defaults to clientId): ${show(req)}`);
  assert.equal(req.desc, `pairing ${approveId}`, `request.desc: ${show(req)}`);
  assert.equal(req.namespace, '/auth', `request.namespace: ${show(req)}`);
  assert.ok(typeof req.address === 'string' && /127\.0\.0\.1/.test(req.address),
    `request.address must be the TCP peer address (127.0.0.1), got ${show(req.address)}`);
  assert.equal(req.origin, ORIGIN, `request.origin must be the HTTP Origin header, got ${show(req.origin)}`);
  assertIso(req.createdAt, 'request.createdAt');
  assertIso(req.expiresAt, 'request.expiresAt');
  assert.ok(Date.parse(req.expiresAt) > Date.parse(req.createdAt), `expiresAt must follow createdAt: ${show(req)}`);
  assert.equal(req.trusted, false, `request.trusted must be false for a never-trusted clientId: ${show(req)}`);
  log('GET_KEY_REQUESTS entry has the §4.7 fields');

  // Non-admins may not see or decide requests.
  await nonAdmin.ackError('GET_KEY_REQUESTS', [], 'Unauthorized');
  await nonAdmin.ackError('APPROVE_KEY_REQUEST', [{ roomId }], 'Unauthorized');
  await nonAdmin.ackError('DENY_KEY_REQUEST', [{ roomId }], 'Unauthorized');
  log('non-admin GET/APPROVE/DENY: Unauthorized');

  // The pending socket is not registered.
  const cl = await adm.ackOk('GET_CLIENT_LIST');
  assert.ok(!cl.clients.some((e) => e.clientId === approveId || e.identity === approveId),
    `a pending socket must appear in no client list, got ${show(cl.clients)}`);

  // Every event with an ack is answered 'Key request pending approval.' (unknown ones too).
  await pending.ackError('GET_SILLYTAVERN_EXTENSION', [], 'Key request pending approval.');
  await pending.ackError('GET_CLIENT_KEY', [{}], 'Key request pending approval.');
  await pending.ackError('NO_SUCH_EVENT_XYZ', [{}], 'Key request pending approval.');
  log('pending socket events answered: Key request pending approval.');

  // Approve.
  const beforeApprove = adm.mark();
  const approveAck = await adm.ack('APPROVE_KEY_REQUEST', { roomId });
  assert.deepEqual(approveAck, { status: 'ok', clientId: approveId },
    `APPROVE_KEY_REQUEST ack must be {status:'ok', clientId}, got ${show(approveAck)}`);
  const gk = await pending.waitFor('GET_CLIENT_KEY', () => true, 5000, 'after approval');
  assert.ok(gk && typeof gk === 'object', `GET_CLIENT_KEY payload: ${show(gk)}`);
  assertUuidV4(gk.key, 'GET_CLIENT_KEY.key');
  assert.deepEqual(gk, { type: 'GET_CLIENT_KEY', key: gk.key, clientId: approveId },
    `GET_CLIENT_KEY payload must be {type:'GET_CLIENT_KEY', key, clientId}, got ${show(gk)}`);
  log('pending socket received GET_CLIENT_KEY with a UUID v4 key');

  // The approved socket is now authenticated.
  assert.ok(pending.connected, 'the approved socket must stay connected');
  const ext = await pending.ackOk('GET_SILLYTAVERN_EXTENSION');
  assert.ok(Array.isArray(ext.extensions), `GET_SILLYTAVERN_EXTENSION after approval: ${show(ext)}`);
  const cl2 = await adm.ackOk('GET_CLIENT_LIST');
  assert.ok(cl2.clients.some((e) => e.identity === approveId),
    `the approved socket must be registered (listed), got ${show(cl2.clients)}`);

  // The request is gone.
  await adm.waitFor('KEY_REQUESTS_UPDATE',
    (p) => p && Array.isArray(p.requests) && !p.requests.some((r) => r.roomId === roomId),
    5000, `without ${roomId} after approval`, beforeApprove);
  const list2 = await adm.ackOk('GET_KEY_REQUESTS');
  assert.ok(!list2.requests.some((r) => r.roomId === roomId), `approved request still listed: ${show(list2)}`);

  // The key authenticates a fresh connection.
  const fresh = await connectOk(url, '/clients', { clientId: approveId, key: gk.key },
    { name: `${approveId} reconnecting with the approved key`, transports: ['websocket'] });
  await fresh.ackOk('GET_CLIENT_LIST');
  log('approved key authenticates a fresh connection');

  // Approving again: the request no longer exists.
  await adm.ackError('APPROVE_KEY_REQUEST', [{ roomId }], 'Key request not found.');

  // ---------- held IDENTIFY_SILLYTAVERN on a pending /sillytavern socket, then approve ----------
  const st = await startPending(url, '/sillytavern', stId, 'SillyTavern', undefined);
  let heldAck = null;
  const heldPromise = st.pending.ack('IDENTIFY_SILLYTAVERN', {}, { __ackTimeout: 8000 }).then((a) => { heldAck = a; return a; });
  await sleep(400);
  assert.equal(heldAck, null, `IDENTIFY_SILLYTAVERN on a pending socket must be held until the decision, got ${show(heldAck)}`);
  await adm.waitFor('KEY_REQUESTS_UPDATE',
    (p) => p && Array.isArray(p.requests) && p.requests.some((r) => r.roomId === st.roomId), 5000, `listing ${st.roomId}`);
  const stApprove = await adm.ack('APPROVE_KEY_REQUEST', { roomId: st.roomId });
  assert.deepEqual(stApprove, { status: 'ok', clientId: stId }, `APPROVE_KEY_REQUEST (/sillytavern): ${show(stApprove)}`);
  const held = await heldPromise;
  const stKey = await st.pending.waitFor('GET_CLIENT_KEY', () => true, 5000, 'after approval on /sillytavern');
  assert.deepEqual(held, { status: 'ok', key: stKey.key },
    `held IDENTIFY_SILLYTAVERN must be answered {status:'ok', key} with the pushed key ${show(stKey)}, got ${show(held)}`);
  log('held IDENTIFY_SILLYTAVERN answered with the approved key');

  // ---------- deny ----------
  const d = await startPending(url, '/auth', denyId, 'TestClient', ['websocket']);
  await adm.waitFor('KEY_REQUESTS_UPDATE',
    (p) => p && Array.isArray(p.requests) && p.requests.some((r) => r.roomId === d.roomId), 5000, `listing ${d.roomId}`);
  const denyAck = await adm.ack('DENY_KEY_REQUEST', { roomId: d.roomId });
  assert.deepEqual(denyAck, { status: 'ok', clientId: denyId }, `DENY_KEY_REQUEST ack: ${show(denyAck)}`);
  const err = await d.pending.waitFor('ERROR', () => true, 5000, 'after deny');
  assert.deepEqual(err, { type: 'ERROR', message: 'Key request denied.' }, `ERROR after deny: ${show(err)}`);
  const reason = await d.pending.waitDisconnect(5000, 'after deny');
  assert.equal(reason, 'io server disconnect', `a denied socket is disconnected by the server; reason ${show(reason)}`);
  assert.equal(d.pending.received('GET_CLIENT_KEY').length, 0, 'a denied socket must never get GET_CLIENT_KEY');
  log('denied: ERROR Key request denied. + io server disconnect');
  await adm.ackError('DENY_KEY_REQUEST', [{ roomId: d.roomId }], 'Key request not found.');

  // ---------- a new request for the same clientId supersedes the pending one ----------
  const s1 = await startPending(url, '/auth', supersedeId, 'TestClient', ['websocket']);
  const s2 = await startPending(url, '/auth', supersedeId, 'TestClient', undefined);
  const sErr = await s1.pending.waitFor('ERROR', () => true, 5000, 'superseded');
  assert.deepEqual(sErr, { type: 'ERROR', message: 'Key request superseded.' }, `ERROR to the superseded socket: ${show(sErr)}`);
  assert.equal(await s1.pending.waitDisconnect(5000, 'superseded'), 'io server disconnect', 'a superseded socket is disconnected by the server');
  assert.ok(s2.pending.connected, 'the superseding socket stays pending');
  const sList = await adm.ackOk('GET_KEY_REQUESTS');
  const mineNow = sList.requests.filter((r) => r.clientId === supersedeId).map((r) => r.roomId);
  assert.deepEqual(mineNow, [s2.roomId], `only the newest request of ${supersedeId} may be pending: ${show(sList.requests)}`);
  const beforeLeave = adm.mark();
  s2.pending.close();
  await adm.waitFor('KEY_REQUESTS_UPDATE',
    (p) => p && Array.isArray(p.requests) && !p.requests.some((r) => r.clientId === supersedeId),
    5000, 'a pending request ends when its socket disconnects', beforeLeave);
  log('superseded request: ERROR Key request superseded.; request ends with its socket');

  // ---------- unknown / malformed roomIds ----------
  await adm.ackError('APPROVE_KEY_REQUEST', [{ roomId: 'temp-00000000-0000-4000-8000-000000000000' }], 'Key request not found.');
  await adm.ackError('DENY_KEY_REQUEST', [{ roomId: 'temp-00000000-0000-4000-8000-000000000000' }], 'Key request not found.');
  await adm.ackError('APPROVE_KEY_REQUEST', ['temp-x'], 'Invalid payload.');
  log('unknown roomId: Key request not found.');

  // ---------- the approving admin never saw a plaintext key ----------
  const everything = JSON.stringify(adm.events) + JSON.stringify([approveAck, stApprove, denyAck, list, list2]);
  for (const k of [gk.key, stKey.key]) {
    assert.ok(!everything.includes(k), `the admin socket received the approved plaintext key ${k} somewhere: ${everything.slice(0, 400)}`);
  }
  log('admin never saw an approved plaintext key');
  result({ approveKey: gk.key, stKey: stKey.key });
}, 40000);
