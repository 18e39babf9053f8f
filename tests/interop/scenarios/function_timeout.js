'use strict';
// §9.2 forwarding timeout on a server with a small `timeout`: a target that never acks gives the
// caller {requestId, success:false, error:{message:'Function call timed out.'}} after about
// `timeoutMs`; the waiting call does not delay later events of the caller (§2.3); a late ack
// from the target is dropped; a target that answers in time still works.
// params: {url, caller:{clientId,key}, ext:{clientId,key}, timeoutMs}
const { assert, log, main, result, connectOk, show, sleep } = require('./lib');

main(async ({ url, caller, ext, timeoutMs }) => {
  const cs = await connectOk(url, '/function_call', { clientId: caller.clientId, key: caller.key, clientType: 'TestClient' },
    { name: 'caller@/function_call', transports: ['websocket'] });
  const es = await connectOk(url, '/function_call', { clientId: ext.clientId, key: ext.key, clientType: 'SillyTavern' },
    { name: 'ext@/function_call', transports: ['websocket'] });
  const late = [];
  es.socket.on('FUNCTION_CALL', (data, cb) => {
    if (data.functionName === 'hang') return; // never acks
    if (data.functionName === 'late') { setTimeout(() => { late.push(data.requestId); cb({ requestId: data.requestId, success: true, result: 'too late' }); }, timeoutMs * 2); return; }
    if (data.functionName === 'slowButInTime') { setTimeout(() => cb({ requestId: data.requestId, success: true, result: 'in time' }), timeoutMs / 4); return; }
    cb({ requestId: data.requestId, success: true, result: data.args });
  });

  const t0 = Date.now();
  const hanging = cs.ack('FUNCTION_CALL', { requestId: 'h-1', functionName: 'hang', args: [], target: ext.clientId }, { __ackTimeout: timeoutMs + 5000 })
    .then((r) => ({ r, at: Date.now() - t0 }));
  // later events of the caller are not delayed by the waiting call
  const quick = await cs.ack('FUNCTION_CALL', { requestId: 'q-1', functionName: 'listFunctions' });
  const quickAt = Date.now() - t0;
  assert.equal(quick.success, true, `listFunctions while a forwarded call waits: ${show(quick)}`);
  const echo = await cs.ack('FUNCTION_CALL', { requestId: 'e-1', functionName: 'echo', args: ['x'], target: ext.clientId });
  assert.deepEqual(echo, { requestId: 'e-1', success: true, result: ['x'] }, 'a second forwarded call answers while the first waits');
  const { r, at } = await hanging;
  assert.deepEqual(r, { requestId: 'h-1', success: false, error: { message: 'Function call timed out.' } }, 'a target that never acks');
  assert.ok(quickAt < at, `the waiting call must not delay later events (quick answer at ${quickAt} ms, timeout at ${at} ms)`);
  assert.ok(at >= timeoutMs - 50 && at < timeoutMs + 3000, `timed out after ${at} ms; setting timeout = ${timeoutMs} ms`);
  log(`Function call timed out. after ${at} ms (timeout ${timeoutMs} ms)`);

  const lateRes = await cs.ack('FUNCTION_CALL', { requestId: 'l-1', functionName: 'late', target: ext.clientId }, { __ackTimeout: timeoutMs + 5000 });
  assert.deepEqual(lateRes, { requestId: 'l-1', success: false, error: { message: 'Function call timed out.' } }, 'an ack after the timeout');
  await sleep(timeoutMs * 2);
  assert.deepEqual(late, ['l-1'], 'the target did ack late');
  const inTime = await cs.ack('FUNCTION_CALL', { requestId: 's-1', functionName: 'slowButInTime', target: ext.clientId }, { __ackTimeout: timeoutMs + 5000 });
  assert.deepEqual(inTime, { requestId: 's-1', success: true, result: 'in time' }, 'a target answering within the timeout');
  // the late ack produced nothing on the caller's socket
  assert.deepEqual(cs.events.map((e) => e.ev), [], `no stray events to the caller: ${show(cs.events)}`);
  result({ timeoutAfterMs: at });
}, 30000);
