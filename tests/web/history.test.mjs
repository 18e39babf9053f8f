import assert from 'node:assert/strict';
import { test } from 'node:test';
import { load } from './helpers.mjs';

const { MessageList, LiveOutputs, chatView } = await load('history.js');

const msg = (id, fields = {}) => ({ messageId: id, roomName: 'r', identity: 'u', kind: 'request', message: id, data: id, ...fields });
const ids = (list) => list.messages.map((m) => m.messageId);

test('NEW_MESSAGE appends, and a known id is replaced in place', () => {
  const list = new MessageList([msg('a'), msg('b')]);
  list.apply('NEW_MESSAGE', { roomName: 'r', message: msg('c') });
  list.apply('NEW_MESSAGE', { roomName: 'r', message: msg('a', { message: 'again' }) });
  assert.deepEqual(ids(list), ['a', 'b', 'c']);
  assert.equal(list.messages[0].message, 'again');
});

test('MESSAGE_UPDATED replaces the message text', () => {
  const list = new MessageList([msg('a'), msg('b', { kind: 'response', message: 'Bon' })]);
  assert.equal(list.apply('MESSAGE_UPDATED', { roomName: 'r', message: msg('b', { kind: 'response', message: 'Bonjour' }) }), true);
  assert.deepEqual(ids(list), ['a', 'b']);
  assert.equal(list.messages[1].message, 'Bonjour');
});

test('MESSAGES_DELETED removes the listed ids only', () => {
  const list = new MessageList([msg('a'), msg('b'), msg('c')]);
  list.apply('MESSAGES_DELETED', { roomName: 'r', messageIds: ['a', 'c', 'zzz'] });
  assert.deepEqual(ids(list), ['b']);
});

test('MESSAGES_CLEARED drops requests and system messages, or responses, as flagged', () => {
  const all = () => new MessageList([msg('q'), msg('s', { kind: 'system', isSystem: true }), msg('p', { kind: 'response', isResponse: true })]);
  const requests = all();
  requests.apply('MESSAGES_CLEARED', { roomName: 'r', clearedRequests: true, clearedResponses: false });
  assert.deepEqual(ids(requests), ['p']);
  const responses = all();
  responses.apply('MESSAGES_CLEARED', { roomName: 'r', clearedRequests: false, clearedResponses: true });
  assert.deepEqual(ids(responses), ['q', 's']);
  const both = all();
  both.apply('MESSAGES_CLEARED', { roomName: 'r', clearedRequests: true, clearedResponses: true });
  assert.deepEqual(ids(both), []);
});

test('other events are not history events', () => {
  const list = new MessageList([msg('a')]);
  assert.equal(list.apply('REQUEST_STATUS_UPDATE', {}), false);
  assert.deepEqual(ids(list), ['a']);
});

test('a pushed newest page keeps older messages and messages newer than the page', () => {
  const list = new MessageList([msg('a'), msg('b'), msg('c'), msg('d')]);
  // the page was cut before d arrived; c was edited meanwhile
  list.mergeNewest([msg('b'), msg('c', { message: 'edited' })]);
  assert.deepEqual(ids(list), ['a', 'b', 'c', 'd']);
  assert.equal(list.messages[2].message, 'edited');
});

test('a pushed page with nothing known is appended; known messages missing from it were deleted', () => {
  const list = new MessageList([msg('a')]);
  list.mergeNewest([msg('x'), msg('y')]);
  assert.deepEqual(ids(list), ['a', 'x', 'y']);
  const gap = new MessageList([msg('a'), msg('b'), msg('gone'), msg('c')]);
  gap.mergeNewest([msg('b'), msg('c'), msg('e')]);
  assert.deepEqual(ids(gap), ['a', 'b', 'c', 'e']);
});

test('the chat shows streamed text ahead of the recorded response, then answers not yet recorded', () => {
  const live = new LiveOutputs();
  const meta = { requestId: 'q1', outputId: 'o1', roomName: 'r', clientId: 'ext' };
  live.streamStarted(meta);
  live.append(meta, 'Bon');
  live.append(meta, 'jour');
  const other = { requestId: 'q2', outputId: 'o2', roomName: 'r', clientId: 'ext' };
  live.streamStarted(other);
  live.append(other, '世界');
  live.setText({ requestId: 'q3', outputId: 'o3', roomName: 'elsewhere' }, 'not here');
  const list = new MessageList([msg('q1'), msg('m1', { kind: 'response', requestId: 'q1', outputId: 'o1', message: 'Bon' })]);
  const view = chatView(list, live, 'r');
  assert.deepEqual(view.map((v) => [v.text, v.streaming, v.live]), [
    ['q1', false, false],
    ['Bonjour', true, false],
    ['世界', true, true],
  ]);
  live.streamClosed(meta);
  live.streamClosed(other, 'Request cancelled.');
  const after = chatView(list, live, 'r');
  assert.equal(after[1].streaming, false);
  assert.equal(after[2].failed, 'Request cancelled.');
});

test('the recorded text wins once it has caught up (e.g. after an edit)', () => {
  const live = new LiveOutputs();
  live.setText({ requestId: 'q', outputId: 'o', roomName: 'r' }, 'short');
  const list = new MessageList([msg('m', { kind: 'response', requestId: 'q', outputId: 'o', message: 'a longer edit' })]);
  assert.equal(chatView(list, live, 'r')[0].text, 'a longer edit');
});
