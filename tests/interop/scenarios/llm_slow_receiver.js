'use strict';
// Receivers that never read (§8.3 rule 4), on a server with a small streamMaxPendingBytes:
//  - `raw`: registers no SERVER_STREAM_DATA listener at all (never sends $stream-read);
//  - `lazy`: ss(socket).on('SERVER_STREAM_DATA') but never reads the stream (only 'error').
// Each forwarded stream whose queued text exceeds the bound gets `$stream-error`
// `Receiver too slow.` (seen with a raw socket.on('$stream-error')), no write ever reaches them,
// and the server stays responsive: a fresh client's request still streams, /healthz answers.
// params: {url, raw:{clientId,key}, lazy:{clientId,key}, fast:{clientId,key}, ext:{clientId,key},
//          bound, chunkBytes, batches, serverPid, bulkRequests, bulkChunkBytes}
const { assert, log, main, result, connectOk, show, sleep } = require('./lib');
const { EmulatedExtension, StreamReceiver, sendRequest, verifyStreamed, tokensFor, uuid, until } = require('./llm_lib');

main(async ({ url, raw, lazy, fast, ext: extCreds, bound, chunkBytes, batches, serverPid, bulkRequests = 0, bulkChunkBytes = 0 }) => {
  const ext = await EmulatedExtension.connect(url, extCreds);
  // 5 chunks of chunkBytes UTF-8 bytes per mini-stream (3-byte characters), well over the bound.
  const big = (i) => Array.from({ length: 5 }, (_, k) => `${i}:${k}:` + '界'.repeat(Math.ceil(chunkBytes / 3)));
  const bigTokens = () => { const t = []; for (let b = 0; b < batches; b++) t.push(...big(b)); return t; };
  assert.ok(Buffer.byteLength(big(0).join('')) > 2 * bound, 'test set-up: one mini-stream must exceed the bound');

  const sockets = {};
  for (const [name, creds] of [['raw', raw], ['lazy', lazy]]) {
    const sock = await connectOk(url, '/llm', { clientId: creds.clientId, key: creds.key, clientType: 'TestClient' },
      { name: `${name}@/llm`, transports: ['websocket'] });
    const errors = [];
    sock.socket.on('$stream-error', (id, message) => errors.push({ id, message }));
    sockets[name] = { sock, errors, recv: name === 'lazy' ? new StreamReceiver(sock, { read: false }) : null };
  }

  const summary = {};
  for (const name of ['raw', 'lazy']) {
    const { sock, errors, recv } = sockets[name];
    const requestId = uuid();
    ext.plans.set(requestId, { mode: 'stream', tokens: bigTokens() });
    const req = sendRequest(sock, { requestId, message: 'write a lot', target: ext.identity });
    assert.equal((await req.acked).status, 'ok', `${name}: request accepted`);
    await until(() => ext.outputs.has(requestId) && ext.outputs.get(requestId).done, 10000, `${name}: the extension to send everything`);
    const announced = () => sock.events.filter((e) => e.ev === '$stream' && e.args[2] && e.args[2].requestId === requestId).map((e) => e.args[1].$stream);
    await until(() => announced().length === batches && announced().every((id) => errors.some((x) => x.id === id)), 10000,
      () => `${name}: every one of the ${batches} announced streams to get $stream-error; announced ${show(announced())}, $stream-error ${show(errors)}`);
    for (const id of announced()) {
      const errs = errors.filter((x) => x.id === id);
      assert.deepEqual(errs.map((x) => x.message), ['Receiver too slow.'], `${name}: $stream-error for ${id}`);
    }
    assert.equal(sock.received('$stream-write').length, 0, `${name}: no credit was given, so no write may arrive`);
    assert.equal(sock.received('$stream-end').length, 0, `${name}: a dropped stream does not also end`);
    if (recv) {
      await until(() => recv.of(requestId).length === batches && recv.of(requestId).every((s) => s.error !== null), 3000,
        () => `lazy: each unread stream to emit 'error': ${show(recv.describe())}`);
      assert.ok(recv.of(requestId).every((s) => s.error === 'Receiver too slow.'), `lazy: stream errors ${show(recv.describe())}`);
    }
    assert.ok(sock.connected, `${name}: the slow receiver stays connected (only its streams are dropped)`);
    summary[name] = { streams: announced().length, errors: errors.length };
    log(`${name}: ${announced().length} streams, each dropped with Receiver too slow.`);
  }

  // Bulk: many times the bound to a receiver that never reads: every stream is dropped, no write
  // is ever sent (server VmRSS is reported in the result, Linux only).
  const rss = () => {
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(require('node:fs').readFileSync(`/proc/${serverPid}/status`, 'utf8'));
      return m ? Number(m[1]) * 1024 : null;
    } catch (e) { return null; }
  };
  if (bulkRequests > 0) {
    // One mini-stream of 5 big chunks per request (a single huge output would instead be
    // dominated by its MESSAGE_UPDATEDs, each carrying the whole text so far, §7.8).
    const { sock, errors } = sockets.raw;
    const before = rss();
    const piece = '界'.repeat(Math.ceil(bulkChunkBytes / 3));
    let sentBytes = 0;
    let peak = before || 0;
    for (let i = 0; i < bulkRequests; i++) {
      const bulkId = uuid();
      const tokens = [`#${i} `, piece, piece, piece, piece];
      sentBytes += Buffer.byteLength(tokens.join(''));
      ext.plans.set(bulkId, { mode: 'stream', tokens });
      const req = sendRequest(sock, { requestId: bulkId, message: `bulk ${i}`, target: ext.identity });
      assert.equal((await req.acked).status, 'ok', 'bulk request accepted');
      await until(() => {
        const ids = sock.events.filter((e) => e.ev === '$stream' && e.args[2] && e.args[2].requestId === bulkId).map((e) => e.args[1].$stream);
        return ids.length === 1 && errors.some((x) => x.id === ids[0] && x.message === 'Receiver too slow.');
      }, 10000, () => `bulk request ${i}: its stream to be dropped with Receiver too slow.; $stream-error so far ${show(errors.slice(-3))}`);
      const r = rss();
      if (r !== null && r > peak) peak = r;
    }
    const after = rss();
    // Reported, not asserted: the server legitimately keeps each output's text for recording
    // (§7.8) while the request is known, so RSS cannot isolate the forwarded-stream bound.
    summary.bulk = { requests: bulkRequests, sentBytes, rssBefore: before, rssPeak: peak, rssAfter: after };
    assert.equal(sock.received('$stream-write').length, 0, 'bulk: no write without credit');
    log(`bulk: ${(sentBytes / 1048576).toFixed(1)} MiB to a non-reader; server RSS ${before} -> peak ${peak}, end ${after}`);
  }

  // The server stays responsive: a fresh client's request streams normally.
  const fs = await connectOk(url, '/llm', { clientId: fast.clientId, key: fast.key, clientType: 'TestClient' },
    { name: 'fast@/llm' });
  const recv = new StreamReceiver(fs);
  const requestId = uuid();
  ext.plans.set(requestId, { mode: 'stream', tokens: tokensFor('after the slow ones', 3) });
  const req = sendRequest(fs, { requestId, message: 'still fine?', target: ext.identity });
  await verifyStreamed({ client: fs, recv, ext, req, roomName: fast.clientId, what: 'fast client after slow receivers' });
  // The slow receivers still get other events (the socket is usable).
  for (const name of ['raw', 'lazy']) {
    const ack = await sockets[name].sock.ack('GET_SILLYTAVERN_EXTENSION');
    assert.deepEqual(ack.extensions, [ext.identity], `${name}: socket still answered: ${show(ack)}`);
  }
  ext.checkNoFailures();
  log('a new client still gets its stream');
  result(summary);
}, 40000);
