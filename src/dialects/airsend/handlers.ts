// One handler per AirSend client frame (after ws_auth). State changes run through the command table;
// the document defines no error frame, so a command the core refuses is logged and ignored.
import type { Commands } from '../../commands/command.js';
import type { Actor } from '../../core/actor.js';
import { emojiFromAirSend } from './format.js';
import { toId, type AirSendCommand, type CommandName } from './commands.js';

/** What a handler may do with its session. */
export interface HandlerContext {
  readonly actor: Actor;
  readonly commands: Commands;
  /** Sends an AirSend event frame outside the feed (the `pong` answer). */
  reply(event: string, payload: unknown): void;
  debug(o: Record<string, unknown>, msg: string): void;
}

type Handler<K extends CommandName> = (ctx: HandlerContext, c: Extract<AirSendCommand, { command: K }>) => Promise<string>;

export const HANDLERS: { [K in CommandName]: Handler<K> } = {
  /** A repeated ws_auth on a live connection is ignored. */
  ws_auth: async () => 'ws_auth on an authenticated connection: ignored',
  /** Extension (AirSend's own web client sends it). */
  ws_ping: async (ctx) => {
    ctx.reply('pong', {});
    return 'pong';
  },
  ws_ephemeral_typing: async (ctx, c) =>
    ((await ctx.commands.run('typing.start', ctx.actor, { space_id: toId(c.channel_id) })) as { delivered: boolean }).delivered ? 'typing sent' : 'typing dropped by the throttle',
  ws_read_notification: async (ctx, c) => {
    await ctx.commands.run('reads.mark', ctx.actor, { message_id: toId(c.message_id) });
    return 'read recorded';
  },
  ws_all_read_notification: async (ctx, c) => {
    await ctx.commands.run('reads.mark_all', ctx.actor, { space_id: toId(c.channel_id) });
    return 'all read recorded';
  },
  ws_add_reaction: async (ctx, c) => {
    await ctx.commands.run('reactions.add', ctx.actor, { message_id: toId(c.message_id), emoji: emojiFromAirSend(c.emoji_value) });
    return 'reaction recorded';
  },
  ws_remove_reaction: async (ctx, c) => {
    await ctx.commands.run('reactions.remove', ctx.actor, { message_id: toId(c.message_id), emoji: emojiFromAirSend(c.emoji_value) });
    return 'reaction removed';
  },
};

/** Runs the handler of a parsed frame. */
export function handle(ctx: HandlerContext, c: AirSendCommand): Promise<string> {
  return (HANDLERS[c.command] as Handler<CommandName>)(ctx, c as never);
}
