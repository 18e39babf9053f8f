// The web monitor page (PROTOCOL.md §10): connect with a clientId and key (or pair with
// 'getKey'), pick a room, send prompts to an extension and watch the answers stream in.

import { MSG_TYPE, NAMESPACES } from '/lib/constants.js';
import { uuidv4 } from '/lib/uuid/uuid.js';
import { DURATIONS, renderAdminControls, renderMembers } from './admin.js';
import { PAGE_NAMESPACES, call, handshake, onAnswerStreams, openSockets } from './connection.js';
import { ContextAssembler } from './context.js';
import { fillSelect } from './dom.js';
import { LiveOutputs, MessageList, chatView } from './history.js';
import { pickLanguage, translator } from './i18n.js';
import en from './i18n/en.js';
import zhCN from './i18n/zh-CN.js';
import { RequestTracker } from './requests.js';
import { renderChat, renderExtensions, renderRequests, renderRooms } from './view.js';

const TABLES = { en, 'zh-CN': zhCN };
const STORE = { clientId: 'newage.monitor.clientId', key: 'newage.monitor.key', admin: 'newage.monitor.admin', lang: 'newage.monitor.lang' };
const $ = (id) => document.getElementById(id);
const stored = (name) => localStorage.getItem(STORE[name]);

const state = {
  lang: pickLanguage(stored('lang'), navigator.languages ?? [navigator.language], Object.keys(TABLES)),
  status: ['status.disconnected'],
  notice: null,
  banner: null,
  conn: null,
  pairing: null,
  identity: null,
  isAdmin: false,
  rooms: [],
  room: null,
  watched: null,
  mode: null,
  extensions: [],
  members: [],
  memberStatus: new Map(), // room \0 identity → status
  mutedUntil: new Map(), // identity → ms (Infinity = permanent)
  histories: new Map(), // room → MessageList
  loading: new Set(),
  live: new LiveOutputs(),
  context: new ContextAssembler(),
  requests: new RequestTracker(),
};
let t = translator(TABLES, state.lang);

// ----- rendering ---------------------------------------------------------------------------------
let frame = null;
function render() {
  if (frame === null) frame = requestAnimationFrame(renderNow);
}

function renderNow() {
  frame = null;
  const connected = !!state.conn && !!state.identity;
  document.documentElement.lang = state.lang;
  document.title = t('app.title');
  for (const node of document.querySelectorAll('[data-i18n]')) node.textContent = t(node.dataset.i18n);
  for (const node of document.querySelectorAll('[data-i18n-placeholder]')) node.placeholder = t(node.dataset.i18nPlaceholder);
  const [key, params] = state.status;
  $('status').dataset.state = key.split('.')[1];
  $('status-text').textContent = t(key, params);
  showText($('conn-notice'), state.notice);
  showText($('banner'), state.banner);
  $('connect').hidden = !!state.conn;
  $('disconnect').hidden = !state.conn;
  $('request-key').disabled = !!state.conn || !!state.pairing;
  for (const id of ['url', 'client-id', 'key', 'admin']) $(id).disabled = !!state.conn || !!state.pairing;

  const view = { ...state, connected };
  renderRooms($('rooms'), view, t, selectRoom);
  renderExtensions($('extensions'), view, t);
  fillSelect($('target'), [['', t('compose.defaultTarget')], ...state.extensions.map((x) => [x, x])]);
  $('room-name').textContent = connected ? state.room ?? '' : t('app.title');
  $('room-mode-badge').hidden = !connected || !state.mode;
  $('room-mode-badge').textContent = state.mode ? t(`mode.${state.mode}`) : '';
  $('send').disabled = !connected || !state.room;
  $('prompt').disabled = !connected || !state.room;

  const list = state.histories.get(state.room) ?? new MessageList();
  renderChat($('messages'), chatView(list, state.live, state.room), { identity: state.identity, connected, loading: state.loading.has(state.room) }, t);
  const requests = state.requests.list().filter((r) => r.roomName === state.room);
  $('requests-section').hidden = !connected || requests.length === 0;
  renderRequests($('requests'), requests, t, cancel, (id) => state.requests.isOpen(id));

  $('admin-panel').hidden = !connected || !state.isAdmin || !state.room;
  if (state.isAdmin) {
    renderAdminControls($('room-mode'), $('mute-duration'), state.mode, t);
    renderMembers(
      $('members'),
      state.members,
      {
        self: state.identity,
        isMuted: (identity) => (state.mutedUntil.get(identity) ?? 0) > Date.now(),
        statusOf: (identity) => state.memberStatus.get(`${state.room}\u0000${identity}`),
      },
      t,
      { mute, unmute },
    );
  }
}

function showText(node, text) {
  node.hidden = !text;
  node.textContent = text ?? '';
}

function setLanguage(lang) {
  state.lang = lang;
  localStorage.setItem(STORE.lang, lang);
  t = translator(TABLES, lang);
  render();
}

// ----- connecting --------------------------------------------------------------------------------
function form() {
  return { url: $('url').value.trim(), clientId: $('client-id').value, key: $('key').value, admin: $('admin').checked };
}

function connect() {
  const creds = form();
  if (!creds.clientId) return note(t('conn.needClientId'));
  if (!creds.key) return note(t('conn.needKey'));
  localStorage.setItem(STORE.clientId, creds.clientId);
  localStorage.setItem(STORE.key, creds.key);
  localStorage.setItem(STORE.admin, creds.admin ? '1' : '');
  state.notice = null;
  state.status = ['status.connecting'];
  const conn = openSockets(creds.url, handshake(creds), PAGE_NAMESPACES, {
    connect: () => connected(conn, creds),
    refused: (reason) => dropped(conn, ['status.refused', { reason }]),
    lost: (reason) => dropped(conn, ['status.lost', { reason }]),
  });
  state.conn = conn;
  listen(conn.sockets);
  render();
}

function dropped(conn, status) {
  if (state.conn !== conn) return;
  conn.close();
  state.conn = null;
  state.identity = null;
  state.isAdmin = false;
  state.watched = null;
  state.status = status;
  render();
}

function disconnect() {
  state.conn?.close();
  state.conn = null;
  state.identity = null;
  state.isAdmin = false;
  state.watched = null;
  state.status = ['status.disconnected'];
  render();
}

async function connected(conn, creds) {
  const s = conn.sockets;
  state.identity = creds.clientId; // the page sends no identity: it is the clientId (§4.1)
  state.isAdmin = false;
  if (creds.admin) {
    // Only an admin may list key requests: the answer says whether this socket is one (§4.8).
    const ack = await call(s[NAMESPACES.CLIENTS], MSG_TYPE.GET_KEY_REQUESTS).catch(() => null);
    state.isAdmin = ack?.status === 'ok';
  }
  state.status = [state.isAdmin ? 'status.connectedAdmin' : 'status.connected', { identity: state.identity }];
  await Promise.all([refreshExtensions(), refreshRooms()]);
  await selectRoom(state.rooms.includes(state.room) ? state.room : state.identity);
}

function note(text) {
  state.notice = text;
  render();
}

function requestKey() {
  const creds = form();
  if (!creds.clientId) return note(t('conn.needClientId'));
  localStorage.setItem(STORE.clientId, creds.clientId);
  localStorage.setItem(STORE.admin, creds.admin ? '1' : '');
  state.status = ['status.connecting'];
  state.notice = null;
  const auth = { ...handshake({ ...creds, key: 'getKey' }) };
  const pairing = openSockets(creds.url, auth, [NAMESPACES.AUTH], {
    refused: (reason) => endPairing(pairing, ['status.refused', { reason }]),
    lost: (reason) => endPairing(pairing, ['status.lost', { reason }]),
  });
  state.pairing = pairing;
  const socket = pairing.sockets[NAMESPACES.AUTH];
  socket.on(MSG_TYPE.TEMP_ROOM_ASSIGNED, ({ roomId } = {}) => {
    state.status = ['status.pairing'];
    note(t('pair.waiting', { roomId: roomId ?? '' }));
  });
  // Approval (or an immediate issue) pushes the plaintext key once (§4.7): keep it, reconnect.
  socket.on(MSG_TYPE.GET_CLIENT_KEY, ({ key } = {}) => {
    if (typeof key !== 'string' || !key) return;
    localStorage.setItem(STORE.key, key);
    $('key').value = key;
    endPairing(pairing, ['status.connecting'], t('pair.received'));
    connect();
    state.notice = t('pair.received');
  });
  socket.on(MSG_TYPE.ERROR, ({ message } = {}) => {
    if (message) state.notice = t('pair.ended', { reason: message });
    render();
  });
  render();
}

function endPairing(pairing, status, notice = state.notice) {
  if (state.pairing !== pairing) return;
  pairing.close();
  state.pairing = null;
  state.status = status;
  state.notice = notice;
  render();
}

// ----- server events -----------------------------------------------------------------------------
function listen(s) {
  const llm = s[NAMESPACES.LLM];
  const rooms = s[NAMESPACES.ROOMS];
  for (const event of [MSG_TYPE.NEW_MESSAGE, MSG_TYPE.MESSAGE_UPDATED, MSG_TYPE.MESSAGES_DELETED, MSG_TYPE.MESSAGES_CLEARED]) {
    llm.on(event, (payload = {}) => {
      state.histories.get(payload.roomName)?.apply(event, payload);
      render();
    });
  }
  llm.on(MSG_TYPE.UPDATE_CONTEXT_PAGE, (payload) => {
    const done = state.context.page(payload);
    const list = done && state.histories.get(done.roomName);
    if (!list) return;
    if (done.partial) list.mergeNewest(done.messages);
    else list.replaceAll(done.messages);
    state.loading.delete(done.roomName);
    render();
  });
  llm.on(MSG_TYPE.REQUEST_STATUS_UPDATE, (payload) => {
    state.requests.statusUpdate(payload);
    render();
  });
  llm.on(MSG_TYPE.MESSAGE, (payload = {}) => {
    if (payload.type !== MSG_TYPE.NON_STREAM || typeof payload.data !== 'string') return;
    state.live.setText(payload, payload.data);
    render();
  });
  onAnswerStreams(llm, (stream, meta = {}) => {
    state.live.streamStarted(meta);
    stream.on('data', (chunk) => {
      state.live.append(meta, chunk.toString());
      render();
    });
    stream.on('end', () => {
      state.live.streamClosed(meta);
      render();
    });
    stream.on('error', (err) => {
      state.live.streamClosed(meta, err?.message ?? String(err));
      render();
    });
  });
  llm.on(MSG_TYPE.MEMBER_STATUS_UPDATE, ({ identity, roomName, status } = {}) => {
    state.memberStatus.set(`${roomName}\u0000${identity}`, status);
    if (status === 'muted' && !state.mutedUntil.has(identity)) state.mutedUntil.set(identity, Infinity);
    render();
  });
  llm.on(MSG_TYPE.MEMBER_MUTED, ({ identity, mutedBy, mutedUntil, duration } = {}) => {
    state.mutedUntil.set(identity, duration === 'permanent' ? Infinity : Date.parse(mutedUntil) || Infinity);
    if (identity === state.identity) {
      state.banner = duration === 'permanent'
        ? t('notice.mutedPermanent', { by: mutedBy })
        : t('notice.muted', { by: mutedBy, until: new Date(mutedUntil).toLocaleTimeString(state.lang) });
    }
    render();
  });
  llm.on(MSG_TYPE.MEMBER_UNMUTED, ({ identity, unmutedBy } = {}) => {
    state.mutedUntil.delete(identity);
    if (identity === state.identity) state.banner = t('notice.unmuted', { by: unmutedBy });
    render();
  });
  rooms.on(MSG_TYPE.ROOM_MODE_CHANGED, ({ roomName, mode } = {}) => {
    if (roomName === state.room) state.mode = mode;
    render();
  });
  for (const event of [MSG_TYPE.MEMBER_JOINED, MSG_TYPE.MEMBER_LEFT, MSG_TYPE.MEMBER_ROLE_CHANGED]) {
    rooms.on(event, ({ roomName } = {}) => roomName === state.room && refreshMembers());
  }
  rooms.on(MSG_TYPE.DELETE_ROOM, () => refreshRooms());
  s[NAMESPACES.CLIENTS].on(MSG_TYPE.CONNECTED_CLIENTS_UPDATE, () => {
    refreshExtensions();
    if (state.isAdmin) refreshMembers();
  });
  for (const socket of Object.values(s)) {
    socket.on(MSG_TYPE.ERROR, (payload = {}) => {
      if (payload.requestId && state.requests.error(payload)) return render();
      state.banner = t('notice.error', { message: payload.message ?? '' });
      render();
    });
    socket.on(MSG_TYPE.WARNING, ({ message } = {}) => {
      state.banner = message ?? null;
      render();
    });
  }
}

// ----- reads -------------------------------------------------------------------------------------
const sockets = () => state.conn?.sockets ?? null;

async function refreshExtensions() {
  const s = sockets();
  if (!s) return;
  const ack = await call(s[NAMESPACES.AUTH], MSG_TYPE.GET_SILLYTAVERN_EXTENSION).catch(() => null);
  if (ack?.status === 'ok') state.extensions = ack.extensions ?? ack.allTheSTSocket ?? [];
  render();
}

async function refreshRooms() {
  const s = sockets();
  if (!s) return;
  const ack = await call(s[NAMESPACES.ROOMS], MSG_TYPE.GET_ROOMS).catch(() => null);
  if (ack?.status === 'ok') state.rooms = ack.rooms ?? [];
  render();
}

async function refreshMembers() {
  const s = sockets();
  if (!s || !state.room) return;
  const ack = await call(s[NAMESPACES.ROOMS], MSG_TYPE.GET_CLIENTS_IN_ROOM, { roomName: state.room }).catch(() => null);
  state.members = ack?.status === 'ok' ? ack.clients ?? [] : [];
  render();
}

async function selectRoom(roomName) {
  const s = sockets();
  if (!s || !roomName) return;
  state.room = roomName;
  state.banner = null;
  state.mode = null;
  state.members = [];
  state.loading.add(roomName);
  if (!state.histories.has(roomName)) state.histories.set(roomName, new MessageList());
  render();
  const llm = s[NAMESPACES.LLM];
  if (state.isAdmin && state.watched !== roomName) {
    // An admin reads any room; watching it brings its live events too (§6.6).
    if (state.watched) await call(llm, MSG_TYPE.UNWATCH_ROOM, { roomName: state.watched }).catch(() => null);
    const ack = await call(llm, MSG_TYPE.WATCH_ROOM, { roomName }).catch(() => null);
    state.watched = ack?.status === 'ok' ? roomName : null;
  }
  const [context, info] = await Promise.all([
    call(llm, MSG_TYPE.GET_FULL_CONTEXT, { roomName }).catch((err) => ({ status: 'error', message: String(err) })),
    call(s[NAMESPACES.ROOMS], MSG_TYPE.GET_ROOM_INFO, { roomName }).catch(() => null),
  ]);
  if (context?.status !== 'ok') {
    state.loading.delete(roomName);
    state.banner = t('notice.error', { message: context?.message ?? '' });
  }
  if (info?.status === 'ok' && roomName === state.room) state.mode = info.room?.mode ?? null;
  if (state.isAdmin) await refreshMembers();
  render();
}

// ----- actions -----------------------------------------------------------------------------------
async function send() {
  const s = sockets();
  const message = $('prompt').value;
  if (!s || !state.room || !message.trim()) return;
  const requestId = uuidv4();
  const target = $('target').value || undefined;
  const payload = { requestId, message, targetRoom: state.room, requestType: 'newMessage' };
  if (target) payload.target = target;
  state.requests.sent(requestId, { message, roomName: state.room, target });
  $('prompt').value = '';
  render();
  const ack = await call(s[NAMESPACES.LLM], MSG_TYPE.LLM_REQUEST, payload).catch((err) => ({ status: 'error', message: String(err) }));
  state.requests.acked(requestId, ack);
  render();
}

async function cancel(requestId) {
  const s = sockets();
  if (!s) return;
  const ack = await call(s[NAMESPACES.LLM], MSG_TYPE.CANCEL_REQUEST, { requestId }).catch((err) => ({ status: 'error', message: String(err) }));
  state.requests.cancelled(requestId, ack);
  render();
}

async function roomCall(event, payload) {
  const s = sockets();
  if (!s) return null;
  const ack = await call(s[NAMESPACES.ROOMS], event, payload).catch((err) => ({ status: 'error', message: String(err) }));
  if (ack?.status !== 'ok') state.banner = t('notice.error', { message: ack?.message ?? '' });
  return ack?.status === 'ok' ? ack : null;
}

async function setMode(mode) {
  const roomName = state.room;
  if (await roomCall(MSG_TYPE.SET_ROOM_MESSAGE_REQUEST_MODE, { roomName, mode })) {
    if (roomName === state.room) state.mode = mode;
  }
  render();
}

async function mute(identity) {
  const choice = $('mute-duration').value;
  const payload = { targetIdentity: identity, roomName: state.room };
  if (choice !== 'permanent' && DURATIONS.includes(choice)) payload.duration = Number(choice);
  if (await roomCall(MSG_TYPE.MUTE_MEMBER, payload)) {
    state.mutedUntil.set(identity, payload.duration ? Date.now() + payload.duration * 1000 : Infinity);
  }
  render();
}

async function unmute(identity) {
  if (await roomCall(MSG_TYPE.UNMUTE_MEMBER, { targetIdentity: identity, roomName: state.room })) {
    state.mutedUntil.delete(identity);
  }
  render();
}

// ----- start -------------------------------------------------------------------------------------
function start() {
  fillSelect($('lang'), Object.entries(TABLES).map(([lang, table]) => [lang, table['lang.name']]), state.lang);
  $('lang').addEventListener('change', (e) => setLanguage(e.target.value));
  $('url').value = location.origin;
  $('client-id').value = stored('clientId') ?? '';
  $('key').value = stored('key') ?? '';
  $('admin').checked = stored('admin') === '1';
  $('connect-form').addEventListener('submit', (e) => {
    e.preventDefault();
    connect();
  });
  $('disconnect').addEventListener('click', disconnect);
  $('request-key').addEventListener('click', requestKey);
  $('compose').addEventListener('submit', (e) => {
    e.preventDefault();
    send();
  });
  $('prompt').addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) send();
  });
  $('room-mode').addEventListener('change', (e) => setMode(e.target.value));
  render();
  // Remembered credentials: pick up where the last visit left off.
  if ($('client-id').value && $('key').value) connect();
}

start();
