/** A WebResult in a fully sandboxed iframe: no scripts, no same-origin access, no forms or navigation. */
export function WebView({ html, title }: { html: string; title: string }) {
  return <iframe className="web-view" title={title} sandbox="" srcDoc={html} referrerPolicy="no-referrer" />;
}
