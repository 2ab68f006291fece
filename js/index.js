// emorec's JavaScript entry point (pkg/index.js). Its types, and the one
// description of what `classify` resolves to (ClassifyResult), are in
// index.d.ts beside it.
//
// pkg/ holds builds of the same Rust code: for the CPU, emorec_relaxed.js
// (WebAssembly relaxed SIMD: fused multiply-adds in the model's products,
// about 1.3 times faster inference) and emorec.js (SIMD128 only, for
// browsers without relaxed SIMD); and, when it was built, emorec_webgpu.js
// (WebGPU, several times larger). This wrapper loads only the one that will
// run: the WebGPU module only where the browser has an adapter, and one of
// the CPU modules, chosen by what the browser validates. Each module is
// initialised once per page or worker.
//
//   import { Classifier, decode } from "./pkg/index.js";
//   const classifier = await Classifier.load({ backend: "auto" });
//   const { samples, sampleRate } = await decode(file);
//   const result = await classifier.classify(samples, sampleRate, "optional transcript");
//   console.log(result.label, result.probabilities, result.backend);

/** @typedef {import('./index.d.ts').ClassifyResult} ClassifyResult */
/** @typedef {import('./index.d.ts').DecodedAudio} DecodedAudio */
/** @typedef {import('./index.d.ts').BundleFiles} BundleFiles */
/** @typedef {import('./index.d.ts').BackendChoice} BackendChoice */
/** @typedef {import('./index.d.ts').Bytes} Bytes */

const BACKENDS = ["auto", "webgpu", "cpu"];
// BundleFiles' keys, and the file of a model directory each one is.
const BUNDLE_FILES = { meta: "model.json", config: "config.toml", inputs: "inputs.toml" };
// The weights: burn's record for WebGPU, the same parameters in f16 for the
// CPU engine (no burn in the CPU module); one of them is needed.
const WEIGHT_FILES = { weights: "weights.bpk", weightsF16: "weights-f16.safetensors" };
// The CPU engine reads a model's n-gram head from a file of its own (burn's
// weights.bpk holds it for WebGPU).
const NGRAM_HEAD_FILE = "ngram-head-f16.safetensors";
const OPTIONAL_BUNDLE_FILES = { ...WEIGHT_FILES, norm: "norm.json", vocab: "vocab.safetensors", ngramHead: NGRAM_HEAD_FILE };
// The weights file a backend's engine reads.
const weightsKey = (kind) => (kind === "cpu" ? "weightsF16" : "weights");
const modules = new Map();
// Each module's wasm memory (what init returned), for Classifier.memoryBytes.
const memories = new WeakMap();
// The shipped model's text-only files, its vocabulary (a quarter of the
// download) and the CPU engine's n-gram head, ship beside the modules, not
// inside them: each fetched once, the first time a transcript is given, from
// the package's own origin.
const textFiles = new Map();
// The model a calibrated classification runs (trained with speaker
// normalisation: each voice standardised by its own statistics, which a
// calibration supplies), beside the modules in model-speaker/; fetched the
// first time a calibration is used, from the package's own origin.
const SPEAKER_MODEL_URL = new URL("./model-speaker/", import.meta.url);
const CALIBRATION_FORMAT = "emorec-calibration";

async function fetchBytes(url, what) {
  let response;
  try {
    response = await fetch(url);
  } catch (e) {
    throw new Error(`could not load ${what} from ${url}: ${e.message}`);
  }
  if (!response.ok) throw new Error(`could not load ${what} from ${url}: HTTP ${response.status} ${response.statusText}`);
  return new Uint8Array(await response.arrayBuffer());
}

function fetchTextFile(name, what) {
  if (!textFiles.has(name)) {
    const promise = fetchBytes(new URL(`./${name}`, import.meta.url), what);
    promise.catch(() => textFiles.delete(name)); // a later transcript tries again
    textFiles.set(name, promise);
  }
  return textFiles.get(name);
}

// A minimal module whose one function is f32x4.relaxed_madd (opcode 0xfd
// 0x105): WebAssembly.validate accepts it only where the engine has relaxed
// SIMD, which the relaxed CPU module needs to compile.
const RELAXED_SIMD_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version 1
  0x01, 0x08, 0x01, 0x60, 0x03, 0x7b, 0x7b, 0x7b, 0x01, 0x7b, // type: (v128 v128 v128) -> v128
  0x03, 0x02, 0x01, 0x00, // one function of that type
  0x0a, 0x0d, 0x01, 0x0b, 0x00, // code: one body of 11 bytes, no locals
  0x20, 0x00, 0x20, 0x01, 0x20, 0x02, 0xfd, 0x85, 0x02, 0x0b, // local.get 0 1 2, f32x4.relaxed_madd, end
]);

/** Whether this engine has WebAssembly relaxed SIMD. */
function hasRelaxedSimd() {
  try {
    return WebAssembly.validate(RELAXED_SIMD_PROBE);
  } catch {
    return false;
  }
}

// The CPU module this engine runs: the relaxed-SIMD build where it validates.
const cpuModule = () => (hasRelaxedSimd() ? import("./emorec_relaxed.js") : import("./emorec.js"));

function loadModule(kind) {
  if (!modules.has(kind)) {
    const promise = (kind === "webgpu" ? import("./emorec_webgpu.js") : cpuModule()).then(async (m) => {
      const exports = await m.default();
      memories.set(m, exports.memory);
      return m;
    });
    promise.catch(() => modules.delete(kind));
    modules.set(kind, promise);
  }
  return modules.get(kind);
}

// For work that needs no backend (decoding): either build can do it, so use
// one this page or worker has already loaded, and only otherwise fetch the
// CPU one, the smaller.
async function anyModule() {
  for (const kind of ["cpu", "webgpu"]) {
    if (modules.has(kind)) {
      try {
        return await modules.get(kind);
      } catch {
        // It failed to load; the CPU one below still may not.
      }
    }
  }
  return loadModule("cpu");
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
      // fatal: the module's state is lost; only a fresh one (a new page or
      // worker) works again.
      throw Object.assign(new Error(`emorec failed: ${panic || e.message} (reload the page, or start a new worker, to start again)`), { fatal: true });
    }
    throw e instanceof Error ? e : new Error(String(e));
  }
}

function checkBackend(backend) {
  if (!BACKENDS.includes(backend)) {
    throw new Error(`unknown backend ${JSON.stringify(backend)}: use ${BACKENDS.map((b) => `"${b}"`).join(", ")}`);
  }
}

// Opens a Classifier on the backend asked for, `open(module, "webgpu" | "cpu")`
// making the raw one. The one place the choice is made, so that load and
// fromFiles cannot differ in it: "auto" tries WebGPU where there is an
// adapter and falls back to the CPU when it fails to start (a console warning
// says why); "webgpu" rejects instead.
async function openOn(backend, open) {
  checkBackend(backend);
  if (backend !== "cpu") {
    if (await webgpuAdapter()) {
      try {
        const m = await loadModule("webgpu");
        return new Classifier(await guard(m, () => open(m, "webgpu")), m);
      } catch (e) {
        if (backend === "webgpu") throw e;
        console.warn(`emorec: WebGPU failed, using the CPU: ${e.message}`);
      }
    } else if (backend === "webgpu") {
      throw new Error("WebGPU is not available in this browser (no adapter): use backend \"cpu\" or \"auto\"");
    }
  }
  const m = await loadModule("cpu");
  return new Classifier(await guard(m, () => open(m, "cpu")), m);
}

// The bytes of `value` as a Uint8Array (a view, not a copy, where it can be).
// `what` names the argument in the TypeError for anything else.
async function bytesOf(value, what) {
  if (value instanceof Uint8Array) return value;
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  if (typeof Blob !== "undefined" && value instanceof Blob) return new Uint8Array(await value.arrayBuffer());
  const got = value === null ? "null" : typeof value === "object" ? value.constructor?.name ?? "an object" : typeof value;
  throw new TypeError(`${what} must be a Blob, File, ArrayBuffer or Uint8Array, not ${got}`);
}

/**
 * Decodes an audio file (WAV, FLAC, MP3 or Ogg Vorbis) to mono samples at
 * its own rate, in wasm: the decoder `emorec predict` uses, so a page gets
 * the samples the command line gets, and it works in Web Workers, which have
 * no WebAudio. Loads the CPU module unless a module is loaded already.
 *
 * @param {Bytes} input a Blob / File (its name helps the error message), an
 *   ArrayBuffer, or a typed array (its bytes are read).
 * @returns {Promise<DecodedAudio>} rejects with a TypeError for an input that
 *   is not bytes, and an Error saying why for empty or undecodable bytes.
 */
export async function decode(input) {
  const bytes = await bytesOf(input, "decode's input");
  const name = typeof Blob !== "undefined" && input instanceof Blob && typeof input.name === "string" ? input.name : undefined;
  const m = await anyModule();
  return guard(m, () => {
    const decoded = m.decodeAudio(bytes, name);
    try {
      return { samples: decoded.samples, sampleRate: decoded.sampleRate, warnings: decoded.warnings };
    } finally {
      decoded.free();
    }
  });
}

export class Classifier {
  static labels = Object.freeze({ ang: "angry", hap: "happy", neu: "neutral", sad: "sad" });

  #inner;
  #module;
  // For the shipped model: its speaker-normalised sibling (a promise), loaded
  // on the same backend with the first calibrated classification.
  #shipped = false;
  #calibrated = null;

  constructor(inner, module) {
    this.#inner = inner;
    this.#module = module;
  }

  /**
   * Loads the model shipped inside the package.
   * @param {{ backend?: BackendChoice }} [options] "auto" (the default:
   *   WebGPU where there is an adapter and it starts, else the CPU), "webgpu"
   *   (rejects without an adapter) or "cpu".
   * @returns {Promise<Classifier>}
   */
  static async load({ backend = "auto" } = {}) {
    const classifier = await openOn(backend, (m, kind) => m.Classifier.load(kind));
    classifier.#shipped = true;
    return classifier;
  }

  /**
   * Loads a model trained with `emorec train` from the files of its model
   * directory (fetched, or picked by a person), with the same backend choice
   * as `load`.
   * @param {{ backend?: BackendChoice, files: BundleFiles }} options
   * @returns {Promise<Classifier>} rejects with a TypeError for a missing or
   *   unknown file key or bytes of the wrong type, and an Error from the
   *   library for files it cannot read.
   */
  static async fromFiles({ backend = "auto", files } = {}) {
    if (files === null || typeof files !== "object") {
      throw new TypeError(`files must be an object { ${Object.keys({ ...BUNDLE_FILES, ...OPTIONAL_BUNDLE_FILES }).join(", ")} }`);
    }
    const known = { ...BUNDLE_FILES, ...OPTIONAL_BUNDLE_FILES };
    for (const key of Object.keys(files)) {
      if (!(key in known)) {
        const list = Object.entries(known).map(([k, f]) => `${k} (${f})`).join(", ");
        throw new TypeError(`unknown file key ${JSON.stringify(key)} in files: use ${list}`);
      }
    }
    const bytes = {};
    for (const [key, file] of Object.entries(known)) {
      if (files[key] == null) {
        if (key in BUNDLE_FILES) throw new TypeError(`files.${key} (${file}) is missing`);
        continue;
      }
      bytes[key] = await bytesOf(files[key], `files.${key} (${file})`);
    }
    if (bytes.weights == null && bytes.weightsF16 == null) {
      throw new TypeError("files.weightsF16 (weights-f16.safetensors, for the CPU) or files.weights (weights.bpk, for WebGPU) is missing");
    }
    // With one weights file only, "auto" means the backend that reads it.
    if (backend === "auto" && bytes.weights == null) backend = "cpu";
    const { meta, config, inputs, norm, vocab, ngramHead } = bytes;
    return openOn(backend, (m, kind) => {
      const key = weightsKey(kind);
      if (bytes[key] == null) throw new TypeError(`files.${key} (${WEIGHT_FILES[key]}) is needed on the ${kind === "cpu" ? "CPU" : "WebGPU"} backend`);
      return m.Classifier.fromFiles(kind, meta, config, bytes[key], inputs, norm, vocab, ngramHead);
    });
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
   * Bytes of wasm memory the module holds now (all classifiers of this page
   * or worker that share the backend). It grows to the largest input seen
   * and never shrinks, so a steady value over many classifications means
   * nothing leaks.
   */
  get memoryBytes() {
    return memories.get(this.#module)?.buffer.byteLength ?? null;
  }

  /**
   * Calibrates to one person's voice: the statistics of their descriptors
   * over a few recordings of ordinary speech (10-20 s in all is plenty;
   * recordings without speech are left out). The result is plain data
   * (JSON-serialisable, no audio in it): keep it (e.g. in localStorage) and
   * pass it to `classify` as `{ calibration }`.
   * @param {{ samples: Float32Array, sampleRate: number }[] | { samples: Float32Array, sampleRate: number }} recordings
   * @returns {Promise<import('./index.d.ts').Calibration>} rejects with a
   *   TypeError for arguments of the wrong type and an Error when no
   *   recording holds speech.
   */
  async calibrate(recordings) {
    const list = Array.isArray(recordings) ? recordings : [recordings];
    if (list.length === 0) throw new TypeError("calibrate needs at least one recording { samples, sampleRate }");
    for (const [i, r] of list.entries()) {
      if (!r || !(r.samples instanceof Float32Array)) {
        throw new TypeError(`recording ${i}: samples must be a Float32Array (mono)`);
      }
      if (!(Number.isFinite(r.sampleRate) && r.sampleRate > 0)) {
        throw new TypeError(`recording ${i}: sampleRate must be a positive number of Hz, got ${r.sampleRate}`);
      }
    }
    // The shipped model does not read a speaker's statistics; its
    // speaker-normalised sibling, which classifies calibrated recordings, is
    // the model the statistics must describe (its descriptors and its
    // utterance statistics are its own).
    if (!this.#inner.normalizesBySpeaker && this.#shipped) {
      const calibrated = await this.#calibratedSibling();
      return calibrated.calibrate(list);
    }
    const total = list.reduce((n, r) => n + r.samples.length, 0);
    const all = new Float32Array(total);
    let at = 0;
    for (const r of list) {
      all.set(r.samples, at);
      at += r.samples.length;
    }
    const lengths = Uint32Array.from(list, (r) => r.samples.length);
    const rates = Uint32Array.from(list, (r) => Math.round(r.sampleRate));
    return guard(this.#module, () => this.#inner.calibrate(all, lengths, rates));
  }

  /** Whether this model standardises by a speaker's statistics itself. */
  get normalizesBySpeaker() {
    return this.#inner.normalizesBySpeaker;
  }

  /**
   * Classifies a recording (one utterance, or a long recording as a
   * timeline of segments) and/or a transcript.
   * @param {Float32Array | null} samples mono audio, or null (or empty) for text only
   * @param {number} [sampleRate] Hz, needed with audio
   * @param {string} [transcript]
   * @param {{ calibration?: import('./index.d.ts').Calibration | null }} [options]
   *   a calibration from `calibrate`: the shipped model then runs its
   *   speaker-normalised sibling (fetched once); `result.calibrated` says
   *   whether it was used.
   * @returns {Promise<ClassifyResult>} plain data; rejects with a TypeError for
   *   arguments of the wrong type and an Error from the library for unusable input.
   */
  async classify(samples, sampleRate, transcript, { calibration = null } = {}) {
    if (samples != null && !(samples instanceof Float32Array)) {
      throw new TypeError("samples must be a Float32Array (mono), or null for text only");
    }
    if (samples != null && samples.length > 0 && !(Number.isFinite(sampleRate) && sampleRate > 0)) {
      throw new TypeError(`sampleRate must be a positive number of Hz, got ${sampleRate}`);
    }
    if (transcript != null && typeof transcript !== "string") {
      throw new TypeError("transcript must be a string");
    }
    if (calibration != null && (typeof calibration !== "object" || calibration.format !== CALIBRATION_FORMAT)) {
      throw new TypeError("calibration must be an object made by calibrate(), or null");
    }
    if (calibration != null && !this.#inner.normalizesBySpeaker && this.#shipped) {
      const calibrated = await this.#calibratedSibling();
      return calibrated.classify(samples, sampleRate, transcript, { calibration });
    }
    const rate = samples != null && samples.length > 0 ? Math.round(sampleRate) : undefined;
    if (transcript != null && transcript.trim() !== "") await this.#loadTextFiles();
    const json = calibration != null ? JSON.stringify(calibration) : undefined;
    return guard(this.#module, () => this.#inner.classify(samples ?? undefined, rate, transcript ?? undefined, json));
  }

  // The shipped model's files that only a transcript needs, fetched together.
  async #loadTextFiles() {
    const inner = this.#inner;
    const vocabulary = inner.needsVocabulary ? fetchTextFile("vocab.safetensors", "the model's vocabulary") : null;
    const head = inner.needsNgramHead ? fetchTextFile(NGRAM_HEAD_FILE, "the model's n-gram head") : null;
    if (vocabulary) {
      const bytes = await vocabulary;
      if (inner.needsVocabulary) await guard(this.#module, () => inner.setVocabulary(bytes));
    }
    if (head) {
      const bytes = await head;
      if (inner.needsNgramHead) await guard(this.#module, () => inner.setNgramHead(bytes));
    }
  }

  // The shipped speaker-normalised model on this classifier's backend.
  #calibratedSibling() {
    if (!this.#calibrated) {
      const module = this.#module;
      const kind = this.#inner.backend;
      this.#calibrated = (async () => {
        const files = {};
        const wanted = { ...BUNDLE_FILES, norm: "norm.json", vocab: "vocab.safetensors", weights: WEIGHT_FILES[weightsKey(kind)] };
        if (kind === "cpu") wanted.ngramHead = NGRAM_HEAD_FILE;
        for (const [key, file] of Object.entries(wanted)) {
          files[key] = await fetchBytes(new URL(file, SPEAKER_MODEL_URL), "the calibrated model");
        }
        const { meta, config, weights, inputs, norm, vocab, ngramHead } = files;
        const inner = await guard(module, () => module.Classifier.fromFiles(kind, meta, config, weights, inputs, norm, vocab, ngramHead));
        return new Classifier(inner, module);
      })();
      this.#calibrated.catch(() => {
        this.#calibrated = null; // a later call tries again
      });
    }
    return this.#calibrated;
  }

  /** Frees the model's memory in wasm. */
  free() {
    this.#inner.free();
    this.#calibrated?.then((c) => c.free(), () => {});
  }
}
