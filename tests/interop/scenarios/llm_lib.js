'use strict';
// Helpers for the LLM relay scenarios (PROTOCOL.md §7, §8): an emulated SillyTavern extension
// that answers LLM_REQUEST the way the shipped extension does, a receiver that reads the
// forwarded streams with the real @sap_oss/node-socketio-stream library, and wire-order checks.

const crypto = require('node:crypto');
const ss = require('@sap_oss/node-socketio-stream');
const { assert, log, show, sleep, connectOk, assertUuidV4 } = require('./lib');

// `Bonjour 世界, ça va? 🙂` split into tokens (multi-byte characters, one astral).
const SENTENCE_TOKENS = ['Bon', 'jour', ' ', '世', '界', ',', ' ça', ' va', '?', ' 🙂'];

const uuid = () => crypto.randomUUID();

/** Poll pred() every 10 ms until true; fail with `what` after ms. */
async function until(pred, ms, what) {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await pred()) return;
    if (Date.now() > deadline) {
      throw new assert.AssertionError({ message: `timed out after ${ms} ms waiting for: ${typeof what === 'function' ? what() : what}` });
    }
    await sleep(10);
  }
}

/** Tokens for one output: the sentence `reps` times plus a tag, padded to a multiple of 5. */
function tokensFor(tag, reps = 1) {
  const t = [];
  for (let i = 0; i < reps; i++) t.push(...SENTENCE_TOKENS);
  t.push(' [', String(tag), ']');
  while (t.length % 5) t.push('.');
  return t;
}

/**
 * Send LLM_REQUEST. With ack: the ack's position among the received events is captured
 * synchronously (ackIdx), so ordering against `$stream` / `message` / `ERROR` can be checked.
 */
function sendRequest(client, payload, { ack = true, ms = 5000 } = {}) {
  const rec = { payload, ack: undefined, ackIdx: -1, sentIdx: client.events.length, acked: null };
  if (!ack) {
    client.socket.emit('LLM_REQUEST', payload);
    return rec;
  }
  rec.acked = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new assert.AssertionError({
      message: `${client.name}: no ack for LLM_REQUEST ${show(payload)} within ${ms} ms`,
    })), ms);
    client.socket.emit('LLM_REQUEST', payload, (...args) => {
      rec.ackIdx = client.events.length;
      clearTimeout(timer);
      if (args.length !== 1) {
        reject(new assert.AssertionError({ message: `${client.name}: LLM_REQUEST ack must have exactly one argument, got ${show(args)}` }));
        return;
      }
      rec.ack = args[0];
      resolve(args[0]);
    });
  });
  return rec;
}

/**
 * Emit ev with an ack (any payload, including none) and capture the ack index synchronously.
 * Resolves {res, ackIdx}.
 */
function emitAck(client, ev, args, ms = 5000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new assert.AssertionError({
      message: `${client.name}: no ack for '${ev}' ${show(args)} within ${ms} ms`,
    })), ms);
    client.socket.emit(ev, ...args, (...got) => {
      const ackIdx = client.events.length;
      clearTimeout(timer);
      if (got.length !== 1) {
        reject(new assert.AssertionError({ message: `${client.name}: ack of '${ev}' ${show(args)} must have exactly one argument, got ${show(got)}` }));
        return;
      }
      resolve({ res: got[0], ackIdx });
    });
  });
}

/**
 * Reads every SERVER_STREAM_DATA stream of a /llm socket with the real library:
 *   ss(socket).on('SERVER_STREAM_DATA', (stream, meta) => stream.on('data', c => text += c.toString()))
 * `arrival` keeps every data event in arrival order (across streams).
 * read:false registers the listener but never reads the streams (only an 'error' listener).
 */
class StreamReceiver {
  constructor(client, { read = true } = {}) {
    this.client = client;
    this.streams = [];
    this.arrival = [];
    ss(client.socket).on('SERVER_STREAM_DATA', (stream, meta, ...extra) => {
      const rec = { ssId: stream.id, meta, extra, text: '', chunks: [], ended: false, error: null };
      this.streams.push(rec);
      stream.on('error', (err) => { rec.error = err && err.message !== undefined ? err.message : String(err); });
      if (read) {
        stream.on('data', (chunk) => {
          const s = chunk.toString();
          rec.text += s;
          rec.chunks.push(s);
          this.arrival.push({ requestId: meta && meta.requestId, ssId: stream.id, text: s });
        });
        stream.on('end', () => { rec.ended = true; });
      }
    });
  }

  of(requestId) {
    return this.streams.filter((s) => s.meta && s.meta.requestId === requestId);
  }

  /** Text of one request's output, concatenated in ARRIVAL order. */
  textOf(requestId) {
    return this.arrival.filter((a) => a.requestId === requestId).map((a) => a.text).join('');
  }

  describe() {
    return this.streams.map((s) => ({ meta: s.meta, text: s.text, ended: s.ended, error: s.error }));
  }

  /** Wait until n streams of requestId were announced and each ended or failed. */
  async settled(requestId, n, ms = 8000) {
    await until(() => {
      const st = this.of(requestId);
      return st.length >= n && st.every((s) => s.ended || s.error !== null);
    }, ms, () => `${this.client.name}: ${n} finished streams for request ${requestId}; have ${show(this.of(requestId).map((s) => ({ streamId: s.meta.streamId, ended: s.ended, error: s.error, text: s.text })))}`);
  }
}

/**
 * §7.10 rules 2 and 3 and §8.1/§8.2 on the raw events a socket received, for the forwarded
 * streams ssIds (expected in this announcement order): each `$stream` announcement is
 * ('SERVER_STREAM_DATA', {$stream:id}, meta) with a fresh UUID v4 id; then writes (non-empty
 * strings, encoding 'utf8', ack requested); then exactly one `$stream-end`/`$stream-error`;
 * nothing afterwards; and no write of a later stream before the earlier one has ended/failed.
 * Returns the index (in client.events) of the first announcement.
 */
function checkWireOrder(client, ssIds, what, { allowError = false } = {}) {
  const pos = new Map(ssIds.map((id, i) => [id, i]));
  const state = ssIds.map(() => 'none'); // none -> open -> closed
  const announced = [];
  let firstIdx = -1;
  client.events.forEach((e, idx) => {
    const id = e.args[0];
    if (e.ev === '$stream') {
      if (e.args[0] !== 'SERVER_STREAM_DATA') return;
      const sid = e.args[1] && e.args[1].$stream;
      if (!pos.has(sid)) return;
      assert.deepEqual(e.args[1], { $stream: sid },
        `${what}: the $stream placeholder must be exactly {$stream:<id>} (no options): ${show(e.args[1])}`);
      assertUuidV4(sid, `${what}: forwarded stream id`);
      const i = pos.get(sid);
      assert.equal(state[i], 'none', `${what}: stream ${sid} announced twice`);
      state[i] = 'open';
      announced.push(sid);
      if (firstIdx < 0) firstIdx = idx;
      return;
    }
    if (!['$stream-write', '$stream-end', '$stream-error'].includes(e.ev) || !pos.has(id)) return;
    const i = pos.get(id);
    assert.equal(state[i], 'open',
      `${what}: '${e.ev}' for forwarded stream #${i} (${id}) while it is ${state[i] === 'none' ? 'not announced yet' : 'already closed'} (§7.10 rule 2)`);
    if (e.ev === '$stream-write') {
      for (let j = 0; j < i; j++) {
        assert.equal(state[j], 'closed',
          `${what}: §7.10 rule 3 violated: a $stream-write of mini-stream #${i} arrived before mini-stream #${j} ` +
          `had ended (state ${state[j]}): data of consecutive streams of one output interleave at the client`);
      }
      assert.equal(typeof e.args[1], 'string', `${what}: §8.2 chunks are written as strings: ${show(e.args)}`);
      assert.ok(e.args[1].length > 0, `${what}: §8.2 zero-length writes are never sent`);
      assert.equal(e.args[2], 'utf8', `${what}: §8.2 encoding must be 'utf8': ${show(e.args.slice(0, 3))}`);
      assert.equal(typeof e.args[e.args.length - 1], 'function', `${what}: §8.1 every $stream-write requests an ack`);
    } else {
      if (e.ev === '$stream-error' && !allowError) {
        assert.fail(`${what}: unexpected $stream-error for #${i}: ${show(e.args)}`);
      }
      state[i] = 'closed';
    }
  });
  assert.deepEqual(announced, ssIds, `${what}: streams must be announced in START order (§7.10 rule 3)`);
  return firstIdx;
}

/**
 * An emulated SillyTavern extension on /llm (clientType 'SillyTavern'). For each LLM_REQUEST
 * it answers per plan (plans.get(requestId) or defaultPlan):
 *   mode 'stream'  : per batch of 5 tokens CLIENT_STREAM_START {type:1, streamId, outputId,
 *                    requestId?}, CLIENT_STREAM_DATA_FIRST/_MIDDLE…/_LAST {type, streamId,
 *                    chunkIndex, data}, CLIENT_STREAM_END {type:3, streamId}; all batches share
 *                    one outputId (several mini-streams per output)
 *   mode 'message' : message {type:0, data, outputId, requestId?}
 *   mode 'partial' : START and the first `partialChunks` chunks of the first batch, then stops
 *   mode 'silent'  : nothing
 * plan.endWith 'failed': the first batch ends with CLIENT_STREAM_DATA_FAILED {type:8, streamId,
 * data:plan.failText} instead of END (and the output stops there).
 * plan.sendRequestId (default true), plan.permute (chunk emission order within a batch, e.g.
 * [0,2,1,4,3]), plan.gapMs between batches. serial:true answers one request after the other
 * (like the real extension); serial:false answers concurrently (batches interleave).
 */
class EmulatedExtension {
  constructor(client, identity, { serial = true, defaultPlan = null } = {}) {
    this.client = client;
    this.identity = identity;
    this.serial = serial;
    this.defaultPlan = defaultPlan || ((req) => ({ mode: 'stream', tokens: tokensFor(req.requestId) }));
    this.plans = new Map();
    this.requests = [];
    this.outputs = new Map(); // requestId -> {outputId, streamIds, text, sent, done}
    this.chain = Promise.resolve();
    this.failures = [];
    client.socket.on('LLM_REQUEST', (req) => {
      this.requests.push(req);
      const plan = this.plans.get(req && req.requestId) || this.defaultPlan(req);
      if (plan.mode === 'silent') return;
      const run = () => this.answer(req, plan).catch((e) => { this.failures.push(e); });
      if (this.serial) this.chain = this.chain.then(run);
      else run();
    });
  }

  static async connect(url, creds, opts = {}) {
    const identity = opts.identity || creds.clientId;
    const auth = { clientId: creds.clientId, key: creds.key, clientType: 'SillyTavern', desc: 'emulated extension' };
    if (opts.identity) auth.identity = opts.identity;
    const client = await connectOk(url, '/llm', auth, { name: `ext ${identity}@/llm`, transports: opts.transports || ['websocket'] });
    return new EmulatedExtension(client, identity, opts);
  }

  emit(ev, payload) {
    this.client.socket.emit(ev, payload);
  }

  output(requestId) {
    const o = this.outputs.get(requestId);
    assert.ok(o, `extension ${this.identity} has not answered request ${requestId}; requests seen: ${show(this.requests.map((r) => r.requestId))}`);
    return o;
  }

  async answer(req, plan) {
    const tokens = plan.tokens || tokensFor(req.requestId);
    const out = { outputId: uuid(), streamIds: [], text: tokens.join(''), sent: '', done: false };
    this.outputs.set(req.requestId, out);
    const rid = plan.sendRequestId === false ? {} : { requestId: req.requestId };
    if (plan.mode === 'message') {
      this.emit('message', { type: 0, data: out.text, outputId: out.outputId, ...rid });
      out.sent = out.text;
      out.done = true;
      return;
    }
    const batch = plan.batch || 5;
    for (let start = 0; start < tokens.length; start += batch) {
      const streamId = uuid();
      out.streamIds.push(streamId);
      this.emit('CLIENT_STREAM_START', { type: 1, streamId, outputId: out.outputId, ...rid });
      const part = tokens.slice(start, start + batch);
      const chunks = part.map((data, i) => {
        const last = i === part.length - 1 && i > 0;
        return {
          ev: i === 0 ? 'CLIENT_STREAM_DATA_FIRST' : (last ? 'CLIENT_STREAM_DATA_LAST' : 'CLIENT_STREAM_DATA_MIDDLE'),
          payload: { type: i === 0 ? 4 : (last ? 6 : 5), streamId, chunkIndex: i, data },
        };
      });
      if (plan.mode === 'partial') {
        for (const c of chunks.slice(0, plan.partialChunks || 2)) {
          this.emit(c.ev, c.payload);
          out.sent += c.payload.data;
        }
        out.done = true;
        return;
      }
      const order = plan.permute && plan.permute.length === chunks.length ? plan.permute : chunks.map((_, i) => i);
      for (const i of order) this.emit(chunks[i].ev, chunks[i].payload);
      out.sent += part.join('');
      if (plan.endWith === 'failed') {
        this.emit('CLIENT_STREAM_DATA_FAILED', { type: 8, streamId, data: plan.failText || '' });
        break;
      }
      this.emit('CLIENT_STREAM_END', { type: 3, streamId });
      await sleep(plan.gapMs || 0);
    }
    out.done = true;
  }

  checkNoFailures() {
    assert.deepEqual(this.failures.map(String), [], `extension ${this.identity} failed while answering`);
  }
}

/** Poll GET_SILLYTAVERN_EXTENSION on sock until the extension list deep-equals want. */
async function waitExtensions(sock, want, ms = 5000) {
  let last;
  await until(async () => {
    last = await sock.ack('GET_SILLYTAVERN_EXTENSION');
    return last && JSON.stringify(last.extensions) === JSON.stringify(want);
  }, ms, () => `GET_SILLYTAVERN_EXTENSION to list exactly ${show(want)}; last answer ${show(last)}`);
}

/** Every event named ev (payload) whose payload.requestId === rid. */
function eventsFor(client, ev, rid) {
  return client.events.filter((e) => e.ev === ev && e.args[0] && e.args[0].requestId === rid);
}

/** Index in client.events of the first event satisfying pred (or -1). */
function indexOf(client, pred) {
  return client.events.findIndex(pred);
}


/**
 * Full check of one streamed, forwarded request on the requester's socket: the ack shape
 * (§7.2 step 8), the ack before any `$stream` (§7.10 rule 1), one forwarded stream per
 * extension stream with the §7.7 metadata, the text concatenated in ARRIVAL order equal to what
 * the extension generated (§7.10 rule 3), the wire order (§7.10 rule 2, §8),
 * REQUEST_STATUS_UPDATE 'completed' (§7.8) and the recorded response (§7.8, §7.10 rule 4).
 */
async function verifyStreamed({ client, recv, ext, req, roomName, what, history = true }) {
  const rid = req.payload.requestId;
  if (req.acked) {
    const ack = await req.acked;
    assert.deepEqual(ack, { status: 'ok', message: 'Request received.', requestId: rid, disposition: 'forwarded', targets: [ext.identity] },
      `${what}: LLM_REQUEST ack: ${show(ack)}`);
  }
  await until(() => ext.outputs.has(rid) && ext.outputs.get(rid).done, 8000, `${what}: the extension to finish answering ${rid}`);
  const out = ext.output(rid);
  await recv.settled(rid, out.streamIds.length);
  const streams = recv.of(rid);
  assert.equal(streams.length, out.streamIds.length,
    `${what}: one forwarded stream per extension stream expected (${out.streamIds.length}), got ${streams.length}: ${show(recv.describe())}`);
  streams.forEach((s, i) => {
    assert.deepEqual(s.meta, { streamId: out.streamIds[i], outputId: out.outputId, requestId: rid, source: 'server', clientId: ext.identity, roomName },
      `${what}: metadata of forwarded stream #${i} (§7.7)`);
    assert.deepEqual(s.extra, [], `${what}: $stream carries exactly (name, placeholder, metadata): extra ${show(s.extra)}`);
    assert.equal(s.error, null, `${what}: forwarded stream #${i} failed: ${s.error}`);
    assert.ok(s.ended, `${what}: forwarded stream #${i} did not end`);
  });
  const got = recv.textOf(rid);
  assert.equal(got, out.text,
    `${what}: text concatenated in arrival order must equal exactly what the extension generated (§7.10 rule 3)\n` +
    `      got ${JSON.stringify(got)}\n expected ${JSON.stringify(out.text)}\n per stream ${show(streams.map((s) => s.chunks))}`);
  const firstIdx = checkWireOrder(client, streams.map((s) => s.ssId), what);
  if (req.acked) {
    assert.ok(req.ackIdx >= 0 && req.ackIdx <= firstIdx,
      `${what}: the LLM_REQUEST ack must arrive before the first $stream of the request (§7.10 rule 1); ack after event #${req.ackIdx}, first $stream at #${firstIdx}`);
  } else {
    // without an ack the server forwards after recording (§7.10 rule 1): the request's NEW_MESSAGE comes first
    const recIdx = client.events.findIndex((e) => e.ev === 'NEW_MESSAGE' && e.args[0] && e.args[0].message &&
      e.args[0].message.kind === 'request' && e.args[0].message.requestId === rid);
    assert.ok(recIdx >= 0 && recIdx < firstIdx, `${what}: request sent without an ack: its NEW_MESSAGE (#${recIdx}) must precede the first $stream (#${firstIdx})`);
  }
  const st = await client.waitFor('REQUEST_STATUS_UPDATE', (p) => p && p.requestId === rid && (p.status === 'completed' || p.status === 'failed'),
    5000, `${what}: REQUEST_STATUS_UPDATE for ${rid}`);
  assertUuidV4(st.responseId, `${what}: REQUEST_STATUS_UPDATE.responseId`);
  assert.deepEqual(st, { mode: 'Immediate', roomName, requestId: rid, responseId: st.responseId, target: ext.identity, status: 'completed' },
    `${what}: REQUEST_STATUS_UPDATE (§7.8)`);
  if (!history) return { out, streams, status: st };
  // §7.8: one response per (requestId, outputId): NEW_MESSAGE at the first END, MESSAGE_UPDATED at each later END.
  const isResp = (m) => m && m.roomName === roomName && m.message && m.message.kind === 'response' && m.message.requestId === rid;
  await until(() => client.events.some((e) => (e.ev === 'NEW_MESSAGE' || e.ev === 'MESSAGE_UPDATED') && isResp(e.args[0]) && e.args[0].message.data === out.text),
    5000, () => `${what}: NEW_MESSAGE/MESSAGE_UPDATED with the full response text; got ${show(client.events.filter((e) => isResp(e.args[0])).map((e) => [e.ev, e.args[0].message.data]))}`);
  const respEvents = client.events.map((e, idx) => ({ ...e, idx })).filter((e) => (e.ev === 'NEW_MESSAGE' || e.ev === 'MESSAGE_UPDATED') && isResp(e.args[0]));
  // §7.8: later ENDs update the response, at most one MESSAGE_UPDATED per messageUpdateIntervalMs.
  assert.equal(respEvents[0].ev, 'NEW_MESSAGE', `${what}: §7.8 the first END creates the response`);
  assert.ok(respEvents.slice(1).every((e) => e.ev === 'MESSAGE_UPDATED') && respEvents.length <= out.streamIds.length,
    `${what}: §7.8 one NEW_MESSAGE, then at most one MESSAGE_UPDATED per later END: ${show(respEvents.map((e) => e.ev))}`);
  const msg = respEvents[respEvents.length - 1].args[0].message;
  assert.equal(msg.message, out.text, `${what}: response message and data carry the same text: ${show(msg)}`);
  assert.equal(msg.outputId, out.outputId, `${what}: response outputId`);
  assert.equal(msg.responseId, st.responseId, `${what}: REQUEST_STATUS_UPDATE.responseId must name the response: ${show(msg)}`);
  assert.equal(msg.identity, ext.identity, `${what}: response author`);
  assert.equal(msg.isResponse, true, `${what}: response isResponse`);
  assert.equal(msg.fromClient, false, `${what}: response fromClient`);
  assert.ok(respEvents.every((e) => e.args[0].message.messageId === msg.messageId), `${what}: the response is updated in place (same messageId)`);
  const reqNew = client.events.findIndex((e) => e.ev === 'NEW_MESSAGE' && e.args[0] && e.args[0].message &&
    e.args[0].message.kind === 'request' && e.args[0].message.requestId === rid);
  assert.ok(reqNew >= 0 && reqNew < respEvents[0].idx, `${what}: the request's NEW_MESSAGE must precede the response's (§7.10 rule 4)`);
  return { out, streams, status: st, response: msg };
}

module.exports = {
  verifyStreamed,
  SENTENCE_TOKENS,
  uuid,
  until,
  tokensFor,
  sendRequest,
  emitAck,
  StreamReceiver,
  checkWireOrder,
  EmulatedExtension,
  waitExtensions,
  eventsFor,
  indexOf,
  log,
};
