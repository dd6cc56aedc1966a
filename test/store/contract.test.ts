import { expect, it } from "vitest";
import { forEachStore } from "../helpers/stores.js";

forEachStore((name, open) => {
  it(`opens a migrated ${name} store that answers ping`, async () => {
    const store = await open();
    await store.ping();
    expect(await store.getRepo("nobody", "nothing")).toBeNull();
  });
});
