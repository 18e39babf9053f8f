'use strict';
// Holds live connections while the Python side stops the server with SIGTERM: three
// namespace sockets on one Engine.IO connection plus a bare Engine.IO connection (no
// namespace), all over the given transport. Prints READY once everything is open, then exits
// 0 when the server has closed every one of them.
// params: {url, client:{clientId,key}, transport:'websocket'|'polling'}
const { assert, log, main, newManager, connectOk, show } = require('./lib');

const CLOSED = ['io server disconnect', 'transport close', 'transport error'];

main(async ({ url, client, transport }) => {
  const auth = { clientId: client.clientId, key: client.key };
  const m = newManager(url, { transports: [transport] });
  const socks = [
    await connectOk(url, '/', auth, { manager: m, name: `${transport}@/` }),
    await connectOk(url, '/clients', auth, { manager: m, name: `${transport}@/clients` }),
    await connectOk(url, '/llm', auth, { manager: m, name: `${transport}@/llm` }),
  ];
  // a bare Engine.IO connection of the same transport, with no namespace socket
  const bare = newManager(url, { transports: [transport] });
  await new Promise((resolve, reject) => {
    bare.once('open', resolve);
    bare.once('error', (e) => reject(new Error(`bare ${transport} engine: ${e && e.message}`)));
  });
  const bareClosed = new Promise((resolve) => bare.once('close', (reason) => resolve(reason)));
  console.log('READY');
  for (const s of socks) {
    const reason = await s.waitDisconnect(15000, 'after SIGTERM');
    assert.ok(CLOSED.includes(reason), `${s.name}: unexpected disconnect reason on shutdown: ${show(reason)}`);
    log(`${s.name} closed: ${reason}`);
  }
  const r = await Promise.race([bareClosed, new Promise((res) => setTimeout(() => res(null), 15000))]);
  assert.ok(r !== null, `the bare ${transport} Engine.IO connection was not closed by the shutdown`);
  log(`bare ${transport} connection closed: ${r}`);
}, 40000);
