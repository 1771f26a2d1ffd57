/** Types for scripts/install-compose.js (plain Node: it runs as npm postinstall). */
export const INSTALL_COMMAND: string;
export function composeInvocation(target?: string): {
  command: string;
  args: string[];
  env: Record<string, string>;
};
/** A problem description, or undefined when .tools/compose runs the pinned docker-compose. */
export function checkCompose(target?: string): string | undefined;
