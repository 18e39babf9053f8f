'use strict';
// Request modes and history editing as an emulated SillyTavern extension sees them
// (§6.5 SET_ROOM_MESSAGE_REQUEST_MODE, §7.3 dispositions and the HostSubmit merge, §7.4 what the
// extension receives, §7.11 MESSAGE_UPDATED / MESSAGES_CLEARED to assigned extensions).
// params: {url, admin, host, guest, ext: {clientId,key}, roomName}
const { assert, log, main, connectOk, show, sleep } = require('./lib');
const { EmulatedExtension, waitExtensions, until } = require('./llm_lib');

main(async ({ url, admin, host, guest, ext: extCreds, roomName: R }) => {
  const ext = await EmulatedExtension.connect(url, extCreds, {
    defaultPlan: (req) => ({ mode: 'message', tokens: [`answer to ${req.requestId}`] }),
  });
  const auth = (who, type) => ({ clientId: who.clientId, key: who.key, clientType: type });
  const admRooms = await connectOk(url, '/rooms', auth(admin, 'monitor'), { name: 'admin@/rooms' });
  const hostRooms = await connectOk(url, '/rooms', auth(host, 'TestClient'), { name: 'host@/rooms' });
  const guestRooms = await connectOk(url, '/rooms', auth(guest, 'TestClient'), { name: 'guest@/rooms' });
  const hostLlm = await connectOk(url, '/llm', auth(host, 'TestClient'), { name: 'host@/llm' });
  const guestLlm = await connectOk(url, '/llm', auth(guest, 'TestClient'), { name: 'guest@/llm' });
  await waitExtensions(hostLlm, [extCreds.clientId]);

  await admRooms.ackOk('CREATE_ROOM', { roomName: R });
  await admRooms.ackOk('ADD_CLIENT_TO_ROOM', { identity: host.clientId, roomName: R, role: 'manager' });
  await admRooms.ackOk('ADD_CLIENT_TO_ROOM', { identity: guest.clientId, roomName: R, role: 'guest' });

  // ---------- HostSubmit: queued guests, then one merged request ----------
  const modeMark = guestRooms.mark();
  await hostRooms.ackOk('SET_ROOM_MESSAGE_REQUEST_MODE', { roomName: R, mode: 'HostSubmit' });
  await hostRooms.ackOk('SET_ROOM_MESSAGE_REQUEST_MODE', { roomName: R, mode: 'HostSubmit' });
  const g1 = `g1-${Date.now()}`;
  const g2 = `g2-${Date.now()}`;
  const h1 = `h1-${Date.now()}`;
  for (const [rid, text] of [[g1, '  first guest \n'], [g2, '   ']]) {
    const ack = await guestLlm.ack('LLM_REQUEST', { requestId: rid, message: text, targetRoom: R });
    assert.deepEqual(ack, { status: 'ok', message: 'Request received.', requestId: rid, disposition: 'queued', targets: [] },
      `queued guest request: ${show(ack)}`);
  }
  const own = await hostLlm.ack('LLM_REQUEST', { requestId: h1, message: ' host text ', targetRoom: R });
  assert.deepEqual(own.disposition, 'forwarded', `host request: ${show(own)}`);
  assert.deepEqual(own.targets, [extCreds.clientId], `host targets: ${show(own)}`);
  await until(() => ext.requests.some((r) => r.requestId === h1), 5000, 'the merged request at the extension');
  assert.deepEqual(ext.requests.map((r) => r.requestId), [h1], 'queued requests are not forwarded');
  const merged = ext.requests[0];
  const mergeFields = { message: 'first guest\n\nhost text', isMerged: true, mergedFromCount: 3, originalRequestIds: [g1, g2, h1] };
  for (const [k, v] of Object.entries(mergeFields)) {
    assert.deepEqual(merged[k], v, `flat LLM_REQUEST ${k}: ${show(merged)}`);
    assert.deepEqual(merged.currentRequest[k], v, `currentRequest ${k}: ${show(merged.currentRequest)}`);
  }
  assert.equal(merged.mode, 'HostSubmit', `mode: ${show(merged)}`);
  assert.equal(merged.type, undefined, `no type outside Conversational: ${show(merged)}`);
  const changes = guestRooms.events.slice(modeMark).filter((e) => e.ev === 'ROOM_MODE_CHANGED').map((e) => e.args[0]);
  assert.deepEqual(changes, [{ roomName: R, mode: 'HostSubmit', setter: host.clientId }],
    `one ROOM_MODE_CHANGED for two identical sets: ${show(changes)}`);
  const response = await guestLlm.waitFor('NEW_MESSAGE',
    (p) => p && p.message && p.message.requestId === h1 && p.message.isResponse === true, 5000, 'the recorded response');
  log('HostSubmit merge ok');

  // ---------- Conversational: DIRECT_REQUEST or only recorded ----------
  await hostRooms.ackOk('SET_ROOM_MESSAGE_REQUEST_MODE', { roomName: R, mode: 'Conversational' });
  const ambient = await guestLlm.ack('LLM_REQUEST', { requestId: `a-${Date.now()}`, message: 'chatting', targetRoom: R });
  assert.equal(ambient.disposition, 'recorded', `targetless Conversational: ${show(ambient)}`);
  assert.deepEqual(ambient.targets, [], `recorded targets: ${show(ambient)}`);
  const d1 = `d1-${Date.now()}`;
  const direct = await guestLlm.ack('LLM_REQUEST', { requestId: d1, message: 'you there?', targetRoom: R, target: extCreds.clientId });
  assert.equal(direct.disposition, 'forwarded', `direct: ${show(direct)}`);
  await until(() => ext.requests.some((r) => r.requestId === d1), 5000, 'the direct request at the extension');
  assert.deepEqual(ext.requests.map((r) => r.requestId), [h1, d1], 'the recorded request is not forwarded');
  const got = ext.requests[1];
  assert.equal(got.type, 'DIRECT_REQUEST', `type: ${show(got)}`);
  assert.equal(got.mode, 'Conversational', `mode: ${show(got)}`);
  assert.equal(got.requestingIdentity, guest.clientId, `requester: ${show(got)}`);
  log('Conversational dispositions ok');

  // ---------- editing reaches the assigned extension ----------
  const extMark = ext.client.mark();
  const edited = await hostLlm.ack('EDIT_MESSAGE',
    { roomName: R, messageId: response.message.messageId, updatedMessage: { data: 'better answer', isResponse: false } });
  assert.equal(edited.status, 'ok', `EDIT_MESSAGE: ${show(edited)}`);
  assert.equal(edited.message.message, 'better answer', `message follows data: ${show(edited)}`);
  assert.equal(edited.message.isResponse, true, `isResponse is protected: ${show(edited)}`);
  const upd = await ext.client.waitFor('MESSAGE_UPDATED', (p) => p && p.roomName === R, 5000, 'MESSAGE_UPDATED', extMark);
  assert.deepEqual(upd.message, edited.message, `MESSAGE_UPDATED at the extension: ${show(upd)}`);
  await guestLlm.ackError('EDIT_MESSAGE', [{ roomName: R, messageId: response.message.messageId, updatedFields: { message: 'x' } }],
    'Permission denied to edit this message.');

  const cleared = await hostLlm.ack('CLEAR_MESSAGES', { roomName: R, clearResponses: false });
  assert.deepEqual(cleared, { status: 'ok' }, `CLEAR_MESSAGES: ${show(cleared)}`);
  const clr = await ext.client.waitFor('MESSAGES_CLEARED', (p) => p && p.roomName === R, 5000, 'MESSAGES_CLEARED', extMark);
  assert.deepEqual(clr, { roomName: R, clearedRequests: true, clearedResponses: false }, `MESSAGES_CLEARED: ${show(clr)}`);
  const again = await hostLlm.ack('CLEAR_MESSAGES', { roomName: R, clearResponses: false });
  assert.deepEqual(again, { status: 'ok', message: 'Messages already cleared or operation failed.' }, `second clear: ${show(again)}`);
  log('EDIT_MESSAGE / CLEAR_MESSAGES to the extension ok');

  await sleep(50); // anything the extension still answers lands before the room goes
  await admRooms.ackOk('DELETE_ROOM', { roomName: R });
  assert.deepEqual(ext.failures, [], `extension failures: ${show(ext.failures)}`);
  log('done');
});
