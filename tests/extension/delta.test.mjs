import assert from 'node:assert/strict';
import { test } from 'node:test';
import { load } from './helpers.mjs';

const { TextDelta } = await load('delta.js');

test('hands out only the new text of each growing full text', () => {
    const delta = new TextDelta();
    const pieces = ['', 'He', 'Hello', 'Hello, café', 'Hello, café 日本語 🙂', 'Hello, café 日本語 🙂'].map((t) => delta.next(t));
    assert.deepEqual(pieces, ['', 'He', 'llo', ', café', ' 日本語 🙂', '']);
    assert.equal(delta.sent, 'Hello, café 日本語 🙂');
    assert.equal(delta.diverged, false);
});

test('the concatenated pieces equal the last full text', () => {
    const delta = new TextDelta();
    let full = '';
    let joined = '';
    for (const token of ['a', 'ß', '🙂', '中', ' ', '\n', 'é']) {
        full += token;
        joined += delta.next(full);
    }
    assert.equal(joined, full);
});

test('ignores non-strings and shorter repeats', () => {
    const delta = new TextDelta();
    delta.next('abc');
    assert.equal(delta.next(undefined), '');
    assert.equal(delta.next('ab'), '');
    assert.equal(delta.diverged, false);
    assert.equal(delta.next('abcd'), 'd');
});

test('a rewritten beginning is marked and only text past the sent length goes out', () => {
    const delta = new TextDelta();
    delta.next('Hello');
    assert.equal(delta.next('HELLO world'), ' world');
    assert.equal(delta.diverged, true);
    assert.equal(delta.sent.length, 'HELLO world'.length);
});
