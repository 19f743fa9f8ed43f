// Users and their privileges as InfluxDB 1.x keeps them: a name, an admin flag, a salted password
// hash and one privilege per database. Pure values and the changes the catalog applies to them;
// never hashes a password itself (the hash arrives in the command, computed where the statement came in).

import { BadRequestError } from '../errors.js';

/** InfluxQL's privilege bits: READ and WRITE, ALL being both (1.x's influxql.Privilege). */
export const PRIVILEGE_NONE = 0;
export const PRIVILEGE_READ = 1;
export const PRIVILEGE_WRITE = 2;
export const PRIVILEGE_ALL = 3;
export type PrivilegeBits = 0 | 1 | 2 | 3;

/** The text SHOW GRANTS prints for each privilege. */
export function privilegeText(bits: PrivilegeBits): string {
  return ['NO PRIVILEGES', 'READ', 'WRITE', 'ALL PRIVILEGES'][bits]!;
}

export function isPrivilegeBits(value: unknown): value is PrivilegeBits {
  return value === 0 || value === 1 || value === 2 || value === 3;
}

export interface UserInfo {
  readonly name: string;
  readonly admin: boolean;
  /** `scrypt$…` text from password.ts: parameters, salt and key. Never a password. */
  readonly hash: string;
  /** Database → privilege, in the order first granted. */
  readonly privileges: ReadonlyMap<string, PrivilegeBits>;
}

/** What the query layer and the authenticator read: users in creation order (SHOW USERS order). */
export interface UserDirectory {
  userList(): readonly UserInfo[];
  user(name: string): UserInfo | undefined;
}

export type UserCommand =
  | { readonly kind: 'create-user'; readonly name: string; readonly hash: string; readonly admin: boolean }
  | { readonly kind: 'drop-user'; readonly name: string }
  | { readonly kind: 'set-password'; readonly name: string; readonly hash: string }
  | { readonly kind: 'set-admin'; readonly name: string; readonly admin: boolean }
  /** GRANT sets the privilege outright; REVOKE clears its bits from what the user holds (1.x). */
  | { readonly kind: 'grant-privilege'; readonly name: string; readonly db: string; readonly privilege: PrivilegeBits }
  | { readonly kind: 'revoke-privilege'; readonly name: string; readonly db: string; readonly privilege: PrivilegeBits };

export const USER_COMMAND_KINDS: ReadonlySet<string> = new Set(['create-user', 'drop-user', 'set-password', 'set-admin', 'grant-privilege', 'revoke-privilege']);

export type Users = ReadonlyMap<string, UserInfo>;

/** InfluxDB 1.x's meta errors, as statements report them. */
export const USER_NOT_FOUND = 'user not found';
export const USER_EXISTS = 'user already exists';
export const USERNAME_REQUIRED = 'username required';

/**
 * The users after `command`, or the same map when it changes nothing. `databaseExists` answers
 * for GRANT/REVOKE, which name a database. Throws InfluxDB's error for a refused command.
 */
export function applyUserCommand(users: Users, command: UserCommand, databaseExists: (name: string) => boolean): Users {
  if (command.kind === 'create-user') {
    if (command.name === '') throw new BadRequestError(USERNAME_REQUIRED);
    if (users.has(command.name)) throw new BadRequestError(USER_EXISTS);
    return withUser(users, { name: command.name, admin: command.admin, hash: command.hash, privileges: new Map() });
  }
  const user = users.get(command.name);
  if (user === undefined) throw new BadRequestError(USER_NOT_FOUND);
  switch (command.kind) {
    case 'drop-user': {
      const next = new Map(users);
      next.delete(command.name);
      return next;
    }
    case 'set-password':
      return withUser(users, { ...user, hash: command.hash });
    case 'set-admin':
      return user.admin === command.admin ? users : withUser(users, { ...user, admin: command.admin });
    case 'grant-privilege':
    case 'revoke-privilege': {
      if (!databaseExists(command.db)) throw new BadRequestError(`database not found: ${command.db}`);
      const held = user.privileges.get(command.db) ?? PRIVILEGE_NONE;
      const privilege = (command.kind === 'grant-privilege' ? command.privilege : held & ~command.privilege) as PrivilegeBits;
      const privileges = new Map(user.privileges);
      privileges.set(command.db, privilege);
      return withUser(users, { ...user, privileges });
    }
  }
}

/** A dropped database takes every user's privilege on it along (1.x's DropDatabase). */
export function forgetDatabasePrivileges(users: Users, db: string): Users {
  let next: Map<string, UserInfo> | undefined;
  for (const user of users.values()) {
    if (!user.privileges.has(db)) continue;
    next ??= new Map(users);
    const privileges = new Map(user.privileges);
    privileges.delete(db);
    next.set(user.name, { ...user, privileges });
  }
  return next ?? users;
}

function withUser(users: Users, user: UserInfo): Users {
  const next = new Map(users);
  next.set(user.name, user);
  return next;
}

/** Whether `user` may use `privilege` on `db` (1.x's UserInfo.AuthorizeDatabase). */
export function authorizesDatabase(user: UserInfo, privilege: PrivilegeBits, db: string): boolean {
  if (user.admin) return true;
  if (privilege === PRIVILEGE_NONE) return true;
  const held = user.privileges.get(db);
  return held !== undefined && (held === PRIVILEGE_ALL || held === privilege);
}

/**
 * User changes as statements ask for them, with passwords still in clear: the node that took the
 * statement turns them into UserCommands (hashing once, see user-commands.ts) before they are
 * replicated; nothing else may hold them.
 */
export type UserStatementCommand =
  | { readonly kind: 'create-user'; readonly name: string; readonly password: string; readonly admin: boolean }
  | { readonly kind: 'set-password'; readonly name: string; readonly password: string }
  | Exclude<UserCommand, { readonly kind: 'create-user' } | { readonly kind: 'set-password' }>;
