/**
 * Function calls the relay forwards to this extension (PROTOCOL.md §9.1, §9.2). Only read-only
 * functions are offered; each answers with the exact ack shape of §9.1.
 */

export const MAX_MESSAGES = 100;

/**
 * The functions, over a SillyTavern reader (see index.js). All are read-only.
 * @param {{character: () => any, characters: () => any[], chat: () => any[], status: () => object}} st
 */
export function readOnlyFunctions(st) {
    return {
        /** The open chat's character: `{name, avatar}` (a group: `{name, group:true}`), or null. */
        getCurrentCharacter: () => st.character(),
        /** Every character of this SillyTavern user: `[{name, avatar}]`. */
        listCharacters: () => st.characters().map((c) => ({ name: String(c?.name ?? ''), avatar: String(c?.avatar ?? '') })),
        /** The open chat's last `count` (default 10, at most 100) messages, oldest first. */
        getLastMessages: (count = 10) => {
            if (!Number.isInteger(count)) throw new Error('count must be an integer.');
            const n = Math.min(Math.max(count, 0), MAX_MESSAGES);
            const chat = st.chat();
            return (n === 0 ? [] : chat.slice(-n)).map((m) => ({
                name: String(m?.name ?? ''),
                isUser: Boolean(m?.is_user),
                isSystem: Boolean(m?.is_system),
                text: String(m?.mes ?? ''),
                sendDate: m?.send_date ?? null,
            }));
        },
        /** What this extension is doing: `{busy, queued, sillyTavernVersion, extensionVersion}`. */
        getStatus: () => st.status(),
    };
}

/**
 * Answer one FUNCTION_CALL.
 * @param {any} payload `{requestId, functionName, args}`
 * @param {Record<string, (...args: any[]) => any>} functions
 * @returns {Promise<object>} the ack
 */
export async function answerFunctionCall(payload, functions) {
    const requestId = payload && typeof payload === 'object' && 'requestId' in payload ? payload.requestId : null;
    if (!payload || typeof payload !== 'object' || typeof payload.functionName !== 'string') {
        return { requestId, success: false, error: { message: 'Invalid function call.' } };
    }
    const name = payload.functionName;
    const fn = Object.prototype.hasOwnProperty.call(functions, name) ? functions[name] : undefined;
    if (typeof fn !== 'function') {
        return { requestId, success: false, error: { message: `Function "${name}" not found.` } };
    }
    const args = payload.args === undefined ? [] : Array.isArray(payload.args) ? payload.args : [payload.args];
    try {
        const result = await fn(...args);
        return { requestId, success: true, result: result === undefined ? null : result };
    } catch (error) {
        const message = typeof error?.message === 'string' && error.message ? error.message : 'An unknown error occurred.';
        return { requestId, success: false, error: { message } };
    }
}
