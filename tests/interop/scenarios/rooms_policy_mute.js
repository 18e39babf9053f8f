'use strict';
// Connection policy, assignment, mute and member status with the real socket.io-client
// (§6.5 SET/GET_CONNECTION_POLICY, ASSIGN_EXTENSION_TO_CLIENT, GET_ASSIGNMENTS(_FOR_ROOM),
// AVAILABLE_EXTENSIONS, MUTE_MEMBER/UNMUTE_MEMBER; §6.5.1; §7.3 default targets; §7.12).
// params: {url, admin, host, guest, outsider, ext1, ext2: {clientId,key}, roomName}
const { assert, log, main, connectOk, show, sleep } = require('./lib');
const { EmulatedExtension, waitExtensions, until } = require('./llm_lib');

main(async ({ url, admin, host, guest, outsider, ext1: e1, ext2: e2, roomName: R }) => {
  const auth = (who, type) => ({ clientId: who.clientId, key: who.key, clientType: type });
  const admRooms = await connectOk(url, '/rooms', auth(admin, 'monitor'), { name: 'admin@/rooms' });
  const hostRooms = await connectOk(url, '/rooms', auth(host, 'TestClient'), { name: 'host@/rooms' });
  const guestRooms = await connectOk(url, '/rooms', auth(guest, 'TestClient'), { name: 'guest@/rooms' });
  const outRooms = await connectOk(url, '/rooms', auth(outsider, 'TestClient'), { name: 'outsider@/rooms' });
  const hostLlm = await connectOk(url, '/llm', auth(host, 'TestClient'), { name: 'host@/llm' });
  const guestLlm = await connectOk(url, '/llm', auth(guest, 'TestClient'), { name: 'guest@/llm' });
  const outLlm = await connectOk(url, '/llm', auth(outsider, 'TestClient'), { name: 'outsider@/llm' });
  await admRooms.ackOk('CREATE_ROOM', { roomName: R });
  await admRooms.ackOk('ADD_CLIENT_TO_ROOM', { identity: host.clientId, roomName: R, role: 'manager' });
  await admRooms.ackOk('ADD_CLIENT_TO_ROOM', { identity: guest.clientId, roomName: R, role: 'guest' });
  const plan = { defaultPlan: (req) => ({ mode: 'message', tokens: [`answer to ${req.requestId}`] }) };
  const x1 = await EmulatedExtension.connect(url, e1, plan);
  const x2 = await EmulatedExtension.connect(url, e2, plan);
  await waitExtensions(hostLlm, [e1.clientId, e2.clientId]);
  const about = (room) => (p) => p && p.roomName === room;

  // ---------- policy ----------
  assert.deepEqual(await guestRooms.ack('GET_CONNECTION_POLICY'), { status: 'ok', policy: 'Free' });
  await guestRooms.ackError('SET_CONNECTION_POLICY', [{ policy: 'Manual' }], 'Unauthorized');
  await admRooms.ackError('SET_CONNECTION_POLICY', [{ policy: 'free' }], 'Failed to set connection policy');
  const free = await guestRooms.ack('GET_ASSIGNMENTS_FOR_ROOM', { roomName: R });
  assert.deepEqual(free, { status: 'ok', assignments: [e1.clientId, e2.clientId] }, `Free: ${show(free)}`);
  const all = await guestRooms.ack('GET_ASSIGNMENTS');
  assert.ok(!(e1.clientId in all.assignments), `extensions' personal rooms are not assignable: ${show(all)}`);
  await admRooms.ackError('ASSIGN_EXTENSION_TO_CLIENT', [{ clientRoom: R, extensions: [e1.clientId] }],
    'Manual assignment is only allowed in Manual mode');
  log('policy and reads ok');

  // ---------- Manual ----------
  let since = guestRooms.mark();
  const outSince = outRooms.mark();
  const manual = await admRooms.ack('SET_CONNECTION_POLICY', { policy: 'Manual' });
  assert.deepEqual(manual, { status: 'ok', policy: 'Manual' }, `SET_CONNECTION_POLICY: ${show(manual)}`);
  const emptied = await guestRooms.waitFor('AVAILABLE_EXTENSIONS', about(R), 5000, 'Manual empties the room', since);
  assert.deepEqual(emptied.extensions, [], `Manual without a table: ${show(emptied)}`);
  await admRooms.ackError('ASSIGN_EXTENSION_TO_CLIENT', [{ clientRoom: `${R} missing`, extensions: [] }], 'Client room not found');
  await admRooms.ackError('ASSIGN_EXTENSION_TO_CLIENT', [{ clientRoom: R, extensions: ['ghost'] }], 'Extension not found: ghost');
  since = guestRooms.mark();
  await admRooms.ackOk('ASSIGN_EXTENSION_TO_CLIENT', { clientRoom: R, extensions: [e2.clientId] });
  const assigned = await guestRooms.waitFor('AVAILABLE_EXTENSIONS', (p) => about(R)(p) && p.extensions.length === 1, 5000, 'assignment', since);
  assert.deepEqual(assigned, { roomName: R, extensions: [e2.clientId] }, `AVAILABLE_EXTENSIONS: ${show(assigned)}`);
  const rid = `m-${Date.now()}`;
  const sent = await hostLlm.ack('LLM_REQUEST', { requestId: rid, message: 'hello', targetRoom: R });
  assert.deepEqual(sent.targets, [e2.clientId], `default target follows Manual: ${show(sent)}`);
  await until(() => x2.requests.some((r) => r.requestId === rid), 5000, 'the request at ext2');
  assert.ok(!x1.requests.some((r) => r.requestId === rid), 'ext1 is not assigned');
  await sleep(200);
  const leaked = outRooms.events.slice(outSince).filter((e) => e.ev === 'AVAILABLE_EXTENSIONS' && e.args[0].roomName === R);
  assert.deepEqual(leaked, [], `a non-member heard about the room: ${show(leaked)}`);
  log('Manual assignment and default targets ok');

  // ---------- mute ----------
  await guestRooms.ackError('MUTE_MEMBER', [{ targetIdentity: 'nobody-here', roomName: R }], 'Member not found');
  await guestRooms.ackError('MUTE_MEMBER', [{ targetIdentity: host.clientId, roomName: `${R} missing` }], 'Room not found');
  await guestRooms.ackError('MUTE_MEMBER', [{ targetIdentity: host.clientId, roomName: R }], 'Permission denied');
  const muteSince = guestLlm.mark();
  const hostSince = hostLlm.mark();
  await hostRooms.ackOk('MUTE_MEMBER', { targetIdentity: guest.clientId, roomName: R, duration: 1 });
  const muted = await guestLlm.waitFor('MEMBER_MUTED', (p) => p && p.identity === guest.clientId, 5000, 'MEMBER_MUTED', muteSince);
  assert.equal(muted.duration, 1, `MEMBER_MUTED: ${show(muted)}`);
  assert.equal(muted.roomName, R, `MEMBER_MUTED roomName: ${show(muted)}`);
  const text = `[System] ${guest.clientId} has been muted by ${host.clientId} for 1 seconds.`;
  await hostLlm.waitFor('NEW_MESSAGE', (p) => p && p.message && p.message.message === text, 5000, 'mute system message', hostSince);
  await x2.client.waitFor('NEW_MESSAGE', (p) => p && p.message && p.message.message === text, 5000, 'mute text at the assigned extension');
  await hostLlm.waitFor('MEMBER_STATUS_UPDATE', (p) => p && p.identity === guest.clientId && p.status === 'muted', 5000, 'muted status', hostSince);
  await guestLlm.ackError('LLM_REQUEST', [{ requestId: `g-${Date.now()}`, message: 'x', targetRoom: R }],
    'You are currently muted and cannot send messages.');
  const unmuted = await guestLlm.waitFor('MEMBER_UNMUTED', (p) => p && p.identity === guest.clientId, 8000, 'expiry', muteSince);
  assert.deepEqual(unmuted, { identity: guest.clientId, unmutedBy: 'System', roomName: R }, `MEMBER_UNMUTED: ${show(unmuted)}`);
  await hostLlm.waitFor('NEW_MESSAGE', (p) => p && p.message && p.message.message === `[System] ${guest.clientId} has been unmuted by System.`,
    5000, 'unmute system message', hostSince);
  assert.ok(!hostLlm.received('MEMBER_MUTED').length, 'only the target hears MEMBER_MUTED');
  assert.ok(!outLlm.received('NEW_MESSAGE').some((p) => p.roomName === R), 'the outsider hears no system message');
  log('mute, expiry by System ok');

  // ---------- member status ----------
  const stSince = hostLlm.mark();
  await x2.client.ackOk('START_PROCESSING', { targetRoom: R, requestId: rid });
  await hostLlm.waitFor('MEMBER_STATUS_UPDATE', (p) => p && p.identity === e2.clientId && p.status === 'processing', 5000, 'processing', stSince);
  await x1.client.ackError('START_PROCESSING', [{ targetRoom: R }], `You are not a member of room ${R}.`);
  await outLlm.ackError('START_TYPING', [{ targetRoom: R }], `You are not a member of room ${R}.`);
  const errSince = outLlm.mark();
  outLlm.socket.emit('STOP_TYPING', { targetRoom: `${R} missing` });
  const shown = await outLlm.waitFor('ERROR', () => true, 5000, 'ERROR without an ack', errSince);
  assert.equal(shown.message, `Room ${R} missing not found.`, `ERROR: ${show(shown)}`);
  await guestLlm.ackOk('START_TYPING', { targetRoom: R });
  await hostLlm.waitFor('MEMBER_STATUS_UPDATE', (p) => p && p.identity === guest.clientId && p.status === 'typing', 5000, 'typing', stSince);
  const goneSince = hostLlm.mark();
  guestLlm.close();
  await hostLlm.waitFor('MEMBER_STATUS_UPDATE', (p) => p && p.identity === guest.clientId && p.status === 'idle', 5000, 'idle after /llm closed', goneSince);
  assert.ok(!outLlm.received('MEMBER_STATUS_UPDATE').some((p) => p.roomName === R), 'the outsider hears no status');
  log('member status ok');

  await admRooms.ackOk('SET_CONNECTION_POLICY', { policy: 'Free' });
  await admRooms.ackOk('DELETE_ROOM', { roomName: R });
  log('done');
});
