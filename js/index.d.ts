// Types of pkg/index.js (see js/index.js). The one place the result's shape
// is written down: index.js, the demo's worker and its page refer to these
// types (JSDoc `import()`), so they cannot drift apart.

/** Which backend runs the model. */
export type Backend = "webgpu" | "cpu";
/** Emotion codes, in the order of the model's outputs. */
export type Emotion = "ang" | "hap" | "neu" | "sad";

/** What `Classifier.classify` resolves to: plain, structured-cloneable data (it can be posted from a worker as is). */
export interface ClassifyResult {
  /**
   * Whether the audio holds speech; `null` without audio. Audio without
   * speech (silence, noise, a steady tone, mains hum) is not given to the model.
   */
  speech: boolean | null;
  /** Why there is no label, or why the audio was left out; `null` otherwise. */
  reason: string | null;
  /** `null` when there was nothing to classify: no speech and no transcript. */
  label: Emotion | null;
  /** Sum to 1; `null` with `label`. */
  probabilities: Record<Emotion, number> | null;
  /** One weight per frame of `frameHopS` seconds from the start of the audio; empty without audio. */
  frameAttention: number[];
  /** Seconds between frames of `frameAttention` (0.01). */
  frameHopS: number;
  /** The transcript's tokens as the model read them; empty without a transcript. */
  words: string[];
  /** One weight per entry of `words`. */
  wordAttention: number[];
  /** How much each input counted; sum to 1; `null` with `label`. */
  modalityWeights: { audio: number; text: number } | null;
  /** Seconds of audio; `null` without audio. */
  durationS: number | null;
  /**
   * The recording as a timeline. A recording the model reads whole (up to
   * 10 s) is one segment; a longer one is cut at its pauses into pieces of
   * at most 10 s, each classified from its audio alone, and the pauses are
   * segments without speech. The top-level label and probabilities are then
   * the speech segments' mean, weighted by their length. Empty without audio.
   */
  segments: Segment[];
  summary: Summary | null;
  /** How the result was reached, in words for a person (a long recording cut into pieces, a transcript classified on its own). */
  notes: string[];
  /** Whether the audio was standardised by the calibration given. */
  calibrated: boolean;
  /** Milliseconds (summed over the segments). */
  timings: { features: number; inference: number };
  backend: Backend;
}

/** One stretch of a recording. */
export interface Segment {
  /** Seconds from the start. */
  start: number;
  end: number;
  speech: boolean;
  /** Why there is no label (a pause, or what the speech gate found). */
  reason: string | null;
  label: Emotion | null;
  probabilities: Record<Emotion, number> | null;
}

/** The whole recording at a glance. */
export interface Summary {
  /** Seconds of audio, and of segments with speech. */
  duration: number;
  speech: number;
  /** Share of the speech time whose segment has each label (sum to 1); `null` without speech. */
  shares: Record<Emotion, number> | null;
  segments: number;
}

/**
 * A calibration to one person's voice (from `Classifier.calibrate`): the
 * mean and deviation of every descriptor over their recordings, no audio.
 * Plain JSON: store it and pass it back.
 */
export interface Calibration {
  format: "emorec-calibration";
  version: number;
  /** The feature settings it was made with. */
  features: string;
  /** Seconds of the recordings that held speech. */
  seconds: number;
  /** Recordings given, and how many held speech. */
  recordings: number;
  used: number;
  stats: { format: "emorec-norm"; version: number; columns: string[]; mean: number[]; std: number[]; std_floor: number; count: number[] };
  /**
   * For a model that centres its utterance statistics on the speaker's: the
   * mean of those statistics over the recordings. A calibration without it
   * is refused by such a model ("calibrate again").
   */
  statistics?: number[];
  /**
   * For a model that also rescales those statistics by the speaker's own
   * deviation: their deviation over the `used` recordings. A calibration
   * without it is refused by such a model ("calibrate again").
   */
  statisticsSpread?: number[];
}

/** A file's bytes: a `Blob` / `File`, an `ArrayBuffer`, or a view of one (`Uint8Array`, ...). */
export type Bytes = Blob | ArrayBuffer | ArrayBufferView;

/**
 * The files of a model directory that `emorec train` writes. `norm` is
 * required for a model that uses audio, `vocab` for one that uses text.
 */
export interface BundleFiles {
  /** model.json */
  meta: Bytes;
  /** config.toml */
  config: Bytes;
  /**
   * weights.bpk: burn's record, read on WebGPU. One of `weights` and
   * `weightsF16` is needed; give both to let "auto" pick either backend.
   */
  weights?: Bytes;
  /** weights-f16.safetensors: the same parameters in f16, read on the CPU. */
  weightsF16?: Bytes;
  /** inputs.toml */
  inputs: Bytes;
  /** norm.json */
  norm?: Bytes;
  /** vocab.safetensors */
  vocab?: Bytes;
  /**
   * ngram-head-f16.safetensors: the n-gram head of a model that has one, read
   * on the CPU (weights.bpk holds it for WebGPU).
   */
  ngramHead?: Bytes;
}

/** `"auto"`: WebGPU where the browser has an adapter and it starts, else the CPU. */
export type BackendChoice = "auto" | Backend;

/** What `decode` resolves to. */
export interface DecodedAudio {
  /** Mono (channels averaged). */
  samples: Float32Array;
  /** The file's own rate in Hz (not resampled). */
  sampleRate: number;
  /**
   * What the decoder had to put up with, one sentence each: a file that
   * stops before its header says (only the part before the cut is in
   * `samples`), damaged packets skipped. Empty for a sound file. (Missing
   * where the browser's own decoder was used, in the demo's fallback.)
   */
  warnings: string[];
}

/**
 * Decodes a WAV, FLAC, MP3 or Ogg Vorbis file in wasm (also in Web Workers,
 * which have no WebAudio). Rejects with a `TypeError` for an argument that is
 * not bytes, and an `Error` saying why for empty or undecodable input.
 */
export function decode(input: Bytes): Promise<DecodedAudio>;

export class Classifier {
  static readonly labels: Readonly<Record<Emotion, string>>;
  /** The model shipped inside the package. */
  static load(options?: { backend?: BackendChoice }): Promise<Classifier>;
  /** A model trained with `emorec train`, from its files. */
  static fromFiles(options: { backend?: BackendChoice; files: BundleFiles }): Promise<Classifier>;
  readonly backend: Backend;
  /** Milliseconds the model took to load (backend start and parse). */
  readonly loadMs: number;
  /**
   * samples: mono, or null for text only; sampleRate: Hz, 4 kHz to 384 kHz.
   * The first call with a transcript fetches the shipped model's vocabulary
   * (vocab.safetensors beside this file, about 0.64 MB gzipped) once, and on
   * the CPU its n-gram head (ngram-head-f16.safetensors, about 0.06 MB).
   */
  classify(
    samples: Float32Array | null,
    sampleRate?: number,
    transcript?: string,
    options?: { calibration?: Calibration | null },
  ): Promise<ClassifyResult>;
  /**
   * A calibration to one person's voice from recordings of their ordinary
   * speech (10-20 s in all); recordings without speech are left out.
   * Rejects when none holds speech. With it, `classify` runs the shipped
   * speaker-normalised model (model-speaker/ beside this file, fetched once).
   */
  calibrate(
    recordings: { samples: Float32Array; sampleRate: number }[] | { samples: Float32Array; sampleRate: number },
  ): Promise<Calibration>;
  /**
   * Bytes of wasm memory the module holds now (shared by the classifiers of
   * this page or worker on the same backend). It grows to the largest input
   * seen and never shrinks: steady over many classifications means no leak.
   */
  readonly memoryBytes: number | null;
  /** Whether this model standardises by a speaker's statistics itself. */
  readonly normalizesBySpeaker: boolean;
  /** Frees the model's memory in wasm. */
  free(): void;
}
