// Turns user statements into catalog commands on the node that took them: passwords are hashed
// here, once, with a fresh salt, so Catalog.apply stays pure and every replica stores one hash.

import { BadRequestError } from '../errors.js';
import { hashPassword, verifyPassword } from './password.js';
import { USER_EXISTS, USER_NOT_FOUND, USERNAME_REQUIRED, type UserCommand, type UserDirectory, type UserStatementCommand } from './users.js';

/**
 * The catalog command for `command`, or null when it changes nothing: CREATE USER of an existing
 * user with the same password and admin flag is accepted as a no-op (InfluxDB 1.x), with another
 * password or flag it is refused.
 */
export async function userCatalogCommand(command: UserStatementCommand, users: UserDirectory): Promise<UserCommand | null> {
  switch (command.kind) {
    case 'create-user': {
      const existing = users.user(command.name);
      if (existing !== undefined) {
        if (existing.admin === command.admin && (await verifyPassword(command.password, existing.hash))) return null;
        throw new BadRequestError(USER_EXISTS);
      }
      if (command.name === '') throw new BadRequestError(USERNAME_REQUIRED);
      return { kind: 'create-user', name: command.name, hash: await hashPassword(command.password), admin: command.admin };
    }
    case 'set-password':
      // Refused before paying for a hash; the catalog checks again when the command applies.
      if (users.user(command.name) === undefined) throw new BadRequestError(USER_NOT_FOUND);
      return { kind: 'set-password', name: command.name, hash: await hashPassword(command.password) };
    default:
      return command;
  }
}
