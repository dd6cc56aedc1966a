/** What walking an MP3 file frame by frame found. */
export interface Mp3Walk {
  frames: number;
  sampleRate: number;
  mpegVersion: "1" | "2" | "2.5";
  channels: 1 | 2;
  seconds: number;
}

const BITRATES: Record<"1" | "2", number[]> = {
  "1": [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],
  "2": [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
};
const RATES: Record<"1" | "2" | "2.5", number[]> = {
  "1": [44100, 48000, 32000],
  "2": [22050, 24000, 16000],
  "2.5": [11025, 12000, 8000],
};

/**
 * Decodes every MPEG audio Layer III frame header from the start of the file to its end: each must
 * carry the sync word, Layer III, a valid bit rate and sample rate, and its length must land exactly
 * on the next header. Throws at the first byte that is not where a frame should be.
 */
export function walkMp3(file: Buffer): Mp3Walk {
  let offset = 0;
  let frames = 0;
  let samples = 0;
  let first: Omit<Mp3Walk, "frames" | "seconds"> | null = null;
  while (offset < file.length) {
    if (offset + 4 > file.length) throw new Error(`truncated frame header at byte ${offset}`);
    const b1 = file[offset + 1] ?? 0;
    const b2 = file[offset + 2] ?? 0;
    const b3 = file[offset + 3] ?? 0;
    if (file[offset] !== 0xff || (b1 & 0xe0) !== 0xe0) throw new Error(`no frame sync at byte ${offset}`);
    const versionBits = (b1 >> 3) & 3;
    if (versionBits === 1) throw new Error(`reserved MPEG version at byte ${offset}`);
    const version = versionBits === 3 ? "1" : versionBits === 2 ? "2" : "2.5";
    if (((b1 >> 1) & 3) !== 1) throw new Error(`not Layer III at byte ${offset}`);
    const bitrateIndex = b2 >> 4;
    const rateIndex = (b2 >> 2) & 3;
    if (bitrateIndex === 0 || bitrateIndex === 15) throw new Error(`bad bit rate index at byte ${offset}`);
    if (rateIndex === 3) throw new Error(`reserved sample rate at byte ${offset}`);
    const kbps = BITRATES[version === "1" ? "1" : "2"][bitrateIndex] ?? 0;
    const sampleRate = RATES[version][rateIndex] ?? 0;
    const padding = (b2 >> 1) & 1;
    const channels = b3 >> 6 === 3 ? 1 : 2;
    const perFrame = version === "1" ? 1152 : 576;
    const length = Math.floor(((perFrame / 8) * kbps * 1000) / sampleRate) + padding;
    if (first === null) first = { sampleRate, mpegVersion: version, channels };
    else if (first.sampleRate !== sampleRate) throw new Error(`sample rate changes at byte ${offset}`);
    if (offset + length > file.length) throw new Error(`frame at byte ${offset} runs past the end`);
    offset += length;
    frames++;
    samples += perFrame;
  }
  if (!first) throw new Error("no frames");
  return { ...first, frames, seconds: samples / first.sampleRate };
}
