import { IConstruct } from "constructs";
import { IObjectStore } from "../core/object-store";
import { invalid, isUnresolved, typeName } from "../core/validation";

/*
 * Internal to the model layer (not exported from the package): helpers the registries share.
 */

/**
 * Internal: an MLflow registered-model name usable in `models:/<name>@<alias>`: 1-256 characters,
 * no '/', ':', '@' or whitespace (they would change the URI's meaning).
 */
export function validateModelName(scope: IConstruct, prop: string, name: unknown): void {
  if (isUnresolved(name)) return;
  if (typeof name !== "string") invalid(scope, prop, name, `must be a registered-model name (a string), not ${typeName(name)}`);
  if (name.length === 0 || name.length > 256 || /[\/:@\s%?#]/.test(name)) {
    invalid(scope, prop, name, "must be a registered-model name of 1 to 256 characters without '/', ':', '@', '%', '?', '#' or whitespace, e.g. \"churn-classifier\"");
  }
}

/** The key path of the store's root inside its bucket (`""` for a bucket root, `models/` for a prefix zone). */
export function storeBasePath(store: IObjectStore): string {
  if (isUnresolved(store.uri) || isUnresolved(store.bucketName)) return "";
  const match = /^[a-z0-9]+:\/\/([^/]+)(\/.*)?$/.exec(store.uri);
  if (match === null || match[1] !== store.bucketName || match[2] === undefined) return "";
  const path = match[2].replace(/^\/+/, "").replace(/\/+$/, "");
  return path === "" ? "" : `${path}/`;
}

