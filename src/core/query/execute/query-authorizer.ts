// Who may run which statement on which database, as InfluxDB 1.6.7's meta.QueryAuthorizer and
// influxql's RequiredPrivileges decide it (checked against influxd 1.6.7 with auth enabled).
// Pure: it reads the users it is given and throws ForbiddenError with 1.6.7's exact text.

import { ForbiddenError } from '../../errors.js';
import { authorizesDatabase, PRIVILEGE_NONE, PRIVILEGE_READ, PRIVILEGE_WRITE, type PrivilegeBits, type UserDirectory, type UserInfo } from '../../meta/users.js';
import type { SelectStatement, Statement } from '../language/ast.js';
import { statementString } from '../language/statement-string.js';

/** One privilege a statement needs: admin, or a privilege on a database ('' = the request's). */
export type RequiredPrivilege = { readonly admin: true } | { readonly admin: false; readonly db: string; readonly privilege: PrivilegeBits };

const ADMIN: RequiredPrivilege = { admin: true };
const read = (db: string | undefined): RequiredPrivilege => ({ admin: false, db: db ?? '', privilege: PRIVILEGE_READ });
const write = (db: string | undefined): RequiredPrivilege => ({ admin: false, db: db ?? '', privilege: PRIVILEGE_WRITE });

function selectPrivileges(s: SelectStatement): RequiredPrivilege[] {
  const out: RequiredPrivilege[] = [];
  for (const source of s.sources) {
    if (source.kind === 'subquery') out.push(...selectPrivileges(source.statement));
    else out.push(read(source.database));
  }
  if (s.target !== undefined) out.push(write(s.target.database));
  return out;
}

/**
 * influxql 1.6's RequiredPrivileges, in its order. Deliberately stricter than 1.6.7 in one place:
 * 1.6.7 lets anyone run SHOW MEASUREMENT EXACT / TAG KEY / TAG VALUES / FIELD KEY cardinality on
 * any database; here they need READ like every other SHOW of a database's contents.
 */
export function requiredPrivileges(statement: Statement): RequiredPrivilege[] {
  switch (statement.kind) {
    case 'select':
      return selectPrivileges(statement);
    case 'explain':
      return selectPrivileges(statement.statement);
    case 'delete':
    case 'drop-series':
      return [write('')];
    case 'show-databases':
      return [{ admin: false, db: '', privilege: PRIVILEGE_NONE }];
    case 'show-retention-policies':
    case 'show-measurements':
    case 'show-series':
    case 'show-tag-keys':
    case 'show-tag-values':
    case 'show-field-keys':
    case 'show-measurement-cardinality':
    case 'show-series-cardinality':
    case 'show-tag-key-cardinality':
    case 'show-tag-values-cardinality':
    case 'show-field-key-cardinality':
      return [read(statement.database)];
    case 'show-continuous-queries':
    case 'show-queries':
      return [read('')];
    case 'drop-retention-policy':
    case 'drop-continuous-query':
      return [write(statement.database)];
    case 'create-continuous-query':
      return [read(statement.database), ...selectPrivileges(statement.statement)];
    default:
      return [ADMIN];
  }
}

function privilegeName(privilege: PrivilegeBits): string {
  return ['NO PRIVILEGES', 'READ', 'WRITE', 'ALL PRIVILEGES'][privilege]!;
}

function refuse(message: string): ForbiddenError {
  return new ForbiddenError(`error authorizing query: ${message}`);
}

/**
 * Throws what InfluxDB 1.6.7 answers (403) when `user` may not run `statements` with `db` as the
 * request database. With no users at all only a query starting with CREATE USER … WITH ALL
 * PRIVILEGES passes; with users but no credentials (no admin exists, so none were asked) nothing does.
 */
export function authorizeQuery(input: { readonly users: UserDirectory; readonly user: UserInfo | null; readonly statements: readonly Statement[]; readonly db: string }): void {
  const { users, user, statements, db } = input;
  if (users.userList().length === 0) {
    const first = statements[0];
    if (first?.kind === 'create-user' && first.admin) return;
    throw refuse('create admin user first or disable authentication');
  }
  if (user === null) throw refuse('no user provided');
  if (user.admin) return;
  for (const statement of statements) {
    for (const required of requiredPrivileges(statement)) {
      if (required.admin) throw refuse(`${user.name} not authorized to execute statement '${statementString(statement)}', requires admin privilege`);
      const target = required.db !== '' ? required.db : db;
      if (!authorizesDatabase(user, required.privilege, target)) {
        throw refuse(`${user.name} not authorized to execute statement '${statementString(statement)}', requires ${privilegeName(required.privilege)} on ${target}`);
      }
    }
  }
}

/** What a request may do once authenticated: the statements it may run and the databases it sees. */
export interface QueryPrincipal {
  /** Throws ForbiddenError before any statement runs when one of them is not allowed. */
  authorize(statements: readonly Statement[], db: string): void;
  /** SHOW DATABASES lists a database only to users who may read or write it (1.6.7). */
  listsDatabase(name: string): boolean;
}

/** The principal of a request under authentication; `user` null when no credentials were asked for. */
export function queryPrincipal(users: UserDirectory, user: UserInfo | null): QueryPrincipal {
  return {
    authorize: (statements, db) => authorizeQuery({ users, user, statements, db }),
    listsDatabase: (name) => user !== null && (authorizesDatabase(user, PRIVILEGE_READ, name) || authorizesDatabase(user, PRIVILEGE_WRITE, name)),
  };
}
