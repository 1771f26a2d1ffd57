import assert from 'node:assert/strict';
import { ConfigFileError, parseConfigText } from '../../src/config';

/** The problems a configuration file's text yields, one per key; fails the test when it is accepted. */
export function configProblems(text: string): string[] {
  try {
    parseConfigText(text);
  } catch (error) {
    assert.ok(error instanceof ConfigFileError, `expected ConfigFileError, got ${String(error)}`);
    return error.problems;
  }
  assert.fail('the configuration was accepted');
}
