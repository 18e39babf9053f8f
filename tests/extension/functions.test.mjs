import assert from 'node:assert/strict';
import { test } from 'node:test';
import { load } from './helpers.mjs';

const { answerFunctionCall, readOnlyFunctions } = await load('functions.js');

const chat = Array.from({ length: 15 }, (_, i) => ({ name: i % 2 ? 'Seraphina' : 'User', is_user: i % 2 === 0, mes: `m${i}`, send_date: `d${i}` }));
const functions = readOnlyFunctions({
    character: () => ({ name: 'Seraphina', avatar: 'default_Seraphina.png' }),
    characters: () => [{ name: 'Seraphina', avatar: 'default_Seraphina.png', data: { secret: 1 } }],
    chat: () => chat,
    status: () => ({ busy: false, queued: 0 }),
});

test('success acks carry the result (§9.1)', async () => {
    assert.deepEqual(await answerFunctionCall({ requestId: 'f1', functionName: 'getCurrentCharacter' }, functions), {
        requestId: 'f1', success: true, result: { name: 'Seraphina', avatar: 'default_Seraphina.png' },
    });
    assert.deepEqual((await answerFunctionCall({ requestId: 'f2', functionName: 'listCharacters' }, functions)).result, [
        { name: 'Seraphina', avatar: 'default_Seraphina.png' },
    ]);
});

test('getLastMessages: default 10, an array or a single argument, capped', async () => {
    const ten = await answerFunctionCall({ requestId: 1, functionName: 'getLastMessages' }, functions);
    assert.equal(ten.result.length, 10);
    assert.deepEqual(ten.result.at(-1), { name: 'User', isUser: true, isSystem: false, text: 'm14', sendDate: 'd14' });
    const two = await answerFunctionCall({ requestId: 2, functionName: 'getLastMessages', args: [2] }, functions);
    assert.deepEqual(two.result.map((m) => m.text), ['m13', 'm14']);
    const single = await answerFunctionCall({ requestId: 3, functionName: 'getLastMessages', args: 3 }, functions);
    assert.equal(single.result.length, 3);
    const bad = await answerFunctionCall({ requestId: 4, functionName: 'getLastMessages', args: ['x'] }, functions);
    assert.deepEqual(bad, { requestId: 4, success: false, error: { message: 'count must be an integer.' } });
});

test('failure acks: unknown function, bad payload, inherited names are not functions', async () => {
    assert.deepEqual(await answerFunctionCall({ requestId: 'x', functionName: 'deleteChat' }, functions), {
        requestId: 'x', success: false, error: { message: 'Function "deleteChat" not found.' },
    });
    assert.deepEqual(await answerFunctionCall({ functionName: 'toString' }, functions), {
        requestId: null, success: false, error: { message: 'Function "toString" not found.' },
    });
    assert.deepEqual(await answerFunctionCall('nope', functions), {
        requestId: null, success: false, error: { message: 'Invalid function call.' },
    });
    const throwing = { boom: () => { throw {}; } };
    assert.deepEqual(await answerFunctionCall({ requestId: 1, functionName: 'boom' }, throwing), {
        requestId: 1, success: false, error: { message: 'An unknown error occurred.' },
    });
});
