// The admin part of the page: the room's message mode and muting its members (§6.5, §7.12).

import { el, fillSelect, replaceChildren } from './dom.js';

export const MODES = ['Immediate', 'HostSubmit', 'MasterOnly', 'Conversational'];
// Seconds; 'permanent' sends no duration (§6.5: absent means permanent).
export const DURATIONS = ['60', '300', '3600', '86400', 'permanent'];

export function renderAdminControls(modeSelect, durationSelect, mode, t) {
  fillSelect(modeSelect, MODES.map((m) => [m, t(`mode.${m}`)]), mode ?? modeSelect.value);
  fillSelect(durationSelect, DURATIONS.map((d) => [d, t(`duration.${d}`)]), durationSelect.value || '300');
}

export function renderMembers(list, members, { isMuted, statusOf, self }, t, actions) {
  if (members.length === 0) return replaceChildren(list, [el('li', { className: 'empty', text: t('admin.noMembers') })]);
  replaceChildren(
    list,
    members.map((m) => {
      const muted = isMuted(m.identity);
      const status = statusOf(m.identity);
      return el('li', { className: 'member', dataset: { identity: m.identity, muted: muted ? '1' : '' } }, [
        el('span', { className: `dot ${m.online ? 'on' : ''}`, title: t(m.online ? 'admin.online' : 'admin.offline') }),
        el('span', { className: 'member-name', text: m.identity }),
        el('span', { className: 'tag', text: t(`role.${m.role}`) }),
        status && status !== 'muted' && status !== 'idle' ? el('span', { className: 'tag live', text: t(`memberStatus.${status}`) }) : null,
        muted ? el('span', { className: 'tag bad', text: t('admin.muted') }) : null,
        m.identity === self
          ? null
          : el('button', {
              type: 'button',
              className: 'small',
              text: t(muted ? 'admin.unmute' : 'admin.mute'),
              onclick: () => (muted ? actions.unmute(m.identity) : actions.mute(m.identity)),
            }),
      ]);
    }),
  );
}
