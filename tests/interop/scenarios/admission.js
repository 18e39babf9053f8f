'use strict';
// Data-driven admission checks.
// params: {url, cases:[{name, ns, auth, expect:'ok' | 'refused', reason?, transports?, retryMs?}]}
// Every case runs on a fresh Engine.IO connection. All failing cases are reported together.
const { assert, log, main, openSocket, show, sleep } = require('./lib');

async function runCase(url, c) {
  const opts = { name: c.name, ...(c.transports ? { transports: c.transports } : {}) };
  const r = await openSocket(url, c.ns, c.auth, opts);
  try {
    if (c.expect === 'ok') {
      if (!r.ok) {
        return `expected admission on '${c.ns}', got connect_error message=${show(r.err.message)} data=${show(r.err.data)}`;
      }
      return null;
    }
    if (r.ok) return `expected connect_error ${show(c.reason)} on '${c.ns}', but the socket was admitted`;
    if (r.err.message !== c.reason) {
      return `expected err.message ${show(c.reason)}, got ${show(r.err.message)} (data ${show(r.err.data)})`;
    }
    try {
      assert.deepEqual(r.err.data, { type: 'ERROR', message: c.reason });
    } catch (e) {
      return `err.message ok, but err.data must deep-equal {type:'ERROR', message:${show(c.reason)}}, got ${show(r.err.data)}`;
    }
    return null;
  } finally {
    r.client.close();
    r.manager.disconnect();
  }
}

main(async ({ url, cases }) => {
  const failures = [];
  for (const c of cases) {
    const deadline = Date.now() + (c.retryMs || 0);
    let problem;
    for (;;) {
      problem = await runCase(url, c);
      if (!problem || Date.now() >= deadline) break;
      await sleep(250);
    }
    if (problem) {
      failures.push(`[${c.name}] ${problem}`);
      log(`FAIL ${c.name}: ${problem}`);
    } else {
      log(`ok   ${c.name} (${c.expect === 'ok' ? 'admitted' : 'refused: ' + c.reason}) on ${c.ns}`);
    }
  }
  assert.equal(failures.length, 0, `${failures.length} of ${cases.length} admission case(s) failed:\n  ` + failures.join('\n  '));
}, 60000);
