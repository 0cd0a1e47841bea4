/** GATEHOUSE_APP_SANDBOX: `required` refuses to run apps without the sandbox, `auto` uses it where it works. */
export const SANDBOX_SETTINGS = ["required", "auto", "off"] as const;
export type SandboxSetting = (typeof SANDBOX_SETTINGS)[number];
