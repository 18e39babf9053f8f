'use strict';
// /function_call (§9): FUNCTION_CALL to the server (listFunctions, readJsonFromFile with its
// double nesting, path refusals, unknown function, bad payloads, admin-only function) and
// forwarded to an emulated SillyTavern extension's /function_call socket (a value, null, an ack
// without arguments; target by identity and by clientId), `Target client <t> is not connected.`.
// params: {url, caller:{clientId,key}, ext:{clientId,key}, settings:<server_settings.json>,
//          reads:[{path, expect:{code, message?}}], okReads:[{path, content}]}
const { assert, log, main, result, connectOk, show, sleep } = require('./lib');

/** FUNCTION_CALL with an ack; resolves the single ack argument. */
function call(sock, payload, ms = 5000) {
  return sock.ack('FUNCTION_CALL', payload, { __ackTimeout: ms });
}

main(async ({ url, caller, ext, settings, reads, okReads }) => {
  const cs = await connectOk(url, '/function_call', { clientId: caller.clientId, key: caller.key, clientType: 'TestClient' },
    { name: 'caller@/function_call' });

  // ---------- listFunctions ----------
  const lf = await call(cs, { requestId: 'lf-1', functionName: 'listFunctions', target: 'server' });
  assert.ok(lf && lf.success === true && lf.result && lf.result.success === true && Array.isArray(lf.result.result),
    `listFunctions ack must be {requestId, success:true, result:{success:true, result:[…]}}: ${show(lf)}`);
  assert.deepEqual(Object.keys(lf).sort(), ['requestId', 'result', 'success'], `listFunctions ack fields: ${show(lf)}`);
  assert.equal(lf.requestId, 'lf-1', 'requestId echoed');
  const fns = Object.fromEntries(lf.result.result.map((f) => [f.name, f.adminOnly]));
  for (const f of lf.result.result) assert.deepEqual(Object.keys(f).sort(), ['adminOnly', 'name'], `function entry: ${show(f)}`);
  assert.deepEqual(
    { readJsonFromFile: fns.readJsonFromFile, saveJsonToFile: fns.saveJsonToFile, addStaticResources: fns.addStaticResources, listFunctions: fns.listFunctions },
    { readJsonFromFile: false, saveJsonToFile: false, addStaticResources: true, listFunctions: false },
    `listFunctions must list the §9.3 functions with adminOnly: ${show(lf.result.result)}`);
  // default target is the server; no requestId → null
  const lf2 = await call(cs, { functionName: 'listFunctions' });
  assert.deepEqual(lf2, { ...lf, requestId: null }, `listFunctions without target and requestId: ${show(lf2)}`);
  log('listFunctions ok');

  // ---------- readJsonFromFile ----------
  for (const args of [['settings/server_settings.json'], 'settings/server_settings.json', ['./settings/server_settings.json']]) {
    const r = await call(cs, { requestId: 'rd', functionName: 'readJsonFromFile', args, target: 'server' });
    assert.deepEqual(r, { requestId: 'rd', success: true, result: { success: true, result: settings } },
      `readJsonFromFile(${show(args)}) must be nested twice: {requestId, success:true, result:{success:true, result:<file>}}`);
  }
  for (const { path, content } of okReads) {
    const r = await call(cs, { requestId: 'ok', functionName: 'readJsonFromFile', args: [path] });
    assert.deepEqual(r, { requestId: 'ok', success: true, result: { success: true, result: content } }, `readJsonFromFile(${show(path)})`);
  }
  log('readJsonFromFile(settings/server_settings.json): double nesting ok');
  for (const { path, expect } of reads) {
    const r = await call(cs, { requestId: 'p', functionName: 'readJsonFromFile', args: [path] });
    assert.ok(r && r.success === true && r.result && r.result.success === false && r.result.error,
      `readJsonFromFile(${show(path)}): a refusal is an inner failure with outer success:true: ${show(r)}`);
    assert.deepEqual(Object.keys(r).sort(), ['requestId', 'result', 'success']);
    if (expect.message !== undefined) {
      assert.deepEqual(r.result, { success: false, error: { message: expect.message, code: expect.code } },
        `readJsonFromFile(${show(path)})`);
    } else {
      assert.equal(r.result.error.code, expect.code, `readJsonFromFile(${show(path)}) error code: ${show(r)}`);
      assert.equal(typeof r.result.error.message, 'string', `readJsonFromFile(${show(path)}) error message: ${show(r)}`);
    }
  }
  log(`readJsonFromFile refusals ok (${reads.length} paths)`);

  // ---------- failures of the call itself ----------
  assert.deepEqual(await call(cs, { requestId: 'nf', functionName: 'noSuchFunction' }),
    { requestId: 'nf', success: false, error: { message: 'Function "noSuchFunction" not found.' } }, 'unknown server function');
  assert.deepEqual(await call(cs, { requestId: 'adm', functionName: 'addStaticResources', args: [{ '/x': 'public' }] }),
    { requestId: 'adm', success: false, error: { message: 'Permission denied.' } }, 'admin-only function called by a non-admin');
  assert.deepEqual(await call(cs, { requestId: 'bad1' }),
    { requestId: 'bad1', success: false, error: { message: 'Invalid function call.' } }, 'functionName missing');
  assert.deepEqual(await call(cs, { requestId: 'bad2', functionName: 42 }),
    { requestId: 'bad2', success: false, error: { message: 'Invalid function call.' } }, 'functionName a number');
  assert.deepEqual(await call(cs, { requestId: 'bad3', functionName: '' }),
    { requestId: 'bad3', success: false, error: { message: 'Invalid function call.' } }, 'functionName empty');
  assert.deepEqual(await call(cs, 'listFunctions'),
    { requestId: null, success: false, error: { message: 'Invalid function call.' } }, 'payload a string');
  assert.deepEqual(await call(cs, { requestId: 'nt', functionName: 'ping', target: 'interop-fc-nobody' }),
    { requestId: 'nt', success: false, error: { message: 'Target client interop-fc-nobody is not connected.' } }, 'unknown target');
  log('Function not found / Permission denied. / Invalid function call. / Target client … is not connected.');

  // ---------- forwarding to an emulated extension's /function_call socket ----------
  const extIdentity = `${ext.clientId}-tab1`;
  const es = await connectOk(url, '/function_call',
    { clientId: ext.clientId, key: ext.key, identity: extIdentity, clientType: 'SillyTavern' },
    { name: 'ext@/function_call', transports: ['websocket'] });
  const seen = [];
  es.socket.on('FUNCTION_CALL', (data, cb) => {
    seen.push(data);
    switch (data && data.functionName) {
      case 'getValue': cb({ requestId: data.requestId, success: true, result: { answer: 42, args: data.args, text: 'ça 🙂' } }); break;
      case 'getNull': cb(null); break;
      case 'noArgs': cb(); break;
      case 'refuse': cb({ requestId: data.requestId, success: false, error: { message: 'Not allowed here.' } }); break;
      default: cb({ requestId: data && data.requestId, success: false, error: { message: 'unknown' } });
    }
  });
  const v = await call(cs, { requestId: 'fw-1', functionName: 'getValue', args: [1, 'two', { three: 3 }], target: extIdentity });
  assert.deepEqual(v, { requestId: 'fw-1', success: true, result: { answer: 42, args: [1, 'two', { three: 3 }], text: 'ça 🙂' } },
    'the target\'s ack is relayed unchanged');
  assert.deepEqual(seen[0], {
    requestId: 'fw-1', functionName: 'getValue', args: [1, 'two', { three: 3 }], target: extIdentity,
    callerIdentity: caller.clientId, callerClientId: caller.clientId,
  }, 'the target receives the caller\'s payload plus callerIdentity and callerClientId (§9.2)');
  assert.equal(await call(cs, { requestId: 'fw-2', functionName: 'getNull', target: extIdentity }), null,
    'an explicit null ack is relayed as null');
  assert.deepEqual(await call(cs, { requestId: 'fw-3', functionName: 'noArgs', target: extIdentity }),
    { requestId: 'fw-3', success: true, result: null }, 'an ack without arguments is relayed as {requestId, success:true, result:null}');
  assert.deepEqual(await call(cs, { requestId: 'fw-4', functionName: 'refuse', target: ext.clientId }),
    { requestId: 'fw-4', success: false, error: { message: 'Not allowed here.' } }, 'target by clientId (identity differs); a failure ack relayed unchanged');
  assert.equal(seen[3].target, ext.clientId, 'target by clientId reached the socket');
  log('forwarded calls: value, null, no arguments, by identity and by clientId');

  // A call without an ack is still carried out.
  const n = seen.length;
  cs.socket.emit('FUNCTION_CALL', { requestId: 'fire', functionName: 'getValue', args: [], target: extIdentity });
  const t0 = Date.now();
  while (seen.length === n && Date.now() - t0 < 3000) await sleep(20);
  assert.equal(seen.length, n + 1, 'a FUNCTION_CALL without an ack is still forwarded');
  assert.equal(seen[n].requestId, 'fire');

  es.close();
  await sleep(200);
  assert.deepEqual(await call(cs, { requestId: 'gone', functionName: 'getValue', target: extIdentity }),
    { requestId: 'gone', success: false, error: { message: `Target client ${extIdentity} is not connected.` } }, 'target disconnected');
  result({ functions: lf.result.result.map((f) => f.name) });
}, 30000);
