'use strict';
// One client, one emulated extension: streamed replies (§7.4–§7.8, §7.10, §8) with and without
// requestId, chunks emitted out of order, default targets; non-stream replies (§7.7); the
// `Connection active?` echo (§7.5).
// params: {url, client:{clientId,key}, ext:{clientId,key}}
const { assert, log, main, result, connectOk, assertUuidV4, show, sleep } = require('./lib');
const {
  EmulatedExtension, StreamReceiver, sendRequest, verifyStreamed, tokensFor, uuid, until, waitExtensions, eventsFor, SENTENCE_TOKENS,
} = require('./llm_lib');

main(async ({ url, client, ext: extCreds }) => {
  const ext = await EmulatedExtension.connect(url, extCreds);
  const usr = await connectOk(url, '/llm', { clientId: client.clientId, key: client.key, clientType: 'TestClient' },
    { name: 'client@/llm' });
  const recv = new StreamReceiver(usr);
  const room = client.clientId; // the requester's personal room
  await waitExtensions(usr, [ext.identity]);

  const cases = [
    { name: 'with requestId', plan: { mode: 'stream', tokens: SENTENCE_TOKENS }, payload: { target: ext.identity } },
    { name: 'without requestId (attribution §7.6)', plan: { mode: 'stream', sendRequestId: false, tokens: tokensFor('no-rid', 2) }, payload: { target: ext.identity } },
    { name: 'without requestId, chunks out of order', plan: { mode: 'stream', sendRequestId: false, permute: [0, 2, 1, 4, 3], tokens: tokensFor('shuffled', 2) }, payload: { target: [ext.identity] } },
    { name: 'default targets (no target)', plan: { mode: 'stream', tokens: tokensFor('default', 1) }, payload: {} },
    { name: 'sent without an ack (§7.1)', plan: { mode: 'stream', tokens: tokensFor('no-ack', 1) }, payload: { target: ext.identity }, noAck: true },
    { name: 'requestId of 256 characters', plan: { mode: 'stream', sendRequestId: true, tokens: tokensFor('long-id', 1) }, payload: { target: ext.identity }, longId: true },
  ];
  const summary = [];
  for (const c of cases) {
    const requestId = c.longId ? `${uuid()}-`.padEnd(256, 'x') : uuid();
    ext.plans.set(requestId, c.plan);
    const req = sendRequest(usr, { requestId, message: `Say hello (${c.name})`, ...c.payload }, { ack: !c.noAck });
    const { out } = await verifyStreamed({ client: usr, recv, ext, req, roomName: room, what: `streamed reply ${c.name}` });
    summary.push({ case: c.name, streams: out.streamIds.length, text: out.text });
    log(`streamed reply ${c.name}: ${out.streamIds.length} mini-streams, text ${JSON.stringify(out.text)} ok`);
  }
  ext.checkNoFailures();

  // What the extension received (§7.4), for the first request.
  const fwd = ext.requests[0];
  assert.ok(fwd && typeof fwd === 'object', `LLM_REQUEST to the extension: ${show(fwd)}`);
  assert.equal(fwd.mode, 'Immediate', `forwarded mode: ${show(fwd)}`);
  assert.ok(!('type' in fwd), `forwarded request outside Conversational carries no type: ${show(fwd)}`);
  assert.equal(fwd.targetRoom, room, `forwarded targetRoom: ${show(fwd)}`);
  assert.equal(fwd.requestingIdentity, client.clientId, `forwarded requestingIdentity: ${show(fwd)}`);
  assert.equal(fwd.message, 'Say hello (with requestId)', `forwarded flat message: ${show(fwd)}`);
  assert.equal(fwd.requestType, 'newMessage', `forwarded flat requestType: ${show(fwd)}`);
  assert.equal(fwd.target, ext.identity, `forwarded flat target: ${show(fwd)}`);
  assert.ok(fwd.currentRequest && fwd.currentRequest.kind === 'request' && fwd.currentRequest.requestId === fwd.requestId &&
    fwd.currentRequest.message === fwd.message && fwd.currentRequest.data === fwd.message,
    `forwarded currentRequest must be the recorded request message: ${show(fwd.currentRequest)}`);
  assert.ok(Array.isArray(fwd.context) && fwd.context.length >= 1 &&
    fwd.context[fwd.context.length - 1].messageId === fwd.currentRequest.messageId,
    `forwarded context must end with this request: ${show(fwd.context)}`);
  log('the extension received the structured and the flat fields');

  // ---------- non-stream replies (§7.7) ----------
  for (const withRid of [true, false]) {
    const requestId = uuid();
    ext.plans.set(requestId, { mode: 'message', sendRequestId: withRid, tokens: tokensFor(`message ${withRid}`) });
    const req = sendRequest(usr, { requestId, message: 'Answer at once', target: ext.identity });
    const ack = await req.acked;
    assert.deepEqual(ack, { status: 'ok', message: 'Request received.', requestId, disposition: 'forwarded', targets: [ext.identity] },
      `non-stream request ack: ${show(ack)}`);
    await until(() => ext.outputs.has(requestId), 5000, 'the extension to answer with a message');
    const out = ext.output(requestId);
    const msg = await usr.waitFor('message', (p) => p && p.requestId === requestId, 5000, `message reply to ${requestId}`);
    assert.deepEqual(msg, { type: 0, data: out.text, source: 'server', requestId, outputId: out.outputId, clientId: ext.identity, roomName: room },
      `non-stream reply (extension ${withRid ? 'with' : 'without'} requestId) as the client receives it (§7.7)`);
    const msgIdx = usr.events.findIndex((e) => e.ev === 'message' && e.args[0] && e.args[0].requestId === requestId);
    assert.ok(req.ackIdx >= 0 && req.ackIdx <= msgIdx, `the ack must precede the message reply (§7.10 rule 1)`);
    assert.equal(eventsFor(usr, 'message', requestId).length, 1, `exactly one message reply: ${show(eventsFor(usr, 'message', requestId))}`);
    const st = await usr.waitFor('REQUEST_STATUS_UPDATE', (p) => p && p.requestId === requestId && p.status !== 'processing', 5000);
    assertUuidV4(st.responseId, 'REQUEST_STATUS_UPDATE.responseId');
    assert.deepEqual(st, { mode: 'Immediate', roomName: room, requestId, responseId: st.responseId, target: ext.identity, status: 'completed' },
      `REQUEST_STATUS_UPDATE after a non-stream reply`);
    assert.equal(recv.of(requestId).length, 0, 'a non-stream reply opens no stream');
    log(`non-stream reply (extension ${withRid ? 'with' : 'without'} requestId) ok`);
  }

  // ---------- the connection test (§7.5) ----------
  for (const [who, sock] of [['client', usr], ['extension', ext.client]]) {
    const pingId = `ping-${who}-${uuid()}`;
    const otherSock = sock === usr ? ext.client : usr;
    const otherMark = otherSock.mark();
    sock.socket.emit('message', { type: 0, data: 'Connection active?', requestId: pingId });
    const echo = await sock.waitFor('message', (p) => p && p.requestId === pingId, 5000, `echo of Connection active? from the ${who}`);
    assertUuidV4(echo.outputId, 'echo outputId');
    assert.deepEqual(echo, { type: 0, data: 'Yes,connection is fine.', source: 'server', requestId: pingId, outputId: echo.outputId },
      `Connection active? echo to the ${who}`);
    await sleep(150);
    assert.deepEqual(otherSock.events.slice(otherMark).filter((e) => e.ev === 'message' || e.ev === 'NEW_MESSAGE').map((e) => e.args[0]), [],
      `the connection test from the ${who} must not be relayed or recorded`);
  }
  log('Connection active? echoed to the sender only');

  // Each request got exactly one terminal status, and nothing failed.
  for (const r of usr.received('REQUEST_STATUS_UPDATE')) {
    assert.equal(r.status, 'completed', `unexpected status update: ${show(r)}`);
  }
  assert.deepEqual(usr.received('ERROR'), [], 'no ERROR expected');
  result({ summary });
}, 40000);
