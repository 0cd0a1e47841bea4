/** The built CLI's entry (a file: URL) for the sources as they are now, or null: run them through tsx. */
export function builtCli(): Promise<string | null>;
