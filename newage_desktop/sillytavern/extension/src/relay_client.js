/**
 * The extension's connection to the relay: one Socket.IO Manager (one Engine.IO connection,
 * reconnecting with back-off) carrying the /sillytavern, /llm and /function_call sockets of an
 * extension client (PROTOCOL.md §4, §6.6–6.8). The Manager class is injected, so Node's test
 * runner can drive this with the npm socket.io-client against a real relay.
 */
import { STATUS, backoff, classifyRefusal, isConnectionError, refusalReason } from './connection.js';

export const CLIENT_TYPE = 'SillyTavern';
const GET_KEY = 'getKey';

export class RelayClient {
    /**
     * @param {object} options
     * @param {new (url: string, opts: object) => any} options.Manager socket.io-client's Manager
     * @param {(state: string, detail: string) => void} [options.onStatus]
     * @param {(key: string | null) => void} [options.onKey] store (or forget) the key
     * @param {(payload: any) => void} [options.onRequest] an LLM_REQUEST from the relay
     * @param {(payload: any) => void} [options.onCancel] a CANCEL_REQUEST from the relay
     * @param {(payload: any, ack: (answer: any) => void) => void} [options.onFunctionCall]
     * @param {(message: string) => void} [options.log]
     */
    constructor({ Manager, onStatus = () => {}, onKey = () => {}, onRequest = () => {}, onCancel = () => {}, onFunctionCall = () => {}, log = () => {} }) {
        this.Manager = Manager;
        this.onStatus = onStatus;
        this.onKey = onKey;
        this.onRequest = onRequest;
        this.onCancel = onCancel;
        this.onFunctionCall = onFunctionCall;
        this.log = log;
        this.config = { serverUrl: '', clientId: '', desc: '', takeRequests: true };
        this.key = null;
        this.epoch = 0;
        this.manager = null;
        /** @type {Record<string, any>} */
        this.sockets = {};
        this.timers = new Set();
        this.retries = 0;
        this.state = STATUS.STOPPED;
        this.detail = '';
        this.previousReason = '';
    }

    /** @param {{serverUrl: string, clientId: string, desc?: string, takeRequests?: boolean, key?: string | null}} config */
    configure(config) {
        this.config = { ...this.config, ...config };
        if ('key' in config) this.key = config.key ?? null;
    }

    #status(state, detail = '') {
        this.state = state;
        this.detail = detail;
        this.onStatus(state, detail);
    }

    /** Connect from scratch: with the stored key, or by asking for one (pairing). */
    start() {
        this.stop();
        this.epoch += 1;
        this.manager = new this.Manager(this.config.serverUrl, {
            autoConnect: false,
            reconnection: true,
            reconnectionDelay: 1_000,
            reconnectionDelayMax: 30_000,
            timeout: 10_000,
        });
        this.#status(STATUS.CONNECTING, this.config.serverUrl);
        if (this.key) {
            this.#open('/sillytavern', this.key);
            this.#open('/function_call', this.key);
            if (this.config.takeRequests) this.#open('/llm', this.key);
        } else {
            this.#open('/sillytavern', GET_KEY);
        }
    }

    /** Close every socket and cancel scheduled retries. */
    stop() {
        this.epoch += 1;
        for (const timer of this.timers) clearTimeout(timer);
        this.timers.clear();
        for (const socket of Object.values(this.sockets)) {
            socket.removeAllListeners?.();
            socket.disconnect();
        }
        this.sockets = {};
        this.manager = null;
        this.#status(STATUS.STOPPED);
    }

    /** Forget the key and ask the relay for a new one. */
    pairAgain(reason = '') {
        this.previousReason = reason;
        this.key = null;
        this.onKey(null);
        this.start();
    }

    /** Use a key the user pasted (generated in NewAge Desktop or by `keys generate`). */
    useKey(key) {
        this.key = key;
        this.onKey(key);
        this.start();
    }

    /** Switch taking requests on or off: the /llm socket is what makes an extension available. */
    setTakeRequests(on) {
        this.config.takeRequests = on;
        if (!this.manager || !this.key) return;
        if (on && !this.sockets['/llm']) this.#open('/llm', this.key);
        if (!on && this.sockets['/llm']) {
            const socket = this.sockets['/llm'];
            delete this.sockets['/llm'];
            socket.removeAllListeners?.();
            socket.disconnect();
            this.#status(STATUS.PAUSED);
        }
    }

    /** Send an event on /llm (dropped with a log line while /llm is not connected). */
    emitLlm(event, payload) {
        const socket = this.sockets['/llm'];
        if (!socket?.connected) {
            this.log(`not connected: ${event} dropped`);
            return false;
        }
        socket.emit(event, payload);
        return true;
    }

    get connected() {
        return Boolean(this.sockets['/llm']?.connected);
    }

    #open(namespace, key) {
        const epoch = this.epoch;
        const auth = { clientType: CLIENT_TYPE, clientId: this.config.clientId, key, desc: this.config.desc };
        const socket = this.manager.socket(namespace, { auth });
        this.sockets[namespace] = socket;
        const live = () => epoch === this.epoch && this.sockets[namespace] === socket;

        socket.on('connect', () => {
            if (!live()) return;
            this.retries = 0;
            if (key === GET_KEY) return; // pending until TEMP_ROOM_ASSIGNED or GET_CLIENT_KEY
            this.#refreshConnected();
        });
        socket.on('connect_error', (err) => {
            if (!live()) return;
            const reason = refusalReason(err);
            if (reason === null) {
                this.#status(STATUS.UNREACHABLE, String(err?.message ?? err));
                return; // the Manager reconnects with back-off by itself
            }
            this.#refused(reason, socket);
        });
        socket.on('disconnect', (why) => {
            if (!live()) return;
            if (why === 'io client disconnect') return;
            if (why === 'io server disconnect') {
                // Not explained by an ERROR first (that path restarts or stops): try again.
                this.#later(() => live() && socket.connect(), backoff(this.retries++));
                return;
            }
            this.#status(STATUS.UNREACHABLE, why);
        });
        socket.on('ERROR', (payload) => {
            if (!live()) return;
            const message = typeof payload?.message === 'string' ? payload.message : '';
            if (isConnectionError(message)) this.#refused(message, socket);
            else this.log(`relay error: ${message}${payload?.requestId ? ` (${payload.requestId})` : ''}`);
        });
        socket.on('WARNING', (payload) => live() && this.log(`relay warning: ${payload?.message ?? ''}`));

        if (namespace === '/sillytavern') {
            socket.on('TEMP_ROOM_ASSIGNED', () => {
                if (!live()) return;
                this.#status(STATUS.PAIRING, this.previousReason);
            });
            socket.on('GET_CLIENT_KEY', (payload) => {
                if (!live() || typeof payload?.key !== 'string') return;
                this.key = payload.key;
                this.previousReason = '';
                this.onKey(payload.key);
                auth.key = payload.key; // later reconnections of this socket use the key
                this.#open('/function_call', payload.key);
                if (this.config.takeRequests) this.#open('/llm', payload.key);
                this.#refreshConnected();
            });
        }
        if (namespace === '/llm') {
            socket.on('LLM_REQUEST', (payload) => live() && this.onRequest(payload));
            socket.on('CANCEL_REQUEST', (payload) => live() && this.onCancel(payload));
        }
        if (namespace === '/function_call') {
            socket.on('FUNCTION_CALL', (payload, ack) => {
                if (!live()) return;
                this.onFunctionCall(payload, typeof ack === 'function' ? ack : () => {});
            });
        }
        socket.connect();
    }

    #refreshConnected() {
        if (this.config.takeRequests) {
            if (this.sockets['/llm']?.connected) this.#status(STATUS.CONNECTED);
            else this.#status(STATUS.CONNECTING, this.config.serverUrl);
        } else {
            this.#status(STATUS.PAUSED);
        }
    }

    #refused(reason, socket) {
        const { action, delayMs } = classifyRefusal(reason);
        if (action === 'repair') {
            this.log(`the relay refused the key: ${reason}; asking for a new one`);
            this.pairAgain(reason);
            return;
        }
        if (action === 'stop') {
            this.stop();
            this.#status(STATUS.REFUSED, reason);
            return;
        }
        this.#status(STATUS.REFUSED, reason);
        const epoch = this.epoch;
        this.#later(() => epoch === this.epoch && socket.connect(), delayMs);
    }

    #later(fn, ms) {
        const timer = setTimeout(() => {
            this.timers.delete(timer);
            fn();
        }, ms);
        this.timers.add(timer);
    }
}
