import type { Config } from '../config';
import type { Session } from './sessions';
import { WebProblem } from './http-io';

/**
 * Who may do what on the operations page. One pure function decides, and both the rendering (which
 * buttons show) and every POST (which actions are taken) ask it.
 */

/** `none`: not a viewer (web.roles.viewers is set and does not name them). Ordered by power. */
export type Role = 'none' | 'viewer' | 'operator' | 'approver';

const RANK: Record<Role, number> = { none: 0, viewer: 1, operator: 2, approver: 3 };

/** Who asks: the user, and the groups of a verified OIDC token (no other sign-in asserts groups). */
export interface Person {
  user: string;
  groups?: readonly string[];
}

/** The part of the configuration roles are read from. */
export type RoleConfig = Pick<Config, 'approvals'> & { web: Pick<Config['web'], 'roles'> };

function names(person: Person, name: string, approvalGroups: Record<string, string[]>): boolean {
  return (
    name === person.user ||
    (person.groups ?? []).includes(name) ||
    (approvalGroups[name] ?? []).includes(person.user)
  );
}

/**
 * The role of a person: approver when in an approval group (by configuration or groups claim),
 * operator when web.roles.operators names them or one of their groups, else viewer (or none when
 * web.roles.viewers is set and names neither). Pure.
 */
export function roleOf(person: Person, config: RoleConfig): Role {
  const approvalGroups = config.approvals.groups;
  const member = (name: string) => names(person, name, approvalGroups);
  if (Object.keys(approvalGroups).some(member)) return 'approver';
  const roles = config.web.roles ?? { operators: [] };
  if (roles.operators.some(member)) return 'operator';
  if (roles.viewers && !roles.viewers.some(member)) return 'none';
  return 'viewer';
}

/** Whether `role` includes `needed` (an approver may operate; an operator may view). Pure. */
export function mayAct(role: Role, needed: Exclude<Role, 'none'>): boolean {
  return RANK[role] >= RANK[needed];
}

/** The person a session speaks for: only an OIDC session's groups came from a verified token. Pure. */
export function personOf(user: string, session: Session): Person {
  return session.via === 'oidc' && session.groups?.length ? { user, groups: session.groups } : { user };
}

/** Throws 403 unless `role` includes `needed`, naming the role needed and where it is configured. */
export function requireRole(role: Role, needed: Exclude<Role, 'none'>, user: string): void {
  if (mayAct(role, needed)) return;
  throw new WebProblem(
    403,
    'Refused',
    `Refused: ${user} is ${role === 'none' ? 'not a viewer' : `a ${role}`} here and this needs the ${needed} role (web.roles in the configuration, or an approval group).`,
  );
}
