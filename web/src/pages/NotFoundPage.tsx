import { usePageTitle } from "../components.tsx";
import { Link } from "../router.tsx";

export function NotFoundPage({ message = "There is no page at this address." }: { message?: string }) {
  usePageTitle("Not found");
  return (
    <section>
      <h1>Page not found</h1>
      <p>{message}</p>
      <p>
        <Link href="/apps">Go to your apps</Link>
      </p>
    </section>
  );
}
