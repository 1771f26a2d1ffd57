import { z } from 'zod';
import { zodIssuesToDetails } from '../cloud-manager/validation';
import { EmulatorHttpError } from './http-io';

/**
 * How faithful to which source the emulator is, set at start (options, CLI flags) and at run time
 * (`PUT /_emulator/mode`). See docs/emulator.md, "Modes".
 */

export const emulatorModeSchema = z.strictObject({
  /**
   * Like the real API, clusters carry spec and status fields we do not model (docs/emulator.md);
   * bodies may send fields we do not model back, and a PUT that leaves one out resets it.
   */
  realistic: z.boolean(),
  /** Answers leave `spec.desiredState` out, as the tutorial's outputs do (the API reference shows it). */
  tutorialOutputs: z.boolean(),
});
export type EmulatorMode = z.infer<typeof emulatorModeSchema>;

export const DEFAULT_MODE: EmulatorMode = { realistic: false, tutorialOutputs: false };

/** Checks a partial mode; throws a 400 BadArgument naming each bad field. Pure. */
export function parseMode(input: unknown): Partial<EmulatorMode> {
  const result = emulatorModeSchema.partial().safeParse(input);
  if (result.success) return result.data;
  const details = zodIssuesToDetails(result.error.issues, input);
  const listing = details.map((detail) => `${detail.target}: ${detail.message}`).join('; ');
  throw new EmulatorHttpError(400, 'BadArgument', `Invalid emulator mode: ${listing}`, details);
}

/** The current mode; changes apply to the requests that follow. */
export class ModeSettings {
  private mode: EmulatorMode;

  constructor(initial: Partial<EmulatorMode> = {}) {
    this.mode = { ...DEFAULT_MODE, ...definedOnly(initial) };
  }

  get(): EmulatorMode {
    return { ...this.mode };
  }

  set(changes: Partial<EmulatorMode>): EmulatorMode {
    this.mode = { ...this.mode, ...definedOnly(changes) };
    return this.get();
  }
}

function definedOnly(changes: Partial<EmulatorMode>): Partial<EmulatorMode> {
  return Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== undefined));
}
