// Moobius renderer (src/dialects/moobius/render.ts): the service receive format and the copy frames
// against the JSON of specs/moobius-ws.md (written by hand), and message_down as docs/dialects/moobius.md defines it.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  MOOBIUS_ERROR_CODES,
  NIL_UUID,
  copyHeartbeat,
  copyMessageUp,
  copyOk,
  copyRefusal,
  kindForSubtype,
  moobiusSubtype,
  renderMoobiusDown,
  renderMoobiusDownJson,
  renderMoobiusService,
  renderMoobiusServiceJson,
  type MoobiusInput,
} from '../../../src/dialects/moobius/render.js';
import type { MessageView } from '../../../src/core/model.js';
import { at, file, message, space, summary, unrelatedEvents, user } from './fixtures.js';

// The document's "Service receive format" example.
const channel = summary(space({ id: 5, uuid: '10c0133f-3fb5-4803-b40e-9bc6c516eec0' }));
const sender = user(3, { uuid: 'd3141b6d-07ef-4189-9259-572bf41225f8' });
const docMessage = message({
  id: 900,
  uuid: 'd3141b6d-07ef-4189-9259-572bf41225f8',
  space_id: 5,
  author: sender,
  content: 'this is an example message',
  meta: { moobius: { recipients: 'd3141b6d-07ef-4189-9259-572bf41225f8', context: {} } },
  created_at: 1688481188282,
  updated_at: 1688481188282,
});

const created = (m: MessageView = docMessage): MoobiusInput => at({ type: 'message.created', data: { message: m, space: channel } }, 300, m.created_at);

describe('Moobius: service receive format', () => {
  test('a text message: the document example, byte for byte', () => {
    assert.equal(
      renderMoobiusServiceJson(created()),
      '{"type":"message_up","body":{"subtype":"text","content":{"text":"this is an example message"},"channel_id":"10c0133f-3fb5-4803-b40e-9bc6c516eec0",' +
        '"timestamp":1688481188282,"message_id":"d3141b6d-07ef-4189-9259-572bf41225f8","sender":"d3141b6d-07ef-4189-9259-572bf41225f8",' +
        '"recipients":"d3141b6d-07ef-4189-9259-572bf41225f8","context":{}}}',
    );
  });

  test('recipients as a list and a context are passed on as the sender gave them', () => {
    const m = message({ ...docMessage, meta: { moobius: { recipients: ['65202a1d-41cc-4e7b-bc6c-81fa9662076a', 'd3141b6d-07ef-4189-9259-572bf41225f8'], context: { thread: 't1' } } } });
    const b = renderMoobiusService(created(m))!.body;
    assert.deepEqual(b.recipients, ['65202a1d-41cc-4e7b-bc6c-81fa9662076a', 'd3141b6d-07ef-4189-9259-572bf41225f8']);
    assert.deepEqual(b.context, { thread: 't1' });
  });

  test('a file message: content {path, filename, size} (the message_up file example)', () => {
    const f = file({ path: '/spaces/5/files/9/original.txt', name: 'original.txt', size: 1234, mimetype: 'text/plain', space_id: 5 });
    const m = message({ ...docMessage, kind: 'file', content: '', attachments: [f] });
    assert.deepEqual(renderMoobiusService(created(m)), {
      type: 'message_up',
      body: {
        subtype: 'file',
        content: { path: '/spaces/5/files/9/original.txt', filename: 'original.txt', size: 1234 },
        channel_id: '10c0133f-3fb5-4803-b40e-9bc6c516eec0',
        timestamp: 1688481188282,
        message_id: 'd3141b6d-07ef-4189-9259-572bf41225f8',
        sender: 'd3141b6d-07ef-4189-9259-572bf41225f8',
        recipients: 'd3141b6d-07ef-4189-9259-572bf41225f8',
        context: {},
      },
    });
  });
});

describe('Moobius: message_down (what users receive)', () => {
  test('a text message: the service format body with type message_down and recipients always a list', () => {
    assert.deepEqual(renderMoobiusDown(created()), {
      type: 'message_down',
      body: {
        subtype: 'text',
        content: { text: 'this is an example message' },
        channel_id: '10c0133f-3fb5-4803-b40e-9bc6c516eec0',
        timestamp: 1688481188282,
        message_id: 'd3141b6d-07ef-4189-9259-572bf41225f8',
        sender: 'd3141b6d-07ef-4189-9259-572bf41225f8',
        recipients: ['d3141b6d-07ef-4189-9259-572bf41225f8'],
        context: {},
      },
    });
    assert.equal(
      renderMoobiusDownJson(created()),
      '{"type":"message_down","body":{"subtype":"text","content":{"text":"this is an example message"},"channel_id":"10c0133f-3fb5-4803-b40e-9bc6c516eec0",' +
        '"timestamp":1688481188282,"message_id":"d3141b6d-07ef-4189-9259-572bf41225f8","sender":"d3141b6d-07ef-4189-9259-572bf41225f8",' +
        '"recipients":["d3141b6d-07ef-4189-9259-572bf41225f8"],"context":{}}}',
    );
  });

  test('a message from another dialect (no Moobius meta): recipients [] (the whole channel), context {}', () => {
    const m = message({ ...docMessage, meta: null });
    const b = renderMoobiusDown(created(m))!.body;
    assert.deepEqual(b.recipients, []);
    assert.deepEqual(b.context, {});
    assert.deepEqual(renderMoobiusService(created(m))!.body.recipients, []);
  });

  test('malformed Moobius meta is ignored, field by field', () => {
    for (const moobius of [null, 'x', [1], { recipients: [1, 2], context: [] }, { recipients: 5, context: 'c', sender: 7 }]) {
      const b = renderMoobiusDown(created(message({ ...docMessage, meta: { moobius } })))!.body;
      assert.deepEqual([b.recipients, b.context, b.sender], [[], {}, 'd3141b6d-07ef-4189-9259-572bf41225f8'], JSON.stringify(moobius));
    }
  });

  test('bot and server messages: the nil uuid, or the sender a service chose', () => {
    const bot = message({ ...docMessage, kind: 'bot', author: null, meta: { type: 2, bot_message: 'x' } });
    assert.equal(renderMoobiusDown(created(bot))!.body.sender, NIL_UUID);
    const fromService = message({ ...docMessage, author: null, meta: { moobius: { sender: 'aaaaaaaa-0000-4000-8000-000000000001', recipients: ['65202a1d-41cc-4e7b-bc6c-81fa9662076a'] } } });
    const b = renderMoobiusDown(created(fromService))!.body;
    assert.equal(b.sender, 'aaaaaaaa-0000-4000-8000-000000000001');
    assert.deepEqual(b.recipients, ['65202a1d-41cc-4e7b-bc6c-81fa9662076a']);
    // A Herald author always wins over a meta sender.
    assert.equal(renderMoobiusDown(created(message({ ...fromService, author: sender })))!.body.sender, 'd3141b6d-07ef-4189-9259-572bf41225f8');
  });

  test('a message with text and several files: caption and every file', () => {
    const a = file({ id: 1, path: '/spaces/5/files/1/a.png', name: 'a.png', size: 10, mimetype: 'image/png' });
    const c = file({ id: 2, path: '/spaces/5/files/2/b.pdf', name: 'b.pdf', size: 20, mimetype: 'application/pdf' });
    const m = message({ ...docMessage, kind: 'message', content: 'look', attachments: [a, c] });
    assert.deepEqual(renderMoobiusDown(created(m))!.body.content, {
      path: '/spaces/5/files/1/a.png',
      filename: 'a.png',
      size: 10,
      text: 'look',
      files: [
        { path: '/spaces/5/files/1/a.png', filename: 'a.png', size: 10 },
        { path: '/spaces/5/files/2/b.pdf', filename: 'b.pdf', size: 20 },
      ],
    });
    assert.equal(renderMoobiusDown(created(m))!.body.subtype, 'image');
  });

  test('every other event: no frame for users or services', () => {
    const m = docMessage;
    const events = [
      ...unrelatedEvents(),
      { type: 'message.updated', data: { space: summary(space()), message: m, actor_id: 3 } },
      { type: 'message.deleted', data: { space: summary(space()), message: m, actor_id: 3 } },
      { type: 'message.read', data: { space: summary(space()), message: m, user: sender, at: 0 } },
      { type: 'typing.started', data: { space_id: 5, user: sender } },
      { type: 'file.created', data: { space: summary(space()), file: file(), actor_id: 3 } },
    ] as const;
    for (const e of events) {
      const ev = { ...e, id: 1, at: 0 } as MoobiusInput;
      assert.equal(renderMoobiusDown(ev), null, e.type);
      assert.equal(renderMoobiusService(ev), null, e.type);
    }
  });
});

describe('Moobius: subtypes ↔ kinds', () => {
  test('message_up subtypes are stored as these kinds', () => {
    assert.deepEqual(
      (['text', 'file', 'audio', 'image'] as const).map(kindForSubtype),
      ['message', 'file', 'audio', 'image'],
    );
  });

  test('Herald messages are shown as these subtypes', () => {
    const f = (mimetype: string) => [file({ mimetype })];
    const cases: [Partial<MessageView>, string][] = [
      [{ kind: 'message' }, 'text'],
      [{ kind: 'action' }, 'text'],
      [{ kind: 'bot' }, 'text'],
      [{ kind: 'greeter_auto' }, 'text'],
      [{ kind: 'file', attachments: f('application/pdf') }, 'file'],
      [{ kind: 'image', attachments: f('image/png') }, 'image'],
      [{ kind: 'audio', attachments: f('audio/ogg') }, 'audio'],
      [{ kind: 'file', attachments: f('image/png') }, 'file'],
      [{ kind: 'message', attachments: f('image/png') }, 'image'],
      [{ kind: 'message', attachments: f('audio/mpeg') }, 'audio'],
      [{ kind: 'message', attachments: f('text/plain') }, 'file'],
      // A file message whose attachment was deleted has nothing to point at any more.
      [{ kind: 'file', attachments: [] }, 'text'],
    ];
    for (const [over, subtype] of cases) assert.equal(moobiusSubtype(message(over)), subtype, JSON.stringify(over.kind) + ' ' + (over.attachments?.[0]?.mimetype ?? ''));
  });
});

describe('Moobius: copy frames', () => {
  test('message_up accepted: the document example, byte for byte', () => {
    assert.equal(
      JSON.stringify(copyMessageUp('bb6a84fe-99ab-455f-8272-6432f4053363', 'd3141b6d-07ef-4189-9259-572bf41225f8')),
      '{"type":"copy","body":{"context":{"message":"Message received","message_id":"d3141b6d-07ef-4189-9259-572bf41225f8"},"origin_type":"message_up","request_id":"bb6a84fe-99ab-455f-8272-6432f4053363","status":true}}',
    );
  });

  test('heartbeat: the document example, byte for byte', () => {
    assert.equal(
      JSON.stringify(copyHeartbeat('120cb5bf-a2b3-4d19-b8f4-b2058d7182cc')),
      '{"type":"copy","body":{"request_id":"120cb5bf-a2b3-4d19-b8f4-b2058d7182cc","origin_type":"heartbeat","status":true,"context":{}}}',
    );
  });

  test('roger accepted', () => {
    assert.deepEqual(copyOk('roger', '120cb5bf-a2b3-4d19-b8f4-b2058d7182cc', { message_id: '50fb775a-508d-40ef-b80b-de1ef3bf791a' }), {
      type: 'copy',
      body: { context: { message_id: '50fb775a-508d-40ef-b80b-de1ef3bf791a' }, origin_type: 'roger', request_id: '120cb5bf-a2b3-4d19-b8f4-b2058d7182cc', status: true },
    });
  });

  test('a refusal: status false, typed code and message, the request id and type', () => {
    assert.deepEqual(copyRefusal('message_up', 'bb6a84fe-99ab-455f-8272-6432f4053363', 'user_mismatch', 'user_id is not the authenticated user'), {
      type: 'copy',
      body: {
        context: { code: 'user_mismatch', message: 'user_id is not the authenticated user' },
        origin_type: 'message_up',
        request_id: 'bb6a84fe-99ab-455f-8272-6432f4053363',
        status: false,
      },
    });
  });

  test('a refusal of a frame that had no type or request id still carries both keys, as null', () => {
    assert.equal(JSON.stringify(copyRefusal(null, null, 'malformed', 'not JSON')), '{"type":"copy","body":{"context":{"code":"malformed","message":"not JSON"},"origin_type":null,"request_id":null,"status":false}}');
  });

  test('the error codes', () => {
    assert.deepEqual([...MOOBIUS_ERROR_CODES], [
      'malformed', 'unknown_type', 'invalid_body', 'user_mismatch', 'unauthenticated', 'forbidden', 'not_member',
      'unknown_channel', 'unknown_message', 'invalid_recipients', 'invalid_path', 'too_large', 'rate_limited', 'internal',
    ]);
  });
});
