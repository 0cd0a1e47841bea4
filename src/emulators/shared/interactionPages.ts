/**
 * The sign-in and consent pages of the emulated authorization servers: plain HTML forms with labelled
 * fields, so they work in a browser, with a screen reader, and from a cookie-jar HTTP client in tests.
 */

/** The characters these pages escape and their entities; `&` first, so no entity is escaped twice. */
export const HTML_ENTITIES: readonly (readonly [char: string, entity: string])[] = [
  ["&", "&amp;"],
  ["<", "&lt;"],
  [">", "&gt;"],
  ['"', "&quot;"],
  ["'", "&#39;"],
];

export function escapeHtml(value: string): string {
  return HTML_ENTITIES.reduce((text, [char, entity]) => text.replaceAll(char, entity), value);
}

function page(title: string, platform: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · ${escapeHtml(platform)} (emulator)</title>
<style>
body { font-family: system-ui, sans-serif; max-width: 28rem; margin: 3rem auto; padding: 0 1rem; }
label { display: block; margin-top: 1rem; }
input { display: block; width: 100%; padding: .4rem; box-sizing: border-box; }
button { margin-top: 1.2rem; margin-right: .5rem; padding: .5rem 1rem; }
.error { color: #a00; } .note { color: #555; font-size: .9rem; }
</style>
</head>
<body>
<main>
<p class="note">${escapeHtml(platform)} emulator · sandbox only</p>
${body}
</main>
</body>
</html>`;
}

export interface LoginPageInput {
  platform: string;
  uid: string;
  clientId: string;
  email?: string;
  error?: string;
}

export function loginPage(input: LoginPageInput): string {
  const error = input.error
    ? `<p class="error" role="alert" id="login-error">${escapeHtml(input.error)}</p>`
    : "";
  return page(
    "Sign in",
    input.platform,
    `<h1>Sign in</h1>
<p>to continue to <strong>${escapeHtml(input.clientId)}</strong></p>
${error}
<form method="post" action="/interaction/${encodeURIComponent(input.uid)}/login">
<label for="email">Email</label>
<input id="email" name="email" type="email" autocomplete="username" required value="${escapeHtml(input.email ?? "")}">
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button>
</form>
<p class="note">Sandbox accounts: alice@example.com, bob@example.com, carol@example.com (password: sandbox).</p>`,
  );
}

export interface ConsentPageInput {
  platform: string;
  uid: string;
  clientId: string;
  email: string;
  scopes: string[];
}

export function consentPage(input: ConsentPageInput): string {
  const scopes = input.scopes.map((s) => `<li><code>${escapeHtml(s)}</code></li>`).join("\n");
  return page(
    "Allow access",
    input.platform,
    `<h1>Allow access?</h1>
<p><strong>${escapeHtml(input.clientId)}</strong> asks to act as <strong>${escapeHtml(input.email)}</strong> with:</p>
<ul id="scopes">
${scopes || "<li>no additional permissions</li>"}
</ul>
<form method="post" action="/interaction/${encodeURIComponent(input.uid)}/consent">
<button type="submit" name="decision" value="allow">Allow</button>
<button type="submit" name="decision" value="deny">Deny</button>
</form>`,
  );
}

export function errorPage(platform: string, title: string, message: string): string {
  return page(title, platform, `<h1>${escapeHtml(title)}</h1>\n<p>${escapeHtml(message)}</p>`);
}
