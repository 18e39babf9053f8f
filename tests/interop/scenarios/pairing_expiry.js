'use strict';
// Pending key request expiry (§4.7 step 7). Dedicated server with a small pairingTimeoutMs.
// params: {url, admin:{clientId,key}, pendingId, timeoutMs}
const { assert, log, main, connectOk, connectRefused, assertIso, show, UUID_V4 } = require('./lib');

main(async ({ url, admin, pendingId, timeoutMs }) => {
  const adm = await connectOk(url, '/clients', { clientId: admin.clientId, key: admin.key, clientType: 'monitor' },
    { name: 'admin@/clients' });
  const t0 = Date.now();
  const pending = await connectOk(url, '/auth', { clientId: pendingId, key: 'getKey' },
    { name: `pending ${pendingId}`, transports: ['websocket'] });
  const t = await pending.waitFor('TEMP_ROOM_ASSIGNED', () => true, 5000);
  assert.match(String(t && t.roomId), new RegExp('^temp-' + UUID_V4.source.slice(1, -1) + '$'), `TEMP_ROOM_ASSIGNED: ${show(t)}`);

  const list = await adm.ackOk('GET_KEY_REQUESTS');
  const sinceListed = adm.mark();
  const req = (list.requests || []).find((r) => r.roomId === t.roomId);
  assert.ok(req, `GET_KEY_REQUESTS must list ${t.roomId}: ${show(list)}`);
  assertIso(req.createdAt, 'createdAt');
  assertIso(req.expiresAt, 'expiresAt');
  const life = Date.parse(req.expiresAt) - Date.parse(req.createdAt);
  assert.ok(Math.abs(life - timeoutMs) <= 100,
    `expiresAt - createdAt must be pairingTimeoutMs (${timeoutMs}), got ${life} ms (${show(req)})`);
  assert.equal(req.clientType, 'unknown', `clientType of a request without one defaults to 'unknown': ${show(req)}`);

  // §4.7 step 1: at most pairingMaxPendingPerAddress (3) pending requests per address.
  const p2 = await connectOk(url, '/auth', { clientId: pendingId + '-2', key: 'getKey' }, { name: 'pending #2' });
  const p3 = await connectOk(url, '/sillytavern', { clientId: pendingId + '-3', key: 'getKey', clientType: 'SillyTavern' },
    { name: 'pending #3', transports: ['websocket'] });
  await p2.waitFor('TEMP_ROOM_ASSIGNED');
  await p3.waitFor('TEMP_ROOM_ASSIGNED');
  await connectRefused(url, '/auth', { clientId: pendingId + '-4', key: 'getKey' }, 'Too many pending key requests.',
    { name: 'a 4th pending request from the same address' });
  log('4th pending request from one address: Too many pending key requests.');

  const err = await pending.waitFor('ERROR', () => true, timeoutMs + 5000, 'expiry');
  const elapsed = Date.now() - t0;
  assert.deepEqual(err, { type: 'ERROR', message: 'Key request expired.' }, `ERROR on expiry: ${show(err)}`);
  assert.ok(elapsed >= timeoutMs - 300, `the request expired after ${elapsed} ms, before pairingTimeoutMs ${timeoutMs}`);
  const reason = await pending.waitDisconnect(5000, 'after expiry');
  assert.equal(reason, 'io server disconnect', `expired socket disconnect reason: ${show(reason)}`);
  log(`expired after ${elapsed} ms: ERROR Key request expired. + io server disconnect`);

  await adm.waitFor('KEY_REQUESTS_UPDATE',
    (p) => p && Array.isArray(p.requests) && !p.requests.some((r) => r.roomId === t.roomId), 3000, 'after expiry', sinceListed);
  const list2 = await adm.ackOk('GET_KEY_REQUESTS');
  assert.ok(!list2.requests.some((r) => r.roomId === t.roomId), `expired request still listed: ${show(list2)}`);
  await adm.ackError('APPROVE_KEY_REQUEST', [{ roomId: t.roomId }], 'Key request not found.');
  log('expired request is gone');
  for (const p of [p2, p3]) {
    const e = await p.waitFor('ERROR', () => true, 5000, 'expiry');
    assert.deepEqual(e, { type: 'ERROR', message: 'Key request expired.' }, `${p.name}: ${show(e)}`);
  }
}, 30000);
