import { readFileSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as core from "@actions/core";
import { getOctokit } from "@actions/github";
import { actionCommandRunner } from "../../src/action/commands.js";
import { readInputs } from "../../src/action/inputs.js";
import { defaultBranchOf, readRepoConfig } from "../../src/action/repo-config-file.js";
import { ActionConfigError, runAction } from "../../src/action/run-action.js";
import {
  cardFileOf,
  ledgerCommentModel,
  stateBranchCardUrl,
  upsertStickyComment,
} from "../../src/action/sticky-comment.js";
import { renderComment } from "../../src/comments/render-comment.js";
import { repoRefOf } from "../../src/github/repo-ref.js";
import { fedCardModel, notFedCardModel } from "../../src/render/card-model.js";
import { loadCardFonts } from "../../src/render/fonts.js";
import { CardRenderer } from "../../src/render/renderer.js";
import { initWasm } from "./resvg-wasm.js";

/** The Action's entry: read the runner's environment and inputs, wire the shared core, write outputs. */
async function main(): Promise<void> {
  const env = process.env;
  const here = dirname(fileURLToPath(import.meta.url));
  const inputs = readInputs((name) => core.getInput(name));
  const eventPath = env.GITHUB_EVENT_PATH;
  const [owner, repo] = (env.GITHUB_REPOSITORY ?? "").split("/");
  if (!eventPath || !owner || !repo) {
    throw new ActionConfigError(
      "GITHUB_EVENT_PATH and GITHUB_REPOSITORY are not set: run this inside a GitHub workflow.",
    );
  }
  const payload = JSON.parse(readFileSync(eventPath, "utf8")) as Record<string, unknown>;
  const api = getOctokit(inputs["github-token"], env.GITHUB_API_URL ? { baseUrl: env.GITHUB_API_URL } : {});
  // From the default branch, never the checkout: a pull request must not set the rules it is fed by.
  const { config, problems } = await readRepoConfig(api, { owner, repo, ref: defaultBranchOf(payload) });
  for (const p of problems) core.warning(`.github/dash.yml: ${p}`);

  await initWasm(readFileSync(join(here, "resvg.wasm")));
  const renderer = new CardRenderer(await loadCardFonts((file) => join(here, "fonts", basename(file))));
  const serverUrl = env.GITHUB_SERVER_URL ?? "https://github.com";
  const now = () => new Date();
  const repoRef = repoRefOf(payload);

  const result = await runAction({
    api,
    inputs,
    config,
    now,
    run: {
      eventName: env.GITHUB_EVENT_NAME ?? "",
      payload,
      owner,
      repo,
      runId: env.GITHUB_RUN_ID ?? "local",
      serverUrl,
    },
    log: { info: core.info, notice: core.notice, warning: core.warning },
    renderCard: async (state, lang) => {
      const options = { theme: "light" as const, lang, style: "card" as const };
      const model = state.fresh ? notFedCardModel(state.subject, options) : fedCardModel(state, options, now());
      const svg = (await renderer.render(model, "svg")).body.toString("utf8");
      const png = inputs.formats.includes("png") ? (await renderer.render(model, "png")).body : undefined;
      return { svg, png };
    },
    runCommand: repoRef
      ? actionCommandRunner({
          octokit: api,
          repo: repoRef,
          serverUrl,
          branch: inputs["state-branch"],
          formats: inputs.formats,
          problems,
          now,
        })
      : undefined,
    reply: async (body) => {
      const issueNumber = (payload.issue as { number?: number } | undefined)?.number;
      if (issueNumber) await api.rest.issues.createComment({ owner, repo, issue_number: issueNumber, body });
    },
    upsertComment: async (prNumber, ledger, state, feed, { create, knownId }) => {
      const merged = (payload.pull_request as { merged?: boolean } | undefined)?.merged === true;
      const cardUrl = stateBranchCardUrl(
        serverUrl,
        owner,
        repo,
        inputs["state-branch"],
        state,
        cardFileOf(inputs.formats),
      );
      const model = ledgerCommentModel(ledger, state, {
        prNumber,
        locale: inputs.locale || config.locale,
        cardUrl,
        merged,
        problems,
      });
      const result = await upsertStickyComment(api, { owner, repo, prNumber }, renderComment(model), {
        create,
        knownId,
      });
      core.info(`Dash comment on #${prNumber}: ${result.done} (fed ${feed.applied.length} item(s) this run).`);
      return result;
    },
  });

  if (result.state) {
    const cardPath = join(env.RUNNER_TEMP ?? here, "dash.svg");
    if (result.card) writeFileSync(cardPath, result.card.svg);
    core.setOutput("level", String(result.state.level));
    core.setOutput("xp", String(result.state.xp));
    core.setOutput("card-path", cardPath);
    if (result.summary) await core.summary.addRaw(result.summary, true).write();
  }
  core.setOutput("foods", String(result.foods));
}

main().catch((err: unknown) => {
  // The one place errors end the run: a clear line in the log and a failed step, never a stack for config mistakes.
  if (err instanceof ActionConfigError) core.setFailed(err.message);
  else core.setFailed(`ReposiTori failed: ${(err as Error)?.message ?? String(err)}`);
});
