// Schema migrations, written once for both drivers through kysely's schema builder.
import { sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import { randomUUID } from 'node:crypto';

export type Flavor = 'sqlite' | 'postgres';

// kysely's migrator passes Kysely<any>; this is the only place the untyped handle appears.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

function migrations(flavor: Flavor): Record<string, Migration> {
  const id = flavor === 'sqlite' ? 'integer' : 'serial';
  const big = 'bigint';
  return {
    '001_core': {
      async up(db: AnyDb) {
        const pk = (t: string) => db.schema.createTable(t).addColumn('id', id, (c) => (flavor === 'sqlite' ? c.primaryKey().autoIncrement() : c.primaryKey()));
        await db.schema.createTable('meta').addColumn('key', 'text', (c) => c.primaryKey()).addColumn('value', 'text', (c) => c.notNull()).execute();
        await db.insertInto('meta').values({ key: 'epoch', value: randomUUID() }).execute();
        await db.insertInto('meta').values({ key: 'pruned_through', value: '0' }).execute();
        await pk('users')
          .addColumn('uuid', 'text', (c) => c.notNull().unique())
          .addColumn('username', 'text', (c) => c.notNull().unique())
          .addColumn('email', 'text', (c) => c.notNull().unique())
          .addColumn('password_hash', 'text', (c) => c.notNull())
          .addColumn('display_name', 'text', (c) => c.notNull())
          .addColumn('has_avatar', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('is_admin', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('created_at', big, (c) => c.notNull())
          .addColumn('updated_at', big, (c) => c.notNull())
          .addColumn('last_active_at', big, (c) => c.notNull())
          .addColumn('deleted', 'integer', (c) => c.notNull().defaultTo(0))
          .execute();
        await pk('spaces')
          .addColumn('uuid', 'text', (c) => c.notNull().unique())
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('access', 'text', (c) => c.notNull())
          .addColumn('owner_id', 'integer')
          .addColumn('created_by', 'integer')
          .addColumn('created_at', big, (c) => c.notNull())
          .addColumn('updated_at', big, (c) => c.notNull())
          .addColumn('last_active_at', big, (c) => c.notNull())
          .addColumn('deleted', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('direct_key', 'text', (c) => c.unique())
          .execute();
        await db.schema
          .createTable('members')
          .addColumn('space_id', 'integer', (c) => c.notNull())
          .addColumn('user_id', 'integer', (c) => c.notNull())
          .addColumn('role', 'text', (c) => c.notNull())
          .addColumn('joined_at', big, (c) => c.notNull())
          .addColumn('read_through', 'integer', (c) => c.notNull().defaultTo(0))
          .addPrimaryKeyConstraint('members_pk', ['space_id', 'user_id'])
          .execute();
        await db.schema.createIndex('members_by_user').on('members').columns(['user_id', 'space_id']).execute();
        await pk('membership_log')
          .addColumn('space_id', 'integer', (c) => c.notNull())
          .addColumn('user_id', 'integer', (c) => c.notNull())
          .addColumn('from_pos', big, (c) => c.notNull())
          .addColumn('to_pos', big)
          .execute();
        await db.schema.createIndex('membership_log_by_user').on('membership_log').columns(['user_id', 'space_id']).execute();
        await pk('messages')
          .addColumn('uuid', 'text', (c) => c.notNull().unique())
          .addColumn('space_id', 'integer', (c) => c.notNull())
          .addColumn('author_id', 'integer')
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('content', 'text', (c) => c.notNull())
          .addColumn('meta', 'text')
          .addColumn('parent_id', 'integer')
          .addColumn('mentions_all', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('is_edited', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('created_at', big, (c) => c.notNull())
          .addColumn('updated_at', big, (c) => c.notNull())
          .addColumn('deleted', 'integer', (c) => c.notNull().defaultTo(0))
          .execute();
        await db.schema.createIndex('messages_by_space').on('messages').columns(['space_id', 'id']).execute();
        await pk('files')
          .addColumn('uuid', 'text', (c) => c.notNull().unique())
          .addColumn('space_id', 'integer', (c) => c.notNull())
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('mimetype', 'text', (c) => c.notNull())
          .addColumn('size', big, (c) => c.notNull())
          .addColumn('storage_key', 'text', (c) => c.notNull())
          .addColumn('uploaded_by', 'integer')
          .addColumn('created_at', big, (c) => c.notNull())
          .addColumn('deleted', 'integer', (c) => c.notNull().defaultTo(0))
          .execute();
        await db.schema
          .createTable('message_files')
          .addColumn('message_id', 'integer', (c) => c.notNull())
          .addColumn('file_id', 'integer', (c) => c.notNull())
          .addColumn('position', 'integer', (c) => c.notNull())
          .addPrimaryKeyConstraint('message_files_pk', ['message_id', 'file_id'])
          .execute();
        await db.schema.createIndex('message_files_by_file').on('message_files').column('file_id').execute();
        await db.schema
          .createTable('reactions')
          .addColumn('message_id', 'integer', (c) => c.notNull())
          .addColumn('user_id', 'integer', (c) => c.notNull())
          .addColumn('emoji', 'text', (c) => c.notNull())
          .addColumn('created_at', big, (c) => c.notNull())
          .addPrimaryKeyConstraint('reactions_pk', ['message_id', 'user_id', 'emoji'])
          .execute();
        await db.schema
          .createTable('read_receipts')
          .addColumn('message_id', 'integer', (c) => c.notNull())
          .addColumn('user_id', 'integer', (c) => c.notNull())
          .addColumn('read_at', big, (c) => c.notNull())
          .addPrimaryKeyConstraint('read_receipts_pk', ['message_id', 'user_id'])
          .execute();
        await db.schema
          .createTable('mentions')
          .addColumn('message_id', 'integer', (c) => c.notNull())
          .addColumn('user_id', 'integer', (c) => c.notNull())
          .addPrimaryKeyConstraint('mentions_pk', ['message_id', 'user_id'])
          .execute();
        await pk('locks')
          .addColumn('file_id', 'integer', (c) => c.notNull().unique())
          .addColumn('space_id', 'integer', (c) => c.notNull())
          .addColumn('user_id', 'integer', (c) => c.notNull())
          .addColumn('acquired_at', big, (c) => c.notNull())
          .execute();
        await pk('actions')
          .addColumn('uuid', 'text', (c) => c.notNull().unique())
          .addColumn('space_id', 'integer', (c) => c.notNull())
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('description', 'text', (c) => c.notNull())
          .addColumn('type', 'integer', (c) => c.notNull())
          .addColumn('status', 'integer', (c) => c.notNull())
          .addColumn('due_at', big)
          .addColumn('assignee_id', 'integer')
          .addColumn('created_by', 'integer')
          .addColumn('created_at', big, (c) => c.notNull())
          .addColumn('updated_by', 'integer')
          .addColumn('updated_at', big)
          .addColumn('deleted', 'integer', (c) => c.notNull().defaultTo(0))
          .execute();
        await pk('alerts')
          .addColumn('user_id', 'integer', (c) => c.notNull())
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('from_user_id', 'integer')
          .addColumn('space_id', 'integer', (c) => c.notNull())
          .addColumn('message_id', 'integer', (c) => c.notNull())
          .addColumn('text', 'text', (c) => c.notNull())
          .addColumn('is_read', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('created_at', big, (c) => c.notNull())
          .execute();
        await db.schema.createIndex('alerts_by_user').on('alerts').columns(['user_id', 'id']).execute();
        await db.schema
          .createTable('events')
          .addColumn('id', big, (c) => c.primaryKey())
          .addColumn('type', 'text', (c) => c.notNull())
          .addColumn('at', big, (c) => c.notNull())
          .addColumn('space_id', 'integer')
          .addColumn('audience_space', 'integer')
          .addColumn('audience_all', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('data', 'text', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('events_by_audience_space').on('events').columns(['audience_space', 'id']).execute();
        await db.schema.createIndex('events_by_time').on('events').column('at').execute();
        await db.schema
          .createTable('event_recipients')
          .addColumn('event_id', big, (c) => c.notNull())
          .addColumn('user_id', 'integer', (c) => c.notNull())
          .addPrimaryKeyConstraint('event_recipients_pk', ['user_id', 'event_id'])
          .execute();
        await db.schema.createIndex('event_recipients_by_event').on('event_recipients').column('event_id').execute();
        if (flavor === 'sqlite') await sql`PRAGMA optimize`.execute(db);
      },
    },
    // Tracim dialect: content tree with revisions, content reactions, tags, subscriptions, calls, TLM read state.
    '002_tracim': {
      async up(db: AnyDb) {
        const pk = (t: string) => db.schema.createTable(t).addColumn('id', id, (c) => (flavor === 'sqlite' ? c.primaryKey().autoIncrement() : c.primaryKey()));
        await pk('contents')
          .addColumn('uuid', 'text', (c) => c.notNull().unique())
          .addColumn('space_id', 'integer', (c) => c.notNull())
          .addColumn('parent_id', 'integer')
          .addColumn('type', 'text', (c) => c.notNull())
          .addColumn('label', 'text', (c) => c.notNull())
          .addColumn('raw_content', 'text', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('is_archived', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('deleted', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('file_extension', 'text', (c) => c.notNull())
          .addColumn('mimetype', 'text')
          .addColumn('size', big)
          .addColumn('storage_key', 'text')
          .addColumn('assignee_id', 'integer')
          .addColumn('author_id', 'integer')
          .addColumn('current_revision_id', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('current_revision_type', 'text', (c) => c.notNull())
          .addColumn('created_at', big, (c) => c.notNull())
          .addColumn('updated_at', big, (c) => c.notNull())
          .execute();
        await db.schema.createIndex('contents_by_space').on('contents').columns(['space_id', 'parent_id']).execute();
        await pk('content_revisions')
          .addColumn('content_id', 'integer', (c) => c.notNull())
          .addColumn('revision_type', 'text', (c) => c.notNull())
          .addColumn('label', 'text', (c) => c.notNull())
          .addColumn('raw_content', 'text', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('author_id', 'integer')
          .addColumn('created_at', big, (c) => c.notNull())
          .execute();
        await db.schema.createIndex('content_revisions_by_content').on('content_revisions').columns(['content_id', 'id']).execute();
        await pk('content_reactions')
          .addColumn('content_id', 'integer', (c) => c.notNull())
          .addColumn('user_id', 'integer', (c) => c.notNull())
          .addColumn('emoji', 'text', (c) => c.notNull())
          .addColumn('created_at', big, (c) => c.notNull())
          .addUniqueConstraint('content_reactions_unique', ['content_id', 'user_id', 'emoji'])
          .execute();
        await pk('tags')
          .addColumn('space_id', 'integer', (c) => c.notNull())
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('author_id', 'integer')
          .addColumn('created_at', big, (c) => c.notNull())
          .addUniqueConstraint('tags_unique', ['space_id', 'name'])
          .execute();
        await db.schema
          .createTable('content_tags')
          .addColumn('content_id', 'integer', (c) => c.notNull())
          .addColumn('tag_id', 'integer', (c) => c.notNull())
          .addPrimaryKeyConstraint('content_tags_pk', ['content_id', 'tag_id'])
          .execute();
        await pk('subscriptions')
          .addColumn('space_id', 'integer', (c) => c.notNull())
          .addColumn('author_id', 'integer', (c) => c.notNull())
          .addColumn('state', 'text', (c) => c.notNull())
          .addColumn('created_at', big, (c) => c.notNull())
          .addColumn('evaluator_id', 'integer')
          .addColumn('evaluated_at', big)
          .addUniqueConstraint('subscriptions_unique', ['space_id', 'author_id'])
          .execute();
        await pk('calls')
          .addColumn('caller_id', 'integer', (c) => c.notNull())
          .addColumn('callee_id', 'integer', (c) => c.notNull())
          .addColumn('state', 'text', (c) => c.notNull())
          .addColumn('url', 'text', (c) => c.notNull())
          .addColumn('created_at', big, (c) => c.notNull())
          .addColumn('updated_at', big, (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('tlm_reads')
          .addColumn('user_id', 'integer', (c) => c.notNull())
          .addColumn('event_id', big, (c) => c.notNull())
          .addColumn('read_at', big, (c) => c.notNull())
          .addPrimaryKeyConstraint('tlm_reads_pk', ['user_id', 'event_id'])
          .execute();
      },
    },
    // "All read" marks for Tracim live messages (one row per mark instead of one per message), and an index
    // to find the contents that still point at a stored file.
    '003_inbox_marks': {
      async up(db: AnyDb) {
        await db.schema
          .createTable('tlm_read_marks')
          .addColumn('user_id', 'integer', (c) => c.notNull())
          .addColumn('through_pos', big, (c) => c.notNull())
          .addColumn('read_at', big, (c) => c.notNull())
          .addPrimaryKeyConstraint('tlm_read_marks_pk', ['user_id', 'through_pos'])
          .execute();
        await db.schema.createIndex('contents_by_storage_key').on('contents').column('storage_key').execute();
      },
    },
    // Token revocation: a per-user credential generation (password change) and the logged-out tokens,
    // each until its own expiry (the index serves the pruning on write).
    '004_token_revocation': {
      async up(db: AnyDb) {
        await db.schema.alterTable('users').addColumn('token_generation', 'integer', (c) => c.notNull().defaultTo(0)).execute();
        await db.schema
          .createTable('revoked_tokens')
          .addColumn('jti', 'text', (c) => c.primaryKey())
          .addColumn('user_id', 'integer', (c) => c.notNull())
          .addColumn('expires_at', big, (c) => c.notNull())
          .execute();
        await db.schema.createIndex('revoked_tokens_by_expiry').on('revoked_tokens').column('expires_at').execute();
      },
    },
    // Per-message audience: `restricted` marks the few messages with one (an unrestricted message costs
    // nothing: every visibility filter is `restricted = 0 or exists(...)`), `message_audience` lists who
    // may see them. The index by user serves "is this user in the audience" from the unread counts.
    '005_message_audience': {
      async up(db: AnyDb) {
        await db.schema.alterTable('messages').addColumn('restricted', 'integer', (c) => c.notNull().defaultTo(0)).execute();
        await db.schema
          .createTable('message_audience')
          .addColumn('message_id', 'integer', (c) => c.notNull())
          .addColumn('user_id', 'integer', (c) => c.notNull())
          .addPrimaryKeyConstraint('message_audience_pk', ['message_id', 'user_id'])
          .execute();
        await db.schema.createIndex('message_audience_by_user').on('message_audience').columns(['user_id', 'message_id']).execute();
      },
    },
  };
}

export function migrationProvider(flavor: Flavor): MigrationProvider {
  return { getMigrations: async () => migrations(flavor) };
}
