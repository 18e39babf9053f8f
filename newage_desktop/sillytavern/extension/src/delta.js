/**
 * Token deltas. SillyTavern's STREAM_TOKEN_RECEIVED carries the whole text generated so far,
 * once per backend chunk (an empty first one and a repeated last one included); the relay wants
 * only the new text of each chunk (PROTOCOL.md §7.5).
 */
export class TextDelta {
    #sent = '';
    #diverged = false;

    /** The text handed out so far. */
    get sent() {
        return this.#sent;
    }

    /** True once a full text arrived that did not start with what was already handed out. */
    get diverged() {
        return this.#diverged;
    }

    /**
     * The part of `fullText` not handed out yet ('' if nothing is new).
     *
     * Text already sent cannot be taken back. If SillyTavern rewrites the beginning of the text
     * (a regex script, a reasoning parser), the rewritten part is lost to the stream and only
     * text beyond the length already sent goes out from then on.
     * @param {unknown} fullText
     * @returns {string}
     */
    next(fullText) {
        if (typeof fullText !== 'string' || fullText.length <= this.#sent.length) {
            if (typeof fullText === 'string' && !this.#sent.startsWith(fullText)) {
                this.#diverged = true;
            }
            return '';
        }
        if (!fullText.startsWith(this.#sent)) {
            this.#diverged = true;
        }
        const piece = fullText.slice(this.#sent.length);
        this.#sent += piece;
        return piece;
    }
}
