'use strict';
// LLM_REQUEST rejections (§7.2, §2.2 item 4): every rejection is an error ack AND an
// ERROR {type:'ERROR', message, requestId} emitted before the ack; without an ack only the
// ERROR. Nothing is recorded or forwarded. Check order (room before duplicate before target).
// Extension output events from a non-extension socket (§7.5): `Permission denied.` with an ack,
// silently ignored without.
// params: {url, client:{clientId,key}, other:{clientId,key}, ext:{clientId,key}}
const { assert, log, main, connectOk, show, sleep } = require('./lib');
const { EmulatedExtension, sendRequest, emitAck, uuid, until, waitExtensions } = require('./llm_lib');

const ERROR_KEYS = ['message', 'requestId', 'type'];

function checkErrorEvent(err, payload, message, what) {
  assert.ok(err && typeof err === 'object', `${what}: ERROR payload ${show(err)}`);
  assert.equal(err.type, 'ERROR', `${what}: ERROR.type: ${show(err)}`);
  assert.equal(err.message, message, `${what}: ERROR.message: ${show(err)}`);
  const rid = payload && typeof payload === 'object' && !Array.isArray(payload) ? payload.requestId : undefined;
  if (typeof rid === 'string' && rid.length >= 1 && rid.length <= 256) {
    assert.deepEqual(err, { type: 'ERROR', message, requestId: rid }, `${what}: ERROR must carry the requestId`);
  } else {
    // requestId missing or invalid: "with requestId where known" (§2.2 item 4)
    assert.ok(Object.keys(err).every((k) => ERROR_KEYS.includes(k)), `${what}: ERROR fields: ${show(err)}`);
    assert.ok(err.requestId === undefined || err.requestId === null || err.requestId === rid, `${what}: ERROR.requestId: ${show(err)}`);
  }
}

/** Send a rejected LLM_REQUEST with and then without an ack; check both answers. args = [payload] or []. */
async function rejected(sock, args, message, what) {
  // with an ack
  const since = sock.mark();
  const { res, ackIdx } = await emitAck(sock, 'LLM_REQUEST', args);
  assert.deepEqual(res, { status: 'error', message }, `${what}: error ack`);
  const errs = sock.events.slice(since, ackIdx).filter((e) => e.ev === 'ERROR');
  assert.equal(errs.length, 1,
    `${what}: exactly one ERROR must arrive BEFORE the error ack (§2.2 item 4); before the ack: ${show(sock.events.slice(since, ackIdx).map((e) => [e.ev, e.args[0]]))}; ` +
    `after: ${show(sock.events.slice(ackIdx).map((e) => [e.ev, e.args[0]]))}`);
  checkErrorEvent(errs[0].args[0], args[0], message, what);
  // without an ack: only the ERROR
  const since2 = sock.mark();
  sock.socket.emit('LLM_REQUEST', ...args);
  const err2 = await sock.waitFor('ERROR', () => true, 5000, `${what} (sent without an ack)`, since2);
  checkErrorEvent(err2, args[0], message, `${what} (without an ack)`);
}

main(async ({ url, client, other, ext: extCreds }) => {
  const usr = await connectOk(url, '/llm', { clientId: client.clientId, key: client.key, clientType: 'TestClient' },
    { name: 'client@/llm', transports: ['websocket'] });
  const oth = await connectOk(url, '/llm', { clientId: other.clientId, key: other.key, clientType: 'TestClient' },
    { name: 'other@/llm' });
  const extId = extCreds.clientId;

  // ---------- no extension at all ----------
  await waitExtensions(usr, []);
  await rejected(usr, [{ requestId: uuid(), message: 'anyone there?' }], 'No extension available for this room.', 'no target, no extension available');
  await rejected(usr, [{ requestId: uuid(), message: 'hi', target: extId }], `Target extension ${extId} is not connected.`, 'explicit target not connected');
  log('No extension available for this room. / Target extension ... is not connected.');

  const ext = await EmulatedExtension.connect(url, extCreds, { defaultPlan: () => ({ mode: 'silent' }) });
  await waitExtensions(usr, [ext.identity]);

  // ---------- Invalid LLM request data. ----------
  const rid = () => uuid();
  const invalid = [
    ['requestId missing', [{ message: 'x', target: extId }]],
    ['requestId a number', [{ requestId: 42, message: 'x', target: extId }]],
    ['requestId empty', [{ requestId: '', message: 'x', target: extId }]],
    ['requestId too long', [{ requestId: 'r'.repeat(257), message: 'x', target: extId }]],
    ['requestId an object', [{ requestId: { id: 1 }, message: 'x' }]],
    ['message a number', [{ requestId: rid(), message: 5, target: extId }]],
    ['data not a string', [{ requestId: rid(), data: ['x'], target: extId }]],
    ['requestType unknown', [{ requestId: rid(), message: 'x', requestType: 'bogus', target: extId }]],
    ['target a number', [{ requestId: rid(), message: 'x', target: 5 }]],
    ['target an empty array', [{ requestId: rid(), message: 'x', target: [] }]],
    ['target array with a number', [{ requestId: rid(), message: 'x', target: [extId, 5] }]],
    ['payload a string', ['a string']],
    ['payload an array', [[{ requestId: rid() }]]],
    ['no payload', []],
  ];
  for (const [what, args] of invalid) {
    await rejected(usr, args, 'Invalid LLM request data.', `Invalid LLM request data. (${what})`);
  }
  log(`Invalid LLM request data. for ${invalid.length} malformed requests, with and without an ack`);

  // ---------- target room ----------
  await rejected(usr, [{ requestId: rid(), message: 'x', targetRoom: `no such room ${uuid()}`, target: extId }],
    'Invalid or unauthorized target room.', 'targetRoom does not exist');
  await rejected(usr, [{ requestId: rid(), message: 'x', targetRoom: other.clientId, target: extId }],
    'Invalid or unauthorized target room.', "targetRoom is another client's personal room (not a member)");

  // ---------- targets ----------
  await rejected(usr, [{ requestId: rid(), message: 'x', target: 'interop-llm-nobody' }],
    'Target extension interop-llm-nobody is not connected.', 'unknown target');
  await rejected(usr, [{ requestId: rid(), message: 'x', target: [extId, 'interop-llm-nobody-2', 'interop-llm-nobody-3'] }],
    'Target extension interop-llm-nobody-2 is not connected.', 'first offending entry of a target list');
  await rejected(usr, [{ requestId: rid(), message: 'x', target: client.clientId }],
    `Target extension ${client.clientId} is not connected.`, 'target is a client, not an extension');

  // ---------- duplicate requestId ----------
  const dup = uuid();
  const first = sendRequest(usr, { requestId: dup, message: 'in flight', target: extId });
  assert.deepEqual(await first.acked, { status: 'ok', message: 'Request received.', requestId: dup, disposition: 'forwarded', targets: [extId] },
    'the first request with this requestId is forwarded');
  await until(() => ext.requests.length === 1, 5000, 'the extension to receive the in-flight request');
  await rejected(usr, [{ requestId: dup, message: 'again', target: extId }], 'Duplicate requestId.', 'same requestId again, same requester');
  await rejected(oth, [{ requestId: dup, message: 'again', target: extId }], 'Duplicate requestId.', 'same requestId, another requester');
  await rejected(usr, [{ requestId: dup, message: 'again' }], 'Duplicate requestId.', 'same requestId, default targets');
  // check order: room (3) before duplicate (4) before target (5)
  await rejected(usr, [{ requestId: dup, message: 'x', targetRoom: `no such room ${uuid()}`, target: 'interop-llm-nobody' }],
    'Invalid or unauthorized target room.', 'bad room + duplicate + bad target');
  await rejected(usr, [{ requestId: dup, message: 'x', target: 'interop-llm-nobody' }],
    'Duplicate requestId.', 'duplicate + bad target');
  log('Invalid or unauthorized target room. / Target extension ... / Duplicate requestId. in check order');

  await sleep(200);
  assert.deepEqual(ext.requests.map((r) => r.requestId), [dup], 'only the accepted request reaches the extension');
  const recorded = usr.received('NEW_MESSAGE').filter((p) => p && p.message && p.message.kind === 'request').map((p) => p.message.requestId);
  assert.deepEqual(recorded, [dup], 'rejected requests are not recorded (only the accepted one has a NEW_MESSAGE)');

  // ---------- extension output events from a non-extension socket (§7.5) ----------
  const sid = uuid();
  const outputEvents = [
    ['CLIENT_STREAM_START', { type: 1, streamId: sid, outputId: uuid(), requestId: dup }],
    ['CLIENT_STREAM_DATA_FIRST', { type: 4, streamId: sid, chunkIndex: 0, data: 'fake' }],
    ['CLIENT_STREAM_DATA_MIDDLE', { type: 5, streamId: sid, chunkIndex: 1, data: 'fake' }],
    ['CLIENT_STREAM_DATA_LAST', { type: 6, streamId: sid, chunkIndex: 2, data: 'fake' }],
    ['CLIENT_STREAM_DATA_RETRY', { type: 7, streamId: sid, chunkIndex: 1, data: 'fake' }],
    ['CLIENT_STREAM_DATA_FAILED', { type: 8, streamId: sid, data: 'fake' }],
    ['CLIENT_STREAM_END', { type: 3, streamId: sid }],
    ['message', { type: 0, data: 'a fake reply', requestId: dup }],
  ];
  for (const [ev, payload] of outputEvents) {
    const { res } = await emitAck(usr, ev, [payload]);
    assert.deepEqual(res, { status: 'error', message: 'Permission denied.' }, `${ev} from a non-extension socket with an ack`);
  }
  const quiet = [usr.mark(), oth.mark(), ext.client.mark()];
  for (const [ev, payload] of outputEvents) usr.socket.emit(ev, payload);
  await sleep(400);
  assert.deepEqual(usr.events.slice(quiet[0]).map((e) => [e.ev, e.args[0]]), [], 'without an ack these are ignored silently (no ERROR)');
  assert.deepEqual(oth.events.slice(quiet[1]).map((e) => [e.ev, e.args[0]]), [], 'nothing is relayed to anyone');
  assert.deepEqual(ext.client.events.slice(quiet[2]).map((e) => [e.ev, e.args[0]]), [], 'nothing reaches the extension');
  assert.equal(usr.received('$stream').length + usr.received('message').length, 0, 'a client cannot inject output');
  log('extension output events from a client: Permission denied. / ignored without an ack');
  ext.client.close();
}, 40000);
