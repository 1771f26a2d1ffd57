/** Types for scripts/tools/chromium.js (plain Node: npm postinstall uses it too). */
export interface ResolvedChromium {
  executablePath: string;
  /** Extra environment variables the binary needs (the project's build: its libraries and fonts). */
  env: Record<string, string>;
  source: 'CHROMIUM_PATH' | 'system' | 'project';
}
export const INSTALL_COMMAND: string;
export const PROJECT_DIR: string;
export const SYSTEM_CHROMIUMS: string[];
export function howToFix(): string;
export function isExecutableFile(file: string): boolean;
export function projectChromium(dir?: string): Omit<ResolvedChromium, 'source'>;
export function resolveChromium(
  env?: NodeJS.ProcessEnv,
  options?: { systemCandidates?: string[]; projectDir?: string },
): ResolvedChromium;
