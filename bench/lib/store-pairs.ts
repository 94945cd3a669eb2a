/** What the Store benches need of a store to set up one-to-one conversations (any checkout's). */
export interface PairStore {
  createUser(name: string, key: string, hash: string): Promise<{ id: number }>;
  createFriendRequest(from: number, to: number): Promise<unknown>;
  acceptFriendRequest(userId: number, fromId: number): Promise<number>;
}

/** `n` pairs of friends, a{i} and b{i}, and their direct conversation each. */
export async function friendPairs(store: PairStore, n: number): Promise<{ conv: number; a: number; b: number }[]> {
  const pairs: { conv: number; a: number; b: number }[] = [];
  for (let i = 0; i < n; i++) {
    const a = await store.createUser(`a${i}`, `a${i}`, 'x');
    const b = await store.createUser(`b${i}`, `b${i}`, 'x');
    await store.createFriendRequest(a.id, b.id);
    pairs.push({ conv: await store.acceptFriendRequest(b.id, a.id), a: a.id, b: b.id });
  }
  return pairs;
}
