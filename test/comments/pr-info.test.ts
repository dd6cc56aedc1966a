import { describe, expect, it } from "vitest";
import { prOf } from "../../src/comments/pr-info.js";
import type { Json } from "../../src/github/payload.js";
import { dartPayload } from "../helpers/examples.js";

describe("prOf", () => {
  it("reads when GitHub last changed the PR, and whether the payload is its close or reopening", () => {
    const closed = dartPayload("pull_request", "closed") as Json;
    expect(prOf(closed)?.info).toMatchObject({
      open: false,
      stateAt: Date.parse(String((closed.pull_request as Json).updated_at)),
      changesState: true,
    });
    expect(prOf(dartPayload("pull_request", "reopened") as Json)?.info).toMatchObject({
      open: true,
      changesState: true,
    });
    const review = prOf(dartPayload("pull_request_review", "submitted") as Json)?.info;
    expect(review?.changesState).toBeUndefined();
    expect(review?.stateAt).toEqual(expect.any(Number));
    const undated = dartPayload("pull_request", "opened") as Json;
    (undated.pull_request as Json).updated_at = "not a time";
    expect(prOf(undated)?.info.stateAt).toBeUndefined();
  });
});
