// Multipart uploads (chat files, Tracim files and file revisions): boundaries missing, empty, quoted or
// too long; parts with odd names, file names and headers; bodies cut short, with bare LFs or garbage;
// too many files or fields. Every request must get a 4xx or a success, never a 5xx.
import type { Rng } from '../../../helpers/rng.js';
import { WEIRD_STRINGS, type Surface, type Target, type Tally } from '../harness.js';
import { send } from '../http.js';

function boundary(rng: Rng): string {
  return rng.pick(['XyZ', '----WebKitFormBoundary7MA4YWxkTrZu0gW', 'b'.repeat(70), 'b'.repeat(300), 'a b', '=', '--', 'é']);
}

function contentType(b: string, rng: Rng): string {
  const x = rng.next();
  if (x < 0.75) return `multipart/form-data; boundary=${b}`;
  return rng.pick(['multipart/form-data', 'multipart/form-data; boundary=', `multipart/form-data; boundary="${b}"`, `multipart/mixed; boundary=${b}`, `multipart/form-data; charset=utf-8; boundary=${b}; boundary=other`, 'multipart/', 'text/plain']);
}

function part(rng: Rng, fileField: string): string {
  const name = rng.chance(0.7) ? fileField : rng.pick(['parent_id', 'file', 'files', '', '__proto__', 'x'.repeat(500)]);
  const filename = rng.chance(0.8) ? rng.pick(['a.txt', '../../etc/passwd', '', 'x'.repeat(1000), '.htaccess', 'a\u0000b.txt', 'résumé.pdf', WEIRD_STRINGS[rng.int(0, WEIRD_STRINGS.length - 1)].slice(0, 100)]) : null;
  const headers = [
    rng.chance(0.95) ? `Content-Disposition: form-data; name="${name}"${filename !== null ? `; filename="${filename}"` : ''}` : 'Content-Disposition: attachment',
    ...(rng.chance(0.6) ? [`Content-Type: ${rng.pick(['text/plain', 'application/octet-stream', 'image/png', '', 'x'.repeat(300)])}`] : []),
    ...(rng.chance(0.1) ? ['Bogus header without colon'] : []),
  ];
  const value = name === 'parent_id' ? rng.pick(['1', '-1', 'abc', '1e309', '9'.repeat(40), '']) : 'data '.repeat(rng.int(0, 2000));
  return `${headers.join('\r\n')}\r\n\r\n${value}`;
}

function body(rng: Rng, b: string, fileField: string): string {
  const parts = Array.from({ length: rng.int(0, rng.chance(0.1) ? 14 : 3) }, () => part(rng, fileField));
  let text = (rng.chance(0.1) ? 'preamble garbage\r\n' : '') + parts.map((p) => `--${b}\r\n${p}\r\n`).join('') + (rng.chance(0.85) ? `--${b}--\r\n` : '');
  const x = rng.next();
  if (x < 0.2) text = text.slice(0, rng.int(0, text.length));
  else if (x < 0.3) text = text.replace(/\r\n/g, '\n');
  else if (x < 0.35) text = '';
  return text;
}

export const surface: Surface = {
  name: 'multipart',
  budget: 240,
  async run(t: Target, rng: Rng, tally: Tally, budget: number) {
    const routes: [string, string, string][] = [
      ['POST', `/api/v1/spaces/${t.ids.space}/files`, 'file'],
      ['POST', `/api/workspaces/${t.ids.workspace}/files`, 'files'],
      ['PUT', `/api/workspaces/${t.ids.workspace}/files/${t.ids.fileContent}/raw`, 'files'],
    ];
    for (let i = 0; i < budget; i++) {
      const [method, path, field] = routes[i % routes.length];
      const b = boundary(rng);
      const headers: Record<string, string> = { 'content-type': contentType(b, rng) };
      if (rng.chance(0.9)) headers.authorization = `Bearer ${t.token()}`;
      await send(t.base, { method, path, headers, body: body(rng, b, field), route: `${method} ${path}` }, tally);
    }
  },
};
