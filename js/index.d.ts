// Types of pkg/index.js (see js/index.js).

export type Backend = "webgpu" | "cpu";
export type Emotion = "ang" | "hap" | "neu" | "sad";

export interface ClassifyResult {
  label: Emotion;
  probabilities: Record<Emotion, number>;
  /** One weight per 10 ms frame from the start of the audio; empty without audio. */
  frameAttention: number[];
  frameHopS: number;
  words: string[];
  wordAttention: number[];
  modalityWeights: { audio: number; text: number };
  /** Milliseconds. */
  timings: { features: number; inference: number };
  backend: Backend;
}

export class Classifier {
  static readonly labels: Readonly<Record<Emotion, string>>;
  static load(options?: { backend?: "auto" | Backend }): Promise<Classifier>;
  readonly backend: Backend;
  readonly loadMs: number;
  classify(samples: Float32Array | null, sampleRate?: number, transcript?: string): Promise<ClassifyResult>;
  free(): void;
}
