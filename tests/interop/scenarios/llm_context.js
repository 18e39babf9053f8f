'use strict';
// GET_FULL_CONTEXT paging (§7.11) after a few requests, on a server with contextPageSize
// `pageSize`: ack {status:'ok', updateId, totalPages}, UPDATE_CONTEXT_PAGE pages 1..N in order,
// isLastPage only on the last, the history in insertion order (request, response, …), rejected
// requests not recorded; the alias GET_OFFLINE_MESSAGES; processing without an ack; the errors
// (also emitted as ERROR before the ack); the automatic push after requests and responses.
// params: {url, client:{clientId,key}, other:{clientId,key}, ext:{clientId,key}, pageSize}
const { assert, log, main, connectOk, assertUuidV4, assertIso, show, sleep } = require('./lib');
const { EmulatedExtension, StreamReceiver, sendRequest, emitAck, verifyStreamed, tokensFor, uuid, until } = require('./llm_lib');

/** Collect the pages of transfer updateId on sock (in arrival order) until isLastPage. */
async function pagesOf(sock, updateId, ms = 5000) {
  await until(() => sock.received('UPDATE_CONTEXT_PAGE').some((p) => p && p.updateId === updateId && p.isLastPage === true), ms,
    () => `the last UPDATE_CONTEXT_PAGE of transfer ${updateId}; pages so far ${show(sock.received('UPDATE_CONTEXT_PAGE').map((p) => [p.updateId, p.pageNumber, p.isLastPage]))}`);
  return sock.received('UPDATE_CONTEXT_PAGE').filter((p) => p && p.updateId === updateId);
}

function checkPages(pages, { updateId, roomName, pageSize, count }, what) {
  const totalPages = Math.max(1, Math.ceil(count / pageSize));
  assert.deepEqual(pages.map((p) => p.pageNumber), Array.from({ length: totalPages }, (_, i) => i + 1),
    `${what}: pages must arrive in pageNumber order 1..${totalPages} (§7.10 rule 6)`);
  pages.forEach((p, i) => {
    assert.deepEqual(Object.keys(p).sort(), ['contextPage', 'isLastPage', 'pageNumber', 'roomName', 'totalPages', 'updateId'],
      `${what}: UPDATE_CONTEXT_PAGE fields: ${show(p)}`);
    assert.equal(p.updateId, updateId);
    assert.equal(p.roomName, roomName, `${what}: page roomName`);
    assert.equal(p.totalPages, totalPages, `${what}: totalPages on page ${i + 1}`);
    assert.equal(p.isLastPage, i === totalPages - 1, `${what}: isLastPage on page ${i + 1}`);
    assert.ok(Array.isArray(p.contextPage), `${what}: contextPage must be an array`);
    assert.equal(p.contextPage.length, i < totalPages - 1 ? pageSize : count - pageSize * (totalPages - 1),
      `${what}: size of page ${i + 1} (page size ${pageSize}, ${count} messages)`);
  });
  return pages.flatMap((p) => p.contextPage);
}

main(async ({ url, client, other, ext: extCreds, pageSize }) => {
  const ext = await EmulatedExtension.connect(url, extCreds);
  const usr = await connectOk(url, '/llm', { clientId: client.clientId, key: client.key, clientType: 'TestClient' },
    { name: 'client@/llm', transports: ['websocket'] });
  const oth = await connectOk(url, '/llm', { clientId: other.clientId, key: other.key, clientType: 'TestClient' },
    { name: 'other@/llm', transports: ['websocket'] });
  const recv = new StreamReceiver(usr);
  const room = client.clientId;

  // ---------- errors: ack and ERROR (before the ack) ----------
  for (const [args, message] of [
    [[{}], 'roomName is required.'],
    [[{ roomName: '' }], 'roomName is required.'],
    [[], 'roomName is required.'],
    [[{ roomName: `no such room ${room}` }], `Room no such room ${room} not found.`],
    [[{ roomName: other.clientId }], `You are not a member of room ${other.clientId}.`],
  ]) {
    const since = usr.mark();
    const { res, ackIdx } = await emitAck(usr, 'GET_FULL_CONTEXT', args);
    assert.deepEqual(res, { status: 'error', message }, `GET_FULL_CONTEXT ${show(args[0])}`);
    const errs = usr.events.slice(since, ackIdx).filter((e) => e.ev === 'ERROR').map((e) => e.args[0]);
    assert.equal(errs.length, 1, `GET_FULL_CONTEXT ${show(args[0])}: one ERROR before the error ack (§2.2 item 4), got ${show(usr.events.slice(since).map((e) => [e.ev, e.args[0]]))}`);
    assert.equal(errs[0].type, 'ERROR');
    assert.equal(errs[0].message, message, `ERROR for GET_FULL_CONTEXT ${show(args[0])}`);
    // without an ack: processed anyway, the ERROR is the answer
    const since2 = usr.mark();
    usr.socket.emit('GET_FULL_CONTEXT', ...args);
    const e2 = await usr.waitFor('ERROR', () => true, 5000, `GET_FULL_CONTEXT ${show(args[0])} without an ack`, since2);
    assert.equal(e2.message, message, `ERROR for GET_FULL_CONTEXT ${show(args[0])} without an ack`);
  }
  log('GET_FULL_CONTEXT errors ok');

  // ---------- empty room ----------
  const empty = await usr.ack('GET_FULL_CONTEXT', { roomName: room });
  assert.ok(empty && empty.status === 'ok', `GET_FULL_CONTEXT of the empty personal room: ${show(empty)}`);
  assertUuidV4(empty.updateId, 'updateId');
  assert.deepEqual(empty, { status: 'ok', updateId: empty.updateId, totalPages: 1 }, 'ack for an empty room');
  const ep = await pagesOf(usr, empty.updateId);
  assert.deepEqual(ep, [{ updateId: empty.updateId, roomName: room, pageNumber: 1, totalPages: 1, isLastPage: true, contextPage: [] }],
    'an empty room yields one empty last page');

  // ---------- a few requests (and one rejected, not recorded) ----------
  const sent = [];
  for (let i = 0; i < 3; i++) {
    const requestId = uuid();
    ext.plans.set(requestId, { mode: 'stream', tokens: tokensFor(`ctx ${i}`, i + 1) });
    const payload = { requestId, message: `Question ${i} 世界`, target: ext.identity, custom: { n: i } };
    const req = sendRequest(usr, payload);
    const { out, response } = await verifyStreamed({ client: usr, recv, ext, req, roomName: room, what: `context request ${i}` });
    sent.push({ payload, out, response });
    if (i === 0) {
      const bad = await usr.ack('LLM_REQUEST', { requestId: uuid(), message: 'not recorded', target: 'interop-llm-nobody' });
      assert.equal(bad.status, 'error', `a rejected request: ${show(bad)}`);
    }
  }
  // automatic pushes (autoPushContext default true) after each request and each new response
  const pushed = new Set(usr.received('UPDATE_CONTEXT_PAGE').map((p) => p.updateId));
  pushed.delete(empty.updateId);
  assert.ok(pushed.size >= 1, `autoPushContext: the member must have received pushed transfers: ${show([...pushed])}`);
  // let pushed transfers finish: a new transfer to this socket supersedes an unfinished one
  await sleep(400);
  const count = sent.length * 2;

  // ---------- GET_FULL_CONTEXT with an ack ----------
  const ack = await usr.ack('GET_FULL_CONTEXT', { roomName: room });
  const totalPages = Math.ceil(count / pageSize);
  assert.ok(ack && ack.status === 'ok', `GET_FULL_CONTEXT: ${show(ack)}`);
  assertUuidV4(ack.updateId, 'updateId');
  assert.deepEqual(ack, { status: 'ok', updateId: ack.updateId, totalPages }, `GET_FULL_CONTEXT ack after ${count} messages, page size ${pageSize}`);
  assert.ok(!pushed.has(ack.updateId) && ack.updateId !== empty.updateId, 'every transfer has a fresh updateId');
  const history = checkPages(await pagesOf(usr, ack.updateId), { updateId: ack.updateId, roomName: room, pageSize, count }, 'GET_FULL_CONTEXT');
  assert.deepEqual(history.map((m) => [m.kind, m.requestId]), sent.flatMap((s) => [['request', s.payload.requestId], ['response', s.payload.requestId]]),
    `history in insertion order, rejected request not recorded: ${show(history.map((m) => [m.kind, m.requestId, m.message]))}`);
  const ids = new Set();
  history.forEach((m, i) => {
    const s = sent[Math.floor(i / 2)];
    assert.equal(m.roomName, room, `message ${i} roomName`);
    assertIso(m.timestamp, `message ${i} timestamp`);
    ids.add(m.messageId);
    if (m.kind === 'request') {
      assert.equal(m.message, s.payload.message, `request ${i} text`);
      assert.equal(m.data, s.payload.message, `request ${i} data`);
      assert.equal(m.identity, client.clientId, `request ${i} author`);
      assert.equal(m.clientId, client.clientId, `request ${i} clientId`);
      assert.equal(m.fromClient, true, `request ${i} fromClient`);
      assert.equal(m.requestType, 'newMessage', `request ${i} requestType`);
      assert.deepEqual(m.custom, s.payload.custom, `request ${i}: other client fields are stored verbatim`);
    } else {
      assert.equal(m.message, s.out.text, `response ${i} text`);
      assert.equal(m.data, s.out.text, `response ${i} data`);
      assert.equal(m.identity, ext.identity, `response ${i} author`);
      assert.equal(m.outputId, s.out.outputId, `response ${i} outputId`);
      assert.equal(m.responseId, s.response.responseId, `response ${i} responseId`);
      assert.equal(m.messageId, s.response.messageId, `response ${i} messageId`);
      assert.equal(m.isResponse, true, `response ${i} isResponse`);
      assert.equal(m.fromClient, false, `response ${i} fromClient`);
    }
  });
  assert.equal(ids.size, count, 'messageIds are unique');
  log(`GET_FULL_CONTEXT: ${totalPages} pages in order, ${count} messages in insertion order`);

  // ---------- alias, and without an ack ----------
  const alias = await usr.ack('GET_OFFLINE_MESSAGES', { roomName: room });
  assert.equal(alias.status, 'ok', `GET_OFFLINE_MESSAGES: ${show(alias)}`);
  const viaAlias = checkPages(await pagesOf(usr, alias.updateId), { updateId: alias.updateId, roomName: room, pageSize, count }, 'GET_OFFLINE_MESSAGES');
  assert.deepEqual(viaAlias, history, 'GET_OFFLINE_MESSAGES gives the same history');
  const known = new Set(usr.received('UPDATE_CONTEXT_PAGE').map((p) => p.updateId));
  usr.socket.emit('GET_FULL_CONTEXT', { roomName: room });
  await until(() => usr.received('UPDATE_CONTEXT_PAGE').some((p) => !known.has(p.updateId) && p.isLastPage), 5000,
    'GET_FULL_CONTEXT without an ack is processed too (pages arrive)');
  const noAckId = usr.received('UPDATE_CONTEXT_PAGE').find((p) => !known.has(p.updateId)).updateId;
  const noAck = checkPages(await pagesOf(usr, noAckId), { updateId: noAckId, roomName: room, pageSize, count }, 'GET_FULL_CONTEXT without an ack');
  assert.deepEqual(noAck, history, 'same history without an ack');
  assert.equal(oth.received('UPDATE_CONTEXT_PAGE').length, 0, 'a non-member receives no pages of the room');
  ext.checkNoFailures();
  log('GET_OFFLINE_MESSAGES alias and GET_FULL_CONTEXT without an ack ok');
}, 40000);
