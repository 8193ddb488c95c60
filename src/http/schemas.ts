// Schemas of the HTTP layer itself (requests and results are the commands', see commands/): the problem
// JSON every error answers with.
import { Type } from '@sinclair/typebox';

/** RFC 9457 problem details, with Herald's error code. */
export const Problem = Type.Object({ type: Type.String(), title: Type.String(), status: Type.Integer(), code: Type.String() }, { description: 'Problem JSON (RFC 9457)' });
