// Assembly of GET_FULL_CONTEXT / pushed context transfers (UPDATE_CONTEXT_PAGE, §7.11): pages
// are keyed by `updateId`; a transfer counts once all its pages are in, and a newer transfer of
// a room supersedes an unfinished older one, whose late pages are dropped.

export class ContextAssembler {
  constructor() {
    this.transfers = new Map(); // updateId → {roomName, totalPages, pages: Map, partial, seq}
    this.latest = new Map(); // roomName → seq of its newest transfer seen
    this.seq = 0;
    this.dropped = new Set(); // updateIds superseded before they completed: late pages ignored
  }

  /** Feed one page; returns `{roomName, messages, partial}` when it completes a transfer that
   * is still the room's newest, else null. */
  page(payload) {
    if (!payload || typeof payload.updateId !== 'string' || !Array.isArray(payload.contextPage)) return null;
    const { updateId, roomName } = payload;
    if (this.dropped.has(updateId)) return null;
    let transfer = this.transfers.get(updateId);
    if (!transfer) {
      this.seq += 1;
      transfer = { roomName, totalPages: payload.totalPages, pages: new Map(), partial: false, seq: this.seq };
      this.transfers.set(updateId, transfer);
      this.latest.set(roomName, this.seq);
      // Unfinished older transfers of the room will not complete (the server stopped them).
      for (const [id, other] of this.transfers) {
        if (other.roomName === roomName && other.seq < transfer.seq) {
          this.transfers.delete(id);
          this.dropped.add(id);
        }
      }
    }
    transfer.pages.set(payload.pageNumber, payload.contextPage);
    if (payload.partial === true) transfer.partial = true;
    const total = Number.isInteger(transfer.totalPages) && transfer.totalPages > 0 ? transfer.totalPages : 1;
    // Complete only with every page: a late last page alone is not the room's history.
    if (transfer.pages.size < total) return null;
    this.transfers.delete(updateId);
    if (this.latest.get(roomName) !== transfer.seq) return null;
    const numbers = [...transfer.pages.keys()].sort((a, b) => a - b);
    const messages = numbers.flatMap((n) => transfer.pages.get(n));
    return { roomName, messages, partial: transfer.partial };
  }
}
