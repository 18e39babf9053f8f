'use strict';
// Extension output events with bad payloads (§7.5): with an ack `Invalid stream event.`,
// `Unknown stream.`, `No matching request.`; without an ack silently ignored; valid events with
// an ack get {status:'ok'}. The one valid stream among the garbage still reaches the client
// intact, and the relay keeps working.
// params: {url, client:{clientId,key}, ext:{clientId,key}}
const { assert, log, main, connectOk, show, sleep } = require('./lib');
const { EmulatedExtension, StreamReceiver, sendRequest, emitAck, uuid, until, checkWireOrder } = require('./llm_lib');

const INVALID = 'Invalid stream event.';

main(async ({ url, client, ext: extCreds }) => {
  const ext = await EmulatedExtension.connect(url, extCreds, { defaultPlan: () => ({ mode: 'silent' }) });
  const es = ext.client;
  const usr = await connectOk(url, '/llm', { clientId: client.clientId, key: client.key, clientType: 'TestClient' },
    { name: 'client@/llm', transports: ['websocket'] });
  const recv = new StreamReceiver(usr);

  async function expect(ev, args, want, what) {
    const { res } = await emitAck(es, ev, args);
    const wants = Array.isArray(want) ? want : [want];
    const shapes = wants.map((m) => (m === 'ok' ? { status: 'ok' } : { status: 'error', message: m }));
    assert.ok(shapes.some((s) => JSON.stringify(s) === JSON.stringify(res)),
      `${ev} ${args.length ? show(args[0]) : '(no payload)'} (${what}): expected ${wants.map((m) => show(m)).join(' or ')}, got ${show(res)}`);
  }

  // ---------- no request targets this extension yet ----------
  await expect('CLIENT_STREAM_START', [{ type: 1, streamId: uuid(), outputId: uuid(), requestId: uuid() }], 'No matching request.', 'no request at all');
  await expect('CLIENT_STREAM_START', [{ type: 1, streamId: uuid() }], 'No matching request.', 'no request at all, no requestId');
  await expect('message', [{ type: 0, data: 'unsolicited', outputId: uuid() }], 'No matching request.', 'no request at all');

  // ---------- one request in flight ----------
  const rid = uuid();
  const req = sendRequest(usr, { requestId: rid, message: 'garbage test', target: ext.identity });
  await req.acked;
  await until(() => ext.requests.length === 1, 5000, 'the extension to receive the request');

  // §2.2 item 1: a non-object payload yields `Invalid payload.` or the event's own validation string.
  for (const bad of ['a string', 42, [1, 2], true]) {
    await expect('CLIENT_STREAM_START', [bad], [INVALID, 'Invalid payload.'], 'non-object payload');
    await expect('CLIENT_STREAM_DATA_MIDDLE', [bad], [INVALID, 'Invalid payload.'], 'non-object payload');
    await expect('CLIENT_STREAM_END', [bad], [INVALID, 'Invalid payload.'], 'non-object payload');
    await expect('message', [bad], [INVALID, 'Invalid payload.'], 'non-object payload');
  }
  await expect('CLIENT_STREAM_START', [], INVALID, 'no payload (= {})');
  await expect('CLIENT_STREAM_START', [{ type: 2, streamId: uuid(), requestId: rid }], INVALID, 'type is not 1');
  await expect('CLIENT_STREAM_START', [{ streamId: uuid(), requestId: rid }], INVALID, 'type missing');
  await expect('CLIENT_STREAM_START', [{ type: 1, requestId: rid }], INVALID, 'streamId missing');
  await expect('CLIENT_STREAM_START', [{ type: 1, streamId: '', requestId: rid }], INVALID, 'streamId empty');
  await expect('CLIENT_STREAM_START', [{ type: 1, streamId: 7, requestId: rid }], INVALID, 'streamId a number');
  await expect('CLIENT_STREAM_DATA_FIRST', [{ type: 4, streamId: uuid(), chunkIndex: 0, data: 'x' }], 'Unknown stream.', 'streamId never started');
  await expect('CLIENT_STREAM_END', [{ type: 3, streamId: uuid() }], 'Unknown stream.', 'streamId never started');
  await expect('CLIENT_STREAM_DATA_FAILED', [{ type: 8, streamId: uuid(), data: 'x' }], 'Unknown stream.', 'streamId never started');

  const sid = uuid();
  const outputId = uuid();
  await expect('CLIENT_STREAM_START', [{ type: 1, streamId: sid, outputId, requestId: rid }], 'ok', 'valid START');
  await expect('CLIENT_STREAM_START', [{ type: 1, streamId: sid, outputId, requestId: rid }],
    ['ok', INVALID], 'START of a streamId already open (ignored)');
  await expect('CLIENT_STREAM_DATA_FIRST', [{ type: 4, streamId: sid, chunkIndex: -1, data: 'x' }], INVALID, 'chunkIndex negative');
  await expect('CLIENT_STREAM_DATA_FIRST', [{ type: 4, streamId: sid, chunkIndex: 1.5, data: 'x' }], INVALID, 'chunkIndex not an integer');
  await expect('CLIENT_STREAM_DATA_FIRST', [{ type: 4, streamId: sid, chunkIndex: '0', data: 'x' }], INVALID, 'chunkIndex a string');
  await expect('CLIENT_STREAM_DATA_FIRST', [{ type: 4, streamId: sid, chunkIndex: 0, data: 5 }], INVALID, 'data a number');
  await expect('CLIENT_STREAM_DATA_FIRST', [{ type: 4, streamId: sid, chunkIndex: 0 }], INVALID, 'data missing');
  await expect('CLIENT_STREAM_DATA_MIDDLE', [{ type: 5, streamId: 12, chunkIndex: 0, data: 'x' }], INVALID, 'streamId a number');
  await expect('CLIENT_STREAM_DATA_FIRST', [{ type: 4, streamId: sid, chunkIndex: 0, data: 'Hel' }], 'ok', 'valid FIRST');
  await expect('CLIENT_STREAM_DATA_MIDDLE', [{ type: 5, streamId: sid, chunkIndex: 1, data: 'lo' }], 'ok', 'valid MIDDLE');
  await expect('CLIENT_STREAM_DATA_LAST', [{ type: 6, streamId: sid, chunkIndex: 2, data: ' wörld 🙂' }], 'ok', 'valid LAST');
  await expect('CLIENT_STREAM_END', [{ type: 2, streamId: sid }], INVALID, 'END with type 2');
  await expect('CLIENT_STREAM_END', [{ streamId: sid }], INVALID, 'END without type');
  await expect('message', [{ type: 1, data: 'x', requestId: rid }], INVALID, 'message with type 1');
  await expect('message', [{ type: 0, data: 5, requestId: rid }], INVALID, 'message with data a number');

  // without an ack: silently ignored, nothing reaches anyone
  const marks = [es.mark(), usr.mark()];
  es.socket.emit('CLIENT_STREAM_START', 'junk');
  es.socket.emit('CLIENT_STREAM_START', { type: 9, streamId: uuid(), requestId: rid });
  es.socket.emit('CLIENT_STREAM_DATA_MIDDLE', { type: 5, streamId: sid, chunkIndex: -3, data: 'BAD' });
  es.socket.emit('CLIENT_STREAM_DATA_MIDDLE', { type: 5, streamId: uuid(), chunkIndex: 0, data: 'BAD' });
  es.socket.emit('CLIENT_STREAM_END', { type: 7, streamId: sid });
  es.socket.emit('message', { type: 5, data: 'BAD', requestId: rid });
  es.socket.emit('message', 17);
  await sleep(300);
  assert.deepEqual(es.events.slice(marks[0]).map((e) => [e.ev, e.args[0]]), [], 'invalid output events without an ack are ignored silently (no ERROR) (§2.2 item 3)');

  await expect('CLIENT_STREAM_END', [{ type: 3, streamId: sid }], 'ok', 'valid END');
  await recv.settled(rid, 1);
  const streams = recv.of(rid);
  assert.equal(streams.length, 1, `exactly one forwarded stream (the valid START): ${show(recv.describe())}`);
  assert.deepEqual(streams[0].meta, { streamId: sid, outputId, requestId: rid, source: 'server', clientId: ext.identity, roomName: client.clientId },
    'metadata of the valid stream');
  assert.equal(recv.textOf(rid), 'Hello wörld 🙂', 'only the valid chunks reach the client, in order');
  checkWireOrder(usr, [streams[0].ssId], 'valid stream among garbage');
  assert.deepEqual(usr.events.slice(marks[1]).filter((e) => e.ev === 'message' || e.ev === 'ERROR').map((e) => e.args[0]), [],
    'no message or ERROR reaches the client from the garbage');
  await expect('CLIENT_STREAM_DATA_MIDDLE', [{ type: 5, streamId: sid, chunkIndex: 3, data: 'late' }], 'Unknown stream.', 'data after END (closed stream)');
  await usr.waitFor('REQUEST_STATUS_UPDATE', (p) => p && p.requestId === rid && p.status === 'completed', 5000, 'completion');
  log('bad extension output events answered with the §7.5 error strings; the valid stream arrived intact');

  // The relay still works for a fresh, well-formed request.
  const rid2 = uuid();
  ext.plans.set(rid2, { mode: 'stream', tokens: ['Still', ' ', 'work', 'ing', '.'] });
  const req2 = sendRequest(usr, { requestId: rid2, message: 'still there?', target: ext.identity });
  await req2.acked;
  await recv.settled(rid2, 1);
  assert.equal(recv.textOf(rid2), 'Still working.', 'a later request still streams');

  // CLIENT_STREAM_DATA_FAILED (§7.7): $stream-error with data if non-empty, else `Stream failed.`
  for (const [failText, want] of [['boom: the model crashed', 'boom: the model crashed'], ['', 'Stream failed.']]) {
    const fid = uuid();
    ext.plans.set(fid, { mode: 'stream', tokens: ['Par', 'tial', ' out', 'put', '…'], endWith: 'failed', failText });
    const r = sendRequest(usr, { requestId: fid, message: 'fail please', target: ext.identity });
    await r.acked;
    await recv.settled(fid, 1);
    const [f] = recv.of(fid);
    assert.equal(f.error, want, `stream error after CLIENT_STREAM_DATA_FAILED {data:${show(failText)}}: ${show(recv.describe())}`);
    assert.equal(f.ended, false, 'a failed stream does not end');
    assert.ok('Partial output…'.startsWith(recv.textOf(fid)), `text before the failure is a prefix: ${JSON.stringify(recv.textOf(fid))}`);
    checkWireOrder(usr, [f.ssId], 'failed stream', { allowError: true });
  }
  log('CLIENT_STREAM_DATA_FAILED gives the client a stream error');
  ext.client.close();
}, 30000);
