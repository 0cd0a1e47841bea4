import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { callbackUrl, ConfigError, loadConfig } from "../../src/config/index.ts";
import { thrownBy } from "../helpers/thrown.ts";

const failure = (env: NodeJS.ProcessEnv) => thrownBy(ConfigError, () => loadConfig(env));

describe("configuration from the environment", () => {
  it("applies CONTRACT §2's defaults", () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 8080,
      host: "127.0.0.1",
      publicUrl: "http://localhost:8080",
      dataDir: resolve("./data"),
      databaseUrl: `sqlite:${resolve("./data/gatehouse.db")}`,
      encryptionKeys: null,
      adminEmail: null,
      adminPassword: null,
      sandbox: false,
      emulatorPorts: [8091, 8092, 8093],
      logLevel: "info",
      appSandbox: "auto",
      appResultMaxBytes: 5 * 1024 * 1024,
      appUidBase: 1_900_000_000,
      appPython: null,
      cacheTtlSeconds: 30,
    });
    expect(config.appsDirs).toEqual([resolve("./apps")]);
    expect(callbackUrl(config)).toBe("http://localhost:8080/api/integrations/oauth2/callback/");
  });

  it("is a sandbox by default under npm start, with the examples as apps", () => {
    const config = loadConfig({}, { sandboxDefault: true });
    expect(config.sandbox).toBe(true);
    expect(config.appsDirs).toEqual([resolve("./apps"), resolve("./examples")]);
    expect(loadConfig({ GATEHOUSE_SANDBOX: "false" }, { sandboxDefault: true }).sandbox).toBe(false);
  });

  it("reads every variable", () => {
    const config = loadConfig({
      PORT: "9000",
      HOST: "0.0.0.0",
      GATEHOUSE_PUBLIC_URL: "https://hub.example.com/",
      GATEHOUSE_DATA_DIR: "/var/lib/gatehouse",
      GATEHOUSE_DATABASE_URL: "postgres://u:p@db:5432/gatehouse",
      GATEHOUSE_ENCRYPTION_KEYS: "k1:AAAA,k2:BBBB",
      GATEHOUSE_ADMIN_EMAIL: "Root@Example.com",
      GATEHOUSE_ADMIN_PASSWORD: "long-enough",
      GATEHOUSE_SANDBOX: "true",
      GATEHOUSE_APPS_DIR: "/srv/apps",
      GATEHOUSE_EMULATOR_PORTS: "1,2,3",
      LOG_LEVEL: "debug",
      GATEHOUSE_APP_SANDBOX: "required",
      GATEHOUSE_APP_RESULT_MAX_BYTES: "1048576",
      GATEHOUSE_APP_UID_BASE: "500000",
      GATEHOUSE_CACHE_TTL_SECONDS: "0",
    });
    expect(config).toMatchObject({
      cacheTtlSeconds: 0,
      appSandbox: "required",
      appResultMaxBytes: 1_048_576,
      appUidBase: 500_000,
      port: 9000,
      host: "0.0.0.0",
      publicUrl: "https://hub.example.com",
      dataDir: "/var/lib/gatehouse",
      databaseUrl: "postgres://u:p@db:5432/gatehouse",
      encryptionKeys: "k1:AAAA,k2:BBBB",
      adminEmail: "root@example.com",
      adminPassword: "long-enough",
      sandbox: true,
      appsDirs: ["/srv/apps"],
      emulatorPorts: [1, 2, 3],
      logLevel: "debug",
    });
    expect(loadConfig({ GATEHOUSE_DATA_DIR: "/tmp/x" }).databaseUrl).toBe("sqlite:/tmp/x/gatehouse.db");
    expect(loadConfig({}).trustProxy).toBe(false);
    expect(loadConfig({ GATEHOUSE_TRUST_PROXY: "true" }).trustProxy).toBe(true);
    expect(loadConfig({ GATEHOUSE_TRUST_PROXY: "2" }).trustProxy).toBe(2);
    expect(loadConfig({ GATEHOUSE_TRUST_PROXY: "10.0.0.0/8, 127.0.0.1" }).trustProxy).toBe(
      "10.0.0.0/8, 127.0.0.1",
    );
    expect(loadConfig({}).backgroundRefresh).toBe(true);
    expect(loadConfig({ GATEHOUSE_BACKGROUND_REFRESH: "false" }).backgroundRefresh).toBe(false);
    // GATEHOUSE_PYTHON: a path (resolved like the other paths), or a command the hub looks up on the PATH.
    expect(loadConfig({ GATEHOUSE_PYTHON: "/opt/venv/bin/python" }).appPython).toBe("/opt/venv/bin/python");
    expect(loadConfig({ GATEHOUSE_PYTHON: "venv/bin/python" }).appPython).toBe(resolve("venv/bin/python"));
    expect(loadConfig({ GATEHOUSE_PYTHON: "python3.12" }).appPython).toBe("python3.12");
  });

  it("stops on a bad value with one message naming the variable", () => {
    const cases: [NodeJS.ProcessEnv, string][] = [
      [{ PORT: "eighty" }, "PORT"],
      [{ PORT: "70000" }, "PORT"],
      [{ GATEHOUSE_CACHE_TTL_SECONDS: "-1" }, "GATEHOUSE_CACHE_TTL_SECONDS"],
      [{ GATEHOUSE_CACHE_TTL_SECONDS: "1.5" }, "GATEHOUSE_CACHE_TTL_SECONDS"],
      [{ GATEHOUSE_CACHE_TTL_SECONDS: "86400" }, "GATEHOUSE_CACHE_TTL_SECONDS"],
      [{ GATEHOUSE_PUBLIC_URL: "ftp://hub" }, "GATEHOUSE_PUBLIC_URL"],
      [{ GATEHOUSE_PUBLIC_URL: "hub.example.com" }, "GATEHOUSE_PUBLIC_URL"],
      [{ GATEHOUSE_PUBLIC_URL: "https://hub.example.com/?x=1" }, "GATEHOUSE_PUBLIC_URL"],
      [{ GATEHOUSE_DATABASE_URL: "mysql://x" }, "GATEHOUSE_DATABASE_URL"],
      [{ GATEHOUSE_ENCRYPTION_KEYS: "no-colon" }, "GATEHOUSE_ENCRYPTION_KEYS"],
      [
        { GATEHOUSE_ADMIN_EMAIL: "not-an-email", GATEHOUSE_ADMIN_PASSWORD: "long-enough" },
        "GATEHOUSE_ADMIN_EMAIL",
      ],
      [
        { GATEHOUSE_ADMIN_EMAIL: "a@example.com", GATEHOUSE_ADMIN_PASSWORD: "short" },
        "GATEHOUSE_ADMIN_PASSWORD",
      ],
      [{ GATEHOUSE_ADMIN_EMAIL: "a@example.com" }, "GATEHOUSE_ADMIN_PASSWORD"],
      [{ GATEHOUSE_ADMIN_PASSWORD: "long-enough" }, "GATEHOUSE_ADMIN_EMAIL"],
      [{ GATEHOUSE_SANDBOX: "maybe" }, "GATEHOUSE_SANDBOX"],
      [{ GATEHOUSE_EMULATOR_PORTS: "8091,8092" }, "GATEHOUSE_EMULATOR_PORTS"],
      [{ GATEHOUSE_EMULATOR_PORTS: "1,2,99999" }, "GATEHOUSE_EMULATOR_PORTS"],
      [{ LOG_LEVEL: "loud" }, "LOG_LEVEL"],
      [{ GATEHOUSE_TRUST_PROXY: "everyone" }, "GATEHOUSE_TRUST_PROXY"],
      [{ GATEHOUSE_BACKGROUND_REFRESH: "sometimes" }, "GATEHOUSE_BACKGROUND_REFRESH"],
      [{ GATEHOUSE_APP_SANDBOX: "yes" }, "GATEHOUSE_APP_SANDBOX"],
      [{ GATEHOUSE_APP_RESULT_MAX_BYTES: "12" }, "GATEHOUSE_APP_RESULT_MAX_BYTES"],
      [{ GATEHOUSE_APP_RESULT_MAX_BYTES: "9000000" }, "GATEHOUSE_APP_RESULT_MAX_BYTES"],
      [{ GATEHOUSE_APP_RESULT_MAX_BYTES: "1.5" }, "GATEHOUSE_APP_RESULT_MAX_BYTES"],
      [{ GATEHOUSE_APP_UID_BASE: "0" }, "GATEHOUSE_APP_UID_BASE"],
      [{ GATEHOUSE_APP_UID_BASE: "4294967295" }, "GATEHOUSE_APP_UID_BASE"],
      [{ GATEHOUSE_PYTHON: "python3\n-c evil" }, "GATEHOUSE_PYTHON"],
    ];
    for (const [env, variable] of cases) {
      const err = failure(env);
      expect(err.variable, JSON.stringify(env)).toBe(variable);
      expect(err.message.startsWith(`${variable}:`)).toBe(true);
      expect(err.message).not.toContain("\n");
    }
    // Secrets are not echoed back.
    expect(
      failure({ GATEHOUSE_ADMIN_EMAIL: "a@example.com", GATEHOUSE_ADMIN_PASSWORD: "short" }).message,
    ).not.toContain('short"');
    expect(failure({ GATEHOUSE_ENCRYPTION_KEYS: "secretvalue" }).message).not.toContain("secretvalue");
  });
});
