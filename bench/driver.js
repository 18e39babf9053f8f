#!/usr/bin/env node
// Load driver for any server speaking the NewAge /llm protocol (the Node reference or NewAge Desktop).
//
//   node driver.js '<params JSON>'      or      node driver.js params.json
//
// Clients read answers either as forwarded socket.io-stream streams on /llm (`clientTransport:
// 'socketio'`, the default) or as Server-Sent Events from NewAge Desktop's OpenAI-compatible API
// (`clientTransport: 'sse'`: POST /v1/chat/completions with stream:true through Node's fetch,
// `model` = the target extension). The extensions are the same either way.
//
// Emulated extensions and clients run in child processes of this one (one for the extensions,
// `clientProcs` for the clients), so the driver is not the bottleneck and the coordinator only
// times and aggregates. Timestamps are wall-clock milliseconds (performance.timeOrigin +
// performance.now()), which agree across processes on one machine.
//
// stdout: JSON lines. {"phase":"measure-start"} when the load starts, {"phase":"measure-end"} when
// the last response has arrived (bench/run.py samples the server's CPU time at these two lines),
// then the report as the last line.

'use strict';

const { fork } = require('child_process');
const { performance } = require('perf_hooks');
const { randomUUID } = require('crypto');
const fs = require('fs');

const now = () => performance.timeOrigin + performance.now();

const DEFAULTS = {
  url: 'http://127.0.0.1:4100',
  extensions: 1, // a count, or a list of {clientId, key} (the reference ignores keys)
  clients: 1, // idem
  tokens: 100, // tokens per response
  rate: 0, // tokens/s per response; 0 = as fast as possible
  batch: 5, // tokens per mini-stream (START, FIRST/MIDDLE…/LAST, END)
  duration: 10, // seconds during which clients start new requests
  drainTimeout: 30, // seconds to wait for outstanding responses afterwards
  responseTimeout: 30, // seconds without completion before a response counts as incomplete
  clientProcs: 1, // child processes the clients are spread over
  clientTransport: 'socketio', // 'socketio' (SERVER_STREAM_DATA streams) or 'sse' (/v1/chat/completions)
  final: false, // mark a response's last CLIENT_STREAM_END with final: true (the real extension does)
};

// ---- generated text ---------------------------------------------------------------------------
// Every chunk is one token with a marker in front: `{<index>@<ms since epoch>}<token>`. The marker
// gives the latency; the index makes the expected text unambiguous. Multi-byte tokens on purpose.
const VOCAB = ['Bonjour', ' 世界', ' le', ' monde', ' 🙂', ' naïve', ' café', ',', ' and', ' the',
  ' relay', ' über', ' 数据', ' stream', '.', ' ok'];
const hash = (s) => { let h = 2166136261; for (let i = 0; i < s.length; i += 1) h = Math.imul(h ^ s.charCodeAt(i), 16777619) >>> 0; return h; };
const token = (requestId, i) => VOCAB[(hash(requestId) + i * 7) % VOCAB.length];
const chunkData = (requestId, i, ts) => `{${i}@${ts.toFixed(3)}}${token(requestId, i)}`;
const expectedText = (requestId, n) => Array.from({ length: n }, (_, i) => `{${i}}${token(requestId, i)}`).join('');
const withoutTimestamps = (text) => text.replace(/@-?[0-9.]+\}/g, '}');
const MARKER = /\{(\d+)@(-?[0-9.]+)\}/g;

function identities(spec, prefix) {
  if (Array.isArray(spec)) return spec.map((e) => ({ clientId: e.clientId, key: e.key }));
  return Array.from({ length: Number(spec) }, (_, i) => ({ clientId: `${prefix}-${i}`, key: 'unused' }));
}

function connect(url, auth) {
  const { io } = require('socket.io-client');
  return new Promise((resolve, reject) => {
    const socket = io(`${url}/llm`, { auth, transports: ['websocket'], forceNew: true, reconnection: false, timeout: 20000 });
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (err) => reject(new Error(`${auth.clientId}: ${err.message}`)));
  });
}

// ---- extension process ------------------------------------------------------------------------
async function extensionRole({ p, exts }) {
  const sockets = await Promise.all(exts.map((e) => connect(p.url, { clientType: 'SillyTavern', clientId: e.clientId, key: e.key })));
  let epoch = 0; let end = 0; let stopped = false; let events = 0; let eventsInWindow = 0; let cpu0;
  const count = (n) => { events += n; if (now() <= end) eventsInWindow += n; };

  function respond(socket, request) {
    const { requestId } = request;
    const outputId = randomUUID();
    const started = now();
    let sent = 0;
    const miniStream = () => {
      if (stopped) return;
      const streamId = randomUUID();
      const size = Math.min(p.batch, p.tokens - sent);
      socket.emit('CLIENT_STREAM_START', { type: 1, streamId, outputId, requestId, numStreams: size });
      for (let k = 0; k < size; k += 1) {
        const i = sent + k;
        const [type, event] = i === 0 ? [4, 'CLIENT_STREAM_DATA_FIRST'] : k === size - 1 ? [6, 'CLIENT_STREAM_DATA_LAST'] : [5, 'CLIENT_STREAM_DATA_MIDDLE'];
        socket.emit(event, { type, streamId, outputId, requestId, chunkIndex: k, data: chunkData(requestId, i, now() - epoch) });
      }
      const last = sent + size >= p.tokens;
      socket.emit('CLIENT_STREAM_END', p.final && last ? { type: 3, streamId, outputId, requestId, final: true } : { type: 3, streamId, outputId, requestId });
      count(size + 2);
      sent += size;
      if (sent < p.tokens) schedule();
    };
    // A mini-stream goes out when its last token has been "generated" (what the extension does).
    const schedule = () => {
      if (p.rate > 0) setTimeout(miniStream, Math.max(0, started + ((sent + Math.min(p.batch, p.tokens - sent)) * 1000) / p.rate - now()));
      else setImmediate(miniStream);
    };
    schedule();
  }

  sockets.forEach((socket) => socket.on('LLM_REQUEST', (request) => respond(socket, request)));
  process.on('message', (m) => {
    if (m.type === 'go') { ({ epoch, end } = m); cpu0 = process.cpuUsage(); }
    if (m.type === 'stop') {
      stopped = true;
      const cpu = process.cpuUsage(cpu0);
      process.send({ type: 'stats', events, eventsInWindow, cpuMs: (cpu.user + cpu.system) / 1000 });
    }
    if (m.type === 'exit') { sockets.forEach((s) => s.close()); process.exit(0); }
  });
  process.send({ type: 'ready' });
}

// ---- client process ---------------------------------------------------------------------------
async function clientRole({ p, clients, extIds }) {
  const ss = require('@sap_oss/node-socketio-stream');
  const outcome = { ok: 0, interleaved: 0, corrupt: 0, incomplete: 0, rejected: 0 };
  const latencies = [];
  let tokens = 0; let tokensInWindow = 0; let serverErrors = 0; let strayStreams = 0; let streamErrors = 0;
  let example = null; let rejection = null; let epoch = 0; let end = 0; let cpu0; let active = clients.length;
  const sockets = await Promise.all(clients.map((c) => connect(p.url, { clientType: 'bench-client', clientId: c.clientId, key: c.key })));

  function runClient(socket, index) {
    const pending = new Map(); // requestId -> response state
    let sentCount = 0;

    ss(socket).on('SERVER_STREAM_DATA', (stream, meta) => {
      stream.setEncoding('utf8');
      const response = meta && pending.get(meta.requestId);
      if (!response) { strayStreams += 1; stream.resume(); return; }
      const part = { text: '', scanned: 0 };
      response.parts.push(part);
      response.open += 1;
      stream.on('data', (data) => {
        const t = now() - epoch;
        part.text += data;
        response.arrival += data; // what a client appending in arrival order shows its user
        MARKER.lastIndex = part.scanned;
        for (let m = MARKER.exec(part.text); m; m = MARKER.exec(part.text)) {
          latencies.push(t - Number(m[2]));
          response.tokens += 1;
          tokens += 1;
          if (t + epoch <= end) tokensInWindow += 1;
          part.scanned = MARKER.lastIndex;
        }
      });
      const closed = () => { response.open -= 1; if (response.tokens >= p.tokens && response.open === 0) finish(response, 'complete'); };
      stream.on('end', closed);
      stream.on('error', () => { streamErrors += 1; closed(); });
    });
    socket.on('ERROR', () => { serverErrors += 1; });

    function finish(response, how) {
      if (!pending.delete(response.requestId)) return;
      clearTimeout(response.timer);
      const expected = expectedText(response.requestId, p.tokens);
      if (how === 'rejected') outcome.rejected += 1;
      else if (how === 'timeout') outcome.incomplete += 1;
      else if (withoutTimestamps(response.arrival) === expected) outcome.ok += 1;
      else {
        // Wrong in arrival order. If the streams, read one after the other, are right, the
        // data was all there but consecutive mini-streams interleaved.
        const inOrder = withoutTimestamps(response.parts.map((x) => x.text).join('')) === expected;
        outcome[inOrder ? 'interleaved' : 'corrupt'] += 1;
        if (!example) {
          const plain = (text) => text.replace(/\{[^}]*\}/g, '').slice(0, 60);
          example = { expected: plain(expected), received: plain(response.arrival) };
        }
      }
      if (how === 'rejected') setTimeout(next, 100); else next();
    }

    function next() {
      if (now() >= end) { if (pending.size === 0) { active -= 1; maybeDone(); } return; }
      const requestId = `${clients[index].clientId}-${sentCount}`;
      const target = extIds[(clients[index].globalIndex + sentCount) % extIds.length];
      sentCount += 1;
      const response = { requestId, parts: [], open: 0, tokens: 0, arrival: '' };
      response.timer = setTimeout(() => finish(response, 'timeout'), p.responseTimeout * 1000);
      pending.set(requestId, response);
      socket.emit('LLM_REQUEST', { requestId, message: `benchmark request ${sentCount}`, target }, (ack) => {
        if (!ack || ack.status !== 'ok') { rejection = rejection || (ack && ack.message) || String(ack); finish(response, 'rejected'); }
      });
    }
    const abandon = () => [...pending.values()].forEach((response) => finish(response, 'timeout'));
    return { start: next, abandon };
  }

  function maybeDone() {
    if (active > 0) return;
    const cpu = process.cpuUsage(cpu0);
    process.send({ type: 'stats', outcome, latencies, tokens, tokensInWindow, serverErrors, streamErrors, strayStreams, example, rejection, cpuMs: (cpu.user + cpu.system) / 1000 });
  }

  const runners = sockets.map((socket, i) => runClient(socket, i));
  process.on('message', (m) => {
    if (m.type === 'go') {
      ({ epoch, end } = m);
      cpu0 = process.cpuUsage();
      setTimeout(() => runners.forEach((r) => r.start()), epoch - now());
      // After the drain timeout, whatever is still outstanding counts as incomplete.
      setTimeout(() => runners.forEach((r) => r.abandon()), end - now() + p.drainTimeout * 1000);
    }
    if (m.type === 'exit') { sockets.forEach((s) => s.close()); process.exit(0); }
  });
  process.send({ type: 'ready' });
}

// ---- SSE client process (the OpenAI-compatible API) -------------------------------------------
// Each client runs the same closed loop as a socket client, over HTTP: POST
// /v1/chat/completions {model: <target extension>, stream: true}, read the event stream to its
// end (`data: [DONE]` and the end of the body), send the next. The server names the LLM_REQUEST
// it made in the X-NewAge-Request-Id header; the extension generates the text from that id.
async function sseClientRole({ p, clients, extIds }) {
  const outcome = { ok: 0, interleaved: 0, corrupt: 0, incomplete: 0, rejected: 0 };
  const latencies = [];
  let tokens = 0; let tokensInWindow = 0; let serverErrors = 0; let framingErrors = 0; let events = 0;
  let example = null; let rejection = null; let epoch = 0; let end = 0; let cpu0; let active = clients.length;
  const controllers = new Set();
  const headers = (c) => ({ Authorization: `Bearer ${c.clientId}:${c.key}` });
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  const plain = (text) => text.replace(/\{[^}]*\}/g, '').slice(0, 60);

  // Check every key once (and open the keep-alive connections) before the load starts.
  await Promise.all(clients.map(async (c) => {
    const res = await fetch(`${p.url}/v1/models`, { headers: headers(c) });
    const body = await res.text();
    if (!res.ok) throw new Error(`${c.clientId}: GET /v1/models: ${res.status} ${body.slice(0, 200)}`);
  }));

  // One SSE event (the lines of one block): comments are skipped, data lines joined (WHATWG).
  function onEvent(state, block, t) {
    const data = [];
    for (const line of block.split('\n')) {
      if (line.startsWith('data:')) data.push(line.slice(line.startsWith('data: ') ? 6 : 5));
      else if (line !== '' && !line.startsWith(':') && !/^(event|id|retry):/.test(line)) state.framing.push(`bad line ${JSON.stringify(line.slice(0, 40))}`);
    }
    if (!data.length) return;
    events += 1;
    const text = data.join('\n');
    if (state.done) { state.framing.push('event after [DONE]'); return; }
    if (text === '[DONE]') { state.done = true; return; }
    let chunk;
    try { chunk = JSON.parse(text); } catch { state.framing.push(`not JSON: ${text.slice(0, 40)}`); return; }
    if (chunk.error) { state.error = chunk.error.message || JSON.stringify(chunk.error); return; }
    const choice = chunk.object === 'chat.completion.chunk' && Array.isArray(chunk.choices) ? chunk.choices[0] : null;
    if (!choice || !choice.delta) { state.framing.push(`not a chunk: ${text.slice(0, 60)}`); return; }
    if (state.finish) state.framing.push('chunk after the finish chunk');
    if (choice.delta.role === 'assistant') {
      if (state.role || state.text) state.framing.push('role chunk not first');
      state.role = true;
    }
    if (choice.finish_reason) state.finish = choice.finish_reason;
    const content = choice.delta.content;
    if (typeof content !== 'string' || content === '') return;
    state.text += content;
    MARKER.lastIndex = state.scanned;
    for (let m = MARKER.exec(state.text); m; m = MARKER.exec(state.text)) {
      latencies.push(t - Number(m[2]));
      state.tokens += 1;
      tokens += 1;
      if (t + epoch <= end) tokensInWindow += 1;
      state.scanned = MARKER.lastIndex;
    }
  }

  // One request to its end: 'ok', 'corrupt', 'incomplete' or 'rejected'.
  async function request(client, n) {
    const target = extIds[(client.globalIndex + n) % extIds.length];
    const controller = new AbortController();
    controllers.add(controller);
    const timer = setTimeout(() => controller.abort(), p.responseTimeout * 1000);
    const state = { text: '', scanned: 0, tokens: 0, role: false, finish: null, done: false, error: null, framing: [] };
    let requestId = null;
    try {
      const res = await fetch(`${p.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { ...headers(client), 'Content-Type': 'application/json', Accept: 'text/event-stream' },
        body: JSON.stringify({ model: target, stream: true, messages: [{ role: 'user', content: `benchmark request ${n + 1}` }] }),
        signal: controller.signal,
      });
      if (!res.ok) {
        const body = await res.text();
        rejection = rejection || `${res.status} ${body.slice(0, 200)}`;
        return 'rejected';
      }
      requestId = res.headers.get('x-newage-request-id');
      const type = res.headers.get('content-type') || '';
      if (!type.startsWith('text/event-stream')) state.framing.push(`Content-Type ${type}`);
      const decoder = new TextDecoder();
      let buffer = '';
      for await (const bytes of res.body) {
        const t = now() - epoch;
        buffer += decoder.decode(bytes, { stream: true });
        if (buffer.includes('\r')) buffer = buffer.replace(/\r\n?/g, '\n'); // the server sends \n
        for (let cut = buffer.indexOf('\n\n'); cut >= 0; cut = buffer.indexOf('\n\n')) {
          onEvent(state, buffer.slice(0, cut), t);
          buffer = buffer.slice(cut + 2);
        }
      }
      buffer += decoder.decode();
      if (buffer.trim()) state.framing.push(`unterminated event ${JSON.stringify(buffer.slice(0, 40))}`);
    } catch (err) {
      if (controller.signal.aborted) return 'incomplete';
      state.framing.push(`${err.name}: ${err.message}`);
    } finally {
      clearTimeout(timer);
      controllers.delete(controller);
    }
    if (state.error) {
      serverErrors += 1;
      if (!example) example = { requestId, error: state.error };
      return 'corrupt';
    }
    if (!state.done) state.framing.push('no data: [DONE]');
    if (state.finish !== 'stop') state.framing.push(`finish_reason ${state.finish}`);
    if (!state.role) state.framing.push('no role chunk');
    const expected = requestId ? expectedText(requestId, p.tokens) : null;
    const textOk = withoutTimestamps(state.text) === expected;
    if (textOk && !state.framing.length) return 'ok';
    if (state.framing.length) framingErrors += 1;
    if (!example) example = { requestId, expected: expected && plain(expected), received: plain(state.text), framing: state.framing.slice(0, 5) };
    return 'corrupt';
  }

  async function loop(client) {
    for (let n = 0; now() < end; n += 1) {
      const how = await request(client, n);
      outcome[how] += 1;
      if (how === 'rejected') await sleep(100);
    }
    active -= 1;
    if (active === 0) {
      const cpu = process.cpuUsage(cpu0);
      process.send({ type: 'stats', outcome, latencies, tokens, tokensInWindow, serverErrors, framingErrors, sseEvents: events, streamErrors: 0, strayStreams: 0, example, rejection, cpuMs: (cpu.user + cpu.system) / 1000 });
    }
  }

  process.on('message', (m) => {
    if (m.type === 'go') {
      ({ epoch, end } = m);
      cpu0 = process.cpuUsage();
      setTimeout(() => clients.forEach((c) => loop(c)), epoch - now());
      // After the drain timeout, whatever is still outstanding counts as incomplete.
      setTimeout(() => controllers.forEach((c) => c.abort()), end - now() + p.drainTimeout * 1000);
    }
    if (m.type === 'exit') process.exit(0);
  });
  process.send({ type: 'ready' });
}

// ---- coordinator ------------------------------------------------------------------------------
function percentile(sorted, q) {
  if (!sorted.length) return null;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}
const round = (x, digits = 2) => (x === null ? null : Number(x.toFixed(digits)));

async function coordinator(params) {
  const p = { ...DEFAULTS, ...params };
  const exts = identities(p.extensions, 'bench-ext');
  const clients = identities(p.clients, 'bench-client').map((c, globalIndex) => ({ ...c, globalIndex }));
  const extIds = exts.map((e) => e.clientId);
  const procs = Math.max(1, Math.min(p.clientProcs, clients.length));
  const children = [];
  const start = (role, args) => {
    const child = fork(__filename, ['--role', role], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    child.send({ type: 'init', role, args });
    children.push(child);
    return child;
  };
  const nextMessage = (child, type) => new Promise((resolve, reject) => {
    const onMessage = (m) => {
      if (m.type === type) { child.off('message', onMessage); resolve(m); }
      if (m.type === 'error') reject(new Error(m.message));
    };
    child.on('message', onMessage);
    child.once('exit', (code) => reject(new Error(`driver child exited with ${code}`)));
  });
  const fail = (err) => {
    console.log(JSON.stringify({ error: err.message }));
    children.forEach((c) => c.kill());
    process.exit(1);
  };

  try {
    const extChild = start('ext', { p, exts });
    const clientChildren = Array.from({ length: procs }, (_, j) => start('client', { p, extIds, clients: clients.filter((_, i) => i % procs === j) }));
    await Promise.all(children.map((c) => nextMessage(c, 'ready')));
    const statsPending = clientChildren.map((c) => nextMessage(c, 'stats'));

    const epoch = now() + 100;
    const end = epoch + p.duration * 1000;
    children.forEach((c) => c.send({ type: 'go', epoch, end }));
    await new Promise((resolve) => setTimeout(resolve, epoch - now()));
    console.log(JSON.stringify({ phase: 'measure-start' }));
    const clientStats = await Promise.all(statsPending);
    const elapsed = (now() - epoch) / 1000;
    console.log(JSON.stringify({ phase: 'measure-end' }));
    const extPending = nextMessage(extChild, 'stats');
    extChild.send({ type: 'stop' });
    const extStats = await extPending;
    children.forEach((c) => c.send({ type: 'exit' }));

    const sum = (key) => clientStats.reduce((acc, s) => acc + (s[key] || 0), 0);
    const outcome = {};
    for (const s of clientStats) for (const [k, v] of Object.entries(s.outcome)) outcome[k] = (outcome[k] || 0) + v;
    const latencies = Float64Array.from(clientStats.flatMap((s) => s.latencies)).sort();
    const report = {
      url: p.url,
      clientTransport: p.clientTransport,
      final: p.final,
      extensions: exts.length,
      clients: clients.length,
      tokensPerResponse: p.tokens,
      ratePerResponse: p.rate,
      batch: p.batch,
      durationSec: p.duration,
      elapsedSec: round(elapsed, 3),
      deliveredTokens: sum('tokens'),
      deliveredTokensPerSec: round(sum('tokensInWindow') / p.duration, 1),
      extensionEvents: extStats.events,
      extensionEventsPerSec: round(extStats.eventsInWindow / p.duration, 1),
      latencyMs: { p50: round(percentile(latencies, 0.5), 3), p99: round(percentile(latencies, 0.99), 3), max: round(percentile(latencies, 1), 3), samples: latencies.length },
      responses: {
        ...outcome,
        wrong: outcome.interleaved + outcome.corrupt + outcome.incomplete,
        total: Object.values(outcome).reduce((a, b) => a + b, 0) - outcome.rejected,
      },
      serverErrors: sum('serverErrors'),
      streamErrors: sum('streamErrors'),
      strayStreams: sum('strayStreams'),
      framingErrors: sum('framingErrors'),
      sseEvents: sum('sseEvents'),
      wrongExample: clientStats.map((s) => s.example).find(Boolean) || null,
      rejection: clientStats.map((s) => s.rejection).find(Boolean) || null,
      driverCpuMs: { extensions: round(extStats.cpuMs, 0), clients: round(sum('cpuMs'), 0) },
    };
    console.log(JSON.stringify(report));
    setTimeout(() => process.exit(0), 200);
  } catch (err) {
    fail(err);
  }
}

// ---- entry ------------------------------------------------------------------------------------
if (process.argv[2] === '--role') {
  process.on('disconnect', () => process.exit(0)); // the coordinator went away
  process.once('message', ({ role, args }) => {
    const run = role === 'ext' ? extensionRole : args.p.clientTransport === 'sse' ? sseClientRole : clientRole;
    run(args).catch((err) => {
      process.send({ type: 'error', message: err.message });
      setTimeout(() => process.exit(1), 100);
    });
  });
} else {
  const arg = process.argv[2];
  if (!arg) {
    console.error('usage: node driver.js \'{"url":"http://127.0.0.1:4100","extensions":1,"clients":1,"rate":0}\' | params.json');
    process.exit(2);
  }
  coordinator(JSON.parse(arg.trim().startsWith('{') ? arg : fs.readFileSync(arg, 'utf8')));
}
