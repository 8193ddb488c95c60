// Commands of the spaces aggregate: spaces (multi-user and 1-to-1) and their members.
import { Type } from '@sinclair/typebox';
import * as spaces from '../service/spaces.js';
import * as members from '../service/members.js';
import { command } from './command.js';
import { read, write } from './services.js';
import { AccessMode, Description, Done, Id, Role, SpaceKind, SpaceName } from './schemas.js';
import { MemberSchema, SpaceSchema } from './views.js';

const SpaceId = { space_id: Id };
const SpacePatch = { name: Type.Optional(SpaceName), description: Type.Optional(Description), access: Type.Optional(AccessMode) };

export const SPACE_COMMANDS = [
  command({
    name: 'spaces.create',
    summary: 'Create a multi-user space, or get/create the 1-to-1 space with one user (created: false when it existed)',
    input: Type.Object(
      { ...SpacePatch, kind: Type.Optional(SpaceKind), member_ids: Type.Optional(Type.Array(Id, { maxItems: 1000 })), owner_id: Type.Optional(Id) },
      { additionalProperties: false },
    ),
    output: Type.Object({ space: SpaceSchema, created: Type.Boolean() }),
    run: write(spaces.create),
  }),
  command({
    name: 'spaces.list',
    summary: 'Spaces you are a member of',
    input: Type.Object({}),
    output: Type.Object({ spaces: Type.Array(SpaceSchema) }),
    run: read(async (c) => ({ spaces: await spaces.list(c) })),
  }),
  command({
    name: 'spaces.get',
    summary: 'One space with its members',
    input: Type.Object(SpaceId),
    output: Type.Object({ space: SpaceSchema }),
    run: read(async (c, d) => ({ space: await spaces.get(c, d.space_id) })),
  }),
  command({
    name: 'spaces.update',
    summary: 'Rename, describe or change access (managers); emits space.updated',
    input: Type.Object({ ...SpaceId, ...SpacePatch }, { additionalProperties: false }),
    output: Type.Object({ space: SpaceSchema }),
    run: write(async (c, { space_id, ...patch }) => ({ space: await spaces.update(c, space_id, patch) })),
  }),
  command({
    name: 'spaces.delete',
    summary: 'Delete a space (owner); emits space.deleted',
    input: Type.Object(SpaceId),
    output: Done,
    run: write(async (c, d) => (await spaces.remove(c, d.space_id), {})),
  }),
  command({
    name: 'spaces.undelete',
    summary: 'Restore a deleted multi-user space (its owners, administrators); emits space.undeleted',
    input: Type.Object(SpaceId),
    output: Type.Object({ space: SpaceSchema }),
    run: write(async (c, d) => ({ space: await spaces.restore(c, d.space_id) })),
  }),
  command({
    name: 'members.add',
    summary: 'Add a member (managers); emits member.added',
    input: Type.Object({ ...SpaceId, user_id: Id, role: Type.Optional(Role) }, { additionalProperties: false }),
    output: Type.Object({ member: MemberSchema }),
    run: write(async (c, d) => ({ member: await members.add(c, d.space_id, d.user_id, d.role ?? 'member') })),
  }),
  command({
    name: 'members.join',
    summary: 'Join an open space yourself; emits member.added',
    input: Type.Object(SpaceId, { additionalProperties: false }),
    output: Type.Object({ member: MemberSchema }),
    run: write(async (c, d) => ({ member: await members.joinOpen(c, d.space_id) })),
  }),
  command({
    name: 'members.leave',
    summary: 'Leave a space yourself (conflict when not a member); emits member.removed',
    input: Type.Object(SpaceId, { additionalProperties: false }),
    output: Done,
    run: write(async (c, d) => (await members.leave(c, d.space_id), {})),
  }),
  command({
    name: 'members.set_role',
    summary: "Change a member's role; emits member.updated",
    input: Type.Object({ ...SpaceId, user_id: Id, role: Role }, { additionalProperties: false }),
    output: Type.Object({ member: MemberSchema }),
    run: write(async (c, d) => ({ member: await members.setRole(c, d.space_id, d.user_id, d.role) })),
  }),
  command({
    name: 'members.remove',
    summary: 'Leave (your own user_id) or remove a member (managers); emits member.removed',
    input: Type.Object({ ...SpaceId, user_id: Id }),
    output: Done,
    run: write(async (c, d) => (await members.remove(c, d.space_id, d.user_id), {})),
  }),
];
