/**
 * The relay identities of one run (relay/identity.ts): the supervisor makes a random run key; relay
 * processes get the key (`ALPHAPULSE_RELAY_KEY`), every other service only its own token
 * (`ALPHAPULSE_SERVICE_TOKEN`: its service id; the API the dashboard/API range 60–69), and the
 * command-line tools a token for 90–99 written 0600 to `tools.token` in the runtime directory — never
 * the key. A service process takes its secret out of its environment at start (so nothing it spawns
 * inherits it); an inline system passes it in-process.
 *
 * @example
 * ```ts
 * const secrets = RunSecrets.generate();
 * await secrets.writeToolsToken(paths.dir);
 * spawn(..., { env: { ...secrets.envFor("adapter", 3) } });
 * // in the child:
 * const identity = takeIdentityFromEnv();
 * ```
 * @module
 */

import { constants } from "node:fs";
import { open, rm } from "node:fs/promises";
import { join } from "node:path";
import process from "node:process";
import {
  API_RANGE, credentialFromKey, EXECUTION_RANGE, credentialFromToken, IdentityError, RelayKey, setProcessCredential, TOOLS_RANGE, TOOLS_TOKEN_FILE,
  type RelayCredential,
} from "../../relay/wire/identity.ts";

/** Environment variable carrying the run key to relay processes. */
export const RELAY_KEY_ENV = "ALPHAPULSE_RELAY_KEY";
/** Environment variable carrying a service's own identity token. */
export const SERVICE_TOKEN_ENV = "ALPHAPULSE_SERVICE_TOKEN";

/** A service's relay identity. */
export interface ServiceIdentity {
  /** Gives the Hello token for the service ids this service may claim. */
  credential: RelayCredential;
  /** The run key: relay services only (they check every Hello with it). */
  relayKey?: RelayKey;
}

/** The run's key and what it gives each service. */
export class RunSecrets {
  /** The run key. */
  readonly key: RelayKey;

  /** @param key the run key */
  constructor(key: RelayKey) {
    this.key = key;
  }

  /** Secrets with a fresh random key. */
  static generate(): RunSecrets {
    return new RunSecrets(RelayKey.generate());
  }

  /** The token a service of `kind` with `serviceId` gets (relays get the key instead). */
  tokenFor(kind: string, serviceId: number): string {
    if (kind === "api") return this.key.tokenForRange(API_RANGE.lo, API_RANGE.hi);
    if (kind === "execution") return this.key.tokenForRange(EXECUTION_RANGE.lo, EXECUTION_RANGE.hi);
    return this.key.tokenFor(serviceId);
  }

  /** The identity a service of `kind` with `serviceId` gets in-process (inline systems). */
  identityFor(kind: string, serviceId: number): ServiceIdentity {
    return kind === "relay"
      ? { credential: credentialFromKey(this.key), relayKey: this.key }
      : { credential: credentialFromToken(this.tokenFor(kind, serviceId)) };
  }

  /** The environment entries of a service process of `kind` with `serviceId`. */
  envFor(kind: string, serviceId: number): Record<string, string> {
    return kind === "relay" ? { [RELAY_KEY_ENV]: this.key.toText() } : { [SERVICE_TOKEN_ENV]: this.tokenFor(kind, serviceId) };
  }

  /** Writes the tools' token to `dir`/tools.token, mode 0600, replacing any old one without following a link. */
  async writeToolsToken(dir: string): Promise<string> {
    const file = join(dir, TOOLS_TOKEN_FILE);
    await rm(file, { force: true });
    const h = await open(file, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0), 0o600);
    try {
      await h.writeFile(this.key.tokenForRange(TOOLS_RANGE.lo, TOOLS_RANGE.hi) + "\n", "utf8");
      await h.sync();
    } finally {
      await h.close();
    }
    return file;
  }
}

/**
 * Takes this process's identity out of the environment (and removes it there, so child processes do
 * not inherit it): the run key of a relay process, or a service's own token. Undefined when neither is
 * set (a service run by hand against relays without identities). Throws {@link IdentityError} naming
 * the variable when it is set but unusable.
 */
export function takeIdentityFromEnv(env: Record<string, string | undefined> = process.env): ServiceIdentity | undefined {
  const keyText = env[RELAY_KEY_ENV];
  const token = env[SERVICE_TOKEN_ENV];
  delete env[RELAY_KEY_ENV];
  delete env[SERVICE_TOKEN_ENV];
  if (keyText) {
    const key = RelayKey.fromText(keyText, RELAY_KEY_ENV);
    return { credential: credentialFromKey(key), relayKey: key };
  }
  if (token) {
    try {
      return { credential: credentialFromToken(token) };
    } catch (e) {
      throw new IdentityError(`${SERVICE_TOKEN_ENV}: ${(e as Error).message}`);
    }
  }
  return undefined;
}

/** Where a hosted service's identity comes from: the run's secrets (inline), or one service's own (a thread). */
export type IdentitySource = Pick<RunSecrets, "identityFor">;

/**
 * The identity of a service being hosted: `secrets`' for it when given (inline), else this process's
 * environment's, which then also becomes the process's default for relay clients given no token.
 */
export function hostIdentity(secrets: IdentitySource | undefined, kind: string, serviceId: number): ServiceIdentity | undefined {
  if (secrets !== undefined) return secrets.identityFor(kind, serviceId);
  const identity = takeIdentityFromEnv();
  if (identity !== undefined) setProcessCredential(identity.credential);
  return identity;
}

/** The identities of a system being started, and how to take them down again. */
export interface InstalledSecrets {
  /** The run's secrets (env per service process, identity per inline service). */
  readonly run: RunSecrets;
  /** Removes `tools.token` and, inline, restores this process's previous relay identity. */
  uninstall(): Promise<void>;
}

/**
 * Makes a system's identities: a fresh run key, the tools' token in `dir`, and — for an `inline` system,
 * whose services all live in this process — the key as this process's relay identity (for clients such as
 * the API's and the status reporters', which are given no token).
 */
export async function installRunSecrets(dir: string, inline: boolean): Promise<InstalledSecrets> {
  const run = RunSecrets.generate();
  const file = await run.writeToolsToken(dir);
  const previous = inline ? setProcessCredential(credentialFromKey(run.key)) : undefined;
  let done = false;
  return {
    run,
    async uninstall() {
      if (done) return;
      done = true;
      if (inline) setProcessCredential(previous);
      await rm(file, { force: true });
    },
  };
}
