// The page's side of worker.js: promises over its message protocol.
// One ClassifierClient = one worker = one loaded backend.

export class ClassifierClient {
  #worker;
  #nextId = 1;
  #pending = new Map(); // id ('load' or a number) -> {resolve, reject}

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

  /** Loads the model; resolves to {backend, loadMs, labels}. */
  load(backend) {
    return this.#call('load', { type: 'load', backend });
  }

  /** Classifies; samples (Float32Array or null) is copied, so the caller keeps its own. */
  classify(samples, sampleRate, transcript) {
    const id = this.#nextId++;
    const copy = samples ? samples.slice() : null;
    return this.#call(id, { type: 'classify', id, samples: copy, sampleRate, transcript }, copy ? [copy.buffer] : []);
  }

  /** Stops the worker; calls still waiting are rejected. */
  terminate() {
    this.#worker.terminate();
    this.#failAll(new Error('cancelled'));
  }

  #call(id, message, transfer = []) {
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#worker.postMessage(message, transfer);
    });
  }

  #settle(data) {
    // 'loaded' and load errors carry no id: they answer the pending load.
    const id = data.type === 'loaded' || (data.type === 'error' && data.id === undefined) ? 'load' : data.id;
    const waiting = this.#pending.get(id);
    if (!waiting) return;
    this.#pending.delete(id);
    if (data.type === 'error') waiting.reject(new Error(data.message));
    else if (data.type === 'loaded') waiting.resolve({ backend: data.backend, loadMs: data.loadMs, labels: data.labels });
    else waiting.resolve(data.result);
  }

  #failAll(err) {
    for (const { reject } of this.#pending.values()) reject(err);
    this.#pending.clear();
  }
}
