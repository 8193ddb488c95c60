// The one SQL form of a restricted message's rule (docs/protocol.md, "Restricted messages"): a message is
// visible to a user when it is unrestricted or the user is in its audience. Membership of the space is the
// caller's condition. Used by history, unread counts and the privacy of attachments alike.
import { sql, type Expression, type RawBuilder, type SqlBool } from 'kysely';

/**
 * `message` names the message's table alias (`messages`, `msg`, `m`); `user` is a user id, or a column
 * reference (`sql.ref('m.user_id')`) when each row has its own user.
 */
export function visibleTo(message: string, user: number | Expression<number>): RawBuilder<SqlBool> {
  return sql<SqlBool>`(${sql.ref(`${message}.restricted`)} = 0 or exists (select 1 from message_audience a where a.message_id = ${sql.ref(`${message}.id`)} and a.user_id = ${user}))`;
}
