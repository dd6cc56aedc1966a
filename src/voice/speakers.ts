/**
 * Characters of VOICEVOX's best-known style ids. Every voice's terms require crediting the character
 * (`VOICEVOX:ずんだもん`) wherever its audio is published, so a reaction is only voiced when its
 * character is known (from this table, or from the engine's `GET /speakers`).
 */
export const VOICEVOX_CHARACTERS: Readonly<Record<number, string>> = {
  0: "四国めたん",
  1: "ずんだもん",
  2: "四国めたん",
  3: "ずんだもん",
  4: "四国めたん",
  5: "ずんだもん",
  6: "四国めたん",
  7: "ずんだもん",
  8: "春日部つむぎ",
  9: "波音リツ",
  10: "雨晴はう",
  11: "玄野武宏",
  12: "白上虎太郎",
  13: "青山龍星",
  14: "冥鳴ひまり",
  15: "九州そら",
  16: "九州そら",
  17: "九州そら",
  18: "九州そら",
  19: "九州そら",
  20: "もち子さん",
  21: "剣崎雌雄",
  22: "ずんだもん",
};

/** The credit line for a character name, as the VOICEVOX terms ask for it. */
export function creditLine(character: string): string {
  return `VOICEVOX:${character}`;
}
