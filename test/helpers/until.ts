// Polls a condition until it holds or `ms` pass (then throws), checking every `stepMs`.
export async function until(f: () => boolean | Promise<boolean>, ms = 5000, stepMs = 20, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!(await f())) {
    if (Date.now() > end) throw new Error(`${what} not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}
