/**
 * The request queue: SillyTavern generates one reply at a time, so requests run one after
 * another in arrival order. A request waits while SillyTavern is busy (its own generation, the
 * user typing); none is dropped. Timers are injected so tests need no real time.
 */

/**
 * @typedef {object} Job
 * @property {string} requestId
 * @property {boolean} [cancelled]
 */

export class RequestQueue {
    /**
     * @param {object} options
     * @param {(job: Job) => Promise<unknown>} options.run runs one job to its end
     * @param {() => boolean} options.isBusy true while SillyTavern must not be disturbed
     * @param {(job: Job, state: string, detail?: string) => void} [options.onChange]
     * @param {number} [options.pollMs] how often a waiting queue looks again
     * @param {(fn: () => void, ms: number) => unknown} [options.setTimer]
     * @param {(handle: unknown) => void} [options.clearTimer]
     */
    constructor({
        run,
        isBusy,
        onChange = () => {},
        pollMs = 250,
        // Wrapped: a browser's setTimeout called as a method of this object throws "Illegal invocation".
        setTimer = (fn, ms) => setTimeout(fn, ms),
        clearTimer = (handle) => clearTimeout(handle),
    }) {
        this.run = run;
        this.isBusy = isBusy;
        this.onChange = onChange;
        this.pollMs = pollMs;
        this.setTimer = setTimer;
        this.clearTimer = clearTimer;
        /** @type {Job[]} */
        this.waiting = [];
        /** @type {Job | null} */
        this.running = null;
        this.timer = null;
    }

    get size() {
        return this.waiting.length + (this.running ? 1 : 0);
    }

    /** Queue a job; a requestId already waiting or running is ignored (false). */
    add(job) {
        if (this.has(job.requestId)) return false;
        this.waiting.push(job);
        this.onChange(job, 'waiting');
        this.kick();
        return true;
    }

    has(requestId) {
        return this.running?.requestId === requestId || this.waiting.some((j) => j.requestId === requestId);
    }

    /**
     * Cancel a job: a waiting one is removed ('waiting'); the running one is marked cancelled
     * ('running', the runner stops SillyTavern); unknown ids give null.
     */
    cancel(requestId) {
        const index = this.waiting.findIndex((j) => j.requestId === requestId);
        if (index >= 0) {
            const [job] = this.waiting.splice(index, 1);
            job.cancelled = true;
            this.onChange(job, 'cancelled');
            return 'waiting';
        }
        if (this.running?.requestId === requestId) {
            this.running.cancelled = true;
            return 'running';
        }
        return null;
    }

    /** Drop every waiting job (the relay fails them itself when the extension goes away). */
    clear(detail = '') {
        const dropped = this.waiting.splice(0);
        for (const job of dropped) {
            job.cancelled = true;
            this.onChange(job, 'dropped', detail);
        }
        return dropped.length;
    }

    /** Start the next job if nothing runs and SillyTavern is free; else look again later. */
    kick() {
        if (this.timer !== null) {
            this.clearTimer(this.timer);
            this.timer = null;
        }
        if (this.running || this.waiting.length === 0) return;
        if (this.isBusy()) {
            this.timer = this.setTimer(() => {
                this.timer = null;
                this.kick();
            }, this.pollMs);
            return;
        }
        const job = /** @type {Job} */ (this.waiting.shift());
        this.running = job;
        this.onChange(job, 'running');
        Promise.resolve()
            .then(() => this.run(job))
            .then(
                (result) => this.#done(job, result),
                (error) => this.#done(job, { state: 'failed', detail: String(error?.message ?? error) }),
            );
    }

    #done(job, result) {
        this.running = null;
        const state = typeof result?.state === 'string' ? result.state : 'done';
        this.onChange(job, state, result?.detail);
        this.kick();
    }
}
