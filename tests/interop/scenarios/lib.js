'use strict';
// Shared helpers for the interop scenarios (CommonJS, socket.io-client 4).
// Every scenario gets its parameters as a JSON string in argv[2] (or env SCENARIO_PARAMS).

const assert = require('node:assert/strict');
const { Manager } = require('socket.io-client');

const T0 = Date.now();
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const ISO_MS_Z = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

function log(...args) {
  const t = ((Date.now() - T0) / 1000).toFixed(3).padStart(7);
  console.log(`[${t}s]`, ...args);
}

function params() {
  const raw = process.argv[2] || process.env.SCENARIO_PARAMS;
  if (!raw) throw new Error('scenario parameters missing: pass a JSON string as argv[2] or SCENARIO_PARAMS');
  return JSON.parse(raw);
}

/** Print a machine-readable result line for the Python side. */
function result(obj) {
  console.log('RESULT ' + JSON.stringify(obj));
}

const managers = new Set();
const clients = new Set();

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function show(v) {
  try {
    const s = JSON.stringify(v);
    return s === undefined ? String(v) : (s.length > 600 ? s.slice(0, 600) + '…' : s);
  } catch (e) {
    return String(v);
  }
}

/**
 * One Socket.IO namespace socket plus a record of everything it received.
 */
class Client {
  constructor(socket, name) {
    this.socket = socket;
    this.name = name;
    this.events = []; // {ev, args, at}
    this.waiters = [];
    this.disconnectReason = null;
    this.disconnectWaiters = [];
    socket.onAny((ev, ...args) => {
      const entry = { ev, args, at: Date.now() };
      this.events.push(entry);
      for (const w of [...this.waiters]) w(entry);
    });
    socket.on('disconnect', (reason) => {
      this.disconnectReason = reason;
      for (const w of this.disconnectWaiters) w(reason);
      this.disconnectWaiters = [];
    });
  }

  get connected() {
    return this.socket.connected;
  }

  /** Payloads (first argument) of every received event named ev. */
  received(ev) {
    return this.events.filter((e) => e.ev === ev).map((e) => e.args[0]);
  }

  /** Index to pass as `since` to waitFor: only events received after this call count. */
  mark() {
    return this.events.length;
  }

  /**
   * Wait until an event named ev whose first argument satisfies pred has been received
   * (events already received at index >= since count too).
   */
  waitFor(ev, pred = () => true, ms = 5000, what = '', since = 0) {
    const found = this.events.slice(since).find((e) => e.ev === ev && pred(e.args[0]));
    if (found) return Promise.resolve(found.args[0]);
    return new Promise((resolve, reject) => {
      const waiter = (entry) => {
        if (entry.ev === ev && pred(entry.args[0])) {
          clearTimeout(timer);
          this.waiters = this.waiters.filter((w) => w !== waiter);
          resolve(entry.args[0]);
        }
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        const seen = this.events.map((e) => `${e.ev} ${show(e.args[0])}`).join('\n    ');
        reject(new assert.AssertionError({
          message: `${this.name}: no '${ev}' event${what ? ' (' + what + ')' : ''} within ${ms} ms; ` +
            `events received so far:\n    ${seen || '(none)'}`,
        }));
      }, ms);
      this.waiters.push(waiter);
    });
  }

  /**
   * Emit ev with the given data arguments plus an ack callback; resolve with the single ack
   * argument. Fails if no ack arrives within ms or if the ack has != 1 argument.
   */
  ack(ev, ...rest) {
    let ms = 5000;
    if (rest.length && rest[rest.length - 1] && rest[rest.length - 1].__ackTimeout) {
      ms = rest.pop().__ackTimeout;
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new assert.AssertionError({
          message: `${this.name}: no ack for '${String(ev)}' (payload ${show(rest[0])}) within ${ms} ms` +
            ` (socket connected: ${this.socket.connected}, disconnect reason: ${this.disconnectReason})`,
        }));
      }, ms);
      this.socket.emit(ev, ...rest, (...args) => {
        clearTimeout(timer);
        if (args.length !== 1) {
          reject(new assert.AssertionError({
            message: `${this.name}: ack for '${String(ev)}' must have exactly one argument, got ${args.length}: ${show(args)}`,
          }));
          return;
        }
        resolve(args[0]);
      });
    });
  }

  /** Emit with an ack and assert that no ack arrives within ms. */
  async noAck(ev, data, ms = 1000) {
    let acked = null;
    this.socket.emit(ev, data, (...args) => { acked = args; });
    await sleep(ms);
    assert.equal(acked, null, `${this.name}: expected no ack for '${ev}', got ${show(acked)}`);
  }

  /** Emit ev and assert the ack equals {status:'ok', ...} (returns it). */
  async ackOk(ev, ...rest) {
    const res = await this.ack(ev, ...rest);
    assert.ok(res && typeof res === 'object', `${this.name}: ack of '${ev}' is not an object: ${show(res)}`);
    assert.equal(res.status, 'ok', `${this.name}: '${ev}' ${show(rest[0])} expected status 'ok', got ${show(res)}`);
    return res;
  }

  /** Emit ev and assert the ack deep-equals {status:'error', message}. */
  async ackError(ev, payloadArgs, message) {
    const res = await this.ack(ev, ...payloadArgs);
    assert.deepEqual(res, { status: 'error', message },
      `${this.name}: '${ev}' with ${payloadArgs.length ? show(payloadArgs[0]) : '(no payload)'} ` +
      `expected {status:'error', message:${show(message)}}, got ${show(res)}`);
    return res;
  }

  waitDisconnect(ms = 5000, what = '') {
    if (this.disconnectReason !== null) return Promise.resolve(this.disconnectReason);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new assert.AssertionError({
        message: `${this.name}: not disconnected within ${ms} ms${what ? ' (' + what + ')' : ''}`,
      })), ms);
      this.disconnectWaiters.push((reason) => { clearTimeout(timer); resolve(reason); });
    });
  }

  close() {
    if (this.socket.connected || this.socket.active) this.socket.disconnect();
  }
}

/**
 * A new Engine.IO connection (Manager). transports default: polling + upgrade.
 * Debugging aid only: env INTEROP_FORCE_TRANSPORTS=websocket overrides every scenario's choice.
 */
function newManager(url, opts = {}) {
  const mopts = { reconnection: false, timeout: 6000, ...opts };
  if (process.env.INTEROP_FORCE_TRANSPORTS) mopts.transports = process.env.INTEROP_FORCE_TRANSPORTS.split(',');
  const m = new Manager(url, mopts);
  managers.add(m);
  return m;
}

/**
 * Open a socket on namespace ns. Resolves to {ok:true, client} on 'connect', or
 * {ok:false, err} on 'connect_error'. opts: {manager, transports, extraHeaders, name}.
 */
function openSocket(url, ns, auth, opts = {}) {
  const name = opts.name || `${(auth && auth.clientId) || '?'}@${ns}`;
  const mgr = opts.manager || newManager(url, {
    ...(opts.transports ? { transports: opts.transports } : {}),
    ...(opts.extraHeaders ? { extraHeaders: opts.extraHeaders } : {}),
  });
  const sock = mgr.socket(ns, auth === undefined ? {} : { auth });
  const client = new Client(sock, name);
  clients.add(client);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new assert.AssertionError({ message: `${name}: neither 'connect' nor 'connect_error' within 6 s (the server never answered the namespace CONNECT)` }));
    }, 6000);
    sock.once('connect', () => {
      clearTimeout(timer);
      sock.off('connect_error');
      resolve({ ok: true, client, manager: mgr });
    });
    sock.once('connect_error', (err) => {
      clearTimeout(timer);
      sock.off('connect');
      resolve({ ok: false, err, client, manager: mgr });
    });
  });
}

/** Connect and assert admission; returns the Client. */
async function connectOk(url, ns, auth, opts = {}) {
  const r = await openSocket(url, ns, auth, opts);
  const name = r.client.name;
  if (!r.ok) {
    throw new assert.AssertionError({
      message: `${name}: expected admission on '${ns}', got connect_error ` +
        `message=${show(r.err.message)} data=${show(r.err.data)}`,
    });
  }
  return r.client;
}

/** Connect and assert a refusal with err.message === reason and err.data deep-equal. */
async function connectRefused(url, ns, auth, reason, opts = {}) {
  const r = await openSocket(url, ns, auth, opts);
  const name = r.client.name;
  if (r.ok) {
    r.client.close();
    throw new assert.AssertionError({
      message: `${name}: expected connect_error '${reason}' on '${ns}', but the socket was admitted`,
    });
  }
  assert.equal(r.err.message, reason,
    `${name}: connect_error on '${ns}': expected err.message ${show(reason)}, got ${show(r.err.message)} (data ${show(r.err.data)})`);
  assert.deepEqual(r.err.data, { type: 'ERROR', message: reason },
    `${name}: connect_error on '${ns}': err.data must deep-equal {type:'ERROR', message:${show(reason)}}, got ${show(r.err.data)}`);
  if (!opts.manager) r.manager.disconnect();
  return r.err;
}

function assertUuidV4(v, what) {
  assert.equal(typeof v, 'string', `${what}: expected a string, got ${show(v)}`);
  assert.match(v, UUID_V4, `${what}: expected a lowercase UUID v4, got ${show(v)}`);
}

function assertIso(v, what) {
  assert.equal(typeof v, 'string', `${what}: expected an ISO timestamp string, got ${show(v)}`);
  assert.match(v, ISO_MS_Z, `${what}: expected ISO-8601 UTC with ms and Z, got ${show(v)}`);
}

function closeAll() {
  for (const c of clients) {
    try { c.close(); } catch (e) { /* ignore */ }
  }
  for (const m of managers) {
    try { m.disconnect(); } catch (e) { /* ignore */ }
  }
}

/**
 * Run a scenario: guard timer, error reporting, cleanup. fn receives the parsed params.
 */
function main(fn, timeoutMs = 30000) {
  setTimeout(() => {
    console.error('scenario timed out');
    process.exit(2);
  }, timeoutMs).unref();
  let p;
  try {
    p = params();
  } catch (e) {
    console.error(String(e && e.message));
    process.exit(3);
  }
  Promise.resolve()
    .then(() => fn(p))
    .then(() => {
      closeAll();
      log('OK');
      setTimeout(() => process.exit(0), 50);
    })
    .catch((e) => {
      console.error('SCENARIO FAILED: ' + (e && e.message ? e.message : String(e)));
      if (e && e.stack) console.error(e.stack.split('\n').slice(1, 8).join('\n'));
      closeAll();
      setTimeout(() => process.exit(1), 50);
    });
}

module.exports = {
  assert,
  log,
  result,
  sleep,
  show,
  main,
  newManager,
  openSocket,
  connectOk,
  connectRefused,
  assertUuidV4,
  assertIso,
  UUID_V4,
  ISO_MS_Z,
  ACK_TIMEOUT: (ms) => ({ __ackTimeout: ms }),
};
