// CREATE/DROP USER, SET PASSWORD, GRANT/REVOKE, SHOW USERS and SHOW GRANTS as InfluxDB 1.6 runs
// them: changes go to the catalog through the port (the engine hashes passwords), answers are
// read from the port's user directory.

import type { Statement } from '../language/ast.js';
import { PRIVILEGE_ALL, PRIVILEGE_READ, PRIVILEGE_WRITE, USER_NOT_FOUND, privilegeText, type PrivilegeBits } from '../../meta/users.js';
import type { QueryPort } from './query-port.js';
import { StatementError, type Series } from './result.js';

const PRIVILEGE_BITS: Readonly<Record<string, PrivilegeBits>> = { READ: PRIVILEGE_READ, WRITE: PRIVILEGE_WRITE, ALL: PRIVILEGE_ALL };

/** Runs a user statement; undefined when `statement` is not one. */
export async function executeUserStatement(statement: Statement, port: QueryPort): Promise<Series[] | undefined> {
  // An unknown user is refused here, without a trip through the catalog writer (Raft in a
  // cluster); the catalog refuses it again if the user went away in between.
  const named = namedUser(statement);
  if (named !== undefined && port.users?.user(named) === undefined) throw new StatementError(USER_NOT_FOUND);
  switch (statement.kind) {
    case 'create-user':
      await port.applyMetaCommand({ kind: 'create-user', name: statement.name, password: statement.password, admin: statement.admin });
      return [];
    case 'drop-user':
      await port.applyMetaCommand({ kind: 'drop-user', name: statement.name });
      return [];
    case 'set-password':
      await port.applyMetaCommand({ kind: 'set-password', name: statement.name, password: statement.password });
      return [];
    case 'grant':
      await port.applyMetaCommand({ kind: 'grant-privilege', name: statement.user, db: statement.on, privilege: PRIVILEGE_BITS[statement.privilege]! });
      return [];
    case 'revoke':
      await port.applyMetaCommand({ kind: 'revoke-privilege', name: statement.user, db: statement.on, privilege: PRIVILEGE_BITS[statement.privilege]! });
      return [];
    case 'grant-admin':
      await port.applyMetaCommand({ kind: 'set-admin', name: statement.user, admin: true });
      return [];
    case 'revoke-admin':
      await port.applyMetaCommand({ kind: 'set-admin', name: statement.user, admin: false });
      return [];
    case 'show-users': {
      const users = port.users?.userList() ?? [];
      return [{ columns: ['user', 'admin'], values: users.map((u) => [u.name, u.admin]) }];
    }
    case 'show-grants': {
      const user = port.users?.user(statement.user);
      if (user === undefined) throw new StatementError(USER_NOT_FOUND);
      // 1.x walks a Go map (no order); name order is stable.
      const grants = [...user.privileges].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      return [{ columns: ['database', 'privilege'], values: grants.map(([db, bits]) => [db, privilegeText(bits)]) }];
    }
    default:
      return undefined;
  }
}

/** The existing user a statement changes or reads (CREATE USER names a new one). */
function namedUser(statement: Statement): string | undefined {
  switch (statement.kind) {
    case 'drop-user':
    case 'set-password':
      return statement.name;
    case 'grant':
    case 'revoke':
    case 'grant-admin':
    case 'revoke-admin':
    case 'show-grants':
      return statement.user;
    default:
      return undefined;
  }
}
