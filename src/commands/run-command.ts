import type { Octokit } from "../comments/deps.js";
import { codeSpan, inlineText, problemText, safeUrl } from "../comments/markdown.js";
import { commentMessages } from "../comments/messages.js";
import type { Locale } from "../comments/model.js";
import { chosenLook, type LookSettings } from "../domain/chosen-look.js";
import { currentOutfit, OUTFITS, type Outfit, outfitUnlockLevel, unlockedOutfits } from "../domain/outfits.js";
import type { DashState } from "../domain/state.js";
import type { RepoSettings } from "../github/repo-settings.js";
import { CARD_TOP } from "../render/card-model.js";
import { cardUrl, type ReadmeSnippet, readmeSnippets } from "../render/links.js";
import type { RepoRef, Store } from "../store/store.js";
import { DEFAULT_DISPLAY, loadRepoDash } from "../views/load-dash.js";
import { MAX_DASH_NAME, sanitizeDashName } from "./dash-name.js";
import { commandMessages } from "./messages.js";
import type { DashCommand } from "./parse.js";
import { type Access, hasAccess, type PermissionCache } from "./permissions.js";

/** Where a repo's card and README snippets live: the App's card routes, or the Action's state branch. */
export interface CommandLinks {
  card(owner: string, repo: string, state: DashState, token: string | null): string;
  snippets(owner: string, repo: string, token: string | null): ReadmeSnippet[];
}

/** Links to the App's own card routes under `publicUrl`. */
export function appLinks(publicUrl: string): CommandLinks {
  return {
    card: (owner, repo, state, token) => cardUrl(publicUrl, owner, repo, state, { token }),
    snippets: (owner, repo, token) => readmeSnippets(publicUrl, owner, repo, token),
  };
}

export interface CommandDeps {
  store: Store;
  permissions: PermissionCache;
  links: CommandLinks;
  now: () => Date;
  /** Told that a repo's badge token was rotated: cards kept under the old one are forgotten. */
  accessChanged?: (repoId: number) => void;
}

/** Who ran a command where. */
export interface CommandInput {
  octokit: Octokit;
  repo: RepoRef;
  login: string;
  settings: RepoSettings;
  command: DashCommand;
}

/** Access each command needs; everyone may look at Dash, ask for help and opt out or back in. */
export function accessNeeded(command: DashCommand): Access {
  switch (command.kind) {
    case "wear":
    case "name":
      return "write";
    case "badge":
      return command.rotate ? "admin" : "write";
    default:
      return "none";
  }
}

/** How a command is written in replies, e.g. `/dash badge rotate`. */
function commandLabel(command: DashCommand): string {
  if (command.kind === "badge") return codeSpan(command.rotate ? "/dash badge rotate" : "/dash badge");
  return codeSpan(`/dash ${command.kind}`);
}

// Outfit names in English and Japanese; `auto` goes back to the configured or newest unlocked one.
// A Map, not an object: names come from comments, and `constructor` or `__proto__` must stay unknown.
const OUTFIT_ALIASES: ReadonlyMap<string, Outfit | "auto"> = new Map<string, Outfit | "auto">([
  ...OUTFITS.map((o) => [o, o] as const),
  ["fall", "autumn"],
  ["auto", "auto"],
  ["いつもの", "normal"],
  ["ふつう", "normal"],
  ["春", "spring"],
  ["夏", "summer"],
  ["秋", "autumn"],
  ["冬", "winter"],
  ["自動", "auto"],
]);

/** Runs one command and returns the reply (Markdown). Checks the permission the command needs first. */
export async function runCommand(deps: CommandDeps, input: CommandInput): Promise<string> {
  const locale: Locale = input.settings.config.locale;
  const m = commandMessages(locale);
  const { command } = input;
  const need = accessNeeded(command);
  if (need !== "none") {
    const have = await deps.permissions.get(
      input.octokit,
      { id: input.repo.id, owner: input.repo.owner, name: input.repo.name },
      input.login,
    );
    if (!hasAccess(have, need)) return m.denied(commandLabel(command), need, have);
  }
  switch (command.kind) {
    case "status":
      return statusReply(deps, input, locale);
    case "help":
      return m.help;
    case "usage":
      return m.usage(command.command);
    case "unknown":
      return m.unknown(codeSpan(`/dash ${command.text}`, 60));
    case "optout":
    case "optin":
      await deps.store.setOptOut(input.repo.id, input.login, command.kind === "optout");
      return command.kind === "optout" ? m.optedOut : m.optedIn;
    case "wear":
      return wear(deps, input, command.outfit, locale);
    case "name":
      return rename(deps, input, command.name, locale);
    case "badge":
      return badge(deps, input, command.rotate, locale);
  }
}

/** Dash's level and name, and the look settings its card is drawn with. */
async function levelOf(deps: CommandDeps, repo: RepoRef): Promise<{ level: number; name: string; look: LookSettings }> {
  const record = await deps.store.upsertRepo(repo);
  const view = await loadRepoDash(deps.store, record.owner, record.name, {
    now: deps.now(),
    token: record.badgeToken,
    top: 1,
  });
  return {
    level: view?.state.level ?? 1,
    name: view?.state.name ?? record.dashName ?? record.display?.name ?? "Dash",
    look: view?.display ?? record.display ?? DEFAULT_DISPLAY,
  };
}

async function wear(deps: CommandDeps, input: CommandInput, text: string, locale: Locale): Promise<string> {
  const m = commandMessages(locale);
  const cm = commentMessages(locale);
  const choice = OUTFIT_ALIASES.get(text.toLowerCase());
  if (!choice) {
    const choices = OUTFITS.map((o) => `${codeSpan(o)} (${outfitUnlockLevel(o)})`).join(", ");
    return m.wearUnknown(codeSpan(text, 40), choices);
  }
  const { level, name, look } = await levelOf(deps, input.repo);
  const unlocked = unlockedOutfits(level);
  const safeName = inlineText(name, 40);
  if (choice === "auto") {
    await deps.store.setOutfit(input.repo.id, null);
    // Name what the card will show: with nothing worn, `.github/dash.yml`'s outfit (once unlocked) wins.
    const { chosenOutfit } = chosenLook(look, null);
    const wearing = currentOutfit(level, chosenOutfit);
    return wearing === chosenOutfit
      ? m.wearConfigured(safeName, cm.outfit(wearing))
      : m.wearAuto(safeName, cm.outfit(wearing));
  }
  if (!unlocked.includes(choice)) {
    return m.wearLocked(
      cm.outfit(choice),
      outfitUnlockLevel(choice),
      safeName,
      level,
      cm.list(unlocked.map((o) => cm.outfit(o))),
    );
  }
  await deps.store.setOutfit(input.repo.id, choice);
  return m.wearDone(safeName, cm.outfit(choice));
}

async function rename(deps: CommandDeps, input: CommandInput, raw: string, locale: Locale): Promise<string> {
  const m = commandMessages(locale);
  await deps.store.upsertRepo(input.repo);
  if (raw.trim().toLowerCase() === "reset") {
    await deps.store.setDashName(input.repo.id, null);
    return m.nameReset(inlineText(input.settings.config.name, MAX_DASH_NAME));
  }
  const checked = sanitizeDashName(raw);
  if (!checked.ok) return checked.reason === "empty" ? m.nameEmpty : m.nameTooLong(MAX_DASH_NAME);
  await deps.store.setDashName(input.repo.id, checked.name);
  return m.nameDone(inlineText(checked.name, MAX_DASH_NAME));
}

async function badge(deps: CommandDeps, input: CommandInput, rotate: boolean, locale: Locale): Promise<string> {
  const m = commandMessages(locale);
  const record = await deps.store.upsertRepo(input.repo);
  if (rotate && !record.private) return m.rotatePublic;
  const token = record.private ? (rotate ? await deps.store.rotateBadgeToken(record.id) : record.badgeToken) : null;
  if (rotate) deps.accessChanged?.(record.id);
  const lines = [rotate ? m.badgeRotated : m.badgeIntro, ""];
  for (const s of deps.links.snippets(record.owner, record.name, token)) {
    lines.push(`**${inlineText(s.title, 40)}**`, "", fenced(s.language, s.code), "");
  }
  if (record.private) lines.push(m.badgePrivate);
  return lines.join("\n").trimEnd();
}

/** A fenced code block that its content cannot close early. */
function fenced(language: string, code: string): string {
  const longest = Math.max(2, ...[...code.matchAll(/`+/g)].map((x) => x[0].length));
  const fence = "`".repeat(longest + 1);
  return `${fence}${language.replace(/[^a-z0-9-]/gi, "")}\n${code}\n${fence}`;
}

async function statusReply(deps: CommandDeps, input: CommandInput, locale: Locale): Promise<string> {
  const m = commandMessages(locale);
  const cm = commentMessages(locale);
  const record = await deps.store.getRepoById(input.repo.id);
  const view = record
    ? await loadRepoDash(deps.store, record.owner, record.name, {
        now: deps.now(),
        token: record.badgeToken,
        top: CARD_TOP,
      })
    : null;
  const problems = input.settings.problems.slice(0, 3).map((p) => problemText(p, 200));
  const problemLine = problems.length > 0 ? ["", cm.problems(problems.join("; "))] : [];
  if (!record || !view || view.state.fresh) {
    return [m.notFedYet(inlineText(view?.state.name ?? input.settings.config.name, 40)), ...problemLine].join("\n");
  }
  const { state } = view;
  const name = inlineText(state.name, 40);
  const card = safeUrl(deps.links.card(record.owner, record.name, state, record.private ? record.badgeToken : null));
  const lines: string[] = [];
  if (card) lines.push(`![${inlineText(cm.cardAlt(state.name, state.level, state.mood), 120)}](${card})`, "");
  lines.push(
    m.statusHeading(name, state.mood, state.level),
    `${m.statusNumbers(state.xp, state.xpToNextLevel, state.level + 1, state.totalFoods, state.foodsToday)}  `,
    m.statusOutfit(cm.outfit(state.outfit), cm.list(state.unlockedOutfits.map((o) => cm.outfit(o)))),
  );
  if (state.contributors.length > 0) {
    const top = state.contributors.map((c) => `${inlineText(c.login, 39)} (${c.xp} XP)`);
    lines.push("", m.statusTop(cm.list(top)));
  }
  lines.push(...problemLine);
  return lines.join("\n");
}
