// What the page knows of each LLM_REQUEST it sent: the ack's `disposition` (§7.2 step 8), the
// REQUEST_STATUS_UPDATEs (§7.8) and the ERRORs carrying its `requestId` (§7.9, §7.14).

const FINAL = new Set(['completed', 'failed', 'cancelled', 'rejected', 'recorded', 'queued']);

export class RequestTracker {
  constructor() {
    this.requests = new Map();
  }

  sent(requestId, { message, roomName, target }) {
    const request = {
      requestId,
      message,
      roomName,
      target: target ?? null,
      disposition: null,
      targets: [],
      status: 'sending',
      errors: [],
    };
    this.requests.set(requestId, request);
    return request;
  }

  get(requestId) {
    return this.requests.get(requestId) ?? null;
  }

  /** The LLM_REQUEST ack. `queued` (HostSubmit) and `recorded` (MasterOnly, Conversational
   * without a target) are final for the page: nothing is generated for them now. */
  acked(requestId, ack) {
    const request = this.requests.get(requestId);
    if (!request) return null;
    if (ack?.status === 'ok') {
      request.disposition = ack.disposition ?? null;
      request.targets = Array.isArray(ack.targets) ? ack.targets : [];
      if (request.status === 'sending') request.status = request.disposition ?? 'forwarded';
    } else {
      request.status = 'rejected';
      this.addError(request, ack?.message ?? 'error');
    }
    return request;
  }

  statusUpdate(payload) {
    const request = this.requests.get(payload?.requestId);
    if (!request) return null;
    if (request.status === 'cancelled') return request;
    if (['processing', 'completed', 'failed'].includes(payload.status)) request.status = payload.status;
    return request;
  }

  /** An ERROR event with this request's id (rejections arrive as ack and ERROR: shown once). */
  error(payload) {
    const request = this.requests.get(payload?.requestId);
    if (!request) return null;
    this.addError(request, payload.message);
    if (payload.message === 'Request cancelled.') request.status = 'cancelled';
    return request;
  }

  /** Our own CANCEL_REQUEST was acknowledged. */
  cancelled(requestId, ack) {
    const request = this.requests.get(requestId);
    if (!request) return null;
    if (ack?.status === 'ok') request.status = 'cancelled';
    else this.addError(request, ack?.message ?? 'error');
    return request;
  }

  addError(request, message) {
    if (typeof message === 'string' && !request.errors.includes(message)) request.errors.push(message);
  }

  isOpen(requestId) {
    const request = this.requests.get(requestId);
    return !!request && !FINAL.has(request.status);
  }

  /** Newest first. */
  list() {
    return [...this.requests.values()].reverse();
  }
}
