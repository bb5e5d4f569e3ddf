/**
 * The platform handle: what this process's JavaScript runtime (Node or Deno) provides to the layers
 * below the entry point. The runtime is chosen exactly once, by the entry (`main.ts`, a `mod.ts`, a
 * benchmark or test entry script) calling `installPlatform(selectPlatform())` from `app/platform/`;
 * every layer below asks {@link platform} and never looks at the global `Deno` itself (as nats.js
 * injects its transport at the entry instead of detecting it inside the client).
 *
 * Runtime-specific services are typed keys ({@link PlatformService}) declared by the layer whose
 * interface they implement — the relay transport in `relay/transport/types.ts`, the process spawner in
 * `runtime/process/types.ts`, HTTP serving in `api/serve/types.ts`, the WebSocket client in
 * `adapters/common/ws.ts` — so this module knows none of those layers. An implementation is loaded on
 * first use only: Node never parses the Deno implementations and the reverse.
 *
 * @example
 * ```ts
 * // in an entry point:
 * installPlatform(selectPlatform());
 * // anywhere below it:
 * const transport = await platform().load(TRANSPORT);
 * ```
 * @module
 */

/** The JavaScript runtimes AlphaPulse runs on. */
export const RUNTIMES = ["node", "deno"] as const;

/** `"node"` or `"deno"`. */
export type RuntimeName = (typeof RUNTIMES)[number];

/**
 * A typed key naming one runtime-specific service (e.g. the relay transport). Declared once by the
 * layer that defines the service's interface; the platform maps it to a lazy loader.
 */
export interface PlatformService<T> {
  /** What the service is, for error messages (`"relay transport"`). */
  readonly name: string;
  /** Type marker only; never set. */
  readonly __type?: T;
}

/** Declares the key of a runtime-specific service. */
export function platformService<T>(name: string): PlatformService<T> {
  return Object.freeze({ name }) as PlatformService<T>;
}

/** One service of a platform: its key and how to load its implementation (called at most once). */
export interface ServiceBinding<T> {
  /** The key. */
  readonly service: PlatformService<T>;
  /** Loads the implementation (usually a dynamic `import` of the runtime's file). */
  readonly load: () => Promise<T>;
}

/** Pairs a service key with its loader, type-checked. */
export function bindService<T>(service: PlatformService<T>, load: () => Promise<T>): ServiceBinding<T> {
  return { service, load };
}

/** How a script is started as a new process of this runtime. */
export interface ScriptCommand {
  /** The executable (the running node or deno binary). */
  command: string;
  /** Its arguments, ending with the script path. */
  args: string[];
}

/**
 * What a process may touch, where the runtime enforces it (Deno's permission flags; on Node ≥ 22 the
 * permission model's file grants for the services that need no fsync; Node 20 ignores them — see
 * docs/SECURITY.md). Paths are absolute; a directory covers everything under it.
 */
export interface ProcessGrants {
  /** Files and directories it may read. */
  readonly read: readonly string[];
  /** Files and directories it may write (Unix sockets it listens on or connects to need read and write). */
  readonly write: readonly string[];
  /** `host` or `host:port` it may connect to or listen on, or `"any"` for every host. */
  readonly net: readonly string[] | "any";
  /** `host:port` it may never reach, even with `net: "any"`. */
  readonly deniedNet?: readonly string[];
  /** Whether it may read environment variables (its environment is chosen by its parent). */
  readonly env: boolean;
  /** Whether it may read system information (load, memory, host name). */
  readonly sys: boolean;
}

/** How a script is started: with grants (least privilege) and modules loaded before it. */
export interface ScriptOptions {
  /** Least privilege; absent: everything (`deno run -A`). */
  readonly grants?: ProcessGrants;
  /** Modules run before the script (Deno `--preload`, Node `--import`): instrumentation, audits. */
  readonly preload?: readonly string[];
  /** Most MiB of JavaScript heap (V8's `--max-old-space-size`); absent: the runtime's default. */
  readonly heapLimitMb?: number;
}

/** What an entry point knows about its runtime; {@link createPlatform} turns it into a {@link Platform}. */
export interface PlatformSpec {
  /** Which runtime. */
  readonly runtime: RuntimeName;
  /** `"node v20.x.y"` or `"deno 2.x.y"`, for logs and benchmark reports. */
  readonly label: string;
  /** Path of the running runtime binary. */
  readonly execPath: string;
  /**
   * The arguments before a script path that run it on this runtime: `fromSources` is a TypeScript file
   * (`--import tsx` on Node, `run -A` on Deno), otherwise compiled JavaScript (`run -A` on Deno, none on Node).
   */
  scriptArgs(fromSources: boolean, options?: ScriptOptions): readonly string[];
  /**
   * Calls `note` for every promise rejection nobody handled, instead of letting it end the process
   * (Deno: the `unhandledrejection` event; Node: `process`'s). Returns the uninstaller.
   */
  onUnhandledRejection(note: (reason: unknown) => void): () => void;
  /** The runtime-specific services. */
  readonly services: readonly ServiceBinding<unknown>[];
}

/** The installed platform: the spec plus typed, cached service loading. */
export interface Platform extends PlatformSpec {
  /** The implementation of `service` on this runtime (loaded once). Rejects with {@link PlatformServiceMissingError}. */
  load<T>(service: PlatformService<T>): Promise<T>;
  /** How to start `script` as a new process of this runtime. */
  scriptCommand(script: string, fromSources: boolean, options?: ScriptOptions): ScriptCommand;
}

/** Thrown by {@link platform} when no entry point installed one. */
export class PlatformNotInstalledError extends Error {
  constructor() {
    super(
      "no platform installed: the entry point (main.ts, a mod.ts, a benchmark or test entry script) must call " +
        "installPlatform(selectPlatform()) from app/platform/select.ts before using sockets, processes, HTTP or WebSockets " +
        "(vitest does it in tests/setup/platform.ts)",
    );
    this.name = "PlatformNotInstalledError";
  }
}

/** Thrown when a platform has no implementation of a service. */
export class PlatformServiceMissingError extends Error {
  /**
   * @param service the service asked for
   * @param runtime the installed platform's runtime
   */
  /** The service asked for. */
  readonly service: string;
  /** The installed platform's runtime. */
  readonly runtime: RuntimeName;

  constructor(service: string, runtime: RuntimeName) {
    super(`the ${runtime} platform has no ${service}: add a bindService line for it in app/platform/${runtime}.ts`);
    this.name = "PlatformServiceMissingError";
    this.service = service;
    this.runtime = runtime;
  }
}

/** Thrown by {@link installPlatform} when a different platform is already installed. */
export class PlatformAlreadyInstalledError extends Error {
  /**
   * @param installed the runtime already installed
   * @param attempted the runtime of the second install
   */
  /** The runtime already installed. */
  readonly installed: RuntimeName;
  /** The runtime of the refused install. */
  readonly attempted: RuntimeName;

  constructor(installed: RuntimeName, attempted: RuntimeName) {
    super(`a ${installed} platform is already installed in this process; refusing to install a second one (${attempted}): choose the platform once, at the entry point`);
    this.name = "PlatformAlreadyInstalledError";
    this.installed = installed;
    this.attempted = attempted;
  }
}

/** Builds a {@link Platform} from its spec. Each service is loaded at most once. */
export function createPlatform(spec: PlatformSpec): Platform {
  const loaders = new Map<PlatformService<unknown>, () => Promise<unknown>>();
  for (const b of spec.services) loaders.set(b.service, b.load);
  const loaded = new Map<PlatformService<unknown>, Promise<unknown>>();
  return {
    runtime: spec.runtime,
    label: spec.label,
    execPath: spec.execPath,
    services: spec.services,
    scriptArgs: (fromSources, options) => spec.scriptArgs(fromSources, options),
    onUnhandledRejection: (note) => spec.onUnhandledRejection(note),
    load<T>(service: PlatformService<T>): Promise<T> {
      let p = loaded.get(service);
      if (p === undefined) {
        const load = loaders.get(service);
        p = load ? load() : Promise.reject(new PlatformServiceMissingError(service.name, spec.runtime));
        loaded.set(service, p);
      }
      return p as Promise<T>;
    },
    scriptCommand(script, fromSources, options) {
      return { command: spec.execPath, args: [...spec.scriptArgs(fromSources, options), script] };
    },
  };
}

let installed: Platform | undefined;

/**
 * Installs the platform of this process. Called once, by the entry point. Installing the same platform
 * again is a no-op; installing another throws {@link PlatformAlreadyInstalledError}.
 */
export function installPlatform(p: Platform): void {
  if (installed !== undefined && installed !== p) throw new PlatformAlreadyInstalledError(installed.runtime, p.runtime);
  installed = p;
}

/** The installed platform, or undefined when the entry point has not installed one yet. */
export function installedPlatform(): Platform | undefined {
  return installed;
}

/** The installed platform. Throws {@link PlatformNotInstalledError} when the entry point did not install one. */
export function platform(): Platform {
  if (installed === undefined) throw new PlatformNotInstalledError();
  return installed;
}
