/** 16-bit PCM samples from a WAV file; stereo samples are interleaved (left, right, …). */
export interface Pcm {
  sampleRate: number;
  channels: 1 | 2;
  samples: Int16Array;
}

/** Thrown for anything but a 16-bit PCM mono or stereo WAV (what the VOICEVOX engine writes). */
export class WavError extends Error {}

const PCM = 1;
const EXTENSIBLE = 0xfffe;

/** Reads the `fmt ` and `data` chunks of a RIFF/WAVE file. */
export function parseWav(file: Buffer): Pcm {
  if (file.length < 12 || file.toString("latin1", 0, 4) !== "RIFF" || file.toString("latin1", 8, 12) !== "WAVE") {
    throw new WavError("not a RIFF/WAVE file");
  }
  let format: { tag: number; channels: number; sampleRate: number; bits: number } | null = null;
  let offset = 12;
  while (offset + 8 <= file.length) {
    const id = file.toString("latin1", offset, offset + 4);
    const size = file.readUInt32LE(offset + 4);
    const start = offset + 8;
    // Streaming writers may leave the size at its maximum: take what is there.
    const end = Math.min(file.length, start + size);
    if (id === "fmt ") {
      if (end - start < 16) throw new WavError("fmt chunk too short");
      format = {
        tag: file.readUInt16LE(start),
        channels: file.readUInt16LE(start + 2),
        sampleRate: file.readUInt32LE(start + 4),
        bits: file.readUInt16LE(start + 14),
      };
    } else if (id === "data") {
      if (!format) throw new WavError("data chunk before fmt chunk");
      if (format.tag !== PCM && format.tag !== EXTENSIBLE) throw new WavError(`unsupported WAV format ${format.tag}`);
      if (format.bits !== 16) throw new WavError(`unsupported sample size ${format.bits} bits (16 expected)`);
      if (format.channels !== 1 && format.channels !== 2)
        throw new WavError(`unsupported channel count ${format.channels}`);
      const bytes = (end - start) & ~1;
      const samples = new Int16Array(bytes / 2);
      for (let i = 0; i < samples.length; i++) samples[i] = file.readInt16LE(start + i * 2);
      return { sampleRate: format.sampleRate, channels: format.channels, samples };
    }
    offset = start + size + (size % 2);
  }
  throw new WavError("no data chunk");
}
