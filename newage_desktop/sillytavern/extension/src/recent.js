/** The last few requests and their state, for the settings panel. */
export class RecentRequests {
    constructor(limit = 5) {
        this.limit = limit;
        /** @type {{requestId: string, text: string, state: string, detail: string, at: number}[]} */
        this.entries = [];
    }

    /** Record a state change; a new requestId goes on top, the oldest falls off. */
    update(requestId, state, { text = undefined, detail = '', at = Date.now() } = {}) {
        let entry = this.entries.find((e) => e.requestId === requestId);
        if (!entry) {
            entry = { requestId, text: '', state, detail: '', at };
            this.entries.unshift(entry);
            this.entries.length = Math.min(this.entries.length, this.limit);
        }
        if (typeof text === 'string') entry.text = excerpt(text);
        entry.state = state;
        entry.detail = detail ?? '';
        entry.at = at;
        return entry;
    }
}

/** A one-line excerpt of a request's text. */
export function excerpt(text, max = 60) {
    const line = String(text).replace(/\s+/g, ' ').trim();
    return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}
