// Typed, kind-tagged InfluxQL syntax tree produced by parser.ts.
// Plain readonly data: no behaviour, no references to storage or SQL.

export type VarRefType = 'float' | 'integer' | 'unsigned' | 'string' | 'boolean' | 'field' | 'tag';

export type BinaryOp =
  | '+' | '-' | '*' | '/' | '%' | '&' | '|' | '^'
  | 'AND' | 'OR' | '=' | '!=' | '=~' | '!~' | '<' | '<=' | '>' | '>=';

export type Expr =
  | { readonly kind: 'var-ref'; readonly name: string; readonly type?: VarRefType }
  | { readonly kind: 'call'; readonly name: string; readonly args: readonly Expr[] }
  | { readonly kind: 'distinct'; readonly name: string }
  | { readonly kind: 'binary'; readonly op: BinaryOp; readonly lhs: Expr; readonly rhs: Expr }
  | { readonly kind: 'paren'; readonly expr: Expr }
  | { readonly kind: 'number'; readonly value: number }
  | { readonly kind: 'integer'; readonly value: bigint }
  | { readonly kind: 'unsigned'; readonly value: bigint }
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'boolean'; readonly value: boolean }
  | { readonly kind: 'duration'; readonly ns: bigint }
  | { readonly kind: 'regex'; readonly source: string }
  | { readonly kind: 'wildcard'; readonly type?: 'field' | 'tag' }
  | { readonly kind: 'nil' };

export type ExprOf<K extends Expr['kind']> = Extract<Expr, { kind: K }>;

export interface Field {
  readonly expr: Expr;
  readonly alias?: string;
}

export interface MeasurementSource {
  readonly kind: 'measurement';
  readonly database?: string;
  readonly retentionPolicy?: string;
  readonly name?: string;
  readonly regex?: string;
}

export interface SubquerySource {
  readonly kind: 'subquery';
  readonly statement: SelectStatement;
}

export type Source = MeasurementSource | SubquerySource;

export type FillOption =
  | { readonly kind: 'null' }
  | { readonly kind: 'none' }
  | { readonly kind: 'previous' }
  | { readonly kind: 'linear' }
  | { readonly kind: 'number'; readonly value: number | bigint };

export interface Target {
  readonly database?: string;
  readonly retentionPolicy?: string;
  /** undefined with `:MEASUREMENT` (write back into each source measurement's name). */
  readonly name?: string;
}

export interface SelectStatement {
  readonly kind: 'select';
  readonly fields: readonly Field[];
  readonly target?: Target;
  readonly sources: readonly Source[];
  readonly condition?: Expr;
  /** GROUP BY expressions: call time(...), var-ref, wildcard or regex. */
  readonly dimensions: readonly Expr[];
  readonly fill: FillOption;
  /** ORDER BY time: true = ascending (default). */
  readonly ascending: boolean;
  /** 0 = no limit (influxql treats LIMIT 0 as unset). */
  readonly limit: number;
  readonly offset: number;
  readonly slimit: number;
  readonly soffset: number;
  /** IANA time zone from tz('...'). */
  readonly timezone?: string;
}

export type WithMeasurement =
  | { readonly op: '=' | '!='; readonly name: string }
  | { readonly op: '=~' | '!~'; readonly regex: string };

export type WithKey =
  | { readonly op: '=' | '!='; readonly key: string }
  | { readonly op: '=~' | '!~'; readonly regex: string }
  | { readonly op: 'IN'; readonly keys: readonly string[] };

interface ShowCommon {
  readonly database?: string;
  readonly sources: readonly Source[];
  readonly condition?: Expr;
  readonly limit: number;
  readonly offset: number;
}

export interface RetentionPolicyOptions {
  readonly durationNs?: bigint;
  readonly replicaN?: number;
  readonly shardGroupDurationNs?: bigint;
  readonly makeDefault: boolean;
}

export type Statement =
  | SelectStatement
  | { readonly kind: 'explain'; readonly analyze: boolean; readonly statement: SelectStatement }
  | { readonly kind: 'delete'; readonly sources: readonly Source[]; readonly condition?: Expr }
  | { readonly kind: 'drop-series'; readonly sources: readonly Source[]; readonly condition?: Expr }
  | { readonly kind: 'show-databases' }
  | { readonly kind: 'show-retention-policies'; readonly database?: string }
  | ({ readonly kind: 'show-measurements'; readonly source?: WithMeasurement } & Omit<ShowCommon, 'sources'>)
  | ({ readonly kind: 'show-tag-keys'; readonly slimit: number; readonly soffset: number } & ShowCommon)
  | ({ readonly kind: 'show-tag-values'; readonly withKey: WithKey } & ShowCommon)
  | ({ readonly kind: 'show-field-keys' } & ShowCommon)
  | ({ readonly kind: 'show-series' } & ShowCommon)
  | ({ readonly kind: 'show-measurement-cardinality'; readonly exact: boolean; readonly groupBy: readonly Expr[] } & ShowCommon)
  | ({ readonly kind: 'show-series-cardinality'; readonly exact: boolean; readonly groupBy: readonly Expr[] } & ShowCommon)
  | ({ readonly kind: 'show-tag-key-cardinality'; readonly exact: boolean; readonly groupBy: readonly Expr[] } & ShowCommon)
  | ({ readonly kind: 'show-tag-values-cardinality'; readonly exact: boolean; readonly withKey: WithKey; readonly groupBy: readonly Expr[] } & ShowCommon)
  | ({ readonly kind: 'show-field-key-cardinality'; readonly exact: boolean; readonly groupBy: readonly Expr[] } & ShowCommon)
  | { readonly kind: 'show-continuous-queries' }
  | { readonly kind: 'show-users' }
  | { readonly kind: 'show-grants'; readonly user: string }
  | { readonly kind: 'show-queries' }
  | { readonly kind: 'show-shards' }
  | { readonly kind: 'show-shard-groups' }
  | { readonly kind: 'show-stats'; readonly module?: string }
  | { readonly kind: 'show-diagnostics'; readonly module?: string }
  | { readonly kind: 'show-subscriptions' }
  | {
      readonly kind: 'create-database';
      readonly name: string;
      readonly rpName?: string;
      readonly rpOptions?: Omit<RetentionPolicyOptions, 'makeDefault'>;
    }
  | { readonly kind: 'drop-database'; readonly name: string }
  | ({ readonly kind: 'create-retention-policy'; readonly name: string; readonly database: string; readonly durationNs: bigint; readonly replicaN: number } & Omit<RetentionPolicyOptions, 'durationNs' | 'replicaN'>)
  | ({ readonly kind: 'alter-retention-policy'; readonly name: string; readonly database: string } & RetentionPolicyOptions)
  | { readonly kind: 'drop-retention-policy'; readonly name: string; readonly database: string }
  | { readonly kind: 'drop-measurement'; readonly name: string }
  | { readonly kind: 'drop-shard'; readonly id: bigint }
  | {
      readonly kind: 'create-continuous-query';
      readonly name: string;
      readonly database: string;
      readonly resampleEveryNs?: bigint;
      readonly resampleForNs?: bigint;
      readonly statement: SelectStatement;
      /** The SELECT's source text between BEGIN and END. */
      readonly text: string;
    }
  | { readonly kind: 'drop-continuous-query'; readonly name: string; readonly database: string }
  | { readonly kind: 'create-user'; readonly name: string; readonly password: string; readonly admin: boolean }
  | { readonly kind: 'drop-user'; readonly name: string }
  | { readonly kind: 'set-password'; readonly name: string; readonly password: string }
  | { readonly kind: 'grant'; readonly privilege: Privilege; readonly on: string; readonly user: string }
  | { readonly kind: 'grant-admin'; readonly user: string }
  | { readonly kind: 'revoke'; readonly privilege: Privilege; readonly on: string; readonly user: string }
  | { readonly kind: 'revoke-admin'; readonly user: string }
  | { readonly kind: 'kill-query'; readonly id: bigint; readonly host?: string }
  | { readonly kind: 'create-subscription'; readonly name: string; readonly database: string; readonly retentionPolicy: string; readonly mode: string; readonly destinations: readonly string[] }
  | { readonly kind: 'drop-subscription'; readonly name: string; readonly database: string; readonly retentionPolicy: string };

export type Privilege = 'READ' | 'WRITE' | 'ALL';

export type StatementOf<K extends Statement['kind']> = Extract<Statement, { kind: K }>;
