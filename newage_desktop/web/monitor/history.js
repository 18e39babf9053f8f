// A room's chat history as the page knows it: recorded messages in history order, kept current
// by the incremental events of PROTOCOL.md §7.11, plus the live text of answers still streaming.

/** Recorded messages of one room, by `messageId`, in history order. */
export class MessageList {
  constructor(messages = []) {
    this.messages = [];
    this.replaceAll(messages);
  }

  replaceAll(messages) {
    this.messages = messages.filter((m) => m && typeof m.messageId === 'string');
  }

  indexOf(messageId) {
    return this.messages.findIndex((m) => m.messageId === messageId);
  }

  /** NEW_MESSAGE: appended, or replaced in place if already known (a pushed page had it). */
  add(message) {
    if (!message || typeof message.messageId !== 'string') return;
    const i = this.indexOf(message.messageId);
    if (i >= 0) this.messages[i] = message;
    else this.messages.push(message);
  }

  /** MESSAGE_UPDATED: replaced in place; an update of an unknown message adds it. */
  update(message) {
    this.add(message);
  }

  /** MESSAGES_DELETED */
  remove(messageIds) {
    const gone = new Set(Array.isArray(messageIds) ? messageIds : [messageIds]);
    this.messages = this.messages.filter((m) => !gone.has(m.messageId));
  }

  /** MESSAGES_CLEARED: requests and system messages go with `clearedRequests`, responses
   * with `clearedResponses`. */
  clear({ clearedRequests, clearedResponses }) {
    this.messages = this.messages.filter((m) => {
      const response = m.kind === 'response' || m.isResponse === true;
      return response ? !clearedResponses : !clearedRequests;
    });
  }

  /** A pushed newest-page transfer (`partial`): the page is the newest slice of the history,
   * so it replaces what we had from its first known message on, keeping older messages before
   * it and messages newer than its last known one (they arrived after the page was cut). */
  mergeNewest(page) {
    const pageIds = new Set(page.map((m) => m.messageId));
    const known = this.messages.map((m, i) => (pageIds.has(m.messageId) ? i : -1)).filter((i) => i >= 0);
    if (known.length === 0) {
      this.messages = [...this.messages, ...page];
      return;
    }
    const first = known[0];
    const last = known[known.length - 1];
    const before = this.messages.slice(0, first).filter((m) => !pageIds.has(m.messageId));
    const after = this.messages.slice(last + 1).filter((m) => !pageIds.has(m.messageId));
    this.messages = [...before, ...page, ...after];
  }

  /** Apply one incremental event by name; returns whether it was one. */
  apply(event, payload) {
    switch (event) {
      case 'NEW_MESSAGE':
        this.add(payload.message);
        return true;
      case 'MESSAGE_UPDATED':
        this.update(payload.message);
        return true;
      case 'MESSAGES_DELETED':
        this.remove(payload.messageIds ?? []);
        return true;
      case 'MESSAGES_CLEARED':
        this.clear(payload);
        return true;
      default:
        return false;
    }
  }
}

const liveKey = (requestId, outputId) => `${requestId ?? ''}\u0000${outputId ?? ''}`;

/** Answers as they arrive (SERVER_STREAM_DATA streams, `message` events), per output. */
export class LiveOutputs {
  constructor() {
    this.outputs = new Map();
  }

  entry(meta) {
    const key = liveKey(meta.requestId, meta.outputId);
    let out = this.outputs.get(key);
    if (!out) {
      out = {
        requestId: meta.requestId ?? null,
        outputId: meta.outputId ?? null,
        roomName: meta.roomName ?? null,
        identity: meta.clientId ?? null,
        text: '',
        openStreams: 0,
        failed: null,
      };
      this.outputs.set(key, out);
    }
    return out;
  }

  streamStarted(meta) {
    this.entry(meta).openStreams += 1;
  }

  /** The streams of one output follow each other: their texts concatenate (§7.8). */
  append(meta, text) {
    this.entry(meta).text += text;
  }

  streamClosed(meta, error = null) {
    const out = this.entry(meta);
    out.openStreams = Math.max(0, out.openStreams - 1);
    if (error) out.failed = error;
  }

  /** A non-stream `message` sets the output's text. */
  setText(meta, text) {
    this.entry(meta).text = text;
  }

  get(requestId, outputId) {
    return this.outputs.get(liveKey(requestId, outputId)) ?? null;
  }

  forRoom(roomName) {
    return [...this.outputs.values()].filter((o) => o.roomName === roomName);
  }
}

/** What the chat shows for a room: each recorded message (a response with the text we saw
 * streaming if that is ahead of the recorded one, which is updated at most once a second),
 * then the answers still streaming that have no recorded message yet. */
export function chatView(list, live, roomName) {
  const items = list.messages.map((message) => {
    const text = typeof message.message === 'string' ? message.message : String(message.data ?? '');
    const out = message.kind === 'response' ? live.get(message.requestId, message.outputId) : null;
    const streaming = !!out && out.openStreams > 0;
    const liveAhead = !!out && out.text.length > text.length;
    return { message, text: liveAhead ? out.text : text, streaming, live: false };
  });
  const recorded = new Set(list.messages.map((m) => liveKey(m.requestId, m.outputId)));
  for (const out of live.forRoom(roomName)) {
    if (recorded.has(liveKey(out.requestId, out.outputId))) continue;
    if (!out.text && out.openStreams === 0) continue;
    items.push({
      message: { kind: 'response', identity: out.identity, requestId: out.requestId, outputId: out.outputId },
      text: out.text,
      streaming: out.openStreams > 0,
      live: true,
      failed: out.failed,
    });
  }
  return items;
}
