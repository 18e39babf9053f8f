'use strict';
// Cancellation (§7.14): a client's request is being streamed (START and two chunks, no END);
// the client sends CANCEL_REQUEST. Its ack is {status:'ok', requestId}; the extension receives
// CANCEL_REQUEST {requestId}; the client's open stream emits 'error' `Request cancelled.`
// (`$stream-error` on the wire, §8.3 rule 8) and the final REQUEST_STATUS_UPDATE is 'failed';
// the cancelling socket gets no ERROR (its ack says it). The extension then ends its stream
// normally: `No matching request.`. A second CANCEL_REQUEST answers `Request not found.`, and
// the request message stays in the room's history.
// params: {url, client:{clientId,key}, ext:{clientId,key}}
const { assert, log, main, connectOk, show, sleep } = require('./lib');
const { EmulatedExtension, StreamReceiver, sendRequest, emitAck, tokensFor, uuid, until, checkWireOrder } = require('./llm_lib');

main(async ({ url, client, ext: extCreds }) => {
  const ext = await EmulatedExtension.connect(url, extCreds);
  const usr = await connectOk(url, '/llm', { clientId: client.clientId, key: client.key, clientType: 'TestClient' },
    { name: 'client@/llm', transports: ['websocket'] });
  const recv = new StreamReceiver(usr);
  const room = client.clientId;

  const rid = uuid();
  ext.plans.set(rid, { mode: 'partial', partialChunks: 2, tokens: tokensFor('cancel', 3) });
  const req = sendRequest(usr, { requestId: rid, message: 'a long story, please', target: ext.identity });
  assert.deepEqual(await req.acked, { status: 'ok', message: 'Request received.', requestId: rid, disposition: 'forwarded', targets: [ext.identity] },
    'LLM_REQUEST ack');
  await until(() => ext.outputs.has(rid) && ext.outputs.get(rid).done, 5000, 'the extension to start streaming');
  const out = ext.output(rid);
  await until(() => recv.textOf(rid) === out.sent, 5000,
    () => `the client to read the chunks streamed so far (${JSON.stringify(out.sent)}); got ${JSON.stringify(recv.textOf(rid))}`);
  log(`client read ${JSON.stringify(out.sent)}; cancelling`);

  const since = usr.mark();
  const extSince = ext.client.mark();
  const { res } = await emitAck(usr, 'CANCEL_REQUEST', [{ requestId: rid }]);
  assert.deepEqual(res, { status: 'ok', requestId: rid }, `CANCEL_REQUEST ack: ${show(res)}`);

  const told = await ext.client.waitFor('CANCEL_REQUEST', (p) => p && p.requestId === rid, 5000,
    'CANCEL_REQUEST at the extension', extSince);
  assert.deepEqual(told, { requestId: rid }, `CANCEL_REQUEST payload at the extension: ${show(told)}`);
  log('the extension received CANCEL_REQUEST');

  await until(() => recv.of(rid).length === 1 && recv.of(rid)[0].error !== null, 5000,
    () => `the open stream to emit 'error'; streams ${show(recv.describe())}`);
  const s = recv.of(rid)[0];
  assert.equal(s.error, 'Request cancelled.', 'stream error message');
  assert.equal(s.ended, false, 'a failed stream must not also end');
  assert.equal(recv.textOf(rid), out.sent, 'the text read before the cancellation');
  const rawErr = usr.events.slice(since).find((e) => e.ev === '$stream-error');
  assert.deepEqual(rawErr && rawErr.args, [s.ssId, 'Request cancelled.'], `$stream-error on the wire: ${show(rawErr && rawErr.args)}`);
  log("the client's stream emitted 'error' Request cancelled.");

  const st = await usr.waitFor('REQUEST_STATUS_UPDATE', (p) => p && p.requestId === rid, 5000, `final status of ${rid}`, since);
  assert.deepEqual(st, { mode: 'Immediate', roomName: room, requestId: rid, responseId: null, target: null, status: 'failed' },
    `REQUEST_STATUS_UPDATE of a request cancelled before any response: ${show(st)}`);

  // The extension stops and ends its stream normally: the request is forgotten.
  const { res: late } = await emitAck(ext.client, 'CLIENT_STREAM_END', [{ type: 3, streamId: out.streamIds[0] }]);
  assert.deepEqual(late, { status: 'error', message: 'No matching request.' }, `END after the cancellation: ${show(late)}`);

  const { res: again } = await emitAck(usr, 'CANCEL_REQUEST', [{ requestId: rid }]);
  assert.deepEqual(again, { status: 'error', message: 'Request not found.' }, `second CANCEL_REQUEST: ${show(again)}`);
  log('a second CANCEL_REQUEST answers Request not found.');

  // The recorded request message stays; no response was recorded.
  const ctx = await usr.ackOk('GET_FULL_CONTEXT', { roomName: room });
  const pages = [];
  await until(() => {
    pages.splice(0, pages.length, ...usr.received('UPDATE_CONTEXT_PAGE').filter((p) => p && p.updateId === ctx.updateId));
    return pages.length === ctx.totalPages;
  }, 5000, () => `${ctx.totalPages} context pages of ${ctx.updateId}`);
  const history = pages.flatMap((p) => p.contextPage).filter((m) => m.requestId === rid);
  assert.deepEqual(history.map((m) => m.kind), ['request'], `history of the cancelled request: ${show(history)}`);

  await sleep(200);
  assert.deepEqual(usr.received('ERROR').filter((p) => p && p.requestId === rid), [],
    'the cancelling socket gets no ERROR for its own cancellation (its ack says it)');
  checkWireOrder(usr, [s.ssId], 'cancelled stream', { allowError: true });
  ext.checkNoFailures();
  assert.ok(usr.connected && ext.client.connected, 'both stay connected');
}, 20000);
