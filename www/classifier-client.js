// The page's side of worker.js: promises over its message protocol, in which
// every request carries an id and every answer the id it answers.
// One ClassifierClient = one worker = one loaded backend.

/** @typedef {import('./pkg/index.js').ClassifyResult} ClassifyResult */
/** @typedef {import('./pkg/index.js').DecodedAudio} DecodedAudio */
/** @typedef {{ backend: import('./pkg/index.js').Backend, loadMs: number, labels: Record<string, string> }} LoadedModel */

// Error types that survive the trip by name; anything else arrives as Error.
const ERRORS = { TypeError, RangeError };

export class ClassifierClient {
  #worker;
  #nextId = 1;
  #pending = new Map(); // id -> {resolve, reject}

  constructor() {
    this.#worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
    this.#worker.onmessage = ({ data }) => this.#settle(data);
    // A worker that fails to start or throws outside a handler reports here;
    // every waiting call gets the reason instead of hanging.
    this.#worker.onerror = (event) => {
      event.preventDefault();
      this.#failAll(new Error(`the worker failed: ${event.message || 'it could not start'}`));
    };
    this.#worker.onmessageerror = () => this.#failAll(new Error('a message from the worker could not be read'));
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
    this.#failAll(new Error('cancelled'));
  }

  #call(request, transfer = []) {
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#worker.postMessage({ ...request, id }, transfer);
    });
  }

  #settle({ type, id, value, name, message }) {
    const waiting = this.#pending.get(id);
    if (!waiting) return; // answers a call already failed by #failAll
    this.#pending.delete(id);
    if (type === 'done') waiting.resolve(value);
    else if (type === 'error') waiting.reject(new (ERRORS[name] ?? Error)(message));
    else waiting.reject(new Error(`the worker answered with an unknown message type '${type}'`));
  }

  #failAll(err) {
    for (const { reject } of this.#pending.values()) reject(err);
    this.#pending.clear();
  }
}
