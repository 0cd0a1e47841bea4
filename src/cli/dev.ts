export async function dev(_dir: string | undefined, _io: unknown): Promise<number> {
  return Promise.resolve(1);
}
