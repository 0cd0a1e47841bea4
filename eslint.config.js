// Type-aware lint: the rules that catch async mistakes (floating and misused promises) matter most here,
// because a forgotten await in the refresh path loses tokens silently.
import js from "@eslint/js";
import tseslint from "typescript-eslint";
import globals from "globals";
import reactHooks from "eslint-plugin-react-hooks";

export default tseslint.config(
  { ignores: ["node_modules/", "data/", "dist/", "web/dist/", "test-results/", "coverage/"] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: globals.node,
      parserOptions: {
        projectService: { allowDefaultProject: ["*.js", "*.mjs", "bin/*.mjs"] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/require-await": "off",
      // Untrusted JSON is parsed with a schema where it enters; `any` must not leak past that point.
      "@typescript-eslint/no-unsafe-assignment": "error",
      "@typescript-eslint/no-unsafe-member-access": "error",
      "@typescript-eslint/no-unsafe-argument": "error",
      "@typescript-eslint/no-unsafe-call": "error",
      "@typescript-eslint/no-unsafe-return": "error",
      // oauth4webapi marks these as deprecated to make them stand out, not to retire them.
      "@typescript-eslint/no-deprecated": [
        "error",
        { allow: [{ from: "package", package: "oauth4webapi", name: ["allowInsecureRequests", "nopkce"] }] },
      ],
    },
  },
  {
    // vitest types its asymmetric matchers (expect.any, expect.stringContaining, …) as `any`.
    files: ["test/**/*.ts", "src/**/*.test.ts"],
    rules: { "@typescript-eslint/no-unsafe-assignment": "off" },
  },
  {
    // The emulators' tests read platform bodies as loose JSON (about 220 findings with these rules on);
    // typing those bodies is a change of its own.
    files: ["src/emulators/**/*.test.ts", "test/emulators/**/*.test.ts"],
    rules: {
      "@typescript-eslint/no-unsafe-member-access": "off",
      "@typescript-eslint/no-unsafe-argument": "off",
      "@typescript-eslint/no-unsafe-call": "off",
      "@typescript-eslint/no-unsafe-return": "off",
    },
  },
  {
    // The UI sees the server only through its API's types (src/api) and the shared name rules (src/names).
    files: ["web/**/*.{ts,tsx}"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              regex: "^(\\.\\./)+src/(?!api/|names\\.ts$)",
              message: "The web UI imports the server's types from src/api only (and src/names.ts).",
            },
          ],
        },
      ],
    },
  },
  {
    // src/api is the API's shapes, read by the browser too: types only, and nothing from outside the folder.
    files: ["src/api/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        { patterns: [{ regex: "^\\.\\./", message: "src/api imports only itself." }] },
      ],
      "@typescript-eslint/consistent-type-imports": ["error", { prefer: "type-imports" }],
    },
  },
  {
    // The rules of hooks and their dependency lists; useFetch takes a dependency list like useEffect. (The
    // React Compiler's rules in the plugin's recommended set are for code the compiler builds; this UI
    // does not use it.)
    files: ["web/**/*.{ts,tsx}"],
    plugins: { "react-hooks": reactHooks },
    rules: {
      "react-hooks/rules-of-hooks": "error",
      "react-hooks/exhaustive-deps": ["error", { additionalHooks: "^useFetch$" }],
    },
  },
  {
    files: ["**/*.js", "**/*.mjs"],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { globals: globals.node },
  },
);
