'use strict';
// GENERATE_CLIENT_KEY, re-keying and REMOVE_CLIENT_KEY revocation (§4.4, §4.10, §6.3, §6.4),
// permission and payload validation of the key events.
// params: {url, admin:{clientId,key}, client:{clientId,key}, genTarget (trusted, no key), revokeTarget (trusted, no key)}
const { assert, log, main, newManager, connectOk, connectRefused, assertUuidV4, show } = require('./lib');

const ORDINARY = ['/', '/auth', '/clients', '/rooms', '/llm', '/sillytavern', '/function_call'];

async function connectEverywhere(url, clientId, key, transports) {
  const m = newManager(url, transports ? { transports } : {});
  const socks = [];
  for (const ns of ORDINARY) {
    socks.push(await connectOk(url, ns, { clientId, key, clientType: 'TestClient' }, { manager: m, name: `${clientId}@${ns}` }));
  }
  return socks;
}

async function expectRevoked(socks, what) {
  for (const s of socks) {
    const err = await s.waitFor('ERROR', (p) => p && p.message === 'Key revoked.', 5000, what);
    assert.deepEqual(err, { type: 'ERROR', message: 'Key revoked.' }, `${s.name}: ERROR payload on revocation (${what}): ${show(err)}`);
    const reason = await s.waitDisconnect(5000, what);
    assert.equal(reason, 'io server disconnect', `${s.name}: disconnect reason after revocation (${what}): ${show(reason)}`);
  }
}

main(async ({ url, admin, client, genTarget, revokeTarget }) => {
  const adm = await connectOk(url, '/clients', { clientId: admin.clientId, key: admin.key, clientType: 'monitor' },
    { name: 'admin@/clients', transports: ['websocket'] });
  const usr = await connectOk(url, '/clients', { clientId: client.clientId, key: client.key },
    { name: 'non-admin@/clients' });

  // ---------- payload shape before permission (§2.2 item 9) ----------
  await adm.ackError('GENERATE_CLIENT_KEY', [5], 'Invalid payload.');
  await adm.ackError('GENERATE_CLIENT_KEY', ['abc'], 'Invalid payload.');
  await adm.ackError('GENERATE_CLIENT_KEY', [[genTarget]], 'Invalid payload.');
  await usr.ackError('GENERATE_CLIENT_KEY', [5], 'Invalid payload.');
  await adm.ackError('GENERATE_CLIENT_KEY', [{}], 'Missing targetClientId.');
  await adm.ackError('GENERATE_CLIENT_KEY', [{ targetClientId: '' }], 'Missing targetClientId.');
  const bad = await adm.ack('GENERATE_CLIENT_KEY', { targetClientId: 5 });
  assert.ok(bad && bad.status === 'error' && typeof bad.message === 'string' && bad.message.length > 0,
    `GENERATE_CLIENT_KEY {targetClientId: 5} must be an error ack, got ${show(bad)}`);
  assert.ok(!Object.hasOwn(bad, 'key'), `error ack must not carry a key: ${show(bad)}`);
  await adm.ackError('REMOVE_CLIENT_KEY', ['abc'], 'Invalid payload.');
  await adm.ackError('REMOVE_CLIENT_KEY', [{}], 'Missing targetClientId.');
  log('malformed GENERATE/REMOVE payloads answered with error acks');

  // ---------- admin only ----------
  await usr.ackError('GENERATE_CLIENT_KEY', [{ targetClientId: client.clientId }], 'Unauthorized');
  await usr.ackError('GENERATE_CLIENT_KEY', [{ targetClientId: genTarget }], 'Unauthorized');
  await usr.ackError('REMOVE_CLIENT_KEY', [{ targetClientId: genTarget }], 'Unauthorized');
  await usr.ackError('GET_ALL_CLIENT_KEYS', [], 'Unauthorized');
  log('non-admin GENERATE/REMOVE/GET_ALL_CLIENT_KEYS: Unauthorized');

  // GET_CLIENT_KEY returns the stored hash, own clientId only for non-admins.
  const own = await usr.ackOk('GET_CLIENT_KEY', {});
  assert.ok(typeof own.key === 'string' && own.key.startsWith('$2') && own.key !== client.key,
    `GET_CLIENT_KEY must return the stored bcrypt hash, got ${show(own)}`);
  await usr.ackError('GET_CLIENT_KEY', [{ clientId: admin.clientId }], 'You are have no right to get others key.');

  // ---------- GENERATE_CLIENT_KEY for a trusted client without a key ----------
  await connectRefused(url, '/', { clientId: genTarget, key: '00000000-0000-4000-8000-000000000000' }, 'Invalid key.',
    { name: `${genTarget} before it has a key` });
  const gen = await adm.ack('GENERATE_CLIENT_KEY', { targetClientId: genTarget });
  assert.ok(gen && gen.status === 'ok', `GENERATE_CLIENT_KEY {targetClientId:${genTarget}}: ${show(gen)}`);
  assertUuidV4(gen.key, 'GENERATE_CLIENT_KEY ack key');
  assert.deepEqual(gen, { status: 'ok', key: gen.key, clientId: genTarget }, `GENERATE_CLIENT_KEY ack shape: ${show(gen)}`);
  const g1 = await connectOk(url, '/', { clientId: genTarget, key: gen.key }, { name: `${genTarget} with the generated key` });
  const g2 = await connectOk(url, '/llm', { clientId: genTarget, key: gen.key }, { name: `${genTarget}@/llm with the generated key`, transports: ['websocket'] });
  g1.close(); g2.close();
  log('generated key is a UUID v4 and authenticates');

  // ---------- re-keying revokes every live socket of that clientId ----------
  const k1 = (await adm.ackOk('GENERATE_CLIENT_KEY', { targetClientId: revokeTarget })).key;
  assertUuidV4(k1, 'first key of revokeTarget');
  const live1 = await connectEverywhere(url, revokeTarget, k1, undefined);
  log(`${revokeTarget} live on ${live1.length} namespaces`);
  // alias 'clientId' (§6.4)
  const rekey = await adm.ack('GENERATE_CLIENT_KEY', { clientId: revokeTarget });
  assert.ok(rekey && rekey.status === 'ok', `GENERATE_CLIENT_KEY {clientId} (alias): ${show(rekey)}`);
  assertUuidV4(rekey.key, 're-key key');
  assert.notEqual(rekey.key, k1, 're-keying must produce a new key');
  assert.deepEqual(rekey, { status: 'ok', key: rekey.key, clientId: revokeTarget }, `re-key ack shape: ${show(rekey)}`);
  await expectRevoked(live1, 're-key');
  log('re-key: every live socket got ERROR Key revoked. and io server disconnect');
  assert.ok(adm.connected, 'admin socket must stay connected');
  await connectRefused(url, '/', { clientId: revokeTarget, key: k1 }, 'Invalid key.', { name: `${revokeTarget} with the replaced key` });
  const k2 = rekey.key;

  // ---------- REMOVE_CLIENT_KEY ----------
  const live2 = await connectEverywhere(url, revokeTarget, k2, ['websocket']);
  const rm = await adm.ack('REMOVE_CLIENT_KEY', { targetClientId: revokeTarget });
  assert.deepEqual(rm, { status: 'ok' }, `REMOVE_CLIENT_KEY ack: ${show(rm)}`);
  await expectRevoked(live2, 'REMOVE_CLIENT_KEY');
  log('remove: every live socket got ERROR Key revoked. and io server disconnect');
  // Removing a key does not untrust: the refusal is 'Invalid key.', not 'Client is not trusted.'.
  await connectRefused(url, '/clients', { clientId: revokeTarget, key: k2 }, 'Invalid key.', { name: `${revokeTarget} with the removed key` });
  const rm2 = await adm.ack('REMOVE_CLIENT_KEY', { targetClientId: revokeTarget });
  assert.deepEqual(rm2, { status: 'ok', message: 'Client key not found.' }, `REMOVE_CLIENT_KEY of a missing key: ${show(rm2)}`);
  const rm3 = await adm.ack('REMOVE_CLIENT_KEY', { clientId: 'interop-never-existed' });
  assert.deepEqual(rm3, { status: 'ok', message: 'Client key not found.' }, `REMOVE_CLIENT_KEY {clientId} of an unknown clientId: ${show(rm3)}`);
  log('REMOVE_CLIENT_KEY of a missing key: soft ok');

  // GET_ALL_CLIENT_KEYS (admin) shows hashes only.
  const all = await adm.ackOk('GET_ALL_CLIENT_KEYS');
  assert.ok(all.keys && typeof all.keys === 'object', `GET_ALL_CLIENT_KEYS: ${show(all)}`);
  assert.ok(all.keys[genTarget] && String(all.keys[genTarget].key).startsWith('$2'), `GET_ALL_CLIENT_KEYS entry of ${genTarget}: ${show(all.keys[genTarget])}`);
  assert.ok(!Object.hasOwn(all.keys, revokeTarget), `a removed key must not be listed: ${show(all.keys[revokeTarget])}`);
  const allText = JSON.stringify(all);
  for (const k of [gen.key, k1, k2, admin.key, client.key]) {
    assert.ok(!allText.includes(k), 'GET_ALL_CLIENT_KEYS must not contain a plaintext key');
  }
  log('GET_ALL_CLIENT_KEYS lists hashes only');
}, 40000);
