/**
 * A repo's settings (`.github/dash.yml`) changed, or every repo's (the owner's `.github` repository);
 * or who may see a repo's card changed (`access`: its badge token was rotated, or it turned private),
 * which leaves its settings as they are.
 */
export type SettingsChange =
  | { repoId: number; access?: true }
  /** `missed`: the bus lost its connection for a while, so any change (an access change too) may have been missed. */
  | { all: true; missed?: true };

/**
 * Tells the replicas sharing a database that settings changed, so that each drops its cached copy
 * instead of feeding by the old rules until the copy expires. A push reaches one replica only.
 */
export interface SettingsBus {
  /** Tells the other replicas; never rejects (a failure is logged: their copies expire anyway). */
  publish(change: SettingsChange): Promise<void>;
  subscribe(listener: (change: SettingsChange) => void): void;
  close(): Promise<void>;
}
