import { type CursorKind, decodeCursor, encodeCursor } from './cursor.ts';

export interface IdPage<T> {
  items: T[];
  nextCursor: string | null;
}

/**
 * One page of a list ordered by id: fetches one row more than asked to learn whether another
 * page follows, and hands out a cursor for it only then.
 */
export async function pageById<T extends { id: string }>(
  kind: CursorKind,
  query: { cursor?: string; limit: number },
  fetch: (afterId: string | null, limit: number) => Promise<T[]>,
): Promise<IdPage<T>> {
  const afterId = query.cursor === undefined ? null : decodeCursor(kind, query.cursor);
  const rows = await fetch(afterId, query.limit + 1);
  const items = rows.slice(0, query.limit);
  const more = rows.length > query.limit;
  return { items, nextCursor: more ? encodeCursor(kind, items.at(-1)!.id) : null };
}
