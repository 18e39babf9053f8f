/**
 * What the extension does with each refusal or error the relay can give it (PROTOCOL.md §4.3,
 * §4.7, §4.10). `repair`: the stored key is no good any more, forget it and ask for a new one;
 * `stop`: show the reason and wait for the user; `retry`: try again after `delayMs`.
 */

export const STATUS = Object.freeze({
    CONNECTING: 'connecting',
    PAIRING: 'pairing',
    CONNECTED: 'connected',
    PAUSED: 'paused',
    REFUSED: 'refused',
    UNREACHABLE: 'unreachable',
    STOPPED: 'stopped',
});

const RULES = new Map([
    ['Invalid key.', { action: 'repair' }],
    ['Client is not trusted.', { action: 'repair' }],
    ['Key revoked.', { action: 'repair' }],
    ['Key request denied.', { action: 'stop' }],
    ['Key request expired.', { action: 'stop' }],
    ['Key request superseded.', { action: 'stop' }],
    ['Key requests are not allowed.', { action: 'stop' }],
    ['Invalid auth data.', { action: 'stop' }],
    ['Missing clientId.', { action: 'stop' }],
    ['Invalid clientId.', { action: 'stop' }],
    ['Invalid identity.', { action: 'stop' }],
    ['Invalid namespace', { action: 'stop' }],
    ['Too many failed attempts. Try again later.', { action: 'retry', delayMs: 60_000 }],
    ['Too many pending key requests.', { action: 'retry', delayMs: 30_000 }],
    ['Identity already in use.', { action: 'retry', delayMs: 10_000 }],
    ['Server is shutting down.', { action: 'retry', delayMs: 2_000 }],
]);

/**
 * @param {string} reason the relay's refusal or ERROR message
 * @returns {{action: 'repair' | 'stop' | 'retry', delayMs: number}}
 */
export function classifyRefusal(reason) {
    const rule = RULES.get(reason) ?? { action: 'retry', delayMs: 5_000 };
    return { action: rule.action, delayMs: rule.delayMs ?? 0 };
}

/** Messages of ERROR events that end a pairing request or a key (the rest are per request). */
export function isConnectionError(message) {
    return RULES.has(message);
}

/** A refusal carries `data` (§4.3); a transport failure does not. */
export function refusalReason(err) {
    const data = err?.data;
    if (data && typeof data === 'object' && typeof data.message === 'string') return data.message;
    return null;
}

/** Exponential back-off with a cap, for retries the extension schedules itself. */
export function backoff(attempt, { baseMs = 1_000, maxMs = 30_000 } = {}) {
    return Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt));
}

/** The default clientId: derived from SillyTavern's own address, e.g. `SillyTavern-8000`. */
export function defaultClientId(location) {
    const port = location?.port || (location?.protocol === 'https:' ? '443' : '80');
    return `SillyTavern-${port}`;
}

/** Check a clientId as the relay will (PROTOCOL.md §4.1); returns an error key or null. */
export function clientIdProblem(clientId) {
    if (typeof clientId !== 'string' || clientId.length === 0) return 'clientIdEmpty';
    if (clientId.length > 128) return 'clientIdInvalid';
    // eslint-disable-next-line no-control-regex
    if (/[\u0000-\u001f\u007f/\\:*?"<>|]/.test(clientId)) return 'clientIdInvalid';
    if (clientId.startsWith('.') || clientId.endsWith('.') || clientId.endsWith(' ')) return 'clientIdInvalid';
    return null;
}

/** Check a server URL; returns an error key or null. */
export function serverUrlProblem(url) {
    try {
        const parsed = new URL(url);
        if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return 'serverUrlInvalid';
        return null;
    } catch {
        return 'serverUrlInvalid';
    }
}
