// Authentication and the route-level authorization of InfluxDB 1.x (services/httpd's authenticate
// and serveWrite): credentials from u/p URL parameters, the Authorization header (Basic, or
// `Token user:password`), users checked against the catalog. Never logs or keeps a password.

import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ForbiddenError, UnauthorizedError } from '../core/errors.js';
import { queryPrincipal } from '../core/query/execute/query-authorizer.js';
import type { UserAuthenticator } from '../core/meta/user-authenticator.js';
import { authorizesDatabase, PRIVILEGE_WRITE, type UserDirectory, type UserInfo } from '../core/meta/users.js';
import type { SchemaView } from '../core/meta/schema-view.js';
import { firstValues } from './request-params.js';
import type { RequestContexts } from './request-context.js';

/**
 * Routes anyone may call: liveness and metrics (scrapers), as the issue and 1.x's /ping have it;
 * 1.x's /status and /debug/vars (Telegraf's influxdb input) take no credentials either.
 */
const OPEN_ROUTES: ReadonlySet<string> = new Set(['/ping', '/health', '/metrics', '/status', '/debug/vars']);
/** Routes that write points into the database named by `db`: WRITE on it is needed. */
const WRITE_ROUTES: ReadonlySet<string> = new Set(['/write', '/api/v1/prom/write']);
/** Routes for administrators only once authentication is on. */
const ADMIN_ROUTES: ReadonlySet<string> = new Set(['/api/v1/statements']);

export interface AuthOptions {
  readonly authenticator: UserAuthenticator;
  /** The current catalog: users, and databases (a write to an unknown one gets its 404 first). */
  readonly catalog: () => UserDirectory & SchemaView;
  readonly contexts: RequestContexts;
}

export interface Credentials {
  readonly username: string;
  readonly password: string;
}

/** InfluxDB 1.x's parseCredentials; throws its 401 texts. */
export function parseCredentials(request: Pick<FastifyRequest, 'query' | 'headers'>): Credentials {
  const query = firstValues(request.query);
  const u = query['u'] ?? '';
  const p = query['p'] ?? '';
  if (u !== '' && p !== '') return { username: u, password: p };
  const header = request.headers.authorization;
  if (typeof header === 'string' && header !== '') {
    const parts = header.split(' ');
    if (parts.length === 2 && parts[0] === 'Bearer') throw new UnauthorizedError('bearer auth disabld');
    if (parts.length === 2 && parts[0] === 'Token') {
      const colon = parts[1]!.indexOf(':');
      if (colon >= 0) return { username: parts[1]!.slice(0, colon), password: parts[1]!.slice(colon + 1) };
    }
    const basic = /^Basic (.*)$/i.exec(header);
    if (basic !== null) {
      const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon >= 0) return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
    }
  }
  throw new UnauthorizedError('unable to parse authentication credentials');
}

/** Go's %q for the names InfluxDB quotes in its write errors. */
function goQuote(text: string): string {
  return JSON.stringify(text);
}

function authorizeWrite(request: FastifyRequest, user: UserInfo | null, catalog: SchemaView): void {
  const db = firstValues(request.query)['db'] ?? '';
  // A missing or unknown database gets the route's own 400/404, as in 1.x where they come first.
  if (db === '' || catalog.database(db) === undefined) return;
  if (user === null) throw new ForbiddenError(`user is required to write to database ${goQuote(db)}`);
  if (!authorizesDatabase(user, PRIVILEGE_WRITE, db)) throw new ForbiddenError(`${goQuote(user.name)} user is not authorized to write to database ${goQuote(db)}`);
}

/**
 * Every route but the open ones and the peer routes (signed with the cluster secret) needs a user
 * once an admin exists; before that, requests pass without one and the query authorizer allows
 * only the creation of the first admin (1.x's bootstrap).
 */
export function registerAuthentication(app: FastifyInstance, options: AuthOptions): void {
  app.addHook('onRequest', async (request) => {
    const route = request.routeOptions.url;
    // A CORS preflight carries no credentials; 1.x answers it without any.
    if (route === undefined || OPEN_ROUTES.has(route) || route.startsWith('/internal/') || request.method === 'OPTIONS') return;
    const catalog = options.catalog();
    let user: UserInfo | null = null;
    if (catalog.userList().some((u) => u.admin)) {
      const credentials = parseCredentials(request);
      if (credentials.username === '') throw new UnauthorizedError('username required');
      user = (await options.authenticator.authenticate(credentials.username, credentials.password)) ?? null;
      if (user === null) throw new UnauthorizedError('authorization failed');
    }
    if (WRITE_ROUTES.has(route) && request.method === 'POST') authorizeWrite(request, user, catalog);
    if (ADMIN_ROUTES.has(route) && user?.admin !== true) {
      throw new ForbiddenError(`${user === null ? 'no user provided' : `${user.name} not authorized`}: ${route} requires admin privilege`);
    }
    options.contexts.set(request, { principal: queryPrincipal(options.catalog(), user) });
  });
}
