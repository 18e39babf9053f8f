import assert from 'node:assert/strict';
import { test } from 'node:test';
import { load } from './helpers.mjs';

const { RecentRequests, excerpt } = await load('recent.js');

test('keeps the last few requests, newest first, with their state', () => {
    const recent = new RecentRequests(3);
    for (const id of ['a', 'b', 'c', 'd']) recent.update(id, 'waiting', { text: `text ${id}`, at: 1 });
    recent.update('c', 'failed', { detail: 'Got response status 500', at: 2 });
    assert.deepEqual(recent.entries.map((e) => `${e.requestId}:${e.state}`), ['d:waiting', 'c:failed', 'b:waiting']);
    assert.equal(recent.entries[1].text, 'text c');
    assert.equal(recent.entries[1].detail, 'Got response status 500');
    assert.equal(excerpt('a\n\n b', 10), 'a b');
    assert.equal(excerpt('x'.repeat(100), 10), `${'x'.repeat(9)}…`);
});
