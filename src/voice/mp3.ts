import { Mp3Encoder } from "@breezystack/lamejs";
import { type Pcm, parseWav } from "./wav.js";

/** Sample rates an MP3 frame can carry (MPEG 1, 2 and 2.5). */
export const MP3_SAMPLE_RATES = [8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000] as const;

/** Bit rate of the spoken reactions: plenty for one voice, ~8 KB per second. */
export const MP3_KBPS = 64;

/** lamejs encodes most efficiently in blocks of whole MP3 frames (1152 samples). */
const BLOCK = 1152 * 8;

/**
 * The MP3 of `pcm`, a few frames at a time: each step encodes one block (a few milliseconds of CPU for
 * a block of 9,216 samples), so a caller can let other work run in between.
 */
function* mp3Parts(pcm: Pcm, kbps: number): Generator<Uint8Array> {
  if (!(MP3_SAMPLE_RATES as readonly number[]).includes(pcm.sampleRate)) {
    throw new Error(`cannot encode ${pcm.sampleRate} Hz as MP3 (supported: ${MP3_SAMPLE_RATES.join(", ")})`);
  }
  const encoder = new Mp3Encoder(pcm.channels, pcm.sampleRate, kbps);
  if (pcm.channels === 1) {
    for (let i = 0; i < pcm.samples.length; i += BLOCK) yield encoder.encodeBuffer(pcm.samples.subarray(i, i + BLOCK));
  } else {
    const frames = Math.floor(pcm.samples.length / 2);
    const left = new Int16Array(frames);
    const right = new Int16Array(frames);
    for (let i = 0; i < frames; i++) {
      left[i] = pcm.samples[2 * i] ?? 0;
      right[i] = pcm.samples[2 * i + 1] ?? 0;
    }
    for (let i = 0; i < frames; i += BLOCK) {
      yield encoder.encodeBuffer(left.subarray(i, i + BLOCK), right.subarray(i, i + BLOCK));
    }
  }
  yield encoder.flush();
}

const joined = (parts: Uint8Array[]) =>
  Buffer.concat(parts.map((p) => Buffer.from(p.buffer, p.byteOffset, p.byteLength)));

/** Encodes PCM samples as MP3 in JavaScript (no native encoder needed in the App or the Lambda). */
export function pcmToMp3(pcm: Pcm, kbps = MP3_KBPS): Buffer {
  return joined([...mp3Parts(pcm, kbps)]);
}

/** The VOICEVOX engine's WAV as MP3. */
export function wavToMp3(wav: Buffer, kbps = MP3_KBPS): Buffer {
  return pcmToMp3(parseWav(wav), kbps);
}

/**
 * The same MP3 as wavToMp3, letting the event loop run between blocks: encoding a 20-second clip
 * takes a few hundred milliseconds of CPU, which on the App's main thread would hold up every
 * webhook and badge meanwhile. (The Lambda, one request at a time, encodes in one go.)
 */
export async function wavToMp3InTurns(wav: Buffer, kbps = MP3_KBPS): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for (const part of mp3Parts(parseWav(wav), kbps)) {
    parts.push(part);
    await new Promise((next) => setImmediate(next));
  }
  return joined(parts);
}
