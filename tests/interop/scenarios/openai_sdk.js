'use strict';
// The OpenAI-compatible API driven by the official `openai` JavaScript client (pinned in
// package.json), against emulated SillyTavern extensions on /llm:
// no extension (503), models list, streamed and non-streamed text exactly, two keys at once
// (each only its own text), a wrong key, an untrusted client, an unknown model, a malformed
// body, a time-out (504, and an error event mid-stream), an extension that disconnects
// mid-stream, a failed stream, and a stream closed early (CANCEL_REQUEST at the extension).
// params: {url, app:{clientId,key}, bob:{clientId,key}, ext:{clientId,key}, extDc:{clientId,key},
//          stranger:{clientId,key}, timeoutMs}
const OpenAI = require('openai');
const { assert, log, main, show, sleep } = require('./lib');
const { EmulatedExtension, tokensFor, until } = require('./llm_lib');

const HI = [{ role: 'user', content: 'Say hello' }];

function client(url, creds, options = {}) {
  return new OpenAI({ baseURL: `${url}/v1`, apiKey: `${creds.clientId}:${creds.key}`, maxRetries: 0, ...options });
}

async function rejects(promise, Class, message, what) {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof Class, `${what}: expected ${Class.name}, got ${error && error.constructor && error.constructor.name}: ${error && error.message}`);
    assert.equal(error.message, message, `${what}: message`);
    return error;
  }
  assert.fail(`${what}: no error raised`);
}

async function read(stream) {
  const chunks = [];
  for await (const chunk of stream) chunks.push(chunk);
  return { chunks, text: chunks.map((c) => (c.choices[0] && c.choices[0].delta.content) || '').join('') };
}

main(async ({ url, app, bob, ext: extCreds, extDc, stranger, timeoutMs }) => {
  const api = client(url, app);

  // No extension connected yet: 503, InternalServerError.
  const none = await rejects(api.chat.completions.create({ model: 'default', messages: HI }), OpenAI.InternalServerError,
    '503 No extension available for this room. Connect a SillyTavern with the NewAge extension (GET /v1/models lists the connected ones).',
    'no extension');
  assert.equal(none.status, 503);
  assert.deepEqual((await api.models.list()).data, [], 'models with no extension');

  const ext = await EmulatedExtension.connect(url, extCreds, { serial: false });
  const models = await api.models.list();
  assert.deepEqual(models.data.map((m) => [m.id, m.object, m.owned_by]), [[ext.identity, 'model', 'sillytavern']], `models: ${show(models.data)}`);
  log('models list:', models.data.map((m) => m.id));

  // Streamed: the role first, the text exactly, a finish chunk.
  const tokens = tokensFor('sdk', 2);
  ext.defaultPlan = () => ({ mode: 'stream', tokens, batch: 4 });
  const { chunks, text } = await read(await api.chat.completions.create({ model: ext.identity, messages: HI, stream: true }));
  assert.equal(text, tokens.join(''), 'streamed text');
  assert.equal(chunks[0].choices[0].delta.role, 'assistant', 'first chunk: the role');
  assert.equal(chunks.at(-1).choices[0].finish_reason, 'stop', 'last chunk: finish_reason');
  assert.equal(ext.requests.at(-1).message, 'Say hello', 'the prompt the extension got');
  log(`streamed ${chunks.length} chunks`);

  // Not streamed, and a non-stream `message` answer.
  const completion = await api.chat.completions.create({ model: ext.identity, messages: HI });
  assert.equal(completion.choices[0].message.content, tokens.join(''), 'non-streamed text');
  assert.equal(completion.object, 'chat.completion');
  ext.defaultPlan = () => ({ mode: 'message', tokens: ['one ', 'message'] });
  const single = await api.chat.completions.create({ messages: HI, model: 'default' });
  assert.equal(single.choices[0].message.content, 'one message', 'message answer');

  // Two keys at once: each gets only its own text.
  ext.defaultPlan = (req) => ({ mode: 'stream', tokens: tokensFor(req.targetRoom, 3), batch: 3, gapMs: 5 });
  const [a, b] = await Promise.all([
    api.chat.completions.create({ model: ext.identity, messages: HI, stream: true }).then(read),
    client(url, bob).chat.completions.create({ model: ext.identity, messages: HI, stream: true }).then(read),
  ]);
  assert.equal(a.text, tokensFor(app.clientId, 3).join(''), 'the first caller reads its own answer');
  assert.equal(b.text, tokensFor(bob.clientId, 3).join(''), 'the second caller reads its own answer');
  log('two callers, no cross-talk');

  // Errors the SDK raises.
  await rejects(client(url, { clientId: app.clientId, key: 'wrong' }).models.list(), OpenAI.AuthenticationError, '401 Invalid key.', 'wrong key');
  await rejects(client(url, stranger).models.list(), OpenAI.AuthenticationError, '401 Client is not trusted.', 'untrusted client');
  await rejects(api.chat.completions.create({ model: 'gpt-4o', messages: HI }), OpenAI.NotFoundError,
    "404 The model 'gpt-4o' does not exist or is not connected: GET /v1/models lists the connected SillyTavern extensions.", 'unknown model');
  await rejects(api.chat.completions.create({ model: ext.identity, messages: 'hello' }), OpenAI.BadRequestError,
    '400 messages must be a non-empty array of message objects.', 'malformed body');
  await rejects(api.chat.completions.create({ model: ext.identity, messages: HI, n: 3 }), OpenAI.BadRequestError,
    '400 n must be 1: one SillyTavern generation answers a request.', 'n > 1');

  // A time-out: 504 without a stream, an error event inside one.
  ext.defaultPlan = () => ({ mode: 'silent' });
  const timedOut = `Request timed out: the extension sent nothing for requestTimeoutMs (Request timed out.)`;
  await rejects(api.chat.completions.create({ model: ext.identity, messages: HI }), OpenAI.InternalServerError, `504 ${timedOut}`, 'time-out');
  const slow = await api.chat.completions.create({ model: ext.identity, messages: HI, stream: true });
  await rejects(read(slow), OpenAI.APIError, timedOut, 'time-out mid-stream');
  log(`time-outs after ${timeoutMs} ms raised`);

  // A failed stream: the extension's reason.
  ext.defaultPlan = () => ({ mode: 'stream', tokens: ['par', 'tial'], endWith: 'failed', failText: 'The backend answered 500.' });
  await rejects(read(await api.chat.completions.create({ model: ext.identity, messages: HI, stream: true })), OpenAI.APIError,
    'The backend answered 500.', 'failed stream');

  // Closing a stream early cancels the request at the extension.
  ext.defaultPlan = () => ({ mode: 'partial', partialChunks: 2, tokens: tokensFor('cancel') });
  const since = ext.client.mark();
  const early = await api.chat.completions.create({ model: ext.identity, messages: HI, stream: true });
  for await (const chunk of early) {
    if (chunk.choices[0].delta.content) break; // leaving the loop aborts the response
  }
  const rid = ext.requests.at(-1).requestId;
  const told = await ext.client.waitFor('CANCEL_REQUEST', (p) => p && p.requestId === rid, 5000, 'CANCEL_REQUEST at the extension', since);
  assert.deepEqual(told, { requestId: rid });
  log('closing the stream early sent CANCEL_REQUEST');

  // An extension that disconnects mid-stream.
  const dc = await EmulatedExtension.connect(url, extDc);
  dc.defaultPlan = () => ({ mode: 'partial', partialChunks: 2, tokens: tokensFor('dc') });
  const broken = await api.chat.completions.create({ model: dc.identity, messages: HI, stream: true });
  let got = '';
  await rejects((async () => {
    for await (const chunk of broken) {
      got += chunk.choices[0].delta.content || '';
      if (got === tokensFor('dc').slice(0, 2).join('')) dc.client.socket.disconnect();
    }
  })(), OpenAI.APIError, 'Extension disconnected.', 'extension disconnect');
  assert.equal(got, tokensFor('dc').slice(0, 2).join(''), 'the text before the disconnect');
  await sleep(50);
  ext.checkNoFailures();
}, 60000);
