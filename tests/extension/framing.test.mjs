import assert from 'node:assert/strict';
import { test } from 'node:test';
import { load } from './helpers.mjs';

const { OutputStream, nonStreamMessage, LLM_EVENTS } = await load('framing.js');

function recorder() {
    const sent = [];
    return { sent, emit: (event, payload) => sent.push([event, payload]) };
}

test('one stream per output: START, FIRST, MIDDLE…, LAST, END final', () => {
    const { sent, emit } = recorder();
    const out = new OutputStream({ emit, requestId: 'r1', outputId: 'o1', streamId: 's1' });
    out.push('Hel');
    out.push('');
    out.push('lo');
    out.finish('!');
    assert.deepEqual(sent, [
        ['CLIENT_STREAM_START', { type: 1, streamId: 's1', outputId: 'o1', requestId: 'r1', numStreams: 1 }],
        ['CLIENT_STREAM_DATA_FIRST', { type: 4, streamId: 's1', chunkIndex: 0, data: 'Hel' }],
        ['CLIENT_STREAM_DATA_MIDDLE', { type: 5, streamId: 's1', chunkIndex: 1, data: 'lo' }],
        ['CLIENT_STREAM_DATA_LAST', { type: 6, streamId: 's1', chunkIndex: 2, data: '!' }],
        ['CLIENT_STREAM_END', { type: 3, streamId: 's1', final: true }],
    ]);
    assert.equal(out.text, 'Hello!');
});

test('nothing after the end; finish without text and without a start sends nothing', () => {
    const { sent, emit } = recorder();
    const out = new OutputStream({ emit, requestId: 'r', outputId: 'o', streamId: 's' });
    out.finish();
    assert.deepEqual(sent, []);
    out.push('x');
    out.finish();
    out.push('y');
    out.fail('late');
    assert.deepEqual(sent.map(([e]) => e), [LLM_EVENTS.START, LLM_EVENTS.FIRST, LLM_EVENTS.END]);
});

test('a failure opens the stream if needed and carries the reason', () => {
    const { sent, emit } = recorder();
    const out = new OutputStream({ emit, requestId: 'r', outputId: 'o', streamId: 's' });
    out.fail('Got response status 500');
    assert.deepEqual(sent, [
        ['CLIENT_STREAM_START', { type: 1, streamId: 's', outputId: 'o', requestId: 'r', numStreams: 1 }],
        ['CLIENT_STREAM_DATA_FAILED', { type: 8, streamId: 's', data: 'Got response status 500' }],
    ]);
    const other = recorder();
    new OutputStream({ emit: other.emit, requestId: 'r', outputId: 'o', streamId: 's' }).fail('');
    assert.equal(other.sent[1][1].data, 'Generation failed.');
});

test('non-stream message shape (§7.5)', () => {
    assert.deepEqual(nonStreamMessage({ requestId: 'r', outputId: 'o', text: 'hi' }), {
        type: 0, data: 'hi', requestId: 'r', outputId: 'o',
    });
});
