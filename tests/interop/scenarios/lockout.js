'use strict';
// Brute-force protection (§4.9). Run against a dedicated server with a low authMaxFailures and
// a short authFailureWindowMs. All connections come from 127.0.0.1: failures count per
// (address, clientId), so one program (or page) locking itself out leaves the others alone.
// params: {url, client:{clientId,key}, other:{clientId,key}, untrustedId, maxFailures, windowMs}
const { log, main, connectOk, connectRefused, sleep } = require('./lib');

const LOCKED = 'Too many failed attempts. Try again later.';

main(async ({ url, client, other, untrustedId, maxFailures, windowMs }) => {
  const wrongKey = '00000000-0000-4000-8000-000000000000';
  // Phase 1: wrong keys (§4.2 step 8) count as failures.
  for (let i = 1; i <= maxFailures; i++) {
    await connectRefused(url, '/', { clientId: client.clientId, key: wrongKey }, 'Invalid key.',
      { name: `wrong key #${i}`, transports: i % 2 ? ['websocket'] : undefined });
    log(`wrong key #${i}: Invalid key.`);
  }
  await connectRefused(url, '/', { clientId: client.clientId, key: client.key }, LOCKED,
    { name: `${client.clientId} with the RIGHT key after ${maxFailures} failures` });
  log('right key refused while locked out');
  const other1 = await connectOk(url, '/auth', { clientId: other.clientId, key: other.key },
    { name: `other clientId ${other.clientId} from the same address`, transports: ['websocket'] });
  other1.close();
  log('other clientId from the same address admitted while the first is locked out');

  // The window slides: once the failures are older than authFailureWindowMs, access returns.
  await sleep(windowMs + 700);
  const ok = await connectOk(url, '/', { clientId: client.clientId, key: client.key },
    { name: `${client.clientId} with the right key after the failure window (${windowMs} ms) passed` });
  ok.close();
  log('right key admitted after the window');

  // Phase 2: untrusted clientIds (§4.2 step 7) count as failures too.
  for (let i = 1; i <= maxFailures; i++) {
    await connectRefused(url, '/', { clientId: untrustedId, key: wrongKey }, 'Client is not trusted.',
      { name: `untrusted #${i}` });
    log(`untrusted #${i}: Client is not trusted.`);
  }
  await connectRefused(url, '/clients', { clientId: untrustedId, key: wrongKey }, LOCKED,
    { name: `${untrustedId} after ${maxFailures} untrusted attempts` });
  const other2 = await connectOk(url, '/clients', { clientId: other.clientId, key: other.key },
    { name: `${other.clientId} with the right key after ${maxFailures} untrusted attempts of another id` });
  other2.close();
  log('the untrusted id is locked out, the other clientId is not');
}, 40000);
