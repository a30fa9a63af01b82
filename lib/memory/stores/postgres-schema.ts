import { ErrorMessages } from '../../errors/error-messages.js';
import { MemoryValidationException } from '../errors/memory.exception.js';

/** The original's table name. */
export const DEFAULT_TABLE_NAME = 'engine_memory';

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** A table name split into its parts (`schema.table` or `table`), checked as SQL identifiers. */
export interface TableName {
  schema?: string;
  table: string;
  /** Quoted for SQL: `"schema"."table"`. */
  sql: string;
  /** The index on (parent_type, parent_id, id), quoted (created in the table's schema). */
  indexSql: string;
}

/**
 * Checks a table name: one or two (`schema.table`) identifiers of letters, digits and `_`,
 * not starting with a digit, at most 63 characters each. Names are quoted, so their case is kept.
 */
export function parseTableName(name: string): TableName {
  const parts = typeof name === 'string' ? name.split('.') : [];
  if (parts.length < 1 || parts.length > 2 || !parts.every((p) => IDENTIFIER.test(p))) {
    throw new MemoryValidationException(
      ErrorMessages.memoryInvalidOption(
        'database.tableName',
        `"${String(name)}" is not a table name (letters, digits and _, optionally schema.table, at most 63 characters each)`,
      ),
    );
  }
  const table = parts[parts.length - 1]!;
  const schema = parts.length === 2 ? parts[0] : undefined;
  const index = `${table.slice(0, 63 - '_parent_idx'.length)}_parent_idx`;
  return {
    schema,
    table,
    sql: parts.map((p) => `"${p}"`).join('.'),
    indexSql: `"${index}"`,
  };
}

/**
 * The SQL that creates the conversation table and its index; idempotent (IF NOT EXISTS).
 * `migrations/engine_memory.sql` is this text for the default name. Messages are ordered by the
 * identity column `id`, never by `created_at` (two messages can share a timestamp).
 */
export function engineMemorySchemaSql(tableName: string = DEFAULT_TABLE_NAME): string {
  const { sql, indexSql } = parseTableName(tableName);
  return `-- Conversation memory of @bupple/nestjs-ai-engine (PostgreSQL 10 or later).
-- One row per message. Messages are ordered by "id" (an identity column), never by created_at.
CREATE TABLE IF NOT EXISTS ${sql} (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  parent_type varchar(200) NOT NULL,
  parent_id   varchar(200) NOT NULL,
  owner       varchar(200) NOT NULL DEFAULT '',
  message_id  varchar(200) NOT NULL,
  role        varchar(16)  NOT NULL CHECK (role IN ('system', 'user', 'assistant', 'tool')),
  content     text         NOT NULL,
  type        varchar(16)  NOT NULL DEFAULT 'text' CHECK (type IN ('text', 'image', 'audio', 'video')),
  metadata    jsonb        NOT NULL DEFAULT '{}'::jsonb,
  engine      varchar(100),
  created_at  timestamptz  NOT NULL DEFAULT now()
);

-- A table made before conversations had owners gets the column ('' = no owner: its rows stay readable).
ALTER TABLE ${sql} ADD COLUMN IF NOT EXISTS owner varchar(200) NOT NULL DEFAULT '';

-- Reading a conversation in order: WHERE parent_type = $1 AND parent_id = $2 AND owner = $3 ORDER BY id.
CREATE INDEX IF NOT EXISTS ${indexSql} ON ${sql} (parent_type, parent_id, id);
`;
}

/**
 * The SQL that lets a table made before tool messages existed store role `tool`: replaces its
 * role CHECK constraint when that does not allow `tool` yet; a no-op otherwise (idempotent).
 * `migrations/engine_memory_tool_role.sql` is this text for the default name.
 */
export function engineMemoryToolRoleSql(tableName: string = DEFAULT_TABLE_NAME): string {
  const { sql, table } = parseTableName(tableName);
  const constraint = `"${`${table}_role_check`.slice(0, 63)}"`;
  const literal = sql.replace(/'/g, "''");
  return `-- Conversation memory of @bupple/nestjs-ai-engine: lets a table made by an earlier
-- engine_memory.sql store tool results (role 'tool'). Idempotent: a no-op once done.
DO $$
BEGIN
  IF EXISTS (
    SELECT 1 FROM pg_constraint
    WHERE conrelid = to_regclass('${literal}') AND contype = 'c'
      AND pg_get_constraintdef(oid) LIKE '%role%' AND pg_get_constraintdef(oid) NOT LIKE '%tool%'
  ) THEN
    ALTER TABLE ${sql} DROP CONSTRAINT IF EXISTS ${constraint};
    ALTER TABLE ${sql} ADD CONSTRAINT ${constraint} CHECK (role IN ('system', 'user', 'assistant', 'tool'));
  END IF;
END
$$;
`;
}

/**
 * The SQL that adds the `owner` column to a table created before conversations had owners
 * (`migrations/engine_memory_owner.sql` for the default name); idempotent. Existing rows get
 * `''` (no owner) and stay readable as before. `engineMemorySchemaSql` includes it.
 */
export function engineMemoryOwnerMigrationSql(tableName: string = DEFAULT_TABLE_NAME): string {
  const { sql } = parseTableName(tableName);
  return `-- Conversation owners for @bupple/nestjs-ai-engine (PostgreSQL 10 or later), for a table made before them.
-- Existing rows get '' (no owner) and stay readable as before. Idempotent.
ALTER TABLE ${sql} ADD COLUMN IF NOT EXISTS owner varchar(200) NOT NULL DEFAULT '';
`;
}
