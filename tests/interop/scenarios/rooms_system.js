'use strict';
// The room system with the real socket.io-client (§6.5 modes and mute, §7.3 dispositions,
// §7.11 editing, §7.12 status): acks, errors and who gets the notifications.
// params: {url, admin:{clientId,key}, member:{clientId,key}, client:{clientId,key}, roomName}
const { assert, log, main, connectOk, show } = require('./lib');

main(async ({ url, admin, member, client, roomName }) => {
  const R = roomName;
  const auth = (who, type) => ({ clientId: who.clientId, key: who.key, clientType: type });
  const admRooms = await connectOk(url, '/rooms', auth(admin, 'monitor'), { name: 'admin@/rooms' });
  const hostRooms = await connectOk(url, '/rooms', auth(member, 'TestClient'), { name: 'host@/rooms' });
  const guestRooms = await connectOk(url, '/rooms', auth(client, 'TestClient'), { name: 'guest@/rooms' });
  const hostLlm = await connectOk(url, '/llm', auth(member, 'TestClient'), { name: 'host@/llm' });
  const guestLlm = await connectOk(url, '/llm', auth(client, 'TestClient'), { name: 'guest@/llm' });

  await admRooms.ackOk('CREATE_ROOM', { roomName: R });
  await admRooms.ackOk('ADD_CLIENT_TO_ROOM', { identity: member.clientId, roomName: R, role: 'manager' });
  await admRooms.ackOk('ADD_CLIENT_TO_ROOM', { identity: client.clientId, roomName: R, role: 'guest' });

  // ---------- SET_ROOM_MESSAGE_REQUEST_MODE ----------
  await guestRooms.ackError('SET_ROOM_MESSAGE_REQUEST_MODE', [{ roomName: R, mode: 'MasterOnly' }],
    'Permission denied. Only room master/manager or admin can set the mode.');
  await hostRooms.ackError('SET_ROOM_MESSAGE_REQUEST_MODE', [{ roomName: R, mode: 'Loud' }],
    'Invalid mode specified. Valid modes are: Immediate, HostSubmit, MasterOnly, Conversational');
  await hostRooms.ackError('SET_ROOM_MESSAGE_REQUEST_MODE', [{ roomName: R }], 'roomName and mode are required.');
  const since = guestRooms.mark();
  const set = await hostRooms.ack('SET_ROOM_MESSAGE_REQUEST_MODE', { roomName: R, mode: 'MasterOnly' });
  assert.deepEqual(set, { status: 'ok', roomName: R, mode: 'MasterOnly' }, `mode ack: ${show(set)}`);
  const changed = await guestRooms.waitFor('ROOM_MODE_CHANGED', (p) => p && p.roomName === R, 5000, 'mode change', since);
  assert.deepEqual(changed, { roomName: R, mode: 'MasterOnly', setter: member.clientId }, `ROOM_MODE_CHANGED: ${show(changed)}`);
  log('SET_ROOM_MESSAGE_REQUEST_MODE and ROOM_MODE_CHANGED ok');

  // ---------- dispositions ----------
  const recorded = await guestLlm.ack('LLM_REQUEST', { requestId: `g-${Date.now()}`, message: 'ambient', targetRoom: R });
  assert.equal(recorded.disposition, 'recorded', `MasterOnly guest: ${show(recorded)}`);
  assert.deepEqual(recorded.targets, [], `recorded targets: ${show(recorded)}`);
  await hostRooms.ackOk('SET_ROOM_MESSAGE_REQUEST_MODE', { roomName: R, mode: 'HostSubmit' });
  const queued = await guestLlm.ack('LLM_REQUEST', { requestId: `q-${Date.now()}`, message: 'for the host', targetRoom: R });
  assert.equal(queued.disposition, 'queued', `HostSubmit guest: ${show(queued)}`);
  log('dispositions recorded and queued ok');

  // ---------- editing ----------
  const newSince = hostLlm.mark();
  const own = await guestLlm.ack('LLM_REQUEST', { requestId: `e-${Date.now()}`, message: 'typo', targetRoom: R });
  const created = await hostLlm.waitFor('NEW_MESSAGE', (p) => p && p.message && p.message.requestId === own.requestId, 5000, 'NEW_MESSAGE of the request', newSince);
  const id = created.message.messageId;
  const edited = await guestLlm.ack('EDIT_MESSAGE', { roomName: R, messageId: id, updatedFields: { message: 'fixed', identity: 'x' } });
  assert.equal(edited.status, 'ok', `EDIT_MESSAGE: ${show(edited)}`);
  assert.equal(edited.message.data, 'fixed', `data follows message: ${show(edited)}`);
  assert.equal(edited.message.identity, client.clientId, `identity is protected: ${show(edited)}`);
  assert.equal(edited.message.editedBy, client.clientId, `editedBy: ${show(edited)}`);
  const delSince = hostLlm.mark();
  const deleted = await guestLlm.ack('DELETE_MESSAGE', { roomName: R, messageIds: id });
  assert.deepEqual(deleted, { status: 'ok', messageIds: [id] }, `DELETE_MESSAGE: ${show(deleted)}`);
  const gone = await hostLlm.waitFor('MESSAGES_DELETED', (p) => p && p.roomName === R, 5000, 'MESSAGES_DELETED', delSince);
  assert.deepEqual(gone.messageIds, [id], `MESSAGES_DELETED: ${show(gone)}`);
  await guestLlm.ackError('CLEAR_MESSAGES', [{ roomName: R }], 'Permission denied to clear messages.');
  log('EDIT_MESSAGE / DELETE_MESSAGE ok');

  // ---------- status and mute ----------
  const stSince = hostLlm.mark();
  await guestLlm.ackOk('START_TYPING', { targetRoom: R });
  const typing = await hostLlm.waitFor('MEMBER_STATUS_UPDATE', (p) => p && p.roomName === R && p.status === 'typing', 5000, 'typing', stSince);
  assert.equal(typing.identity, client.clientId, `MEMBER_STATUS_UPDATE: ${show(typing)}`);
  await guestLlm.ackOk('STOP_TYPING', {});
  const muteSince = guestLlm.mark();
  await hostRooms.ackOk('MUTE_MEMBER', { targetIdentity: client.clientId, roomName: R, duration: 120 });
  const muted = await guestLlm.waitFor('MEMBER_MUTED', (p) => p && p.identity === client.clientId, 5000, 'MEMBER_MUTED', muteSince);
  assert.equal(muted.duration, 120, `MEMBER_MUTED: ${show(muted)}`);
  assert.equal(muted.mutedBy, member.clientId, `mutedBy: ${show(muted)}`);
  await guestLlm.ackError('LLM_REQUEST', [{ requestId: `m-${Date.now()}`, message: 'x', targetRoom: R }],
    'You are currently muted and cannot send messages.');
  await hostRooms.ackOk('UNMUTE_MEMBER', { targetIdentity: client.clientId, roomName: R });
  const unmuted = await guestLlm.waitFor('MEMBER_UNMUTED', (p) => p && p.identity === client.clientId, 5000, 'MEMBER_UNMUTED', muteSince);
  assert.equal(unmuted.unmutedBy, member.clientId, `MEMBER_UNMUTED: ${show(unmuted)}`);
  log('status, MUTE_MEMBER and UNMUTE_MEMBER ok');

  await hostLlm.ackOk('CLEAR_MESSAGES', { roomName: R });
  await admRooms.ackOk('DELETE_ROOM', { roomName: R });
  const policy = await guestRooms.ackOk('GET_CONNECTION_POLICY');
  assert.ok(['Free', 'Manual', 'Balanced', 'Broadcast', 'Random'].includes(policy.policy), `policy: ${show(policy)}`);
  log('done');
});
