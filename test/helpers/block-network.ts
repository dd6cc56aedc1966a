import nock from "nock";
import { afterEach } from "vitest";

// Tests never reach the internet: only loopback servers started by the tests themselves answer.
nock.disableNetConnect();
nock.enableNetConnect((host) => /^(127\.0\.0\.1|localhost|\[::1\]|::1)(:\d+)?$/.test(host));

afterEach(() => {
  // A mock left unused means the code under test did not make a call the test expected.
  const pending = nock.pendingMocks();
  nock.cleanAll();
  if (pending.length > 0) throw new Error(`Unused HTTP mocks: ${pending.join(", ")}`);
});
