import { IObjectStore } from "../core/object-store";
import { IBigQueryDataset } from "./bigquery-dataset";

/** Where a Feast feature store's offline (historical) data lives. */
export enum OfflineStoreKind {
  /** Parquet files on the data lake (Feast `file` offline store on S3, GCS or an S3-compatible store). */
  LAKE = "lake",
  /** Google BigQuery (Feast `bigquery` offline store). */
  BIGQUERY = "bigquery",
  /** Amazon Redshift, provisioned or Serverless (Feast `redshift` offline store). */
  REDSHIFT = "redshift",
}

/** Options of `OfflineStore.lake`. */
export interface LakeOfflineStoreOptions {
  /**
   * Key prefix of the feature data (where the feature views' `FileSource`s point); the Feast
   * identities may read only under it.
   * @default "features/"
   */
  readonly prefix?: string;
}

/** Options of `OfflineStore.bigQuery`. */
export interface BigQueryOfflineStoreOptions {
  /**
   * The dataset Feast works in (`dataset` in feature_store.yaml): training retrieval uploads
   * entity dataframes there as temporary tables. A `BigQueryDataset` (created with CMEK and
   * delete protection) or a `BigQueryDatasetReference`. The feature servers get
   * roles/bigquery.dataEditor on it, the materialization job only roles/bigquery.dataViewer.
   */
  readonly dataset: IBigQueryDataset;
  /**
   * Other datasets the feature views' `BigQuerySource`s read: both identities get
   * roles/bigquery.dataViewer on each.
   * @default - the sources are in `dataset`
   */
  readonly sourceDatasets?: IBigQueryDataset[];
}

/** Options of `OfflineStore.redshift`. */
export interface RedshiftOfflineStoreOptions {
  /**
   * ARN of an existing provisioned cluster (`arn:<partition>:redshift:<region>:<account>:cluster:<id>`).
   * Give this or `workgroupArn`.
   * @default - none: `workgroupArn` must be set
   */
  readonly clusterArn?: string;
  /**
   * Database user Feast connects as through the Data API (`GetClusterCredentials`). Required with
   * `clusterArn`; not used with a workgroup (Serverless maps the IAM role to a database user).
   * @default - none
   */
  readonly dbUser?: string;
  /**
   * ARN of an existing Redshift Serverless workgroup
   * (`arn:<partition>:redshift-serverless:<region>:<account>:workgroup/<uuid>`); needs `workgroupName`.
   * @default - none: `clusterArn` must be set
   */
  readonly workgroupArn?: string;
  /**
   * Name of the Serverless workgroup (Feast's `workgroup`). Required with `workgroupArn`.
   * @default - none
   */
  readonly workgroupName?: string;
  /** Database the feature views' `RedshiftSource`s live in. */
  readonly database: string;
  /**
   * IAM role the cluster or workgroup uses for `UNLOAD` (query results to S3) and `COPY`
   * (entity dataframes from S3) (`iam_role` in feature_store.yaml). It must already be
   * associated with the cluster or namespace; Strata adds an inline policy for the staging prefix.
   */
  readonly unloadRoleArn: string;
  /** S3 bucket of the staging location (`s3_staging_location`), typically a lake zone. */
  readonly staging: IObjectStore;
  /**
   * Key prefix of the staging location in `staging`.
   * @default "feast-staging/"
   */
  readonly stagingPrefix?: string;
}

/**
 * The offline store of a `FeatureStore`: the data lake (parquet files), BigQuery or Redshift.
 * A value class: pick one with a static method.
 *
 * @example
 * OfflineStore.lake(lake.zone(LakeZone.FEATURES));
 * OfflineStore.bigQuery({ dataset });
 * OfflineStore.redshift({ clusterArn, dbUser: "feast", database: "features", unloadRoleArn, staging: lake.zone(LakeZone.FEATURES) });
 */
export class OfflineStore {
  /** Parquet files on the data lake under `options.prefix` (default `features/`). */
  public static lake(store: IObjectStore, options?: LakeOfflineStoreOptions): OfflineStore {
    return new OfflineStore(OfflineStoreKind.LAKE, store, options?.prefix ?? "features/", undefined, undefined, options);
  }

  /** Google BigQuery, working in `options.dataset`. */
  public static bigQuery(options: BigQueryOfflineStoreOptions): OfflineStore {
    return new OfflineStore(OfflineStoreKind.BIGQUERY, undefined, undefined, options, undefined, options);
  }

  /** Amazon Redshift (an existing cluster or Serverless workgroup) with an S3 staging location. */
  public static redshift(options: RedshiftOfflineStoreOptions): OfflineStore {
    const staging = options === undefined || options === null ? undefined : options.staging;
    const prefix = options === undefined || options === null ? undefined : options.stagingPrefix ?? "feast-staging/";
    return new OfflineStore(OfflineStoreKind.REDSHIFT, staging, prefix, undefined, options, options);
  }

  /** Which kind of offline store. */
  public readonly kind: OfflineStoreKind;
  /** The lake bucket (LAKE) or the staging bucket (REDSHIFT). */
  public readonly objectStore?: IObjectStore;
  /** The feature prefix (LAKE) or the staging prefix (REDSHIFT). */
  public readonly prefix?: string;
  /** The BigQuery settings (BIGQUERY). */
  public readonly bigQueryOptions?: BigQueryOfflineStoreOptions;
  /** The Redshift settings (REDSHIFT). */
  public readonly redshiftOptions?: RedshiftOfflineStoreOptions;
  /** @internal The options object as given (checked when a FeatureStore binds the store). */
  public readonly _options?: any;

  private constructor(
    kind: OfflineStoreKind,
    objectStore: IObjectStore | undefined,
    prefix: string | undefined,
    bigQuery: BigQueryOfflineStoreOptions | undefined,
    redshift: RedshiftOfflineStoreOptions | undefined,
    options: object | undefined,
  ) {
    this.kind = kind;
    this.objectStore = objectStore;
    this.prefix = prefix;
    this.bigQueryOptions = bigQuery;
    this.redshiftOptions = redshift;
    this._options = options;
  }
}
