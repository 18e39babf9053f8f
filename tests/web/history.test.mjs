// The page's history logic (PROTOCOL.md §7.11): incremental events and context transfers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MessageList } from '../../newage_desktop/web/monitor/history.js';
import { ContextAssembler } from '../../newage_desktop/web/monitor/context.js';

const msg = (id, kind = 'request', text = id) => ({ messageId: id, kind, message: text, data: text });
const ids = (list) => list.messages.map((m) => m.messageId);

test('incremental events keep the list in history order', () => {
  const list = new MessageList([msg('a'), msg('b', 'response')]);
  list.apply('NEW_MESSAGE', { message: msg('c', 'system') });
  list.apply('MESSAGE_UPDATED', { message: msg('b', 'response', 'edited') });
  assert.deepEqual(ids(list), ['a', 'b', 'c']);
  assert.equal(list.messages[1].message, 'edited');
  list.apply('MESSAGES_DELETED', { messageIds: ['a'] });
  assert.deepEqual(ids(list), ['b', 'c']);
  list.apply('MESSAGES_CLEARED', { clearedRequests: true, clearedResponses: false });
  assert.deepEqual(ids(list), ['b']); // system messages go with requests
  assert.equal(list.apply('SOMETHING_ELSE', {}), false);
});

test('a pushed newest page merges without losing older or newer messages', () => {
  const list = new MessageList([msg('a'), msg('b'), msg('c')]);
  list.add(msg('d'));
  list.mergeNewest([msg('b'), msg('c', 'request', 'c2')]);
  assert.deepEqual(ids(list), ['a', 'b', 'c', 'd']);
  assert.equal(list.messages[2].message, 'c2');
});

test('context pages are assembled by updateId and a newer transfer supersedes', () => {
  const ctx = new ContextAssembler();
  const page = (updateId, pageNumber, totalPages, contextPage) => ({
    updateId, roomName: 'r', pageNumber, totalPages, isLastPage: pageNumber === totalPages, contextPage,
  });
  assert.equal(ctx.page(page('u1', 1, 2, [msg('a')])), null);
  assert.equal(ctx.page(page('u2', 1, 1, [msg('x')])).messages[0].messageId, 'x');
  assert.equal(ctx.page(page('u1', 2, 2, [msg('b')])), null); // superseded: dropped
  const whole = [page('u3', 2, 2, [msg('b')]), page('u3', 1, 2, [msg('a')])];
  assert.equal(ctx.page(whole[0]), null);
  assert.deepEqual(ctx.page(whole[1]).messages.map((m) => m.messageId), ['a', 'b']);
});
