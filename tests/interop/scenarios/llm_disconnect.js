'use strict';
// Extension disconnect mid-stream (§7.9, §8.3 rule 8): request A gets a START and two chunks,
// request B is forwarded but never answered; then the extension's only /llm socket closes.
// The client's open stream of A emits 'error' (the library surfaces `$stream-error`
// `Extension disconnected.`); the client gets ERROR {type:'ERROR', message:'Extension
// disconnected.', requestId, target} for A and B, each before the final
// REQUEST_STATUS_UPDATE 'failed' (responseId null) (§7.8, §7.10 rule 5).
// params: {url, client:{clientId,key}, ext:{clientId,key}}
const { assert, log, main, connectOk, show, sleep } = require('./lib');
const { EmulatedExtension, StreamReceiver, sendRequest, tokensFor, uuid, until, checkWireOrder } = require('./llm_lib');

main(async ({ url, client, ext: extCreds }) => {
  const ext = await EmulatedExtension.connect(url, extCreds);
  const usr = await connectOk(url, '/llm', { clientId: client.clientId, key: client.key, clientType: 'TestClient' },
    { name: 'client@/llm', transports: ['websocket'] });
  const recv = new StreamReceiver(usr);
  const room = client.clientId;

  const ridA = uuid();
  const ridB = uuid();
  ext.plans.set(ridA, { mode: 'partial', partialChunks: 2, tokens: tokensFor('cut', 1) });
  ext.plans.set(ridB, { mode: 'silent' });
  const reqA = sendRequest(usr, { requestId: ridA, message: 'A', target: ext.identity });
  const reqB = sendRequest(usr, { requestId: ridB, message: 'B', target: ext.identity });
  for (const [r, rid] of [[reqA, ridA], [reqB, ridB]]) {
    assert.deepEqual(await r.acked, { status: 'ok', message: 'Request received.', requestId: rid, disposition: 'forwarded', targets: [ext.identity] },
      `ack of ${rid}`);
  }
  await until(() => ext.outputs.has(ridA) && ext.outputs.get(ridA).done && ext.requests.length === 2, 5000, 'the extension to send a partial answer');
  const out = ext.output(ridA);
  // Chunks are forwarded as they arrive, without waiting for END (§7.7).
  await until(() => recv.textOf(ridA) === out.sent, 5000,
    () => `the client to read the two chunks sent so far (${JSON.stringify(out.sent)}) before END; got ${JSON.stringify(recv.textOf(ridA))}`);
  log(`client read ${JSON.stringify(out.sent)} of an unfinished stream`);

  const since = usr.mark();
  ext.client.close();
  await until(() => recv.of(ridA).length === 1 && recv.of(ridA)[0].error !== null, 5000,
    () => `the open stream to emit 'error'; streams ${show(recv.describe())}`);
  const s = recv.of(ridA)[0];
  assert.equal(s.error, 'Extension disconnected.', `stream error message`);
  assert.equal(s.ended, false, 'a failed stream must not also end');
  assert.equal(recv.textOf(ridA), out.sent, 'the text read before the failure');
  const rawErr = usr.events.slice(since).find((e) => e.ev === '$stream-error');
  assert.deepEqual(rawErr && rawErr.args, [s.ssId, 'Extension disconnected.'], `$stream-error on the wire: ${show(rawErr && rawErr.args)}`);
  log("the client's stream emitted 'error' Extension disconnected.");

  for (const rid of [ridA, ridB]) {
    const err = await usr.waitFor('ERROR', (p) => p && p.requestId === rid, 5000, `ERROR for ${rid}`, since);
    assert.deepEqual(err, { type: 'ERROR', message: 'Extension disconnected.', requestId: rid, target: ext.identity },
      `ERROR after the extension disconnected (request ${rid === ridA ? 'A, streaming' : 'B, unanswered'})`);
    const st = await usr.waitFor('REQUEST_STATUS_UPDATE', (p) => p && p.requestId === rid, 5000, `final status of ${rid}`, since);
    // §7.8 does not say what `target` names in a 'failed' update (it is not per target): null or the extension.
    assert.ok(st.target === null || st.target === ext.identity, `REQUEST_STATUS_UPDATE 'failed' target: ${show(st)}`);
    assert.deepEqual(st, { mode: 'Immediate', roomName: room, requestId: rid, responseId: null, target: st.target, status: 'failed' },
      `REQUEST_STATUS_UPDATE of a request that ended with no response (§7.8)`);
    const errIdx = usr.events.findIndex((e) => e.ev === 'ERROR' && e.args[0] && e.args[0].requestId === rid);
    const stIdx = usr.events.findIndex((e) => e.ev === 'REQUEST_STATUS_UPDATE' && e.args[0] && e.args[0].requestId === rid);
    assert.ok(errIdx < stIdx, `the disconnect ERROR must precede the final REQUEST_STATUS_UPDATE (§7.10 rule 5)`);
  }
  await sleep(300);
  checkWireOrder(usr, [s.ssId], 'failed stream', { allowError: true });
  for (const rid of [ridA, ridB]) {
    assert.equal(usr.received('ERROR').filter((p) => p.requestId === rid).length, 1, `exactly one ERROR for ${rid}: ${show(usr.received('ERROR'))}`);
    assert.equal(usr.received('REQUEST_STATUS_UPDATE').filter((p) => p.requestId === rid).length, 1, `exactly one status for ${rid}`);
  }
  assert.ok(usr.connected, 'the client stays connected');
  log('ERROR Extension disconnected. and status failed for the streaming and the unanswered request');
}, 20000);
