import assert from 'node:assert/strict';
import { test } from 'node:test';
import { load } from './helpers.mjs';

const { RequestTracker } = await load('requests.js');

const sent = () => {
  const tracker = new RequestTracker();
  tracker.sent('q', { message: 'hi', roomName: 'r' });
  return tracker;
};

test('a forwarded request goes through processing to completed', () => {
  const tracker = sent();
  assert.equal(tracker.get('q').status, 'sending');
  tracker.acked('q', { status: 'ok', requestId: 'q', disposition: 'forwarded', targets: ['ext'] });
  assert.deepEqual([tracker.get('q').disposition, tracker.get('q').status, tracker.get('q').targets], ['forwarded', 'forwarded', ['ext']]);
  assert.equal(tracker.isOpen('q'), true);
  tracker.statusUpdate({ requestId: 'q', status: 'processing' });
  assert.equal(tracker.get('q').status, 'processing');
  tracker.statusUpdate({ requestId: 'q', status: 'completed' });
  assert.equal(tracker.get('q').status, 'completed');
  assert.equal(tracker.isOpen('q'), false);
});

test('queued and recorded requests are not open', () => {
  for (const disposition of ['queued', 'recorded']) {
    const tracker = sent();
    tracker.acked('q', { status: 'ok', disposition, targets: [] });
    assert.equal(tracker.get('q').status, disposition);
    assert.equal(tracker.isOpen('q'), false);
  }
});

test('a rejection arrives as ack and ERROR and is listed once', () => {
  const tracker = sent();
  tracker.error({ type: 'ERROR', message: 'No extension available for this room.', requestId: 'q' });
  tracker.acked('q', { status: 'error', message: 'No extension available for this room.' });
  assert.equal(tracker.get('q').status, 'rejected');
  assert.deepEqual(tracker.get('q').errors, ['No extension available for this room.']);
});

test('a final status that arrives before the ack is kept', () => {
  const tracker = sent();
  tracker.statusUpdate({ requestId: 'q', status: 'completed' });
  tracker.acked('q', { status: 'ok', disposition: 'forwarded', targets: ['ext'] });
  assert.equal(tracker.get('q').status, 'completed');
});

test('cancelling: the ack or the ERROR marks it cancelled, and a late status does not undo it', () => {
  const tracker = sent();
  tracker.acked('q', { status: 'ok', disposition: 'forwarded', targets: ['ext'] });
  tracker.cancelled('q', { status: 'ok', requestId: 'q' });
  tracker.statusUpdate({ requestId: 'q', status: 'failed' });
  assert.equal(tracker.get('q').status, 'cancelled');
  const other = sent();
  other.acked('q', { status: 'ok', disposition: 'forwarded', targets: ['ext'] });
  other.error({ message: 'Request cancelled.', requestId: 'q' });
  assert.equal(other.get('q').status, 'cancelled');
  const refused = sent();
  refused.cancelled('q', { status: 'error', message: 'Request not found.' });
  assert.deepEqual(refused.get('q').errors, ['Request not found.']);
});

test('timeouts and disconnects are listed as errors of the request', () => {
  const tracker = sent();
  tracker.acked('q', { status: 'ok', disposition: 'forwarded', targets: ['ext'] });
  tracker.error({ message: 'Request timed out.', requestId: 'q' });
  tracker.statusUpdate({ requestId: 'q', status: 'failed' });
  assert.deepEqual([tracker.get('q').status, tracker.get('q').errors], ['failed', ['Request timed out.']]);
  assert.equal(tracker.error({ message: 'x', requestId: 'unknown' }), null);
});

test('newest first', () => {
  const tracker = sent();
  tracker.sent('q2', { message: 'two', roomName: 'r' });
  assert.deepEqual(tracker.list().map((r) => r.requestId), ['q2', 'q']);
});
