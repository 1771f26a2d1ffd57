import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Reads Imply's public Cloud Manager API tutorial (a copy in fixtures/) into its steps, each with
 * its curl commands and documented outputs, so the tests replay the tutorial itself rather than a
 * retyped version of it.
 */

export const TUTORIAL_PATH = join(__dirname, 'fixtures', 'cloud-manager-api-tutorial.txt');
export const TUTORIAL_UID = 'def4e7c4-bc06-42f3-95cd-e7bff1885808';
export const TUTORIAL_HOST = 'https://{vanity_domain}.implycloud.com';

export interface TutorialStep {
  number: number;
  title: string;
  commands: string[];
  /** The documented outputs, as text (placeholders still in). */
  outputs: string[];
}

export interface Substitutions {
  baseUrl: string;
  uid: string;
  awsRole: string;
  deepStoragePath: string;
}

function readCommand(lines: string[], start: number): string {
  const collected = [lines[start]!];
  let index = start;
  const quotes = () => (collected.join('\n').match(/'/g) ?? []).length;
  while (index + 1 < lines.length && (collected.at(-1)!.endsWith('\\') || quotes() % 2 === 1)) {
    index++;
    if (lines[index] === '' && quotes() % 2 === 0) break;
    collected.push(lines[index]!);
  }
  return collected.join('\n');
}

function readJson(lines: string[], start: number): string {
  let depth = 0;
  const collected: string[] = [];
  for (let index = start; index < lines.length; index++) {
    const line = lines[index]!;
    collected.push(line);
    depth += (line.match(/[{[]/g) ?? []).length - (line.match(/[}\]]/g) ?? []).length;
    if (depth === 0) break;
  }
  return collected.join('\n');
}

function readStep(number: number, title: string, lines: string[]): TutorialStep {
  const commands: string[] = [];
  const outputs: string[] = [];
  for (let index = 0; index < lines.length; index++) {
    if (lines[index]!.startsWith('curl ')) commands.push(readCommand(lines, index));
    if (lines[index] === 'Output:') {
      const open = lines.findIndex((line, at) => at > index && line === '{');
      if (open > 0) outputs.push(readJson(lines, open));
    }
  }
  return { number, title, commands, outputs };
}

/** The tutorial's steps, in order. */
export function readTutorial(): TutorialStep[] {
  const lines = readFileSync(TUTORIAL_PATH, 'utf8').split('\n');
  const steps: TutorialStep[] = [];
  let current: { number: number; title: string; lines: string[] } | undefined;
  for (const line of lines) {
    const heading = /^Step (\d+): (.+)$/.exec(line);
    if (heading) {
      if (current) steps.push(readStep(current.number, current.title, current.lines));
      current = { number: Number(heading[1]), title: heading[2]!, lines: [] };
    } else current?.lines.push(line);
  }
  if (current) steps.push(readStep(current.number, current.title, current.lines));
  return steps;
}

/** Fills the tutorial's placeholders (in commands and outputs alike). */
export function substitute(text: string, values: Substitutions): string {
  return text
    .split(TUTORIAL_HOST)
    .join(values.baseUrl)
    .split(TUTORIAL_UID)
    .join(values.uid)
    .split('{aws_role}')
    .join(values.awsRole)
    .split('{deepstorage_path}')
    .join(values.deepStoragePath);
}

/**
 * The tutorial quotes its header as 'Authorization: Bearer ${IMPLY_TOKEN}': single quotes stop the
 * shell from expanding the variable, so pasted as is it sends the literal text. Double quotes fix it.
 */
export function expandTokenHeader(command: string): string {
  return command
    .split("'Authorization: Bearer ${IMPLY_TOKEN}'")
    .join('"Authorization: Bearer ${IMPLY_TOKEN}"');
}
