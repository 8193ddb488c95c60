// Mentions in message text: `@123` (user id), `@username`, and `@all`.
export interface ParsedMentions {
  ids: number[];
  usernames: string[];
  all: boolean;
}

const MENTION = /(^|[^\w@])@([A-Za-z0-9_.-]{1,64})/g;

export function parseMentions(text: string): ParsedMentions {
  const ids = new Set<number>();
  const usernames = new Set<string>();
  let all = false;
  for (const m of text.matchAll(MENTION)) {
    const token = m[2].replace(/[.-]+$/, '');
    if (token === 'all') all = true;
    else if (/^\d+$/.test(token)) ids.add(Number(token));
    else if (token) usernames.add(token.toLowerCase());
  }
  return { ids: [...ids], usernames: [...usernames], all };
}
