import assert from 'node:assert/strict';
import { test } from 'node:test';
import { load } from './helpers.mjs';

const { effectiveSettings, mergeDefaults, DEFAULT_SERVER_URL } = await load('settings.js');
const { classifyRefusal, clientIdProblem, serverUrlProblem, defaultClientId, refusalReason, backoff } = await load('connection.js');
const { TABLES, pickLanguage, translator } = await load('strings.js');

const location = { port: '8000', protocol: 'http:' };

test('user settings win over the defaults file, which wins over built-in defaults', () => {
    assert.deepEqual(effectiveSettings(mergeDefaults({}), {}, location), {
        serverUrl: DEFAULT_SERVER_URL, clientId: 'SillyTavern-8000', key: null, takeRequests: true,
    });
    const file = { serverUrl: 'http://127.0.0.1:4100', clientId: 'my-st' };
    assert.equal(effectiveSettings({}, file, location).serverUrl, 'http://127.0.0.1:4100');
    assert.equal(effectiveSettings({}, file, location).clientId, 'my-st');
    const own = { serverUrl: 'http://10.0.0.2:4000', clientId: 'mine', key: 'k', takeRequests: false };
    assert.deepEqual(effectiveSettings(own, file, location), { serverUrl: 'http://10.0.0.2:4000', clientId: 'mine', key: 'k', takeRequests: false });
    assert.equal(defaultClientId({ port: '', protocol: 'https:' }), 'SillyTavern-443');
});

test('mergeDefaults fills in place and keeps what is there', () => {
    const stored = { key: 'abc' };
    assert.equal(mergeDefaults(stored), stored);
    assert.equal(stored.key, 'abc');
    assert.equal(stored.takeRequests, true);
});

test('refusals: a bad key re-pairs, a denial stops, a lock-out retries later', () => {
    assert.equal(classifyRefusal('Invalid key.').action, 'repair');
    assert.equal(classifyRefusal('Key revoked.').action, 'repair');
    assert.equal(classifyRefusal('Client is not trusted.').action, 'repair');
    assert.equal(classifyRefusal('Key request denied.').action, 'stop');
    assert.equal(classifyRefusal('Key requests are not allowed.').action, 'stop');
    assert.deepEqual(classifyRefusal('Too many failed attempts. Try again later.'), { action: 'retry', delayMs: 60000 });
    assert.equal(classifyRefusal('something new').action, 'retry');
    assert.equal(refusalReason({ message: 'Invalid key.', data: { type: 'ERROR', message: 'Invalid key.' } }), 'Invalid key.');
    assert.equal(refusalReason(new Error('xhr poll error')), null);
    assert.deepEqual([0, 1, 2, 10].map((n) => backoff(n)), [1000, 2000, 4000, 30000]);
});

test('clientId and URL checks follow PROTOCOL.md §4.1', () => {
    for (const ok of ['SillyTavern-8000', 'a', 'x'.repeat(128), 'my st']) assert.equal(clientIdProblem(ok), null, ok);
    assert.equal(clientIdProblem(''), 'clientIdEmpty');
    for (const bad of ['a/b', 'a:b', '.a', 'a.', 'a ', 'x'.repeat(129), 'a\u0001']) assert.equal(clientIdProblem(bad), 'clientIdInvalid', bad);
    assert.equal(serverUrlProblem('http://127.0.0.1:4000'), null);
    assert.equal(serverUrlProblem('ws://127.0.0.1:4000'), 'serverUrlInvalid');
    assert.equal(serverUrlProblem('127.0.0.1:4000'), 'serverUrlInvalid');
});

test('both languages have every text', () => {
    assert.deepEqual(Object.keys(TABLES['zh-cn']).sort(), Object.keys(TABLES.en).sort());
    assert.equal(pickLanguage('zh-cn'), 'zh-cn');
    assert.equal(pickLanguage('zh-CN'), 'zh-cn');
    assert.equal(pickLanguage('en'), 'en');
    assert.equal(pickLanguage(null), 'en');
    assert.equal(translator('zh-cn')('state.refused', { detail: 'Invalid key.' }), '被服务器拒绝：Invalid key.');
    assert.equal(translator('en')('state.connecting', { detail: 'http://x' }), 'Connecting to http://x…');
});
