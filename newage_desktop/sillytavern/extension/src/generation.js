/**
 * One relay request turned into one SillyTavern generation and one output on the wire.
 * SillyTavern is reached through a small adapter (see index.js), so this runs under Node's
 * test runner with a fake SillyTavern.
 */
import { TextDelta } from './delta.js';
import { LLM_EVENTS, OutputStream, nonStreamMessage } from './framing.js';

export const REASONS = Object.freeze({
    cancelled: 'Request cancelled.',
    stopped: 'Generation stopped in SillyTavern.',
    noChat: 'No chat is open in SillyTavern.',
    noReply: 'SillyTavern produced no reply.',
    pageClosed: 'The SillyTavern page was closed or reloaded.',
    emptyMessage: 'The request has no text.',
});

/**
 * @typedef {object} SillyTavernAdapter
 * @property {(event: string, fn: (...args: any[]) => void) => void} on
 * @property {(event: string, fn: (...args: any[]) => void) => void} off
 * @property {{GENERATION_STARTED: string, GENERATION_STOPPED: string, STREAM_TOKEN_RECEIVED: string}} eventTypes
 * @property {() => boolean} chatOpen
 * @property {(text: string) => Promise<unknown>} sendUserMessage
 * @property {(type: string) => Promise<unknown>} generate
 * @property {() => unknown} stop
 * @property {() => {isUser: boolean, text: string} | null} lastMessage
 * @property {() => Promise<void>} [settle] wait until SillyTavern's handlers of the current event ran
 * @property {() => boolean} [closing] true while the page unloads
 */

/** The text of a request the relay forwarded (flat form, PROTOCOL.md §7.4). */
export function requestText(payload) {
    if (typeof payload?.message === 'string') return payload.message;
    if (typeof payload?.data === 'string') return payload.data;
    return '';
}

/** 'regenerateMessage' regenerates; everything else (think and direct requests too) is new text. */
export function requestKind(payload) {
    return payload?.requestType === 'regenerateMessage' ? 'regenerate' : 'newMessage';
}

/** A readable reason from whatever SillyTavern threw. */
export function failureReason(error) {
    if (typeof error === 'string' && error) return error;
    const message = error?.message ?? error?.error?.message;
    return typeof message === 'string' && message ? message : 'Generation failed in SillyTavern.';
}

/**
 * Run one job to its end and send its output.
 * @param {{requestId: string, payload: any, cancelled?: boolean}} job
 * @param {SillyTavernAdapter} st
 * @param {(event: string, payload: object) => void} emit
 * @param {() => string} newId
 * @returns {Promise<{state: string, detail?: string}>}
 */
export async function runGeneration(job, st, emit, newId) {
    const stream = new OutputStream({ emit, requestId: job.requestId, outputId: newId(), streamId: newId() });
    const fail = (reason, state = 'failed') => {
        stream.fail(reason);
        return { state, detail: reason };
    };
    if (!st.chatOpen()) return fail(REASONS.noChat);
    const kind = requestKind(job.payload);
    const text = requestText(job.payload);
    if (kind === 'newMessage' && text.trim() === '') return fail(REASONS.emptyMessage);

    const delta = new TextDelta();
    let generating = false;
    let stopped = false;
    const types = st.eventTypes;
    const onStarted = (_type, _options, dryRun) => {
        if (!dryRun) generating = true;
    };
    const onToken = (fullText) => {
        if (!generating || job.cancelled) return;
        const piece = delta.next(fullText);
        if (piece) stream.push(piece);
    };
    const onStopped = () => {
        if (generating) stopped = true;
    };
    st.on(types.GENERATION_STARTED, onStarted);
    st.on(types.STREAM_TOKEN_RECEIVED, onToken);
    st.on(types.GENERATION_STOPPED, onStopped);
    job.stop = () => st.stop();
    try {
        if (kind === 'newMessage') {
            await st.sendUserMessage(text);
            if (job.cancelled) return fail(REASONS.cancelled, 'cancelled');
        }
        // 'regenerate' with the user's message last generates a reply without touching the
        // input box (no slash commands run, the user's draft stays); otherwise it replaces the
        // last reply.
        await st.generate('regenerate');
    } catch (error) {
        if (job.cancelled) return fail(REASONS.cancelled, 'cancelled');
        return fail(failureReason(error));
    } finally {
        st.off(types.GENERATION_STARTED, onStarted);
        st.off(types.STREAM_TOKEN_RECEIVED, onToken);
        st.off(types.GENERATION_STOPPED, onStopped);
        job.stop = undefined;
    }
    await st.settle?.();
    // The page is going away: SillyTavern cut the reply short. Send nothing; the relay fails
    // the request when the sockets close.
    if (st.closing?.()) return { state: 'dropped', detail: REASONS.pageClosed };
    if (job.cancelled) return fail(REASONS.cancelled, 'cancelled');
    if (stopped) return fail(REASONS.stopped);

    const last = st.lastMessage();
    const reply = last && !last.isUser ? last.text : '';
    if (stream.started) {
        // Anything the final message adds to what streamed (a last chunk the token event missed).
        const rest = reply.startsWith(delta.sent) ? reply.slice(delta.sent.length) : '';
        stream.finish(rest);
        return { state: 'done' };
    }
    if (reply === '') return fail(REASONS.noReply);
    emit(LLM_EVENTS.MESSAGE, nonStreamMessage({ requestId: job.requestId, outputId: stream.outputId, text: reply }));
    return { state: 'done' };
}
