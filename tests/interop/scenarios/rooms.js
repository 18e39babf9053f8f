'use strict';
// /rooms (§6.5): CREATE_ROOM, GET_ROOMS, GET_ROOM_INFO, ADD_CLIENT_TO_ROOM notices,
// GET_CLIENTS_IN_ROOM, DELETE_ROOM and their errors.
// params: {url, admin:{clientId,key}, member:{clientId,key}, client:{clientId,key}, roomName}
const { assert, log, main, connectOk, assertIso, show } = require('./lib');

main(async ({ url, admin, member, client, roomName }) => {
  const R = roomName;
  const adm = await connectOk(url, '/rooms', { clientId: admin.clientId, key: admin.key, clientType: 'monitor' },
    { name: 'admin@/rooms', transports: ['websocket'] });
  const mem = await connectOk(url, '/rooms', { clientId: member.clientId, key: member.key, clientType: 'TestClient' },
    { name: 'member@/rooms' });
  const usr = await connectOk(url, '/rooms', { clientId: client.clientId, key: client.key },
    { name: 'non-admin@/rooms', transports: ['websocket'] });

  // ---------- CREATE_ROOM ----------
  await adm.ackError('CREATE_ROOM', [{ roomName: '' }], 'Invalid room name');
  await adm.ackError('CREATE_ROOM', [{ roomName: 'r'.repeat(129) }], 'Invalid room name');
  await adm.ackError('CREATE_ROOM', [{ roomName: 'bad\u0001name' }], 'Invalid room name');
  await adm.ackError('CREATE_ROOM', [{}], 'Invalid room name');
  await adm.ackError('CREATE_ROOM', ['a string'], 'Invalid payload.');
  await adm.ackError('CREATE_ROOM', [7], 'Invalid payload.');
  await usr.ackError('CREATE_ROOM', ['a string'], 'Invalid payload.');
  await usr.ackError('CREATE_ROOM', [{ roomName: R + '-by-non-admin' }], 'Unauthorized');
  // §2.2 item 3: a failing change without an ack is reported as an ERROR event;
  // a read without an ack is ignored.
  const errSince = adm.mark();
  adm.socket.emit('CREATE_ROOM', { roomName: '' });
  const e1 = await adm.waitFor('ERROR', () => true, 5000, 'CREATE_ROOM without ack failed', errSince);
  assert.equal(e1.type, 'ERROR', `ERROR.type: ${show(e1)}`);
  assert.equal(e1.message, 'Invalid room name', `ERROR for CREATE_ROOM {roomName:''} without an ack: ${show(e1)}`);
  const readSince = adm.mark();
  adm.socket.emit('GET_ROOM_INFO', { roomName: R + '-missing' });
  await adm.ackOk('GET_ROOMS');
  assert.deepEqual(adm.events.slice(readSince).map((e) => e.ev), [], `a read without an ack must be ignored (no ERROR)`);
  log('CREATE_ROOM validation and permission errors ok');

  const created = await adm.ack('CREATE_ROOM', { roomName: R });
  assert.deepEqual(created, { status: 'ok', roomName: R }, `CREATE_ROOM {roomName:${R}}: ${show(created)}`);
  await adm.ackError('CREATE_ROOM', [{ roomName: R }], 'Room already exists');
  log(`room ${R} created`);

  // ---------- GET_ROOMS / GET_ROOM_INFO ----------
  for (const s of [adm, usr]) {
    const rooms = await s.ackOk('GET_ROOMS');
    assert.ok(Array.isArray(rooms.rooms) && rooms.rooms.every((n) => typeof n === 'string'), `${s.name}: GET_ROOMS must give rooms:[name…]: ${show(rooms)}`);
    assert.ok(rooms.rooms.includes(R), `${s.name}: GET_ROOMS must list ${R}: ${show(rooms)}`);
    assert.ok(rooms.rooms.includes(member.clientId), `${s.name}: GET_ROOMS must list the personal room of registered ${member.clientId}: ${show(rooms)}`);
  }
  const info = await usr.ackOk('GET_ROOM_INFO', { roomName: R });
  assert.ok(info.room && typeof info.room === 'object', `GET_ROOM_INFO: ${show(info)}`);
  assert.deepEqual(Object.keys(info.room).sort(), ['createdAt', 'guests', 'managers', 'master', 'mode', 'name', 'personal'],
    `GET_ROOM_INFO room keys: ${show(info.room)}`);
  assertIso(info.room.createdAt, 'room.createdAt');
  assert.deepEqual({ ...info.room, createdAt: null },
    { name: R, personal: false, mode: 'Immediate', master: admin.clientId, managers: [], guests: [], createdAt: null },
    `GET_ROOM_INFO of a room created by admin ${admin.clientId}: ${show(info.room)}`);
  const pinfo = await adm.ackOk('GET_ROOM_INFO', { roomName: member.clientId });
  assert.equal(pinfo.room && pinfo.room.personal, true, `personal room of ${member.clientId}: ${show(pinfo)}`);
  assert.equal(pinfo.room.master, member.clientId, `master of the personal room: ${show(pinfo)}`);
  await usr.ackError('GET_ROOM_INFO', [{ roomName: R + '-missing' }], 'Room not found');
  await usr.ackError('GET_ROOM_INFO', [{ roomName: '' }], 'Invalid room name');
  await usr.ackError('GET_ROOM_INFO', ['x'], 'Invalid payload.');
  log('GET_ROOMS / GET_ROOM_INFO ok');

  // ---------- ADD_CLIENT_TO_ROOM ----------
  await usr.ackError('ADD_CLIENT_TO_ROOM', [{ identity: member.clientId, roomName: R }], 'Unauthorized');
  await adm.ackError('ADD_CLIENT_TO_ROOM', [{ identity: member.clientId, roomName: R, role: 'boss' }], 'Invalid role');
  await adm.ackError('ADD_CLIENT_TO_ROOM', [{ identity: member.clientId, roomName: R + '-missing' }], 'Failed to add client to room');
  const admSince = adm.mark();
  const memSince = mem.mark();
  const added = await adm.ack('ADD_CLIENT_TO_ROOM', { identity: member.clientId, roomName: R });
  assert.deepEqual(added, { status: 'ok' }, `ADD_CLIENT_TO_ROOM: ${show(added)}`);
  const expectedNotice = { clientId: member.clientId, identity: member.clientId, roomName: R, role: 'guest' };
  const mrc = await mem.waitFor('MEMBER_ROLE_CHANGED', (p) => p && p.roomName === R, 5000, 'after ADD_CLIENT_TO_ROOM', memSince);
  assert.deepEqual(mrc, expectedNotice, `MEMBER_ROLE_CHANGED to the added member: ${show(mrc)}`);
  const mj = await adm.waitFor('MEMBER_JOINED', (p) => p && p.roomName === R, 5000, 'master gets MEMBER_JOINED', admSince);
  assert.deepEqual(mj, expectedNotice, `MEMBER_JOINED to the master: ${show(mj)}`);
  log('ADD_CLIENT_TO_ROOM: MEMBER_ROLE_CHANGED to member, MEMBER_JOINED to master');
  await adm.ackError('ADD_CLIENT_TO_ROOM', [{ identity: member.clientId, roomName: R }], 'Failed to add client to room');

  const info2 = await adm.ackOk('GET_ROOM_INFO', { roomName: R });
  assert.deepEqual(info2.room.guests, [member.clientId], `guests after ADD_CLIENT_TO_ROOM: ${show(info2.room)}`);
  const inRoom = await usr.ackOk('GET_CLIENTS_IN_ROOM', { roomName: R });
  assert.ok(Array.isArray(inRoom.clients), `GET_CLIENTS_IN_ROOM: ${show(inRoom)}`);
  const m = inRoom.clients.find((c) => c.identity === member.clientId);
  assert.deepEqual(m, { clientId: member.clientId, identity: member.clientId, clientType: 'TestClient', role: 'guest', online: true },
    `GET_CLIENTS_IN_ROOM entry of the member: ${show(inRoom.clients)}`);
  const master = inRoom.clients.find((c) => c.identity === admin.clientId);
  assert.ok(master && master.role === 'master' && master.online === true, `GET_CLIENTS_IN_ROOM entry of the master: ${show(inRoom.clients)}`);
  await usr.ackError('GET_CLIENTS_IN_ROOM', [{ roomName: R + '-missing' }], 'Room not found');

  // ---------- DELETE_ROOM ----------
  await adm.ackError('DELETE_ROOM', [{ roomName: '' }], 'Invalid room name');
  await adm.ackError('DELETE_ROOM', ['x'], 'Invalid payload.');
  await adm.ackError('DELETE_ROOM', [{ roomName: R + '-missing' }], 'Room not found');
  await adm.ackError('DELETE_ROOM', [{ roomName: member.clientId }], 'Invalid operation');
  await usr.ackError('DELETE_ROOM', [{ roomName: R }], 'Unauthorized');
  log('DELETE_ROOM errors ok');
  const memSince2 = mem.mark();
  const del = await adm.ack('DELETE_ROOM', { roomName: R });
  assert.deepEqual(del, { status: 'ok' }, `DELETE_ROOM ${R}: ${show(del)}`);
  const dn = await mem.waitFor('DELETE_ROOM', (p) => p && p.roomName === R, 5000, 'former member notice', memSince2);
  assert.deepEqual(dn, { roomName: R, message: `Room "${R}" has been deleted.` }, `DELETE_ROOM notice: ${show(dn)}`);
  const rooms2 = await adm.ackOk('GET_ROOMS');
  assert.ok(!rooms2.rooms.includes(R), `GET_ROOMS after DELETE_ROOM still lists ${R}`);
  await adm.ackError('GET_ROOM_INFO', [{ roomName: R }], 'Room not found');
  log('DELETE_ROOM ok');
}, 30000);
