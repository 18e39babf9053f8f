import assert from 'node:assert/strict';
import { test } from 'node:test';
import { load } from './helpers.mjs';

const { runGeneration, REASONS, requestKind, failureReason } = await load('generation.js');

const TYPES = { GENERATION_STARTED: 'generation_started', GENERATION_STOPPED: 'generation_stopped', STREAM_TOKEN_RECEIVED: 'stream_token_received' };

/**
 * A SillyTavern stand-in: `generate` replays a script of full texts through the events the
 * way SillyTavern does (a dry run first, an empty first token, a repeated last one).
 */
function fakeSillyTavern({ tokens = [], streaming = true, reply = tokens.join(''), error = null, chat = [], onGenerate = null } = {}) {
    const listeners = new Map();
    const emit = (event, ...args) => (listeners.get(event) ?? []).slice().forEach((fn) => fn(...args));
    const calls = [];
    const st = {
        calls,
        chat,
        on: (event, fn) => listeners.set(event, [...(listeners.get(event) ?? []), fn]),
        off: (event, fn) => listeners.set(event, (listeners.get(event) ?? []).filter((f) => f !== fn)),
        listenerCount: () => [...listeners.values()].reduce((n, l) => n + l.length, 0),
        eventTypes: TYPES,
        chatOpen: () => true,
        sendUserMessage: async (text) => {
            calls.push(['send', text]);
            chat.push({ is_user: true, mes: text });
        },
        generate: async (type) => {
            calls.push(['generate', type]);
            emit(TYPES.GENERATION_STARTED, 'quiet', {}, true); // a stray dry run: ignored
            emit(TYPES.GENERATION_STARTED, type, {}, false);
            if (onGenerate) await onGenerate({ emit });
            if (error) throw error;
            if (streaming) {
                let full = '';
                emit(TYPES.STREAM_TOKEN_RECEIVED, '');
                for (const token of tokens) {
                    full += token;
                    emit(TYPES.STREAM_TOKEN_RECEIVED, full);
                }
                emit(TYPES.STREAM_TOKEN_RECEIVED, full);
            }
            chat.push({ is_user: false, mes: reply });
        },
        stop: () => {
            calls.push(['stop']);
            emit(TYPES.GENERATION_STOPPED);
        },
        lastMessage: () => (chat.length ? { isUser: chat.at(-1).is_user, text: chat.at(-1).mes } : null),
    };
    return st;
}

function run(st, payload, job = {}) {
    const sent = [];
    let n = 0;
    const fullJob = { requestId: 'req-1', payload, ...job };
    const promise = runGeneration(fullJob, st, (event, p) => sent.push([event, p]), () => `id-${++n}`);
    return { sent, job: fullJob, promise };
}

const textOf = (sent) => sent.filter(([e]) => e.startsWith('CLIENT_STREAM_DATA_') && e !== 'CLIENT_STREAM_DATA_FAILED').map(([, p]) => p.data).join('');

test('newMessage: the text goes in as the user, the reply streams as one output', async () => {
    const tokens = ['Bon', 'jour, ', 'café ', '日本語 ', '🙂'];
    const st = fakeSillyTavern({ tokens });
    const { sent, promise } = run(st, { requestId: 'req-1', message: 'Hi there', requestType: 'newMessage' });
    assert.deepEqual(await promise, { state: 'done' });
    assert.deepEqual(st.calls, [['send', 'Hi there'], ['generate', 'regenerate']]);
    assert.equal(textOf(sent), tokens.join(''));
    const events = sent.map(([e]) => e);
    assert.equal(events[0], 'CLIENT_STREAM_START');
    assert.equal(events.at(-1), 'CLIENT_STREAM_END');
    assert.deepEqual(sent[0][1], { type: 1, streamId: 'id-2', outputId: 'id-1', requestId: 'req-1', numStreams: 1 });
    assert.deepEqual(sent.at(-1)[1], { type: 3, streamId: 'id-2', final: true });
    const indices = sent.filter(([e]) => e.startsWith('CLIENT_STREAM_DATA_')).map(([, p]) => p.chunkIndex);
    assert.deepEqual(indices, [0, 1, 2, 3, 4]);
    assert.equal(st.listenerCount(), 0, 'listeners removed');
});

test('regenerateMessage regenerates without sending text', async () => {
    const st = fakeSillyTavern({ tokens: ['again'], chat: [{ is_user: false, mes: 'old' }] });
    const { sent, promise } = run(st, { requestId: 'req-1', requestType: 'regenerateMessage' });
    await promise;
    assert.deepEqual(st.calls, [['generate', 'regenerate']]);
    assert.equal(textOf(sent), 'again');
    assert.equal(requestKind({ requestType: 'regenerateMessage' }), 'regenerate');
    assert.equal(requestKind({ type: 'THINK_REQUEST' }), 'newMessage');
});

test('streaming off: one non-stream message with the reply', async () => {
    const st = fakeSillyTavern({ streaming: false, reply: 'whole reply' });
    const { sent, promise } = run(st, { requestId: 'req-1', message: 'x' });
    await promise;
    assert.deepEqual(sent, [['message', { type: 0, data: 'whole reply', requestId: 'req-1', outputId: 'id-1' }]]);
});

test('what the final message adds beyond the streamed text goes out as LAST', async () => {
    const st = fakeSillyTavern({ tokens: ['ab'], reply: 'abc' });
    const { sent, promise } = run(st, { requestId: 'req-1', message: 'x' });
    await promise;
    assert.equal(textOf(sent), 'abc');
    assert.equal(sent.at(-2)[0], 'CLIENT_STREAM_DATA_LAST');
});

test('a backend error fails the output with SillyTavern\'s reason', async () => {
    const st = fakeSillyTavern({ error: new Error('Got response status 500') });
    const { sent, promise } = run(st, { requestId: 'req-1', message: 'x' });
    assert.deepEqual(await promise, { state: 'failed', detail: 'Got response status 500' });
    assert.deepEqual(sent.map(([e]) => e), ['CLIENT_STREAM_START', 'CLIENT_STREAM_DATA_FAILED']);
    assert.equal(sent[1][1].data, 'Got response status 500');
    assert.equal(failureReason({ error: { message: 'quota' } }), 'quota');
    assert.equal(failureReason(undefined), 'Generation failed in SillyTavern.');
});

test('the user pressing Stop fails the output', async () => {
    let st;
    st = fakeSillyTavern({ tokens: ['part'], onGenerate: async () => st.stop() });
    const { sent, promise } = run(st, { requestId: 'req-1', message: 'x' });
    assert.deepEqual(await promise, { state: 'failed', detail: REASONS.stopped });
    assert.equal(sent.at(-1)[0], 'CLIENT_STREAM_DATA_FAILED');
});

test('a cancelled job stops SillyTavern and ends as cancelled', async () => {
    let st;
    let job;
    st = fakeSillyTavern({
        tokens: ['a', 'b'],
        onGenerate: async () => {
            job.cancelled = true;
            job.stop();
        },
    });
    const started = run(st, { requestId: 'req-1', message: 'x' });
    job = started.job;
    assert.deepEqual(await started.promise, { state: 'cancelled', detail: REASONS.cancelled });
    assert.ok(st.calls.some(([c]) => c === 'stop'));
    assert.equal(textOf(started.sent), '', 'no tokens after the cancel');
});

test('no open chat, or no text, fails at once without touching SillyTavern', async () => {
    const st = fakeSillyTavern();
    st.chatOpen = () => false;
    const a = run(st, { requestId: 'req-1', message: 'x' });
    assert.deepEqual(await a.promise, { state: 'failed', detail: REASONS.noChat });
    const st2 = fakeSillyTavern();
    const b = run(st2, { requestId: 'req-1', message: '   ' });
    assert.deepEqual(await b.promise, { state: 'failed', detail: REASONS.emptyMessage });
    assert.deepEqual([...st.calls, ...st2.calls], []);
});

test('a page unloading mid-reply sends nothing after the stop', async () => {
    let closing = false;
    const st = fakeSillyTavern({ tokens: ['cut', ' short'] });
    st.settle = async () => {
        closing = true; // the unload's own handler ran in the same event
    };
    st.closing = () => closing;
    const { sent, promise } = run(st, { requestId: 'req-1', message: 'x' });
    assert.deepEqual(await promise, { state: 'dropped', detail: REASONS.pageClosed });
    assert.ok(!sent.some(([e]) => e === 'CLIENT_STREAM_END' || e === 'CLIENT_STREAM_DATA_FAILED'));
});
