/** A promise the test resolves by hand: a gate a fake holds a call at, or word that a call got there. */
export function signal(): { promise: Promise<void>; fire: () => void } {
  let fire: () => void = () => undefined;
  const promise = new Promise<void>((done) => {
    fire = done;
  });
  return { promise, fire };
}
