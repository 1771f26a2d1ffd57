import { escapeControlCharacters, hasControlCharacters } from './terminal-text';

/**
 * Who asks and why, checked the same way wherever a change enters: the CLI's `--as` and `--reason`,
 * the trigger endpoint's `requester` and `reason`. Each check returns the problem, or undefined. Pure.
 */

/** A user name: letters, digits and `. _ @ + -`, 1 to 128 of them. */
export const USER_NAME_PATTERN = /^[A-Za-z0-9._@+-]{1,128}$/;
/** The longest reason kept with a change: approvers read it on one screen. */
export const MAX_REASON_LENGTH = 500;

/** Why `name` cannot name a person, or undefined when it can. Pure. */
export function userNameProblem(name: string): string | undefined {
  if (USER_NAME_PATTERN.test(name)) return undefined;
  const shown = name.length > 40 ? `${name.slice(0, 40)}…` : name;
  return `"${escapeControlCharacters(shown)}" is not a user name: letters, digits and . _ @ + - only, at most 128`;
}

/** Why `reason` cannot be kept as a change's reason, or undefined when it can. Pure. */
export function reasonProblem(reason: string): string | undefined {
  if (reason.length > MAX_REASON_LENGTH) {
    return `at most ${MAX_REASON_LENGTH} characters (got ${reason.length}): say why in a sentence or two and link the rest`;
  }
  if (hasControlCharacters(reason)) {
    return 'holds a control character (a newline, an escape sequence): write it on one line of printable text';
  }
  return undefined;
}

/** Throws `problem` about `field` when a check found one: for the CLI, where a flag names the field. */
export function refuseProblem(field: string, problem: string | undefined): void {
  if (problem) throw new Error(`${field}: ${problem}`);
}
