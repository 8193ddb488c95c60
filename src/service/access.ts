// The one access helper every command uses: who the actor is in a space, and whether they may do an
// action there, on a message or on a content. Non-members learn nothing: a space, message or content
// they may not see is "not found", never "forbidden".
import type { Repo } from '../store/repo.js';
import type { MessageRow } from '../store/messages.js';
import type { ContentRow } from '../store/content.js';
import type { Actor } from '../core/actor.js';
import type { Role, SpaceSummary, UserRef } from '../core/model.js';
import { HeraldError, forbidden, notFound } from '../core/errors.js';
import { ensure, type SpaceAction } from '../core/permissions.js';

export interface SpaceAccess {
  space: SpaceSummary;
  role: Role;
  /** The acting user's snapshot, read with the check (undefined for the server API key: not read). */
  actorRef?: UserRef | null;
}

const renamed = (what: string) => (e: unknown) => {
  throw e instanceof HeraldError && e.code === 'not_found' ? notFound(what) : e;
};

export class Access {
  private admin: Promise<boolean> | null = null;

  constructor(
    private readonly tx: Repo,
    readonly actor: Actor,
  ) {}

  /** The actor's role in a space; the server API key acts as an owner everywhere. */
  role(spaceId: number): Promise<Role | null> {
    if (this.actor.server) return Promise.resolve('owner');
    return this.actor.userId === null ? Promise.resolve(null) : this.tx.spaces.role(spaceId, this.actor.userId);
  }

  /**
   * Checks the actor may do `action` in a live space. The space is loaded without its member list, so
   * the check costs the same in a 2-member and a 10,000-member space. `noun` names it in "not found".
   */
  async space(spaceId: number, action: SpaceAction, noun = 'space'): Promise<SpaceAccess> {
    const { userId, server } = this.actor;
    if (server || userId === null) {
      const role = await this.role(spaceId);
      const space = role === null ? null : await this.tx.spaces.summary(spaceId);
      if (!space || space.deleted || role === null) throw notFound(noun);
      ensure(role, action);
      return { space, role };
    }
    // A user: role, space and their own snapshot in one statement (a post's author needs no other read).
    const found = await this.tx.spaces.access(spaceId, userId);
    if (!found || found.space.deleted || found.role === null) throw notFound(noun);
    ensure(found.role, action);
    return { space: found.space, role: found.role, actorRef: found.user };
  }

  /** A live message the actor may `action` on, with its space. */
  async message(messageId: number, action: SpaceAction): Promise<SpaceAccess & { row: MessageRow }> {
    const row = await this.tx.messages.row(messageId);
    if (!row || row.deleted) throw notFound('message');
    const access = await this.space(row.space_id, action).catch(renamed('message'));
    // A member outside a restricted message's audience learns nothing of it, as a non-member.
    if (!(await this.seesMessage(row))) throw notFound('message');
    return { row, ...access };
  }

  /**
   * Whether the actor is in the message's audience (always for an unrestricted one; membership is the
   * caller's check). The server API key sees every message; acting as a user, it sees as that user.
   */
  seesMessage(row: MessageRow): Promise<boolean> {
    const { userId, server } = this.actor;
    if (userId === null) return Promise.resolve(server);
    return this.tx.messages.visibleTo(row, userId);
  }

  /**
   * A file of a space the actor may `action` in. A file attached only to restricted messages is theirs:
   * outside their audiences (its uploader aside) it is not found.
   */
  async file(fileId: number, action: SpaceAction) {
    const file = await this.tx.files.get(fileId);
    if (!file || file.deleted) throw notFound('file');
    const access = await this.space(file.space_id, action).catch(renamed('file'));
    const { userId } = this.actor;
    if (userId !== null && file.uploaded_by !== userId && (await this.tx.files.onlyOnMessagesHiddenFrom(fileId, userId))) throw notFound('file');
    return { file, ...access };
  }

  /** A content of a workspace the actor may `action` in (deleted ones only when `allowDeleted`). */
  async content(spaceId: number, contentId: number, action: SpaceAction, allowDeleted = false): Promise<SpaceAccess & { row: ContentRow }> {
    const access = await this.space(spaceId, action, 'workspace');
    const row = await this.tx.content.row(contentId);
    if (!row || row.space_id !== spaceId || (row.deleted !== 0 && !allowDeleted)) throw notFound('content');
    return { ...access, row };
  }

  /** The server API key, or a live administrator account. */
  isAdmin(): Promise<boolean> {
    const { server, userId } = this.actor;
    return (this.admin ??= server ? Promise.resolve(true) : userId === null ? Promise.resolve(false) : this.tx.users.isAdmin(userId));
  }

  /** Throws `forbidden` unless the actor is `userId`, an administrator or the server API key. */
  async selfOrAdmin(userId: number, refusal: string): Promise<void> {
    if (this.actor.userId === userId) return;
    if (!(await this.isAdmin())) throw forbidden(refusal);
  }

  /** Whether the actor sees `userId`'s private fields (email, admin flag): themself, administrators, people sharing a space. */
  async seesPrivate(userId: number): Promise<boolean> {
    if (this.actor.userId === userId || (await this.isAdmin())) return true;
    return this.actor.userId !== null && this.tx.spaces.shareLiveSpace(this.actor.userId, userId);
  }
}
