import examples from "@octokit/webhooks-examples" with { type: "json" };

type Payload = Record<string, unknown>;

/** Every recorded real payload of `event` (optionally only those with `action`), deep-copied. */
export function examplesOf(event: string, action?: string): Payload[] {
  const entry = (examples as unknown as { name: string; examples: Payload[] }[]).find((e) => e.name === event);
  if (!entry) throw new Error(`no examples for ${event}`);
  return entry.examples.filter((p) => action === undefined || p.action === action).map((p) => structuredClone(p));
}

/** The first recorded payload of `event`/`action`, adjusted the way the tests need (a Dart repo with an installation). */
export function dartPayload(event: string, action?: string, pick: (p: Payload) => boolean = () => true): Payload {
  const payload = examplesOf(event, action).find(pick);
  if (!payload) throw new Error(`no matching example for ${event}.${action}`);
  const repo = payload.repository as Payload;
  repo.language = "Dart";
  payload.installation ??= { id: 1, node_id: "MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uMQ==" };
  return payload;
}

/** Points a recorded payload at another repository, as a Dart repo of an installed App. */
export function asDartRepo(payload: Payload, repo: { id: number; owner: string; name: string }): Payload {
  const repository = payload.repository as Payload;
  Object.assign(repository, {
    id: repo.id,
    name: repo.name,
    full_name: `${repo.owner}/${repo.name}`,
    language: "Dart",
    private: false,
  });
  Object.assign(repository.owner as Payload, { login: repo.owner, name: repo.owner });
  payload.installation = { id: 1, node_id: "MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uMQ==" };
  return payload;
}
