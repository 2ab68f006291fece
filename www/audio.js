// Audio into the page: decoding a file, and recording the microphone through
// recorder-worklet.js. Both give {samples: Float32Array (mono), sampleRate}
// (DecodedAudio of pkg/index.d.ts).

/** @typedef {import('./pkg/index.js').DecodedAudio} DecodedAudio */

// The browser's decoder, used only for formats the package's decoder does not
// read (AAC/M4A, Opus, WebM: what phones and browsers record), resamples to
// one known rate; the classifier resamples to what it needs.
const WEBAUDIO_RATE = 48000;
// A bound on memory (about 58 MB of samples at 48 kHz): a recording stops by
// itself after this long. Longer than the model's 10 s window: a long
// recording is classified as a timeline of segments.
export const MAX_RECORDING_S = 300;

function mixToMono(buffer) {
  if (buffer.numberOfChannels === 1) return buffer.getChannelData(0).slice();
  const out = new Float32Array(buffer.length);
  for (let c = 0; c < buffer.numberOfChannels; c++) {
    const data = buffer.getChannelData(c);
    for (let i = 0; i < out.length; i++) out[i] += data[i];
  }
  for (let i = 0; i < out.length; i++) out[i] /= buffer.numberOfChannels;
  return out;
}

async function decodeWithWebAudio(file) {
  const context = new OfflineAudioContext(1, 1, WEBAUDIO_RATE);
  const buffer = await context.decodeAudioData(await file.arrayBuffer());
  return { samples: mixToMono(buffer), sampleRate: buffer.sampleRate };
}

/**
 * Decodes `file` with `decodeInWorker` (the package's decoder, which gives the
 * samples `emorec predict` reads from the same file, at the file's own rate),
 * and with WebAudio only where that fails. Where both fail, the package's
 * message is the one shown: it says best what is wrong with a WAV, FLAC, MP3
 * or Ogg file.
 * @param {File} file
 * @param {(file: File) => Promise<DecodedAudio>} decodeInWorker
 * @returns {Promise<DecodedAudio>}
 */
export async function decodeFile(file, decodeInWorker) {
  let audio;
  try {
    audio = await decodeInWorker(file);
  } catch (err) {
    audio = await decodeWithWebAudio(file).catch(() => {
      throw err;
    });
  }
  if (audio.samples.length === 0) throw new Error(`"${file.name}" contains no audio`);
  return audio;
}

function microphoneError(err) {
  switch (err?.name) {
    case 'NotAllowedError':
    case 'SecurityError':
      return new Error('microphone access was refused: allow it for this page to record');
    case 'NotFoundError':
    case 'OverconstrainedError':
      return new Error('no microphone was found');
    case 'NotReadableError':
      return new Error('the microphone is in use by another program or cannot be read');
    default:
      return new Error(`could not start recording: ${err?.message || err}`);
  }
}

export class Recorder {
  #stream;
  #context;
  #node;
  #chunks = [];
  #length = 0;
  #stopped; // resolves when the worklet has posted its last chunk

  /**
   * Starts recording. onLevel(rms) is called for every chunk; onLimit() once
   * limitS seconds (at most MAX_RECORDING_S) are reached (the caller should
   * then stop()).
   */
  static async start({ onLevel = () => {}, onLimit = () => {}, limitS = MAX_RECORDING_S } = {}) {
    if (!navigator.mediaDevices?.getUserMedia) {
      throw new Error('recording needs a secure page (https or localhost) in a browser with microphone access');
    }
    const recorder = new Recorder();
    try {
      // Raw signal: echo cancellation, noise suppression and gain control
      // would change exactly the cues the model listens to.
      recorder.#stream = await navigator.mediaDevices.getUserMedia({
        audio: { echoCancellation: false, noiseSuppression: false, autoGainControl: false },
      });
    } catch (err) {
      throw microphoneError(err);
    }
    try {
      await recorder.#connect(onLevel, onLimit, Math.min(limitS, MAX_RECORDING_S));
    } catch (err) {
      recorder.#release();
      throw new Error(`could not start recording: ${err.message}`);
    }
    return recorder;
  }

  get sampleRate() {
    return this.#context.sampleRate;
  }

  /** Seconds recorded so far. */
  get duration() {
    return this.#length / this.#context.sampleRate;
  }

  /**
   * A copy of the last `seconds` recorded (fewer at the start), while the
   * recording goes on: live classification reads it; the recording itself
   * keeps every sample.
   * @returns {{ samples: Float32Array, sampleRate: number, end: number }} end: seconds recorded
   */
  snapshot(seconds) {
    const want = Math.min(this.#length, Math.round(seconds * this.#context.sampleRate));
    const samples = new Float32Array(want);
    let filled = 0;
    for (let i = this.#chunks.length - 1; i >= 0 && filled < want; i--) {
      const chunk = this.#chunks[i];
      const take = Math.min(chunk.length, want - filled);
      samples.set(chunk.subarray(chunk.length - take), want - filled - take);
      filled += take;
    }
    return { samples, sampleRate: this.#context.sampleRate, end: this.duration };
  }

  async #connect(onLevel, onLimit, limitS) {
    const context = (this.#context = new AudioContext());
    await context.audioWorklet.addModule(new URL('./recorder-worklet.js', import.meta.url));
    const node = (this.#node = new AudioWorkletNode(context, 'emorec-recorder', {
      numberOfInputs: 1,
      numberOfOutputs: 1,
      outputChannelCount: [1],
    }));
    const limit = limitS * context.sampleRate;
    let limited = false;
    this.#stopped = new Promise((resolve) => {
      node.port.onmessage = ({ data }) => {
        if (data.type === 'stopped') return resolve();
        this.#chunks.push(data.samples);
        this.#length += data.samples.length;
        onLevel(data.rms);
        if (this.#length >= limit && !limited) {
          limited = true;
          onLimit();
        }
      };
    });
    context.createMediaStreamSource(this.#stream).connect(node);
    // The node writes silence; connecting it to the output keeps the graph
    // pulling it in every browser.
    node.connect(context.destination);
    await context.resume();
  }

  /** Stops and returns the recording. */
  async stop() {
    this.#node.port.postMessage({ type: 'stop' });
    // The worklet answers at once unless the context has died; don't hang on it.
    await Promise.race([this.#stopped, new Promise((resolve) => setTimeout(resolve, 1000))]);
    this.#release();
    const samples = new Float32Array(this.#length);
    let offset = 0;
    for (const chunk of this.#chunks) {
      samples.set(chunk, offset);
      offset += chunk.length;
    }
    return { samples, sampleRate: this.#context.sampleRate };
  }

  #release() {
    this.#node?.disconnect();
    for (const track of this.#stream?.getTracks() ?? []) track.stop();
    this.#context?.close().catch(() => {});
  }
}
