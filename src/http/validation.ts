// Route validation with TypeBox: bodies are checked as sent (a number is never silently turned into a
// string); params, query strings and headers arrive as text, so they are converted to the schema's types.
import type { FastifySchemaCompiler } from 'fastify';
import { Kind, type TSchema } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { Value } from '@sinclair/typebox/value';
// The string formats schemas use (email) are registered where the command schemas are declared.
import '../commands/schemas.js';

export const typeboxValidator: FastifySchemaCompiler<TSchema> = ({ schema, httpPart, url, method }) => {
  if (!(Kind in schema)) throw new Error(`route ${method} ${url}: the ${httpPart} schema must be built with TypeBox`);
  const check = TypeCompiler.Compile(schema);
  const textual = httpPart !== 'body';
  return (data: unknown) => {
    let value = Value.Default(schema, structuredClone(data));
    if (textual) value = Value.Convert(schema, value);
    if (check.Check(value)) return { value };
    const first = check.Errors(value).First();
    const where = first?.path ? `${httpPart}${first.path.replace(/\//g, '.')}` : httpPart;
    return { error: new Error(`${where}: ${first?.message ?? 'invalid'}`) };
  };
};
