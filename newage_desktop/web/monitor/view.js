// Renderers of the page's lists: rooms, extensions, chat and requests.

import { el, replaceChildren } from './dom.js';

export function renderRooms(list, { rooms, room, identity, connected }, t, onPick) {
  if (!connected) return replaceChildren(list, []);
  if (rooms.length === 0) return replaceChildren(list, [el('li', { className: 'empty', text: t('rooms.none') })]);
  replaceChildren(
    list,
    rooms.map((name) =>
      el('li', {}, [
        el(
          'button',
          {
            type: 'button',
            className: name === room ? 'selected' : '',
            'aria-current': name === room ? 'true' : null,
            dataset: { room: name },
            onclick: () => onPick(name),
          },
          [el('span', { className: 'room-label', text: name }), name === identity ? el('span', { className: 'tag', text: t('rooms.personal') }) : null],
        ),
      ]),
    ),
  );
}

export function renderExtensions(list, { extensions, connected }, t) {
  if (!connected) return replaceChildren(list, []);
  if (extensions.length === 0) return replaceChildren(list, [el('li', { className: 'empty', text: t('ext.none') })]);
  replaceChildren(
    list,
    extensions.map((identity) => el('li', { dataset: { extension: identity } }, [el('span', { className: 'dot on' }), identity])),
  );
}

function timeOf(message, lang) {
  const date = message.timestamp ? new Date(message.timestamp) : null;
  return date && !Number.isNaN(date.getTime()) ? date.toLocaleTimeString(lang, { hour: '2-digit', minute: '2-digit' }) : '';
}

function messageItem(item, identity, t) {
  const { message } = item;
  const kind = message.kind ?? (message.isSystem ? 'system' : message.isResponse ? 'response' : 'request');
  const mine = kind === 'request' && message.identity === identity;
  const author = kind === 'system' ? t('chat.system') : message.identity ?? '';
  const meta = [
    el('span', { className: 'author', text: author }),
    el('span', { className: 'time', text: timeOf(message, t.lang) }),
    message.lastEdited ? el('span', { className: 'tag', text: t('chat.edited') }) : null,
    item.streaming ? el('span', { className: 'tag live', text: t('chat.streaming') }) : null,
    item.failed ? el('span', { className: 'tag bad', text: item.failed }) : null,
  ];
  return el(
    'li',
    {
      className: `msg ${kind}${mine ? ' mine' : ''}${item.streaming ? ' streaming' : ''}`,
      dataset: { kind, messageId: message.messageId ?? '', requestId: message.requestId ?? '', live: item.live ? '1' : '' },
    },
    [el('div', { className: 'meta' }, meta), el('div', { className: 'text', text: item.text })],
  );
}

export function renderChat(list, items, { identity, connected, loading }, t) {
  const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
  if (!connected) {
    replaceChildren(list, [el('li', { className: 'empty', text: t('chat.notConnected') })]);
  } else if (items.length === 0) {
    replaceChildren(list, [el('li', { className: 'empty', text: t(loading ? 'chat.loading' : 'chat.empty') })]);
  } else {
    replaceChildren(list, items.map((item) => messageItem(item, identity, t)));
  }
  if (atBottom) list.scrollTop = list.scrollHeight;
}

const STATUS_CLASS = {
  sending: 'wait', forwarded: 'wait', processing: 'live', completed: 'good',
  queued: 'info', recorded: 'info', failed: 'bad', rejected: 'bad', cancelled: 'bad',
};

export function renderRequests(list, requests, t, onCancel, isOpen) {
  replaceChildren(
    list,
    requests.map((r) => {
      const badges = [];
      if (r.disposition) badges.push(el('span', { className: 'badge info', dataset: { disposition: r.disposition }, text: t(`req.${r.disposition}`) }));
      if (r.status !== r.disposition) badges.push(el('span', { className: `badge ${STATUS_CLASS[r.status] ?? ''}`, dataset: { status: r.status }, text: t(`req.${r.status}`) }));
      return el('li', { className: 'request', dataset: { requestId: r.requestId, status: r.status } }, [
        el('div', { className: 'request-head' }, [
          el('span', { className: 'request-text', text: r.message || '…', title: r.requestId }),
          ...badges,
          r.targets.length ? el('span', { className: 'muted-text', text: t('req.to', { targets: r.targets.join(', ') }) }) : null,
          isOpen(r.requestId) && r.status !== 'sending'
            ? el('button', { type: 'button', className: 'small', text: t('req.cancel'), onclick: () => onCancel(r.requestId) })
            : null,
        ]),
        r.errors.length ? el('div', { className: 'request-errors', text: r.errors.join(' · ') }) : null,
      ]);
    }),
  );
}
