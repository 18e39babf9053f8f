import assert from 'node:assert/strict';
import { test } from 'node:test';
import { load } from './helpers.mjs';

const { ContextAssembler } = await load('context.js');

const page = (updateId, pageNumber, totalPages, messages, extra = {}) => ({
  updateId,
  roomName: 'r',
  pageNumber,
  totalPages,
  isLastPage: pageNumber === totalPages,
  contextPage: messages.map((id) => ({ messageId: id })),
  ...extra,
});
const idsOf = (done) => done.messages.map((m) => m.messageId);

test('a transfer completes when all its pages are in, in page order', () => {
  const ctx = new ContextAssembler();
  assert.equal(ctx.page(page('u1', 1, 3, ['a', 'b'])), null);
  assert.equal(ctx.page(page('u1', 2, 3, ['c', 'd'])), null);
  const done = ctx.page(page('u1', 3, 3, ['e']));
  assert.deepEqual(idsOf(done), ['a', 'b', 'c', 'd', 'e']);
  assert.equal(done.partial, false);
  assert.equal(done.roomName, 'r');
});

test('an empty room is one empty page', () => {
  const done = new ContextAssembler().page(page('u', 1, 1, []));
  assert.deepEqual(done.messages, []);
});

test('a pushed newest page says it is partial', () => {
  const done = new ContextAssembler().page(page('p', 1, 1, ['y', 'z'], { partial: true }));
  assert.equal(done.partial, true);
  assert.deepEqual(idsOf(done), ['y', 'z']);
});

test('a newer transfer of the room supersedes an unfinished older one', () => {
  const ctx = new ContextAssembler();
  ctx.page(page('old', 1, 2, ['a']));
  const done = ctx.page(page('new', 1, 1, ['a', 'b', 'c']));
  assert.deepEqual(idsOf(done), ['a', 'b', 'c']);
  // the old transfer's late page completes nothing
  assert.equal(ctx.page(page('old', 2, 2, ['b'])), null);
});

test('transfers of different rooms do not supersede each other', () => {
  const ctx = new ContextAssembler();
  ctx.page(page('r1', 1, 2, ['a']));
  ctx.page({ ...page('s1', 1, 1, ['x']), roomName: 's' });
  assert.deepEqual(idsOf(ctx.page(page('r1', 2, 2, ['b']))), ['a', 'b']);
});

test('pages that are not context pages are ignored', () => {
  const ctx = new ContextAssembler();
  assert.equal(ctx.page(null), null);
  assert.equal(ctx.page({ updateId: 'u', contextPage: 'nope' }), null);
});
