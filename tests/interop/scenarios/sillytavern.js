'use strict';
// Extensions: GET_SILLYTAVERN_EXTENSION (§6.3) and IDENTIFY_SILLYTAVERN (§6.7).
// params: {url, client:{clientId,key}, ext:{clientId,key}, st:{clientId,key}}
const { assert, log, main, result, connectOk, connectRefused, assertUuidV4, show, sleep } = require('./lib');

async function extList(sock) {
  const r = await sock.ack('GET_SILLYTAVERN_EXTENSION');
  assert.ok(r && r.status === 'ok', `${sock.name}: GET_SILLYTAVERN_EXTENSION: ${show(r)}`);
  assert.ok(Array.isArray(r.extensions) && Array.isArray(r.allTheSTSocket),
    `${sock.name}: GET_SILLYTAVERN_EXTENSION must carry extensions[] and allTheSTSocket[]: ${show(r)}`);
  assert.deepEqual(r.allTheSTSocket, r.extensions, `${sock.name}: allTheSTSocket must equal extensions: ${show(r)}`);
  return r;
}

main(async ({ url, client, ext, st }) => {
  const usr = await connectOk(url, '/auth', { clientId: client.clientId, key: client.key, clientType: 'TestClient' },
    { name: 'client@/auth' });

  // ---------- GET_SILLYTAVERN_EXTENSION ----------
  const empty = await extList(usr);
  assert.deepEqual(empty, { status: 'ok', extensions: [], allTheSTSocket: [] },
    `with no extension connected the answer is an empty success: ${show(empty)}`);
  log('no extension: empty list, status ok');

  // an extension on /sillytavern only is not available
  const extSt = await connectOk(url, '/sillytavern', { clientId: ext.clientId, key: ext.key, clientType: 'SillyTavern' },
    { name: 'ext@/sillytavern' });
  const stillEmpty = await extList(usr);
  assert.deepEqual(stillEmpty.extensions, [], `an extension without a /llm socket is not available: ${show(stillEmpty)}`);

  const extLlm = await connectOk(url, '/llm', { clientId: ext.clientId, key: ext.key, clientType: 'SillyTavern' },
    { name: 'ext@/llm', transports: ['websocket'] });
  const one = await extList(usr);
  assert.deepEqual(one.extensions, [ext.clientId], `GET_SILLYTAVERN_EXTENSION with ${ext.clientId} on /llm: ${show(one)}`);
  const viaLlm = await extList(extLlm);
  assert.deepEqual(viaLlm.extensions, [ext.clientId], `GET_SILLYTAVERN_EXTENSION on /llm: ${show(viaLlm)}`);
  const withPayload = await usr.ack('GET_SILLYTAVERN_EXTENSION', {});
  assert.deepEqual(withPayload, one, `GET_SILLYTAVERN_EXTENSION({}, cb) must equal GET_SILLYTAVERN_EXTENSION(cb)`);
  log('extension on /llm listed in extensions and allTheSTSocket');

  extLlm.close();
  extSt.close();
  let gone;
  for (let i = 0; i < 20; i++) {
    gone = await extList(usr);
    if (gone.extensions.length === 0) break;
    await sleep(100);
  }
  assert.deepEqual(gone.extensions, [], `an extension whose /llm socket closed must leave the list: ${show(gone)}`);
  log('extension left the list after disconnecting');

  // ---------- IDENTIFY_SILLYTAVERN ----------
  const nonExt = await connectOk(url, '/sillytavern', { clientId: client.clientId, key: client.key, clientType: 'TestClient' },
    { name: 'client@/sillytavern', transports: ['websocket'] });
  await nonExt.ackError('IDENTIFY_SILLYTAVERN', [{}], 'Permission denied.');
  await nonExt.ackError('IDENTIFY_SILLYTAVERN', [], 'Permission denied.');
  await nonExt.ackError('IDENTIFY_SILLYTAVERN', ['x'], 'Invalid payload.');
  log('non-extension IDENTIFY_SILLYTAVERN: Permission denied.');

  const k0 = st.key;
  const stAuth = { clientId: st.clientId, key: k0, clientType: 'SillyTavern' };
  const stSock = await connectOk(url, '/sillytavern', stAuth, { name: 'st@/sillytavern' });
  const stRoot = await connectOk(url, '/', stAuth, { name: 'st@/', transports: ['websocket'] });
  await stSock.ackError('IDENTIFY_SILLYTAVERN', [{ clientId: 'someone-else' }], 'clientId does not match this connection.');
  const id = await stSock.ack('IDENTIFY_SILLYTAVERN');
  assert.ok(id && id.status === 'ok', `IDENTIFY_SILLYTAVERN by an extension: ${show(id)}`);
  assertUuidV4(id.key, 'IDENTIFY_SILLYTAVERN key');
  assert.deepEqual(id, { status: 'ok', key: id.key }, `IDENTIFY_SILLYTAVERN ack shape: ${show(id)}`);
  assert.notEqual(id.key, k0, 'IDENTIFY_SILLYTAVERN must generate a fresh key');
  const k1 = id.key;
  log('IDENTIFY_SILLYTAVERN returned a fresh UUID v4 key');

  // re-keying: the other live socket is revoked, the asking socket is spared
  const err = await stRoot.waitFor('ERROR', (p) => p && p.message === 'Key revoked.', 5000, 'after IDENTIFY_SILLYTAVERN re-keyed');
  assert.deepEqual(err, { type: 'ERROR', message: 'Key revoked.' }, `ERROR to the other socket: ${show(err)}`);
  assert.equal(await stRoot.waitDisconnect(5000), 'io server disconnect', 'st@/ must be disconnected by the server');
  await sleep(200);
  assert.ok(stSock.connected, 'the socket that called IDENTIFY_SILLYTAVERN must be spared');
  assert.equal(stSock.received('ERROR').length, 0, `the asking socket must not get an ERROR: ${show(stSock.received('ERROR'))}`);
  await stSock.ackError('NO_SUCH_EVENT_XYZ', [], 'Unknown event.');
  log('other socket revoked; the asking socket spared');

  await connectRefused(url, '/', stAuth, 'Invalid key.', { name: 'st with the old key' });
  const fresh = await connectOk(url, '/llm', { ...stAuth, key: k1 }, { name: 'st@/llm with the new key' });
  log('old key fails, new key authenticates');

  // another socket of this clientId is live on /llm (make sure the server sees it as available)
  const avail = await extList(usr);
  assert.deepEqual(avail.extensions, [st.clientId], `${st.clientId} on /llm must be listed before the next check: ${show(avail)}`);
  await stSock.ackError('IDENTIFY_SILLYTAVERN', [{}], 'SillyTavern extension already connected.');
  fresh.close();
  result({ stKey: k1 });
}, 30000);
