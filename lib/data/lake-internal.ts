import { IConstruct } from "constructs";
import { invalid, isUnresolved, typeName, validateBoolean, validateInteger } from "../core/validation";
import { DataLakeProps, LakeLayout, LakeZone } from "./data-lake";

/*
 * Internal (not exported from the package): defaults and validation shared by S3DataLake and GcsDataLake.
 */

/** Every zone, in the order the lake creates them. */
export const ALL_ZONES: readonly LakeZone[] = [LakeZone.RAW, LakeZone.CURATED, LakeZone.FEATURES, LakeZone.MODELS, LakeZone.CHECKPOINTS];

/** Internal: `DataLakeProps` with defaults applied and validated. */
export interface ResolvedLakeProps {
  readonly layout: LakeLayout;
  readonly zones: LakeZone[];
  readonly coldZones: LakeZone[];
  readonly coldTransitionDays: number;
  readonly noncurrentVersionExpirationDays: number;
  readonly abortIncompleteMultipartUploadDays: number;
  readonly protect: boolean;
  readonly forceDestroy: boolean;
}

function validateZoneList(scope: IConstruct, prop: string, value: unknown, allowEmpty: boolean): LakeZone[] {
  const allowed = `must be a list of LakeZone values (${ALL_ZONES.map((z) => JSON.stringify(z)).join(", ")})`;
  if (!Array.isArray(value)) invalid(scope, prop, value, `${allowed}, not ${typeName(value)}`);
  if (!allowEmpty && value.length === 0) invalid(scope, prop, value, `${allowed}, with at least one zone`);
  for (const z of value) {
    if (!ALL_ZONES.includes(z)) invalid(scope, prop, value, `${allowed}; ${JSON.stringify(z)} is not one`);
  }
  if (new Set(value).size !== value.length) invalid(scope, prop, value, `${allowed}, each at most once`);
  return value as LakeZone[];
}

/** Internal: applies defaults to and validates the props every lake shares. */
export function resolveLakeProps(scope: IConstruct, props: DataLakeProps): ResolvedLakeProps {
  if (props === null || typeof props !== "object") invalid(scope, "props", props, `must be a props object, not ${typeName(props)}`);
  const layout = props.layout ?? LakeLayout.BUCKET_PER_ZONE;
  if (!Object.values(LakeLayout).includes(layout)) {
    invalid(scope, "layout", layout, `must be a LakeLayout value: ${Object.values(LakeLayout).map((l) => JSON.stringify(l)).join(", ")}`);
  }
  const zones = validateZoneList(scope, "zones", props.zones ?? [...ALL_ZONES], false);
  const coldZones = validateZoneList(scope, "coldZones", props.coldZones ?? [LakeZone.RAW, LakeZone.CHECKPOINTS], true);
  if (props.coldZones !== undefined) {
    const missing = coldZones.filter((z) => !zones.includes(z));
    if (missing.length > 0) invalid(scope, "coldZones", props.coldZones, `names zones the lake does not have (${missing.join(", ")}); zones: ${zones.join(", ")}`);
  }
  validateInteger(scope, "coldTransitionDays", props.coldTransitionDays, 30, 36500);
  validateInteger(scope, "noncurrentVersionExpirationDays", props.noncurrentVersionExpirationDays, 1, 36500);
  validateInteger(scope, "abortIncompleteMultipartUploadDays", props.abortIncompleteMultipartUploadDays, 1, 365);
  validateBoolean(scope, "deletionProtection", props.deletionProtection);
  validateBoolean(scope, "forceDestroy", props.forceDestroy);
  const protect = props.deletionProtection ?? true;
  const forceDestroy = props.forceDestroy ?? false;
  if (forceDestroy && protect) {
    invalid(scope, "forceDestroy", props.forceDestroy, "needs deletionProtection: false (a protected lake is never destroyed, so deleting its objects on destroy is never wanted)");
  }
  return {
    layout,
    zones,
    coldZones: coldZones.filter((z) => zones.includes(z)),
    coldTransitionDays: props.coldTransitionDays ?? 30,
    noncurrentVersionExpirationDays: props.noncurrentVersionExpirationDays ?? 90,
    abortIncompleteMultipartUploadDays: props.abortIncompleteMultipartUploadDays ?? 7,
    protect,
    forceDestroy,
  };
}

/** Internal: checks `bucketPrefix` is a string; the generated names are checked per target. */
export function validateBucketPrefix(scope: IConstruct, value: unknown): void {
  if (value === undefined) invalid(scope, "bucketPrefix", value, "is required: the zone buckets are named <bucketPrefix>-<zone>");
  if (isUnresolved(value)) return;
  if (typeof value !== "string") invalid(scope, "bucketPrefix", value, `must be a string, not ${typeName(value)}`);
}

/** The construct id of a zone (`Raw`, `Curated`, ...). */
export function zoneId(zone: LakeZone): string {
  return zone.charAt(0).toUpperCase() + zone.slice(1);
}

