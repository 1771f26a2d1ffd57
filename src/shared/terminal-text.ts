/**
 * Text that came from the API or from people, made safe to print in a terminal and to paste into a
 * shell. A cluster name may hold a newline or an escape sequence (the API allows them): printed raw,
 * it could forge lines of output or hide what a pasted command does. Pure; no Node built-ins, so
 * the CLI, the triggers and the workflows can all use it.
 */

/** C0 controls, DEL, C1 controls, the line and paragraph separators and the bidirectional overrides. */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function escapeOne(character: string): string {
  const named = NAMED[character];
  if (named) return named;
  const code = character.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16)}`;
}

/** The text with every control character written as an escape (`\x1b`, `\n`), backslashes kept. Pure. */
export function escapeControlCharacters(text: string): string {
  return text.replace(UNSAFE, escapeOne);
}

/** True when printing the text raw could move the cursor, start a line or reorder what is shown. Pure. */
export function hasControlCharacters(text: string): boolean {
  return new RegExp(UNSAFE.source).test(text);
}

/**
 * The text as one POSIX shell word: left bare when it holds only characters no shell treats
 * specially, else single-quoted (`'lifecycle:a;touch pwned;#'`), with `'` written as `'\''`. Pure.
 */
export function shellQuote(text: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(text)) return text;
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/**
 * Refuses a name that holds a control character, naming the field, the character and the fix.
 * Used where names enter the product (the CLI, the triggers); printing escapes them anyway.
 */
export function refuseControlCharacters(value: string, field: string): void {
  const match = new RegExp(UNSAFE.source).exec(value);
  if (!match) return;
  throw new Error(
    `${field} "${escapeControlCharacters(value)}" holds the control character ${escapeOne(match[0])} ` +
      `at position ${match.index + 1}: names are printed in terminals and pasted into shells, so use ` +
      'printable characters only',
  );
}

/** JSON text with the characters JSON.stringify leaves raw (DEL, C1, separators, overrides) as `\uXXXX`. Pure. */
export function escapeJsonText(json: string): string {
  // JSON.stringify already escapes C0 inside strings; the newlines left are the layout's own.
  return json.replace(
    /[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g,
    (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
