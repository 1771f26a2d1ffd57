import { checkedUserName } from './lifecycle-input';

/** Who decides: `--as`, else IMPLY_RUNBOOKS_USER; never the OS user, so nobody decides by accident. Pure. */
export function deciderIdentity(as: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  if (as?.trim()) return checkedUserName(as.trim(), '--as');
  const identity = env.IMPLY_RUNBOOKS_USER?.trim();
  if (identity) return checkedUserName(identity, 'IMPLY_RUNBOOKS_USER');
  throw new Error(
    'who is deciding? Pass --as <user> or set IMPLY_RUNBOOKS_USER (the OS user name is not used for decisions)',
  );
}
