// AudioWorklet processor: collects the microphone's samples (mono, at the
// context's rate) into chunks and posts each with its RMS level, so that the
// page can show a level meter and keep the recording. Chunks rather than
// 128-sample render quanta keep the message rate near 20 per second.
//
// Messages to the page: {type:'chunk', samples: Float32Array, rms} ... then,
// after the page sends {type:'stop'}, the last partial chunk and {type:'stopped'}.

const CHUNK = 2048;

class RecorderProcessor extends AudioWorkletProcessor {
  constructor() {
    super();
    this.buffer = new Float32Array(CHUNK);
    this.filled = 0;
    this.stopped = false;
    // The port's handler runs on the audio thread between render calls, so it
    // can flush directly; messages keep their order, so 'stopped' comes last.
    this.port.onmessage = ({ data }) => {
      if (data.type !== 'stop' || this.stopped) return;
      this.flush();
      this.stopped = true;
      this.port.postMessage({ type: 'stopped' });
    };
  }

  flush() {
    if (this.filled === 0) return;
    const samples = this.buffer.slice(0, this.filled);
    let sum = 0;
    for (const x of samples) sum += x * x;
    this.port.postMessage({ type: 'chunk', samples, rms: Math.sqrt(sum / samples.length) }, [samples.buffer]);
    this.filled = 0;
  }

  process(inputs) {
    if (this.stopped) return false;
    const channels = inputs[0];
    // No channels while the source has nothing connected: nothing to record.
    if (channels && channels.length > 0) {
      const n = channels[0].length;
      for (let i = 0; i < n; i++) {
        let x = 0;
        for (const channel of channels) x += channel[i];
        this.buffer[this.filled++] = x / channels.length;
        if (this.filled === CHUNK) this.flush();
      }
    }
    return true;
  }
}

registerProcessor('emorec-recorder', RecorderProcessor);
