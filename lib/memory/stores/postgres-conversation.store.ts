import type { Pool, PoolClient, PoolConfig } from 'pg';
import { ErrorMessages } from '../../errors/error-messages.js';
import { redactSecrets } from '../../errors/redact.js';
import { loadPackage } from '../../utils/load-package.js';
import type { ConversationKey, ConversationMessage, ListMessagesOptions, NewConversationMessage } from '../conversation-message.interface.js';
import { ConversationStore } from '../conversation-store.js';
import { MemoryConnectionException, MemoryException, MemoryStorageException } from '../errors/memory.exception.js';
import type { DatabaseStoreOptions } from '../memory-options.interface.js';
import { assertValidKey, assertValidLimit, ownerOfKey, prepareMessage, type PreparedMessage } from '../validate-message.js';
import { describeUrl } from './describe-url.js';
import { DEFAULT_TABLE_NAME, engineMemorySchemaSql, engineMemoryToolRoleSql, parseTableName, type TableName } from './postgres-schema.js';

interface MessageRow {
  id: string;
  message_id: string;
  role: ConversationMessage['role'];
  content: string;
  type: ConversationMessage['type'];
  metadata: Record<string, unknown>;
  engine: string | null;
  created_at: Date;
}

/** SQLSTATEs meaning the server is gone or not answering (class 08, shutdown, too many connections, timeout). */
function isConnectionSqlState(code: string): boolean {
  return code.startsWith('08') || ['57P01', '57P02', '57P03', '53300', '57014'].includes(code);
}

const CONNECTION_MESSAGES = [
  'timeout',
  'Connection terminated',
  'connection terminated',
  'Client has encountered a connection error',
  'Client was closed',
  'Cannot use a pool after calling end',
];

/**
 * Keeps conversations in a PostgreSQL table (default `engine_memory`, the original's), one row
 * per message, read in the order of its identity column. Needs the `pg` package, loaded when
 * this store is first used. Rows carry the conversation's `owner` (`''` for none). The table
 * comes from `migrations/engine_memory.sql` (a table made before owners: also run
 * `migrations/engine_memory_owner.sql`; until then only conversations without an owner work), or is created
 * at startup with `createTable: true` (idempotent, serialised with an advisory lock so that
 * several instances starting together do not collide).
 *
 * One message is one INSERT; several (recordInput) are inserted in one transaction, in order.
 * Connections and queries have bounded timeouts; a server that is down or drops the connection
 * gives a `MemoryConnectionException`.
 */
export class PostgresConversationStore extends ConversationStore {
  readonly name: string = 'database';
  readonly table: TableName;
  private readonly options: DatabaseStoreOptions;
  private readonly target: string;
  private readonly secrets: string[];
  private pool?: Pool;
  private connecting?: Promise<Pool>;
  private closed = false;
  /** False for a table made before owners (no `owner` column): only conversations without an owner work. */
  private hasOwnerColumn = true;

  constructor(options: DatabaseStoreOptions = {}) {
    super();
    this.options = options;
    this.table = parseTableName(options.tableName ?? DEFAULT_TABLE_NAME);
    ({ target: this.target, secrets: this.secrets } = describeUrl(options.url, 'the server named by the PG* environment variables'));
  }

  override async connect(): Promise<void> {
    await this.ready();
  }

  async appendMany(key: ConversationKey, messages: NewConversationMessage[]): Promise<ConversationMessage[]> {
    assertValidKey(key);
    const prepared = messages.map(prepareMessage);
    if (prepared.length === 0) return [];
    const pool = await this.ready();
    if (prepared.length === 1) {
      return [await this.run('append to the conversation', () => this.insert(pool, key, prepared[0]!))];
    }
    return this.run('append to the conversation', async () => {
      const client = await pool.connect();
      let broken = false;
      try {
        await client.query('BEGIN');
        const stored: ConversationMessage[] = [];
        for (const message of prepared) stored.push(await this.insert(client, key, message));
        await client.query('COMMIT');
        return stored;
      } catch (error) {
        broken = true;
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        // A client whose transaction failed is not reused (it may be half-broken).
        client.release(broken);
      }
    });
  }

  async list(key: ConversationKey, options: ListMessagesOptions = {}): Promise<ConversationMessage[]> {
    assertValidKey(key);
    assertValidLimit(options.limit);
    if (options.limit === 0) return [];
    const pool = await this.ready();
    const columns = 'id, message_id, role, content, type, metadata, engine, created_at';
    const { where, values } = this.whereOf(key);
    const text =
      options.limit === undefined
        ? `SELECT ${columns} FROM ${this.table.sql} WHERE ${where} ORDER BY id`
        : `SELECT * FROM (SELECT ${columns} FROM ${this.table.sql} WHERE ${where} ORDER BY id DESC LIMIT $${values.length + 1}) last ORDER BY id`;
    if (options.limit !== undefined) values.push(options.limit);
    const result = await this.run('read the conversation', () => pool.query<MessageRow>(text, values));
    return result.rows.map(toMessage);
  }

  async clear(key: ConversationKey): Promise<void> {
    assertValidKey(key);
    const pool = await this.ready();
    const { where, values } = this.whereOf(key);
    await this.run('delete the conversation', () => pool.query(`DELETE FROM ${this.table.sql} WHERE ${where}`, values));
  }

  /** The rows of one conversation: its parent and its owner (`''` for none). */
  private whereOf(key: ConversationKey): { where: string; values: unknown[] } {
    const owner = this.ownerColumnValue(key);
    if (!this.hasOwnerColumn) return { where: 'parent_type = $1 AND parent_id = $2', values: [key.parentType, key.parentId] };
    return { where: 'parent_type = $1 AND parent_id = $2 AND owner = $3', values: [key.parentType, key.parentId, owner] };
  }

  /** `''` for no owner; an owner on a table without the column is an error naming the migration. */
  private ownerColumnValue(key: ConversationKey): string {
    const owner = ownerOfKey(key);
    if (owner !== undefined && !this.hasOwnerColumn) {
      throw new MemoryStorageException(ErrorMessages.memoryOwnerColumnMissing(this.table.sql), { store: this.name });
    }
    return owner ?? '';
  }

  /** Ends the pool (waits for checked-out clients to be released). */
  override async close(): Promise<void> {
    this.closed = true;
    const pool = this.pool ?? (await this.connecting?.catch(() => undefined));
    this.pool = undefined;
    if (pool && !pool.ended) await pool.end().catch(() => undefined);
  }

  private async insert(client: Pool | PoolClient, key: ConversationKey, message: PreparedMessage): Promise<ConversationMessage> {
    const owner = this.ownerColumnValue(key);
    const withOwner = this.hasOwnerColumn ? ', owner' : '';
    const result = await client.query<{ id: string; created_at: Date }>(
      `INSERT INTO ${this.table.sql} (parent_type, parent_id, message_id, role, content, type, metadata, engine${withOwner})
       VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8${this.hasOwnerColumn ? ', $9' : ''}) RETURNING id, created_at`,
      [
        key.parentType,
        key.parentId,
        message.id,
        message.role,
        message.content,
        message.type,
        JSON.stringify(message.metadata),
        message.engine ?? null,
        ...(this.hasOwnerColumn ? [owner] : []),
      ],
    );
    const row = result.rows[0]!;
    return { ...message, seq: Number(row.id), createdAt: row.created_at.toISOString() };
  }

  private ready(): Promise<Pool> {
    if (this.closed) {
      return Promise.reject(new MemoryConnectionException(ErrorMessages.memoryClosed(this.name), { store: this.name, retryable: false }));
    }
    if (this.pool) return Promise.resolve(this.pool);
    this.connecting ??= this.open().then(
      (pool) => {
        this.pool = pool;
        return pool;
      },
      (error: unknown) => {
        this.connecting = undefined;
        throw error;
      },
    );
    return this.connecting;
  }

  private async open(): Promise<Pool> {
    const pg = await loadPackage('pg', 'the PostgreSQL conversation store', () => import('pg'));
    const PoolClass = (pg.Pool ?? pg.default.Pool) as typeof Pool;
    const queryTimeoutMs = this.options.queryTimeoutMs ?? 5000;
    const config: PoolConfig = {
      connectionString: this.options.url,
      connectionTimeoutMillis: this.options.connectTimeoutMs ?? 3000,
      // The server cancels a slow statement; the client gives up a little later if the server is silent.
      statement_timeout: queryTimeoutMs,
      query_timeout: queryTimeoutMs + 1000,
      max: this.options.maxConnections ?? 10,
      idleTimeoutMillis: 10_000,
      application_name: 'bupple-ai-engine-memory',
    };
    const pool = new PoolClass(config);
    // An idle client losing its connection must not crash the process; the next query reconnects.
    pool.on('error', () => undefined);
    try {
      await pool.query('SELECT 1');
      if (this.options.createTable) {
        await this.createTable(pool);
      } else {
        const found = await pool.query<{ t: string | null }>('SELECT to_regclass($1) AS t', [this.table.sql]);
        if (!found.rows[0]?.t) {
          throw new MemoryStorageException(ErrorMessages.memoryTableMissing(this.table.sql), { store: this.name });
        }
      }
      // A table from before owners: conversations without an owner keep working; see migrations/engine_memory_owner.sql.
      const owner = await pool.query('SELECT 1 FROM pg_attribute WHERE attrelid = to_regclass($1) AND attname = $2 AND NOT attisdropped', [
        this.table.sql,
        'owner',
      ]);
      this.hasOwnerColumn = owner.rows.length > 0;
    } catch (error) {
      await pool.end().catch(() => undefined);
      if (error instanceof MemoryException) throw error;
      const mapped = this.toMemoryError('prepare its table', error);
      if (mapped instanceof MemoryConnectionException) {
        throw new MemoryConnectionException(
          ErrorMessages.memoryUnreachable(
            this.name,
            this.target,
            this.detailOf(error),
            'Is PostgreSQL running? Check memory.database.url (BUPPLE_MEMORY_DATABASE_URL).',
          ),
          { store: this.name, cause: error },
        );
      }
      throw mapped;
    }
    if (this.closed) {
      await pool.end().catch(() => undefined);
      throw new MemoryConnectionException(ErrorMessages.memoryClosed(this.name), { store: this.name, retryable: false });
    }
    return pool;
  }

  private async createTable(pool: Pool): Promise<void> {
    const client = await pool.connect();
    let broken = false;
    try {
      await client.query('BEGIN');
      // Two instances starting together would both try to create the table: one waits.
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`bupple-ai-engine:${this.table.sql}`]);
      await client.query(engineMemorySchemaSql(this.options.tableName ?? DEFAULT_TABLE_NAME));
      await client.query(engineMemoryToolRoleSql(this.options.tableName ?? DEFAULT_TABLE_NAME));
      await client.query('COMMIT');
    } catch (error) {
      broken = true;
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release(broken);
    }
  }

  private async run<T>(action: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw this.toMemoryError(action, error);
    }
  }

  private toMemoryError(action: string, error: unknown): MemoryException {
    if (error instanceof MemoryException) return error;
    const e = error as { code?: string; message?: string };
    const detail = this.detailOf(error);
    const code = typeof e?.code === 'string' ? e.code : '';
    const isSqlState = /^[0-9A-Z]{5}$/.test(code);
    const connection =
      (isSqlState && isConnectionSqlState(code)) || (!isSqlState && code.startsWith('E')) || CONNECTION_MESSAGES.some((m) => (e?.message ?? '').includes(m));
    if (connection) {
      return new MemoryConnectionException(ErrorMessages.memoryConnectionLost(this.name, `${action} at ${this.target}: ${detail}`), {
        store: this.name,
        cause: error,
      });
    }
    if (code === '23514' && (e?.message ?? '').includes('role')) {
      return new MemoryStorageException(ErrorMessages.memoryToolRoleMissing(this.table.sql), { store: this.name, cause: error });
    }
    if (code === '42P01') {
      return new MemoryStorageException(ErrorMessages.memoryTableMissing(this.table.sql), { store: this.name, cause: error });
    }
    return new MemoryStorageException(ErrorMessages.memoryStorage(this.name, action, detail), { store: this.name, cause: error });
  }

  private detailOf(error: unknown): string {
    const e = error as { message?: string; code?: string };
    const message = e?.message || (e?.code ?? String(error));
    return redactSecrets(e?.code && !message.includes(e.code) ? `${e.code} ${message}` : message, this.secrets);
  }
}

function toMessage(row: MessageRow): ConversationMessage {
  const message: ConversationMessage = {
    id: row.message_id,
    role: row.role,
    content: row.content,
    type: row.type,
    metadata: row.metadata ?? {},
    seq: Number(row.id),
    createdAt: row.created_at.toISOString(),
  };
  if (row.engine !== null) message.engine = row.engine;
  return message;
}
