import { InvalidArgumentError, type Command, type Option } from 'commander';

/**
 * `imply-runbooks completion bash|zsh|fish`: a completion script built from the command tree itself,
 * so it never lists a command or flag the CLI does not have.
 */

const SHELLS = ['bash', 'zsh', 'fish'] as const;
type Shell = (typeof SHELLS)[number];

interface Node {
  /** `schedule create`, or '' for the program itself. */
  path: string;
  commands: Array<{ name: string; description: string }>;
  options: Array<{ flag: string; description: string }>;
}

function flagsOf(options: readonly Option[]): Node['options'] {
  return options.flatMap((option) =>
    option.long ? [{ flag: option.long, description: option.description }] : [],
  );
}

/** Every command with its subcommands and long options, depth first. Pure. */
export function commandTree(program: Command): Node[] {
  const nodes: Node[] = [];
  const visit = (command: Command, path: string[]) => {
    nodes.push({
      path: path.join(' '),
      commands: command.commands.map((child) => ({ name: child.name(), description: child.description() })),
      options: [...flagsOf(command.options), { flag: '--help', description: 'show help' }],
    });
    for (const child of command.commands) visit(child, [...path, child.name()]);
  };
  visit(program, []);
  return nodes;
}

function quote(text: string): string {
  return `'${text.replace(/'/g, "'\\''")}'`;
}

function bashScript(nodes: Node[]): string {
  const cases = nodes
    .map((node) => {
      const words = [
        ...node.commands.map((command) => command.name),
        ...node.options.map((option) => option.flag),
      ];
      return `    ${quote(node.path)}) words=${quote(words.join(' '))} ;;`;
    })
    .join('\n');
  return `# imply-runbooks completion for bash: source <(imply-runbooks completion bash)
_imply_runbooks() {
  local path="" word words i
  for ((i = 1; i < COMP_CWORD; i++)); do
    word="\${COMP_WORDS[i]}"
    [[ "$word" == -* ]] && continue
    case "\${path:+$path }$word" in
${nodes
  .filter((node) => node.path !== '')
  .map((node) => `      ${quote(node.path)}) path=${quote(node.path)} ;;`)
  .join('\n')}
    esac
  done
  case "$path" in
${cases}
    *) words="" ;;
  esac
  COMPREPLY=($(compgen -W "$words" -- "\${COMP_WORDS[COMP_CWORD]}"))
}
complete -F _imply_runbooks imply-runbooks
`;
}

function zshScript(nodes: Node[]): string {
  return `# imply-runbooks completion for zsh: source <(imply-runbooks completion zsh)
autoload -U +X bashcompinit && bashcompinit
${bashScript(nodes)}`;
}

function fishScript(nodes: Node[]): string {
  const lines = [
    '# imply-runbooks completion for fish: imply-runbooks completion fish | source',
    'complete -c imply-runbooks -f',
  ];
  for (const node of nodes) {
    const words = node.path === '' ? [] : node.path.split(' ');
    const condition =
      words.length === 0
        ? '__fish_use_subcommand'
        : words.map((word) => `__fish_seen_subcommand_from ${word}`).join('; and ');
    for (const command of node.commands) {
      lines.push(
        `complete -c imply-runbooks -n ${quote(condition)} -a ${quote(command.name)} -d ${quote(command.description)}`,
      );
    }
    for (const option of node.options) {
      lines.push(
        `complete -c imply-runbooks -n ${quote(condition)} -l ${option.flag.slice(2)} -d ${quote(option.description)}`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

/** The completion script of `shell` for this program. Pure. */
export function completionScript(program: Command, shell: Shell): string {
  const nodes = commandTree(program);
  if (shell === 'bash') return bashScript(nodes);
  if (shell === 'zsh') return zshScript(nodes);
  return fishScript(nodes);
}

/** Adds `imply-runbooks completion <shell>`. */
export function registerCompletionCommand(program: Command): void {
  program
    .command('completion')
    .description('Print a shell completion script: source <(imply-runbooks completion bash)')
    .argument('<shell>', 'bash, zsh or fish', (value: string) => {
      if (!(SHELLS as readonly string[]).includes(value)) {
        throw new InvalidArgumentError(`give bash, zsh or fish, not "${value}"`);
      }
      return value as Shell;
    })
    .action((shell: Shell) => {
      process.stdout.write(completionScript(program, shell));
    });
}
