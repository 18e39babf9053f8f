/**
 * The extension's settings: what the user set in SillyTavern (kept in extension_settings) wins
 * over the defaults file written by `newage-desktop sillytavern install`, which wins over the
 * built-in defaults.
 */
import { defaultClientId } from './connection.js';

export const SETTINGS_KEY = 'newage-desktop';
export const DEFAULT_SERVER_URL = 'http://127.0.0.1:4000';

export const DEFAULT_SETTINGS = Object.freeze({
    /** Set only when the user edits it (else the defaults file or the built-in value applies). */
    serverUrl: '',
    clientId: '',
    /** The key the relay gave at pairing (a secret: never logged, never shown again). */
    key: null,
    takeRequests: true,
});

/** Fill missing fields of the stored object in place (SillyTavern saves that object). */
export function mergeDefaults(stored) {
    const target = stored && typeof stored === 'object' ? stored : {};
    for (const [name, value] of Object.entries(DEFAULT_SETTINGS)) {
        if (!(name in target)) target[name] = value;
    }
    return target;
}

/**
 * The values in effect.
 * @param {any} stored extension_settings[SETTINGS_KEY]
 * @param {any} fileDefaults the parsed defaults.json beside the extension ({} if none)
 * @param {{port?: string, protocol?: string}} location SillyTavern's own address
 */
export function effectiveSettings(stored, fileDefaults, location) {
    const pick = (name) => {
        const own = stored?.[name];
        if (typeof own === 'string' && own.trim() !== '') return own.trim();
        const file = fileDefaults?.[name];
        if (typeof file === 'string' && file.trim() !== '') return file.trim();
        return '';
    };
    return {
        serverUrl: pick('serverUrl') || DEFAULT_SERVER_URL,
        clientId: pick('clientId') || defaultClientId(location),
        key: typeof stored?.key === 'string' && stored.key ? stored.key : null,
        takeRequests: stored?.takeRequests !== false,
    };
}
