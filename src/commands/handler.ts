import type { ApplicationFunction, Context } from "probot";
import type { Octokit } from "../comments/deps.js";
import { settingsFor } from "../github/feed-event.js";
import { actorOf, int, type Json, obj, str } from "../github/payload.js";
import { repoRefOf } from "../github/repo-ref.js";
import type { RepoSettingsCache } from "../github/repo-settings.js";
import { parseCommand } from "./parse.js";
import type { CommandRateLimit } from "./rate-limit.js";
import { type CommandDeps, runCommand } from "./run-command.js";

export interface CommandsAppDeps extends CommandDeps {
  settings: RepoSettingsCache;
  limit: CommandRateLimit;
}

/** `/dash …` commands in new issue and pull request comments. */
export function commandsApp(deps: CommandsAppDeps): ApplicationFunction {
  return (app) => {
    app.on("issue_comment.created", (context) => onComment(deps, context));
  };
}

async function onComment(deps: CommandsAppDeps, context: Context): Promise<void> {
  const log = context.log;
  const payload = context.payload as Json;
  const comment = obj(payload.comment);
  const author = actorOf(comment?.user);
  const sender = actorOf(payload.sender);
  // Never answer a bot, this App included: two bots answering each other would never stop.
  if (!comment || !author || author.isBot || sender?.isBot || comment.performed_via_github_app) {
    log.debug("ignored: comment by a bot");
    return;
  }
  const command = parseCommand(str(comment.body) ?? "");
  if (!command) return;
  const repo = repoRefOf(payload);
  const issueNumber = int(obj(payload.issue)?.number);
  if (!repo || issueNumber === undefined) {
    log.debug("ignored: comment without repository or issue");
    return;
  }
  const settings = await settingsFor(context, deps, repo);
  if (!settings.feeds) {
    log.debug({ reason: settings.reason }, "ignored: /dash command where Dash is not fed");
    return;
  }
  if (!deps.limit.allow(repo.id, author.login)) {
    log.info({ repo: `${repo.owner}/${repo.name}`, command: command.kind }, "ignored: too many /dash commands");
    return;
  }
  const octokit = context.octokit as Octokit;
  const body = await runCommand(deps, { octokit, repo, login: author.login, settings, command });
  await octokit.rest.issues.createComment({ owner: repo.owner, repo: repo.name, issue_number: issueNumber, body });
  log.info({ repo: `${repo.owner}/${repo.name}`, command: command.kind }, "answered a /dash command");
}
