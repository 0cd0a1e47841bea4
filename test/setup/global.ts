// Placeholder: replaced by the PostgreSQL harness (see docs/architecture.md, "Tests").
export default function setup(): void {}
