import AjvCompiler from "@fastify/ajv-compiler";
import { SerializerSelector } from "@fastify/fast-json-stringify-compiler";
import type { FastifyServerOptions } from "fastify";

type CompilersFactory = NonNullable<
  NonNullable<FastifyServerOptions["schemaController"]>["compilersFactory"]
>;
type Validate = ((...args: unknown[]) => unknown) & { errors?: unknown };
/** What Fastify calls the factories with and expects back, as far as this module uses it. */
type Factory<F> = (externalSchemas: unknown, options: unknown) => (route: unknown) => F;

/**
 * Fastify's own compilers (Ajv for the request schemas, fast-json-stringify for the answers), each route's
 * function compiled on its first use instead of all of them before the hub listens: compiling the API's
 * schemas was a quarter of a cold start (bench cold_start_ms, profiled). `warmUp()` compiles what is
 * still pending, one function per turn of the event loop, once the hub listens; the tests run it to catch
 * a schema that does not compile. The functions are the same; only when they are made moves.
 */
export class LazySchemas {
  private pending: (() => unknown)[] = [];
  private failure: Error | undefined;

  readonly compilersFactory: CompilersFactory;

  constructor() {
    // Fastify's defaults, as its schema controller makes them when given no factory.
    const defaultValidators = AjvCompiler() as unknown as Factory<Validate>;
    const defaultSerializers = SerializerSelector() as unknown as Factory<(data: unknown) => string>;
    const buildValidator: Factory<Validate> = (externalSchemas, options) => {
      const compile = defaultValidators(externalSchemas, options);
      return (route) => this.lazyValidator(() => compile(route));
    };
    const buildSerializer: Factory<(data: unknown) => string> = (externalSchemas, options) => {
      const compile = defaultSerializers(externalSchemas, options);
      return (route) => this.lazy(() => compile(route));
    };
    this.compilersFactory = { buildValidator, buildSerializer } as unknown as CompilersFactory;
  }

  /**
   * Compiles every pending function, yielding between them. Throws the first compile error seen by any
   * path (a request, or a warm-up already running in the background).
   */
  async warmUp(): Promise<void> {
    while (this.pending.length > 0) {
      try {
        this.pending.shift()!();
      } catch {
        // Kept in `failure`.
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
    if (this.failure !== undefined) throw this.failure;
  }

  /** Leaves the rest to be compiled on first use (the hub is closing). */
  stop(): void {
    this.pending = [];
  }

  /** `make`, called once, on first use or by warmUp; its error is kept for warmUp. */
  private once<F>(make: () => F): () => F {
    let made: F | undefined;
    const get = () => {
      try {
        return (made ??= make());
      } catch (error) {
        this.failure ??= error instanceof Error ? error : new Error(String(error));
        throw error;
      }
    };
    this.pending.push(get);
    return get;
  }

  private lazy<F extends (...args: never[]) => unknown>(make: () => F): F {
    const get = this.once(make);
    return ((...args: Parameters<F>) => get()(...args)) as F;
  }

  private lazyValidator(make: () => Validate): Validate {
    const get = this.once(make);
    const validate: Validate = (...args) => {
      const real = get();
      const result = real(...args);
      // Fastify reads the errors off the function it was given.
      validate.errors = real.errors;
      return result;
    };
    // Fastify hands an Ajv function (one with `schemaEnv`) the parent of the value too, so Ajv may replace
    // a root value (defaults); this one passes it on.
    Object.defineProperty(validate, "schemaEnv", { value: true });
    return validate;
  }
}
