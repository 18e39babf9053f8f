/**
 * NewAge Desktop for SillyTavern: connects this SillyTavern to a NewAge Desktop relay as an
 * extension client (clientType "SillyTavern"), takes requests from the relay's clients, writes
 * each into the open chat as the user, lets the current character answer and streams the tokens
 * back. The logic lives in src/ (tested with Node's test runner); this file is the SillyTavern glue.
 */
import { Manager } from './lib/socket.io.esm.min.js';
import { STATUS, clientIdProblem, serverUrlProblem } from './src/connection.js';
import { answerFunctionCall, readOnlyFunctions } from './src/functions.js';
import { REASONS, requestText, runGeneration } from './src/generation.js';
import { newId } from './src/ids.js';
import { RequestQueue } from './src/queue.js';
import { RecentRequests } from './src/recent.js';
import { RelayClient } from './src/relay_client.js';
import { SETTINGS_KEY, effectiveSettings, mergeDefaults } from './src/settings.js';
import { pickLanguage, translator } from './src/strings.js';

const BASE = new URL('.', import.meta.url);
/** While the user typed within this time, requests wait (their own message comes first). */
const TYPING_GRACE_MS = 3_000;
const LOG_PREFIX = '[NewAge Desktop]';

const context = () => globalThis.SillyTavern.getContext();
const log = (message) => console.log(LOG_PREFIX, message);

/** SillyTavern's main module, for what getContext() lacks (1.12: sendMessageAsUser). */
let script = {};
let lastTypingAt = 0;
/** Set while the page unloads (see init). */
let closing = false;
let fileDefaults = {};
let version = '';
const recent = new RecentRequests(5);

const t = translator(pickLanguage(context().getCurrentLocale?.() ?? localStorage.getItem('language') ?? navigator.language));

function stored() {
    const all = context().extensionSettings;
    all[SETTINGS_KEY] = mergeDefaults(all[SETTINGS_KEY]);
    return all[SETTINGS_KEY];
}

function settings() {
    return effectiveSettings(stored(), fileDefaults, window.location);
}

async function saveNow() {
    // The key must survive a reload right after pairing: save at once where SillyTavern lets us.
    if (typeof script.saveSettings === 'function') await script.saveSettings();
    else context().saveSettingsDebounced();
}

function sillyTavernGenerating() {
    if (typeof script.isGenerating === 'function' && script.isGenerating()) return true;
    if (script.is_send_press === true) return true;
    const stop = document.getElementById('mes_stop');
    return Boolean(stop && getComputedStyle(stop).display !== 'none');
}

const isBusy = () => sillyTavernGenerating() || Date.now() - lastTypingAt < TYPING_GRACE_MS;

/** The part of SillyTavern a generation needs (see src/generation.js). */
const sillyTavern = {
    on: (event, fn) => context().eventSource.on(event, fn),
    off: (event, fn) => context().eventSource.removeListener(event, fn),
    get eventTypes() {
        const ctx = context();
        return ctx.eventTypes ?? ctx.event_types;
    },
    chatOpen: () => {
        const ctx = context();
        return Boolean(ctx.groupId) || (ctx.characterId !== undefined && ctx.characterId !== null && ctx.characterId !== '');
    },
    sendUserMessage: (text) => (context().sendMessageAsUser ?? script.sendMessageAsUser)(text),
    generate: (type) => context().generate(type),
    stop: () => context().stopGeneration(),
    // One task later: an unload that stopped the generation has run all its handlers by then.
    settle: () => new Promise((resolve) => setTimeout(resolve, 0)),
    closing: () => closing,
    lastMessage: () => {
        const chat = context().chat ?? [];
        const last = chat[chat.length - 1];
        return last ? { isUser: Boolean(last.is_user), text: String(last.mes ?? '') } : null;
    },
};

const client = new RelayClient({
    Manager,
    log,
    onStatus: () => renderStatus(),
    onKey: (key) => {
        stored().key = key;
        saveNow().catch((error) => log(`could not save settings: ${error}`));
    },
    onRequest: (payload) => {
        const requestId = typeof payload?.requestId === 'string' ? payload.requestId : '';
        if (!requestId) return log('a request without requestId was ignored');
        const text = payload?.requestType === 'regenerateMessage' ? '↻' : requestText(payload);
        recent.update(requestId, 'waiting', { text });
        queue.add({ requestId, payload });
    },
    onCancel: (payload) => {
        const requestId = payload?.requestId;
        if (queue.cancel(requestId) === 'running') queue.running?.stop?.();
    },
    onFunctionCall: (payload, ack) => {
        answerFunctionCall(payload, functions).then(ack, (error) => log(`function call failed: ${error}`));
    },
});

const queue = new RequestQueue({
    isBusy,
    run: (job) => runGeneration(job, sillyTavern, (event, payload) => client.emitLlm(event, payload), newId),
    onChange: (job, state, detail) => {
        recent.update(job.requestId, state, { detail: detail ?? '' });
        renderRecent();
    },
});

const functions = readOnlyFunctions({
    character: () => {
        const ctx = context();
        if (ctx.groupId) {
            const group = (ctx.groups ?? []).find((g) => g.id === ctx.groupId);
            return { name: String(group?.name ?? ''), group: true };
        }
        const character = (ctx.characters ?? [])[ctx.characterId];
        return character ? { name: String(character.name), avatar: String(character.avatar ?? '') } : null;
    },
    characters: () => context().characters ?? [],
    chat: () => context().chat ?? [],
    status: () => ({ busy: isBusy(), queued: queue.size, connected: client.connected, extensionVersion: version }),
});

function connect() {
    const current = settings();
    client.configure({
        serverUrl: current.serverUrl,
        clientId: current.clientId,
        key: current.key,
        takeRequests: current.takeRequests,
        desc: `SillyTavern at ${window.location.host}`,
    });
    client.start();
}

// ---- the settings panel -------------------------------------------------------------------

const $id = (id) => document.getElementById(id);

function renderStatus() {
    const dot = $id('newage_status_dot');
    const text = $id('newage_status_text');
    if (!dot || !text) return;
    const state = client.state;
    dot.dataset.state = state;
    const key = state === STATUS.PAIRING && client.previousReason ? 'state.pairingAfter' : `state.${state}`;
    text.textContent = t(key, { detail: state === STATUS.PAIRING ? client.previousReason : client.detail });
}

function renderRecent() {
    const list = $id('newage_recent');
    if (!list) return;
    list.replaceChildren();
    if (recent.entries.length === 0) {
        const empty = document.createElement('li');
        empty.textContent = t('noRequests');
        list.append(empty);
        return;
    }
    for (const entry of recent.entries) {
        const item = document.createElement('li');
        item.dataset.state = entry.state;
        item.dataset.requestId = entry.requestId;
        const state = document.createElement('span');
        state.className = 'newage-request-state';
        state.textContent = t(`request.${entry.state}`);
        const body = document.createElement('span');
        body.className = 'newage-request-text';
        body.textContent = entry.detail ? `${entry.text} — ${entry.detail}` : entry.text;
        body.title = `${entry.requestId}\n${new Date(entry.at).toLocaleTimeString()}`;
        item.append(state, body);
        list.append(item);
    }
}

function showProblem(key) {
    const box = $id('newage_settings_problem');
    if (box) box.textContent = key ? t(key) : '';
}

async function mountPanel() {
    const html = await (await fetch(new URL('settings.html', BASE))).text();
    const column = $id('extensions_settings2') ?? $id('extensions_settings');
    column.insertAdjacentHTML('beforeend', html);
    for (const element of document.querySelectorAll('#newage_desktop_settings [data-newage-text]')) {
        element.textContent = t(element.dataset.newageText);
    }
    const current = settings();
    $id('newage_server_url').value = current.serverUrl;
    $id('newage_client_id').value = current.clientId;
    $id('newage_take_requests').checked = current.takeRequests;

    $id('newage_server_url').addEventListener('change', (event) => {
        const value = event.target.value.trim();
        const problem = serverUrlProblem(value);
        showProblem(problem);
        if (problem) return;
        stored().serverUrl = value;
        context().saveSettingsDebounced();
        connect();
    });
    $id('newage_client_id').addEventListener('change', (event) => {
        const value = event.target.value.trim();
        const problem = clientIdProblem(value);
        showProblem(problem);
        if (problem) return;
        if (value === settings().clientId) return;
        stored().clientId = value;
        stored().key = null; // a key belongs to one clientId
        saveNow();
        connect();
    });
    $id('newage_take_requests').addEventListener('change', (event) => {
        const on = Boolean(event.target.checked);
        stored().takeRequests = on;
        context().saveSettingsDebounced();
        if (!on) queue.clear(t('request.dropped'));
        client.setTakeRequests(on);
        renderStatus();
    });
    $id('newage_pair_again').addEventListener('click', () => client.pairAgain());
    $id('newage_reconnect').addEventListener('click', () => connect());
    $id('newage_use_key').addEventListener('click', () => {
        const input = $id('newage_key');
        const key = input.value.trim();
        if (key.length !== 36) return showProblem('keyInvalid');
        showProblem(null);
        input.value = '';
        client.useKey(key);
    });
    renderStatus();
    renderRecent();
}

async function loadJson(name) {
    try {
        const response = await fetch(new URL(name, BASE), { cache: 'no-store' });
        return response.ok ? await response.json() : {};
    } catch {
        return {};
    }
}

async function init() {
    try {
        script = await import('/script.js');
    } catch (error) {
        log(`could not load /script.js: ${error}`);
    }
    [fileDefaults, { version = '' }] = await Promise.all([loadJson('defaults.json'), loadJson('manifest.json')]);
    document.getElementById('send_textarea')?.addEventListener('input', () => {
        lastTypingAt = Date.now();
    });
    await mountPanel();
    connect();
    // On a reload or a closed tab SillyTavern stops the stream (its own 'beforeunload' handler)
    // and finishes the reply short; the runner sees `closing` and sends nothing, and the sockets
    // close, so the relay fails the request (Extension disconnected.) instead of taking a
    // truncated answer as complete. If the page stays after all (a "leave the page?" prompt
    // answered no), connect again.
    window.addEventListener('beforeunload', () => {
        closing = true;
        client.stop();
        setTimeout(() => {
            closing = false;
            connect();
        }, 1_000);
    });
    // Expose the state for debugging and for the end-to-end tests (no key in it).
    globalThis.newAgeDesktop = {
        get status() {
            return { state: client.state, detail: client.detail, connected: client.connected, queued: queue.size };
        },
        recent,
        reasons: REASONS,
    };
}

init().catch((error) => console.error(LOG_PREFIX, error));
