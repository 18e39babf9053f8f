'use strict';
// An admin monitor generates a key for a trusted client over the wire and checks that it
// authenticates. Prints RESULT {"key": …}.
// params: {url, admin:{clientId,key}, targetClientId}
const { assert, log, main, result, connectOk, assertUuidV4, show } = require('./lib');

main(async ({ url, admin, targetClientId }) => {
  const adm = await connectOk(url, '/clients', { clientId: admin.clientId, key: admin.key, clientType: 'monitor' },
    { name: 'admin@/clients' });
  const gen = await adm.ack('GENERATE_CLIENT_KEY', { targetClientId });
  assert.ok(gen && gen.status === 'ok', `GENERATE_CLIENT_KEY: ${show(gen)}`);
  assertUuidV4(gen.key, 'generated key');
  const s = await connectOk(url, '/auth', { clientId: targetClientId, key: gen.key }, { name: `${targetClientId} with the new key`, transports: ['websocket'] });
  await s.ackOk('GET_SILLYTAVERN_EXTENSION');
  log('generated key authenticates');
  result({ key: gen.key });
}, 20000);
