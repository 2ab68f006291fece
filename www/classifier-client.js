// The page's side of worker.js: promises over its message protocol, in which
// every request carries an id and every answer the id it answers.
// One ClassifierClient = one worker = one loaded backend.

/** @typedef {import('./pkg/index.js').ClassifyResult} ClassifyResult */
/** @typedef {import('./pkg/index.js').DecodedAudio} DecodedAudio */
/** @typedef {{ backend: import('./pkg/index.js').Backend, loadMs: number, labels: Record<string, string> }} LoadedModel */

// Error types that survive the trip by name; anything else arrives as Error.
const ERRORS = { TypeError, RangeError };
// While calls wait, the worker is pinged this often; one that says nothing
// at all for SILENT_MS is taken for dead (closed, or killed for memory). A
// worker in the middle of a computation answers when it ends: a long
// recording is classified in pieces of 10 s (well under a second each on
// the CPU), so only a worker that is gone stays silent this long.
const PING_MS = 5_000;
const SILENT_MS = 30_000;

export class ClassifierClient {
  #worker;
  #nextId = 1;
  #pending = new Map(); // id -> {resolve, reject}
  #dead = null; // why this worker can no longer be used
  #lastHeard = 0;
  #watchdog = null;

  constructor() {
    this.#worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
    this.#worker.onmessage = ({ data }) => {
      this.#lastHeard = performance.now();
      this.#settle(data);
    };
    // A worker that fails to start or throws outside a handler reports here;
    // every waiting call gets the reason instead of hanging.
    this.#worker.onerror = (event) => {
      event.preventDefault();
      this.#die(`it failed: ${event.message || 'it could not start'}`);
    };
    this.#worker.onmessageerror = () => this.#die('a message from it could not be read');
  }

  /** Why this worker can no longer be used (the page then starts another), or null. */
  get dead() {
    return this.#dead;
  }

  /**
   * The worker's wasm memory in bytes (null before a model is loaded).
   * @returns {Promise<{ memoryBytes: number | null }>}
   */
  ping() {
    return this.#call({ type: 'ping' });
  }

  /**
   * Loads the model.
   * @param {'auto' | 'webgpu' | 'cpu'} backend
   * @returns {Promise<LoadedModel>}
   */
  load(backend) {
    return this.#call({ type: 'load', backend });
  }

  /**
   * Classifies; samples is copied, so the caller keeps its own.
   * @param {Float32Array | null} samples
   * @param {number} sampleRate
   * @param {string} transcript
   * @param {import('./pkg/index.js').Calibration | null} [calibration] from calibrate()
   * @returns {Promise<ClassifyResult>}
   */
  classify(samples, sampleRate, transcript, calibration = null) {
    const copy = samples ? samples.slice() : null;
    return this.#call({ type: 'classify', samples: copy, sampleRate, transcript, calibration }, copy ? [copy.buffer] : []);
  }

  /**
   * A calibration to the voice of these recordings (copied).
   * @param {{ samples: Float32Array, sampleRate: number }[]} recordings
   * @returns {Promise<import('./pkg/index.js').Calibration>}
   */
  calibrate(recordings) {
    const copies = recordings.map(({ samples, sampleRate }) => ({ samples: samples.slice(), sampleRate }));
    return this.#call({ type: 'calibrate', recordings: copies }, copies.map((r) => r.samples.buffer));
  }

  /**
   * Decodes an audio file in the worker with the package's decoder (no
   * model needed), so a long file does not freeze the page. The File itself
   * is posted (a cheap handle, read only in the worker).
   * @param {File} file
   * @returns {Promise<DecodedAudio>}
   */
  decode(file) {
    return this.#call({ type: 'decode', file });
  }

  /** Stops the worker; calls still waiting are rejected. */
  terminate() {
    this.#worker.terminate();
    clearInterval(this.#watchdog);
    this.#failAll(new Error('cancelled'));
  }

  #call(request, transfer = []) {
    if (this.#dead) return Promise.reject(new Error(`the classifier's worker has stopped (${this.#dead})`));
    const id = this.#nextId++;
    if (this.#pending.size === 0) this.#lastHeard = performance.now();
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#worker.postMessage({ ...request, id }, transfer);
      this.#watch();
    });
  }

  #watch() {
    if (this.#watchdog !== null) return;
    this.#watchdog = setInterval(() => {
      if (this.#pending.size === 0) {
        clearInterval(this.#watchdog);
        this.#watchdog = null;
      } else if (performance.now() - this.#lastHeard > SILENT_MS) {
        this.#die(`it stopped answering for ${SILENT_MS / 1000} s`);
      } else {
        // Answered with id 0, which no call waits for: it only proves life.
        this.#worker.postMessage({ type: 'ping', id: 0 });
      }
    }, PING_MS);
  }

  #die(why) {
    if (this.#dead) return;
    this.#dead = why;
    this.#worker.terminate();
    clearInterval(this.#watchdog);
    this.#watchdog = null;
    this.#failAll(new Error(`the classifier's worker has stopped (${why})`));
  }

  #settle({ type, id, value, name, message, fatal }) {
    const waiting = this.#pending.get(id);
    if (waiting) this.#pending.delete(id);
    if (type === 'error' && fatal) {
      // The wasm module is lost: this call fails with its message, and so
      // does every later one until the page starts a new worker.
      waiting?.reject(new Error(message));
      this.#die(message);
      return;
    }
    if (!waiting) return; // a ping's answer, or a call already failed by #failAll
    if (type === 'done') waiting.resolve(value);
    else if (type === 'error') waiting.reject(new (ERRORS[name] ?? Error)(message));
    else waiting.reject(new Error(`the worker answered with an unknown message type '${type}'`));
  }

  #failAll(err) {
    for (const { reject } of this.#pending.values()) reject(err);
    this.#pending.clear();
  }
}
