// emorec's JavaScript entry point (pkg/index.js).
//
// pkg/ holds two builds of the same Rust code: emorec.js (CPU, small) and,
// when it was built, emorec_webgpu.js (WebGPU, several times larger). This
// wrapper loads only the one that will run: the WebGPU module only where the
// browser has an adapter. Each module is initialised once per page or worker.
//
//   import { Classifier } from "./pkg/index.js";
//   const classifier = await Classifier.load({ backend: "auto" });
//   const result = await classifier.classify(samples, sampleRate, "optional transcript");
//   console.log(result.label, result.probabilities, result.backend);

const BACKENDS = ["auto", "webgpu", "cpu"];
const modules = new Map();

function loadModule(kind) {
  if (!modules.has(kind)) {
    const promise = (kind === "webgpu" ? import("./emorec_webgpu.js") : import("./emorec.js")).then(async (m) => {
      await m.default();
      return m;
    });
    promise.catch(() => modules.delete(kind));
    modules.set(kind, promise);
  }
  return modules.get(kind);
}

async function webgpuAdapter() {
  const gpu = globalThis.navigator && globalThis.navigator.gpu;
  if (!gpu) return false;
  try {
    return Boolean(await gpu.requestAdapter());
  } catch {
    return false;
  }
}

// Errors from Rust arrive as Error objects with the library's message. A Rust
// panic aborts as "RuntimeError: unreachable"; rethrow it with the panic's
// message, which the module kept.
async function guard(module, call) {
  try {
    return await call();
  } catch (e) {
    if (e instanceof WebAssembly.RuntimeError) {
      const panic = module.lastPanic && module.lastPanic();
      throw new Error(`emorec failed: ${panic || e.message} (reload the page to start again)`);
    }
    throw e instanceof Error ? e : new Error(String(e));
  }
}

export class Classifier {
  static labels = Object.freeze({ ang: "angry", hap: "happy", neu: "neutral", sad: "sad" });

  #inner;
  #module;

  constructor(inner, module) {
    this.#inner = inner;
    this.#module = module;
  }

  /**
   * Loads the shipped model. backend: "auto" (WebGPU where there is an
   * adapter, else the CPU), "webgpu" (throws without an adapter) or "cpu".
   */
  static async load({ backend = "auto" } = {}) {
    if (!BACKENDS.includes(backend)) {
      throw new Error(`unknown backend ${JSON.stringify(backend)}: use ${BACKENDS.map((b) => `"${b}"`).join(", ")}`);
    }
    if (backend !== "cpu") {
      if (await webgpuAdapter()) {
        try {
          const m = await loadModule("webgpu");
          return new Classifier(await guard(m, () => m.Classifier.load("webgpu")), m);
        } catch (e) {
          if (backend === "webgpu") throw e;
          console.warn(`emorec: WebGPU failed, using the CPU: ${e.message}`);
        }
      } else if (backend === "webgpu") {
        throw new Error("WebGPU is not available in this browser (no adapter): use backend \"cpu\" or \"auto\"");
      }
    }
    const m = await loadModule("cpu");
    return new Classifier(await guard(m, () => m.Classifier.load("cpu")), m);
  }

  /** "webgpu" or "cpu": what runs the model. */
  get backend() {
    return this.#inner.backend;
  }

  /** Milliseconds the model took to load (backend start and parse). */
  get loadMs() {
    return this.#inner.loadMs;
  }

  /**
   * samples: Float32Array of mono audio (or null/empty for text only);
   * sampleRate: Hz; transcript: optional string. Resolves to
   * { label, probabilities: {ang, hap, neu, sad}, frameAttention, frameHopS,
   *   words, wordAttention, modalityWeights: {audio, text},
   *   timings: {features, inference}, backend }.
   */
  async classify(samples, sampleRate, transcript) {
    if (samples != null && !(samples instanceof Float32Array)) {
      throw new TypeError("samples must be a Float32Array (mono), or null for text only");
    }
    if (samples != null && samples.length > 0 && !(Number.isFinite(sampleRate) && sampleRate > 0)) {
      throw new TypeError(`sampleRate must be a positive number of Hz, got ${sampleRate}`);
    }
    if (transcript != null && typeof transcript !== "string") {
      throw new TypeError("transcript must be a string");
    }
    const rate = samples != null && samples.length > 0 ? Math.round(sampleRate) : undefined;
    return guard(this.#module, () => this.#inner.classify(samples ?? undefined, rate, transcript ?? undefined));
  }

  /** Frees the model's memory in wasm. */
  free() {
    this.#inner.free();
  }
}
