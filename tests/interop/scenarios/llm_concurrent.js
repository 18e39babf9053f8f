'use strict';
// n clients (own Engine.IO connections, identities <clientId>-<i>) send LLM_REQUEST at the same
// time to one emulated extension; each reads its reply with ss(socket) and must get exactly the
// extension's text in arrival order (§7.10 rule 3), only its own output, every check of
// verifyStreamed. sendRequestId:false exercises the attribution fallback (§7.6); the extension
// then answers one request after the other like the real one; with requestIds it answers all
// requests concurrently (mini-streams of different outputs interleave on its socket).
// params: {url, multi:{clientId,key}, ext:{clientId,key}, n, sendRequestId, reps}
const { assert, log, main, result, connectOk, show } = require('./lib');
const { EmulatedExtension, StreamReceiver, sendRequest, verifyStreamed, tokensFor, uuid } = require('./llm_lib');

main(async ({ url, multi, ext: extCreds, n, sendRequestId, reps }) => {
  const ext = await EmulatedExtension.connect(url, extCreds, { serial: !sendRequestId });
  const users = [];
  for (let i = 0; i < n; i++) {
    const identity = `${multi.clientId}-${sendRequestId ? 'r' : 'n'}${i}`;
    const sock = await connectOk(url, '/llm', { clientId: multi.clientId, key: multi.key, identity, clientType: 'TestClient' },
      { name: `${identity}@/llm`, transports: i % 2 ? ['websocket'] : undefined });
    users.push({ identity, sock, recv: new StreamReceiver(sock) });
  }
  log(`${n} clients connected`);

  const reqs = users.map((u, i) => {
    const requestId = uuid();
    ext.plans.set(requestId, { mode: 'stream', sendRequestId, tokens: tokensFor(`${u.identity} #${i}`, reps) });
    return { u, requestId };
  });
  // All requests leave in the same tick.
  for (const r of reqs) {
    r.req = sendRequest(r.u.sock, { requestId: r.requestId, message: `Hello from ${r.u.identity}`, target: ext.identity }, { ms: 8000 });
  }
  const texts = await Promise.all(reqs.map(async ({ u, req, requestId }) => {
    const { out } = await verifyStreamed({ client: u.sock, recv: u.recv, ext, req, roomName: u.identity, what: `${u.identity}` });
    const foreign = u.recv.streams.filter((s) => s.meta.requestId !== requestId);
    assert.deepEqual(foreign.map((s) => s.meta), [], `${u.identity} must receive only the output of its own request`);
    return out.text.length;
  }));
  ext.checkNoFailures();
  for (const { u } of reqs) {
    const st = u.sock.received('REQUEST_STATUS_UPDATE');
    assert.equal(st.length, 1, `${u.identity}: exactly one REQUEST_STATUS_UPDATE expected: ${show(st)}`);
    assert.deepEqual(u.sock.received('ERROR'), [], `${u.identity}: no ERROR expected`);
  }
  const writes = reqs.reduce((acc, { u }) => acc + u.sock.received('$stream-write').length, 0);
  const streams = reqs.reduce((acc, { u }) => acc + u.recv.streams.length, 0);
  log(`${n} concurrent replies correct: ${streams} forwarded streams, ${writes} writes`);
  result({ n, streams, writes, chars: texts });
}, 45000);
