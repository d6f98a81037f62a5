/** Test support: waits until `check` answers true (a rejection counts as not yet), polling every 100 ms, or fails naming `what`. */
export async function eventually(what: string, check: () => Promise<boolean>, withinMs = 5_000): Promise<void> {
  const until = Date.now() + withinMs;
  while (Date.now() < until) {
    if (await check().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${what}: not within ${withinMs} ms`);
}
