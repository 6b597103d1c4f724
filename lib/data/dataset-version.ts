import { IConstruct } from "constructs";
import { IObjectStore } from "../core/object-store";
import { invalid, isUnresolved, typeName } from "../core/validation";

/** Props of `DatasetVersion.of`. */
export interface DatasetVersionProps {
  /** The store (usually a lake zone, e.g. `lake.zone(LakeZone.CURATED)`) the snapshot lives in. */
  readonly store: IObjectStore;
  /** Dataset name: 1 to 63 lowercase letters, digits, `.`, `_` or `-`, starting with a letter or digit. */
  readonly dataset: string;
  /**
   * Snapshot version: the UTC date the snapshot was written, `yyyymmdd`, with `-<n>` (1-999) for a
   * further snapshot on the same day (`20260501`, `20260501-2`).
   */
  readonly version: string;
  /**
   * Version id of the snapshot's manifest object (S3 `VersionId`, Cloud Storage generation), as
   * read back after writing it. Cited in the MLflow tags when given.
   * @default - not cited (the URI alone; the manifest's checksums still pin the content)
   */
  readonly manifestVersionId?: string;
}

/**
 * A dataset snapshot that training can cite: an immutable prefix
 * `<store uri>/<dataset>/v=<yyyymmdd>/` holding the data and, written last, a `_manifest.json`
 * (object keys, sizes, checksums, version ids). Gives the URIs, the key prefix for grants, and the
 * MLflow tags a training run records (see docs/data.md, "Dataset versions training can cite").
 *
 * @example
 * const snapshot = DatasetVersion.of(this, { store: lake.zone(LakeZone.CURATED), dataset: "clicks", version: "20260501" });
 * lake.zone(LakeZone.CURATED).grantRead(trainer, { prefix: snapshot.prefix });
 * // snapshot.uri: "s3://acme-ml-lake-curated/clicks/v=20260501/"
 * // snapshot.mlflowTags: { "dataset.name": "clicks", "dataset.version": "20260501", "dataset.uri": ..., "dataset.manifest": ... }
 */
export class DatasetVersion {
  /** File name of a snapshot's manifest, written last: a snapshot without it is incomplete. */
  public static readonly MANIFEST_FILE = "_manifest.json";

  /**
   * The snapshot `version` of `dataset` in `store`. Bad input fails synth with the standard error
   * at `scope`'s path.
   */
  public static of(scope: IConstruct, props: DatasetVersionProps): DatasetVersion {
    if (props === undefined || props === null || typeof props !== "object") invalid(scope, "props", props, "must be a DatasetVersionProps object");
    const store = props.store;
    if (store === undefined || store === null || typeof store !== "object" || typeof (store as IObjectStore).grantRead !== "function") {
      invalid(scope, "store", store, `must be an IObjectStore (a lake zone or a bucket), not ${typeName(store)}`);
    }
    const dataset = props.dataset as unknown;
    if (!isUnresolved(dataset) && (typeof dataset !== "string" || !/^[a-z0-9][a-z0-9._-]{0,62}$/.test(dataset))) {
      invalid(scope, "dataset", dataset, "must be 1 to 63 lowercase letters, digits, '.', '_' or '-', starting with a letter or digit (no '/')");
    }
    const version = props.version as unknown;
    if (!isUnresolved(version) && (typeof version !== "string" || !validVersion(version))) {
      invalid(scope, "version", version, 'must be a snapshot date yyyymmdd, optionally with -<n> (1-999) for a further snapshot that day, e.g. "20260501" or "20260501-2"');
    }
    const manifestVersionId = props.manifestVersionId as unknown;
    if (manifestVersionId !== undefined && !isUnresolved(manifestVersionId) && (typeof manifestVersionId !== "string" || manifestVersionId.trim() === "")) {
      invalid(scope, "manifestVersionId", manifestVersionId, "must be the manifest object's version id (S3 VersionId or Cloud Storage generation), a non-empty string");
    }
    return new DatasetVersion(store, props.dataset, props.version, props.manifestVersionId);
  }

  /** Dataset name. */
  public readonly dataset: string;
  /** Snapshot version (`yyyymmdd` or `yyyymmdd-<n>`). */
  public readonly version: string;
  /** Key prefix of the snapshot inside the store, `<dataset>/v=<version>/`: pass it to the store's grants. */
  public readonly prefix: string;
  /** URI of the snapshot, `<store uri>/<dataset>/v=<version>/` (ends with '/'). */
  public readonly uri: string;
  /** URI of the snapshot's manifest, `<uri>_manifest.json`. */
  public readonly manifestUri: string;
  /** Version id of the manifest object, when given. */
  public readonly manifestVersionId?: string;

  private constructor(store: IObjectStore, dataset: string, version: string, manifestVersionId: string | undefined) {
    this.dataset = dataset;
    this.version = version;
    this.prefix = `${dataset}/v=${version}/`;
    const root = store.uri.endsWith("/") ? store.uri : `${store.uri}/`;
    this.uri = `${root}${this.prefix}`;
    this.manifestUri = `${this.uri}${DatasetVersion.MANIFEST_FILE}`;
    this.manifestVersionId = manifestVersionId;
  }

  /**
   * The tags (or run parameters) a training run records in MLflow to cite this snapshot:
   * `dataset.name`, `dataset.version`, `dataset.uri`, `dataset.manifest` and, when known,
   * `dataset.manifest_version`.
   */
  public get mlflowTags(): { [key: string]: string } {
    return {
      "dataset.name": this.dataset,
      "dataset.version": this.version,
      "dataset.uri": this.uri,
      "dataset.manifest": this.manifestUri,
      ...(this.manifestVersionId === undefined ? {} : { "dataset.manifest_version": this.manifestVersionId }),
    };
  }
}

/** `yyyymmdd` (a real calendar date) with an optional `-<n>`, 1-999. */
function validVersion(version: string): boolean {
  const m = /^(\d{4})(\d{2})(\d{2})(?:-([1-9]\d{0,2}))?$/.exec(version);
  if (m === null) return false;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (year < 1970 || month < 1 || month > 12 || day < 1) return false;
  return day <= new Date(Date.UTC(year, month, 0)).getUTCDate();
}
