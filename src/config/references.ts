import type { ConfigFile, StageConfig } from './schema';

/** Checks what one key cannot check alone: group names exist, N of M is reachable, policy names are unique. Pure. */
export function checkReferences(file: ConfigFile): string[] {
  const approvals = file.approvals;
  if (approvals === undefined) return [];
  const groups = approvals.groups;
  const problems: string[] = [];
  const checkStage = (stage: ApproversConfig | undefined, key: string) => {
    if (stage !== undefined) problems.push(...stageProblems(stage, key, groups));
  };
  checkStage(approvals.default, 'approvals.default');
  checkStage(approvals.default.escalation, 'approvals.default.escalation');
  checkStage(approvals.default.costDelta, 'approvals.default.costDelta');
  const seen = new Set<string>();
  approvals.policies.forEach((policy, index) => {
    const key = `approvals.policies[${index}]`;
    if (seen.has(policy.name)) problems.push(`${key}.name: "${policy.name}" is used by an earlier policy`);
    seen.add(policy.name);
    checkStage(policy, key);
    checkStage(policy.escalation, `${key}.escalation`);
    checkStage(policy.costDelta, `${key}.costDelta`);
  });
  for (const [group, members] of Object.entries(groups)) {
    if (members.length === 0) problems.push(`approvals.groups.${group}: has no members`);
  }
  return problems;
}

/** What stages and `costDelta` share: groups that approve, and how many approvals they give. */
type ApproversConfig = Pick<StageConfig, 'approvers' | 'required'>;

function stageProblems(stage: ApproversConfig, key: string, groups: Record<string, string[]>): string[] {
  const known = Object.keys(groups);
  const problems: string[] = [];
  stage.approvers.forEach((group, index) => {
    if (!Object.hasOwn(groups, group)) {
      problems.push(
        `${key}.approvers[${index}]: unknown group "${group}": define it under approvals.groups (known: ${known.join(', ') || 'none'})`,
      );
    }
  });
  if (problems.length > 0) return problems;
  const members = stageMembers(stage.approvers, groups);
  if (stage.required > members.length) {
    problems.push(
      `${key}.required: needs ${stage.required} approvals but ` +
        `${stage.approvers.length === 1 ? 'group' : 'groups'} ${stage.approvers.join(', ')} ` +
        `${stage.approvers.length === 1 ? 'has' : 'have'} only ${members.length} member${members.length === 1 ? '' : 's'}`,
    );
  }
  return problems;
}

/** The distinct members of the named groups, in the order the groups list them. Pure. */
export function stageMembers(groupNames: readonly string[], groups: Record<string, string[]>): string[] {
  const members = new Set<string>();
  for (const name of groupNames) for (const member of groups[name] ?? []) members.add(member);
  return [...members];
}
