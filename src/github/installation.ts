import type { Context } from "probot";
import type { RepoRef, Store } from "../store/store.js";
import { int, type Json, obj, str } from "./payload.js";

function reposOf(payload: Json, key: string, installationId: number | null): RepoRef[] {
  const list = Array.isArray(payload[key]) ? (payload[key] as unknown[]) : [];
  const fallbackOwner = str(obj(obj(payload.installation)?.account)?.login);
  const out: RepoRef[] = [];
  for (const raw of list) {
    const r = obj(raw);
    const id = int(r?.id);
    const [owner, name] = (str(r?.full_name) ?? "").split("/");
    const repoName = str(r?.name) ?? name;
    const repoOwner = owner || fallbackOwner;
    if (id === undefined || !repoName || !repoOwner) continue;
    out.push({ id, owner: repoOwner, name: repoName, private: r?.private === true, installationId });
  }
  return out;
}

/** `installation.*` and `installation_repositories.*`: remember which repos the App is installed on. */
export async function recordInstallation(context: Context, store: Store): Promise<void> {
  const payload = context.payload as Json;
  const installationId = int(obj(payload.installation)?.id) ?? null;
  const action = str(payload.action);
  if (installationId === null) {
    context.log.debug("ignored: installation event without installation id");
    return;
  }
  if (context.name === "installation" && action === "deleted") {
    await store.removeInstallation(installationId);
    return;
  }
  const added = reposOf(
    payload,
    context.name === "installation" ? "repositories" : "repositories_added",
    installationId,
  );
  for (const repo of added) await store.upsertRepo(repo, { installed: true });
  const removed = reposOf(payload, "repositories_removed", installationId);
  await store.setInstalled(
    removed.map((r) => r.id),
    false,
  );
  context.log.info({ installationId, added: added.length, removed: removed.length }, "installation updated");
}
