'use strict';
// A trusted client is admitted on every namespace but /debug; an admin monitor on all eight;
// unknown namespaces are refused with 'Invalid namespace'.
// params: {url, client:{clientId,key}, admin:{clientId,key}}
const { assert, log, main, newManager, connectOk, connectRefused } = require('./lib');

const ORDINARY = ['/', '/auth', '/clients', '/rooms', '/llm', '/sillytavern', '/function_call'];
const ALL = [...ORDINARY, '/debug'];

main(async ({ url, client, admin }) => {
  // Ordinary trusted client: all namespaces multiplexed over one Engine.IO connection,
  // default transports (polling, then upgrade).
  const cm = newManager(url);
  const cauth = { clientId: client.clientId, key: client.key, clientType: 'TestClient', desc: 'interop namespaces' };
  const sockets = {};
  for (const ns of ORDINARY) {
    sockets[ns] = await connectOk(url, ns, cauth, { manager: cm, name: `client@${ns}` });
    log(`client admitted on ${ns}`);
  }
  await connectRefused(url, '/debug', cauth, 'Unauthorized', { manager: cm, name: 'client@/debug' });
  log('client refused on /debug: Unauthorized');
  // §4.3: a refused namespace does not affect the other sockets of the same connection.
  for (const ns of ORDINARY) {
    assert.ok(sockets[ns].connected, `client@${ns} must stay connected after the /debug refusal on the same connection`);
  }
  const list = await sockets['/clients'].ackOk('GET_CLIENT_LIST');
  assert.ok(Array.isArray(list.clients), `GET_CLIENT_LIST ack must carry clients[], got ${JSON.stringify(list)}`);
  const mine = list.clients.find((e) => e.identity === client.clientId);
  assert.ok(mine, `GET_CLIENT_LIST must list ${client.clientId} (connected on 7 namespaces); got ${JSON.stringify(list.clients)}`);
  assert.deepEqual([...mine.namespaces].sort(), [...ORDINARY].sort(),
    `client list entry of ${client.clientId}: namespaces must be the 7 namespaces in use`);

  // §4.2 step 3: an identity registered under another clientId is refused (before any trust
  // or key check), and an identity not starting with the clientId is invalid.
  const dupIdentity = client.clientId + '-dup';
  const holder = await connectOk(url, '/', { ...cauth, identity: dupIdentity }, { name: 'identity holder', transports: ['websocket'] });
  await connectRefused(url, '/', { clientId: dupIdentity, key: '00000000-0000-4000-8000-000000000000' },
    'Identity already in use.', { name: `clientId ${dupIdentity} while that identity is registered by ${client.clientId}` });
  holder.close();
  log('identity registered under another clientId: Identity already in use.');

  // Admin monitor: all eight namespaces, websocket only.
  const am = newManager(url, { transports: ['websocket'] });
  const aauth = { clientId: admin.clientId, key: admin.key, clientType: 'monitor' };
  for (const ns of ALL) {
    await connectOk(url, ns, aauth, { manager: am, name: `admin@${ns}` });
    log(`admin admitted on ${ns}`);
  }

  // Unknown namespaces, with valid credentials, without auth, and over both transports.
  await connectRefused(url, '/nope', cauth, 'Invalid namespace', { name: 'client@/nope' });
  await connectRefused(url, '/nope', undefined, 'Invalid namespace', { name: 'anonymous@/nope', transports: ['websocket'] });
  await connectRefused(url, '/admin', aauth, 'Invalid namespace', { name: 'admin@/admin', transports: ['websocket'] });
  log('unknown namespaces refused: Invalid namespace');
}, 30000);
