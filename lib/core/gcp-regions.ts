import { IConstruct } from "constructs";
import { invalid, isUnresolved } from "./validation";

/**
 * Internal: Google Cloud region and zone names.
 *
 * The list of regions was written down on 2025-10-01 from Google Cloud's "Regions and zones" page
 * (cloud.google.com/compute/docs/regions-zones), from memory of that page rather than a fresh read:
 * a region Google opens later is rejected until it is added here. Region checks use it to tell a
 * typo (`us-central9`) from a real region; the GPU catalog (`gpu.ts`) keeps its own, smaller list of
 * the regions whose GPU offerings it read.
 */

/** A GCP region name, e.g. `us-central1` or `northamerica-northeast2` (same pattern as the GPU catalog's). */
export const GCP_REGION_PATTERN = /^[a-z]+(?:-[a-z]+)+\d+$/;
/** A GCP zone name: a region, a dash and a zone suffix, e.g. `us-central1-a`; group 1 is the region. */
export const GCP_ZONE_PATTERN = /^([a-z]+(?:-[a-z]+)+\d+)-[a-z0-9]+$/;

/** Every public Google Cloud region (as of 2025-10-01). */
export const GCP_REGIONS: readonly string[] = [
  "africa-south1",
  "asia-east1",
  "asia-east2",
  "asia-northeast1",
  "asia-northeast2",
  "asia-northeast3",
  "asia-south1",
  "asia-south2",
  "asia-southeast1",
  "asia-southeast2",
  "australia-southeast1",
  "australia-southeast2",
  "europe-central2",
  "europe-north1",
  "europe-north2",
  "europe-southwest1",
  "europe-west1",
  "europe-west2",
  "europe-west3",
  "europe-west4",
  "europe-west6",
  "europe-west8",
  "europe-west9",
  "europe-west10",
  "europe-west12",
  "me-central1",
  "me-central2",
  "me-west1",
  "northamerica-northeast1",
  "northamerica-northeast2",
  "northamerica-south1",
  "southamerica-east1",
  "southamerica-west1",
  "us-central1",
  "us-east1",
  "us-east4",
  "us-east5",
  "us-south1",
  "us-west1",
  "us-west2",
  "us-west3",
  "us-west4",
];

/** How a location string reads: a known region, a zone of a known region, or neither. */
export interface GcpLocation {
  /** The region (the location itself, or the zone's region). */
  readonly region: string;
  /** The zone, when the location is one. */
  readonly zone?: string;
}

/** The region and zone of `location`, or undefined when it is not a well-formed region or zone name. */
export function parseGcpLocation(location: string): GcpLocation | undefined {
  if (GCP_REGION_PATTERN.test(location)) return { region: location };
  const zone = GCP_ZONE_PATTERN.exec(location);
  return zone ? { region: zone[1], zone: location } : undefined;
}

/** True when `region` is on the list of known regions. */
export function isKnownGcpRegion(region: string): boolean {
  return GCP_REGIONS.includes(region);
}

/**
 * `region` is a known Google Cloud region, not a zone (a local helper; the lead may merge it into
 * validation.ts) or a typo. Skips tokens.
 */
export function validateGcpRegion(scope: IConstruct, prop: string, region: string): void {
  if (isUnresolved(region)) return;
  const parsed = typeof region === "string" ? parseGcpLocation(region) : undefined;
  if (parsed?.zone !== undefined) {
    invalid(scope, prop, region, `is a zone; give its region, "${parsed.region}"`);
  }
  if (parsed === undefined) {
    invalid(scope, prop, region, 'must be a Google Cloud region such as "us-central1"');
  }
  if (!isKnownGcpRegion(parsed.region)) {
    invalid(scope, prop, region, `is not a Google Cloud region Strata knows (list of 2025-10-01): ${GCP_REGIONS.join(", ")}`);
  }
}
