// AudioWorklet processors for the desk's call pane. A call is PCM16, 8 kHz, mono; the page's
// AudioContext runs at the device's rate (often 48 kHz), so the resampling happens here, in the
// browser, and the server never resamples.
//
// af-call-capture: microphone -> 20 ms frames of 8 kHz PCM16 (an ArrayBuffer of 320 bytes each,
//   posted to the page). Decimation by averaging the input samples of each output period: a box
//   filter, crude but enough against aliasing for speech into a telephone channel.
// af-call-player: 8 kHz PCM16 from the page -> the speakers, by linear interpolation, behind a
//   60 ms jitter buffer that refills after an underrun; more than 1 s queued is dropped (latency
//   matters more than a gap on a call).

const CALL_RATE = 8000;
const FRAME = 160; // 20 ms at 8 kHz
const JITTER = 480; // 60 ms
const MAX_QUEUED = CALL_RATE; // 1 s

class CaptureProcessor extends AudioWorkletProcessor {
  constructor() {
    super();
    this.step = sampleRate / CALL_RATE;
    this.sum = 0;
    this.count = 0;
    this.pos = 0;
    this.out = new Int16Array(FRAME);
    this.n = 0;
  }

  process(inputs) {
    const input = inputs[0] && inputs[0][0];
    if (!input) return true;
    for (let i = 0; i < input.length; i++) {
      this.sum += input[i];
      this.count += 1;
      this.pos += 1;
      if (this.pos < this.step) continue;
      this.pos -= this.step;
      const v = Math.max(-1, Math.min(1, this.sum / this.count));
      this.out[this.n++] = v < 0 ? v * 0x8000 : v * 0x7fff;
      this.sum = 0;
      this.count = 0;
      if (this.n === FRAME) {
        this.port.postMessage(this.out.buffer, [this.out.buffer]);
        this.out = new Int16Array(FRAME);
        this.n = 0;
      }
    }
    return true;
  }
}

class PlayerProcessor extends AudioWorkletProcessor {
  constructor() {
    super();
    this.step = CALL_RATE / sampleRate;
    this.queue = [];
    this.offset = 0;
    this.buffered = 0;
    this.playing = false;
    this.pos = 0;
    this.prev = 0;
    this.cur = 0;
    this.port.onmessage = (event) => {
      const samples = new Int16Array(event.data);
      this.queue.push(samples);
      this.buffered += samples.length;
      while (this.buffered > MAX_QUEUED && this.queue.length > 1) {
        const dropped = this.queue.shift();
        this.buffered -= dropped.length - this.offset;
        this.offset = 0;
      }
    };
  }

  take() {
    while (this.queue.length && this.offset >= this.queue[0].length) {
      this.queue.shift();
      this.offset = 0;
    }
    if (!this.queue.length) return 0;
    this.buffered -= 1;
    return this.queue[0][this.offset++];
  }

  process(inputs, outputs) {
    const out = outputs[0][0];
    if (!this.playing && this.buffered < JITTER) {
      out.fill(0);
      return true;
    }
    this.playing = true;
    for (let i = 0; i < out.length; i++) {
      this.pos += this.step;
      while (this.pos >= 1) {
        this.prev = this.cur;
        this.cur = this.take();
        this.pos -= 1;
      }
      out[i] = (this.prev + (this.cur - this.prev) * this.pos) / 32768;
    }
    if (this.buffered <= 0) this.playing = false; // ran dry: buffer again before playing
    return true;
  }
}

registerProcessor("af-call-capture", CaptureProcessor);
registerProcessor("af-call-player", PlayerProcessor);
