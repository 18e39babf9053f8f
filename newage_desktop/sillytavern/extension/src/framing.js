/**
 * Message framing: the payloads an extension sends on /llm (PROTOCOL.md §7.5). One output is
 * one stream: CLIENT_STREAM_START, CLIENT_STREAM_DATA_FIRST then _MIDDLE pieces with increasing
 * chunkIndex (only the new text each time), the last leftover as _LAST, and CLIENT_STREAM_END
 * with final: true. A failure ends the stream with CLIENT_STREAM_DATA_FAILED and the reason.
 */

export const LLM_EVENTS = Object.freeze({
    START: 'CLIENT_STREAM_START',
    FIRST: 'CLIENT_STREAM_DATA_FIRST',
    MIDDLE: 'CLIENT_STREAM_DATA_MIDDLE',
    LAST: 'CLIENT_STREAM_DATA_LAST',
    FAILED: 'CLIENT_STREAM_DATA_FAILED',
    END: 'CLIENT_STREAM_END',
    MESSAGE: 'message',
});

const TYPE = Object.freeze({ message: 0, start: 1, end: 3, first: 4, middle: 5, last: 6, failed: 8 });

/**
 * @callback Emit
 * @param {string} event
 * @param {object} payload
 * @returns {void}
 */

export class OutputStream {
    /**
     * @param {{emit: Emit, requestId: string, outputId: string, streamId: string}} options
     */
    constructor({ emit, requestId, outputId, streamId }) {
        this.emit = emit;
        this.requestId = requestId;
        this.outputId = outputId;
        this.streamId = streamId;
        this.nextIndex = 0;
        this.started = false;
        this.closed = false;
        this.text = '';
    }

    #start() {
        if (this.started) return;
        this.started = true;
        this.emit(LLM_EVENTS.START, {
            type: TYPE.start,
            streamId: this.streamId,
            outputId: this.outputId,
            requestId: this.requestId,
            numStreams: 1,
        });
    }

    #data(event, type, piece) {
        this.emit(event, { type, streamId: this.streamId, chunkIndex: this.nextIndex, data: piece });
        this.nextIndex += 1;
        this.text += piece;
    }

    /** Send one new piece of text; empty pieces are skipped. */
    push(piece) {
        if (this.closed || typeof piece !== 'string' || piece === '') return;
        this.#start();
        if (this.nextIndex === 0) this.#data(LLM_EVENTS.FIRST, TYPE.first, piece);
        else this.#data(LLM_EVENTS.MIDDLE, TYPE.middle, piece);
    }

    /** End the output: an optional last piece, then END with final: true. */
    finish(lastPiece = '') {
        if (this.closed) return;
        if (typeof lastPiece === 'string' && lastPiece !== '') {
            this.#start();
            const first = this.nextIndex === 0;
            this.#data(first ? LLM_EVENTS.FIRST : LLM_EVENTS.LAST, first ? TYPE.first : TYPE.last, lastPiece);
        }
        if (!this.started) return;
        this.closed = true;
        this.emit(LLM_EVENTS.END, { type: TYPE.end, streamId: this.streamId, final: true });
    }

    /** Fail the output with a reason (a stream is opened first so the requester sees it). */
    fail(reason) {
        if (this.closed) return;
        this.#start();
        this.closed = true;
        this.emit(LLM_EVENTS.FAILED, {
            type: TYPE.failed,
            streamId: this.streamId,
            data: typeof reason === 'string' && reason !== '' ? reason : 'Generation failed.',
        });
    }
}

/** The non-stream response of an output (streaming off in SillyTavern). */
export function nonStreamMessage({ requestId, outputId, text }) {
    return { type: TYPE.message, data: text, requestId, outputId };
}
