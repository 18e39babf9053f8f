import assert from 'node:assert/strict';
import { test } from 'node:test';
import { load } from './helpers.mjs';

const { RequestQueue } = await load('queue.js');

/** Manual timers: nothing runs until the test says so. */
function fakeTimers() {
    const pending = new Map();
    let next = 1;
    return {
        setTimer: (fn) => {
            pending.set(next, fn);
            return next++;
        },
        clearTimer: (id) => pending.delete(id),
        fire() {
            const fns = [...pending.values()];
            pending.clear();
            fns.forEach((fn) => fn());
        },
        get count() {
            return pending.size;
        },
    };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

function deferredRunner() {
    const started = [];
    const finish = new Map();
    return {
        started,
        run: (job) => new Promise((resolve) => {
            started.push(job.requestId);
            finish.set(job.requestId, resolve);
        }),
        finish: (id, result) => finish.get(id)(result),
    };
}

test('runs jobs one at a time in arrival order', async () => {
    const runner = deferredRunner();
    const timers = fakeTimers();
    const changes = [];
    const queue = new RequestQueue({ run: runner.run, isBusy: () => false, ...timers, onChange: (j, s) => changes.push(`${j.requestId}:${s}`) });
    queue.add({ requestId: 'a' });
    queue.add({ requestId: 'b' });
    queue.add({ requestId: 'c' });
    await tick();
    assert.deepEqual(runner.started, ['a']);
    runner.finish('a');
    await tick();
    assert.deepEqual(runner.started, ['a', 'b']);
    runner.finish('b', { state: 'failed', detail: 'x' });
    await tick();
    runner.finish('c');
    await tick();
    assert.deepEqual(runner.started, ['a', 'b', 'c']);
    assert.deepEqual(changes, [
        'a:waiting', 'a:running', 'b:waiting', 'c:waiting', 'a:done', 'b:running', 'b:failed', 'c:running', 'c:done',
    ]);
    assert.equal(queue.size, 0);
});

test('waits while SillyTavern is busy and loses nothing', async () => {
    const runner = deferredRunner();
    const timers = fakeTimers();
    let busy = true;
    const queue = new RequestQueue({ run: runner.run, isBusy: () => busy, ...timers });
    queue.add({ requestId: 'a' });
    queue.add({ requestId: 'b' });
    await tick();
    assert.deepEqual(runner.started, []);
    assert.equal(timers.count, 1, 'one poll timer, not one per job');
    timers.fire();
    await tick();
    assert.deepEqual(runner.started, []);
    busy = false;
    timers.fire();
    await tick();
    assert.deepEqual(runner.started, ['a']);
    busy = true; // the user starts typing while 'a' runs: 'b' waits for the user
    runner.finish('a');
    await tick();
    assert.deepEqual(runner.started, ['a']);
    busy = false;
    timers.fire();
    await tick();
    assert.deepEqual(runner.started, ['a', 'b']);
});

test('duplicate requestIds are ignored', async () => {
    const runner = deferredRunner();
    const queue = new RequestQueue({ run: runner.run, isBusy: () => false, ...fakeTimers() });
    assert.equal(queue.add({ requestId: 'a' }), true);
    assert.equal(queue.add({ requestId: 'a' }), false);
    await tick();
    assert.equal(queue.add({ requestId: 'a' }), false, 'running counts too');
    assert.equal(queue.size, 1);
});

test('cancel removes a waiting job and marks the running one', async () => {
    const runner = deferredRunner();
    const changes = [];
    const queue = new RequestQueue({ run: runner.run, isBusy: () => false, ...fakeTimers(), onChange: (j, s) => changes.push(`${j.requestId}:${s}`) });
    const a = { requestId: 'a' };
    queue.add(a);
    queue.add({ requestId: 'b' });
    await tick();
    assert.equal(queue.cancel('b'), 'waiting');
    assert.equal(queue.cancel('a'), 'running');
    assert.equal(a.cancelled, true);
    assert.equal(queue.cancel('zzz'), null);
    runner.finish('a', { state: 'cancelled' });
    await tick();
    assert.deepEqual(runner.started, ['a']);
    assert.ok(changes.includes('b:cancelled'));
    assert.ok(changes.includes('a:cancelled'));
});

test('a runner that throws fails its job and the queue goes on', async () => {
    const timers = fakeTimers();
    const seen = [];
    const queue = new RequestQueue({
        run: async (job) => {
            seen.push(job.requestId);
            if (job.requestId === 'a') throw new Error('boom');
        },
        isBusy: () => false,
        ...timers,
        onChange: (j, s, d) => s === 'failed' && seen.push(`${j.requestId}:${d}`),
    });
    queue.add({ requestId: 'a' });
    queue.add({ requestId: 'b' });
    await tick();
    await tick();
    assert.deepEqual(seen, ['a', 'a:boom', 'b']);
});

test('clear drops waiting jobs only', async () => {
    const runner = deferredRunner();
    const queue = new RequestQueue({ run: runner.run, isBusy: () => false, ...fakeTimers() });
    queue.add({ requestId: 'a' });
    queue.add({ requestId: 'b' });
    await tick();
    assert.equal(queue.clear('off'), 1);
    assert.equal(queue.size, 1);
});

test('the default timers work when called as methods (browsers throw "Illegal invocation")', async () => {
    // Stand in for a browser: setTimeout that refuses a `this` other than the global object.
    const realSetTimeout = globalThis.setTimeout;
    globalThis.setTimeout = function strictSetTimeout(fn, ms) {
        if (this !== undefined && this !== globalThis) throw new TypeError('Illegal invocation');
        return realSetTimeout(fn, ms);
    };
    try {
        const { RequestQueue: Fresh } = await import(`${new URL('../../newage_desktop/sillytavern/extension/src/queue.js', import.meta.url)}?strict`);
        let busy = true;
        const ran = [];
        const queue = new Fresh({ run: async (job) => ran.push(job.requestId), isBusy: () => busy, pollMs: 5 });
        queue.add({ requestId: 'a' });
        busy = false;
        await new Promise((resolve) => realSetTimeout(resolve, 50));
        assert.deepEqual(ran, ['a']);
    } finally {
        globalThis.setTimeout = realSetTimeout;
    }
});
