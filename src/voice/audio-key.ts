import { createHash } from "node:crypto";
import { MP3_KBPS } from "./mp3.js";

/** Changes whenever the bytes written for the same line would change (encoder, bit rate). */
const AUDIO_FORMAT = `mp3-${MP3_KBPS}k-v1`;

/** `audio/<64 hex>.mp3`: what every stored reaction's key looks like. */
export const AUDIO_KEY = /^audio\/([0-9a-f]{64})\.mp3$/;

/**
 * The content address of a spoken line: a hash of the engine version, the speaker style, the audio
 * format and the text. The same line is synthesised once and reused forever; an engine upgrade gets
 * new keys instead of silently mixing voices.
 */
export function audioKey(input: { engineVersion: string; speaker: number; text: string }): string {
  const hash = createHash("sha256")
    .update(["voicevox", input.engineVersion, String(input.speaker), AUDIO_FORMAT, input.text].join("\u0000"))
    .digest("hex");
  return `audio/${hash}.mp3`;
}
