export async function runBench(_o: { json: boolean }): Promise<number> {
  return 0;
}
