// Microphone capture for the WebSocket mode: mono float audio at the context's rate in,
// 16 kHz PCM16 frames of `frameSamples` out (posted as transferable ArrayBuffers).
// Downsampling averages the input samples that fall into each output sample (a box filter),
// which keeps most aliasing out of the speech band without a filter design.

const OUTPUT_RATE = 16000;

class MicCapture extends AudioWorkletProcessor {
  constructor(options) {
    super();
    this.frameSamples = options.processorOptions?.frameSamples ?? 320;
    this.step = sampleRate / OUTPUT_RATE; // input samples per output sample
    this.frame = new Int16Array(this.frameSamples);
    this.filled = 0;
    this.sum = 0;
    this.count = 0;
    this.position = 0; // input samples consumed towards the next output sample
  }

  process(inputs) {
    const channel = inputs[0]?.[0];
    if (!channel) return true;
    for (let i = 0; i < channel.length; i++) {
      this.sum += channel[i];
      this.count += 1;
      this.position += 1;
      if (this.position >= this.step) {
        this.position -= this.step;
        this.push(this.sum / this.count);
        this.sum = 0;
        this.count = 0;
      }
    }
    return true;
  }

  push(value) {
    const s = Math.max(-1, Math.min(1, value));
    this.frame[this.filled++] = s < 0 ? s * 0x8000 : s * 0x7fff;
    if (this.filled === this.frameSamples) {
      this.port.postMessage(this.frame.buffer, [this.frame.buffer]);
      this.frame = new Int16Array(this.frameSamples);
      this.filled = 0;
    }
  }
}

registerProcessor("mic-capture", MicCapture);
