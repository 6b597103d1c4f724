import { IConstruct } from "constructs";
import { invalid, isUnresolved, typeName, validateInteger, validateMinMax, validateNumber, validateRecord } from "../core/validation";

/**
 * Thresholds of a data-validation gate that a `SparkJob` passes to its application. The job
 * must check its output DataFrame against them *before* it writes, and fail (non-zero exit,
 * nothing written) when a check fails. Strata cannot inspect data: it emits the thresholds as
 * Spark configuration (`spark.strata.validation.*`, see `SparkValidationGate.CONF_PREFIX`) and
 * documents the contract; the gate is only as strong as the job that honours it.
 */
export interface SparkValidationGateOptions {
  /**
   * Fewest rows the output may have (`spark.strata.validation.minRowCount`).
   * @default - no lower bound
   */
  readonly minRowCount?: number;
  /**
   * Most rows the output may have (`spark.strata.validation.maxRowCount`).
   * @default - no upper bound
   */
  readonly maxRowCount?: number;
  /**
   * Columns the output must have, with their Spark SQL type names (`string`, `bigint`,
   * `double`, `timestamp`, `decimal(10,2)`, ...), as `spark.strata.validation.schema` =
   * `name:type,name:type` in key order. Extra columns are allowed unless `strictSchema`.
   * @default - no schema check
   */
  readonly requiredColumns?: { [column: string]: string };
  /**
   * Fail when the output has columns that are not in `requiredColumns`
   * (`spark.strata.validation.strictSchema`).
   * @default false
   */
  readonly strictSchema?: boolean;
  /**
   * Largest fraction (0 to 1) of nulls any column may have (`spark.strata.validation.maxNullFraction`).
   * @default - no null check
   */
  readonly maxNullFraction?: number;
  /**
   * Per-column null-fraction limits (0 to 1) that override `maxNullFraction`
   * (`spark.strata.validation.maxNullFraction.<column>`).
   * @default - none
   */
  readonly columnMaxNullFraction?: { [column: string]: number };
}

/** Spark SQL column names Strata accepts in a gate: letters, digits and `_`, not starting with a digit. */
const COLUMN = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Spark SQL type names, simple or parameterised (`decimal(10,2)`, `array<string>`). */
const TYPE = /^[a-z][a-z0-9_]*(\([0-9, ]+\)|<[a-z0-9_<>, :()]+>)?$/;

/** The configuration keys and the validation of a `SparkValidationGateOptions`. */
export class SparkValidationGate {
  /** Prefix of every gate key in the application's Spark configuration. */
  public static readonly CONF_PREFIX = "spark.strata.validation.";

  /**
   * The Spark configuration entries for `gate` (validated; the standard error names `prop`).
   * Always includes `spark.strata.validation.enabled=true`.
   */
  public static toSparkConf(scope: IConstruct, prop: string, gate: SparkValidationGateOptions): { [key: string]: string } {
    if (gate === null || typeof gate !== "object" || Array.isArray(gate)) {
      invalid(scope, prop, gate, `must be a SparkValidationGateOptions object, not ${typeName(gate)}`);
    }
    const p = SparkValidationGate.CONF_PREFIX;
    validateInteger(scope, `${prop}.minRowCount`, gate.minRowCount, 0);
    validateInteger(scope, `${prop}.maxRowCount`, gate.maxRowCount, 1);
    validateMinMax(scope, `${prop}.minRowCount`, gate.minRowCount, `${prop}.maxRowCount`, gate.maxRowCount);
    fraction(scope, `${prop}.maxNullFraction`, gate.maxNullFraction);
    if (gate.strictSchema !== undefined && typeof gate.strictSchema !== "boolean") {
      invalid(scope, `${prop}.strictSchema`, gate.strictSchema, `must be true or false, not ${typeName(gate.strictSchema)}`);
    }
    const conf: { [key: string]: string } = { [`${p}enabled`]: "true" };
    if (gate.minRowCount !== undefined) conf[`${p}minRowCount`] = String(gate.minRowCount);
    if (gate.maxRowCount !== undefined) conf[`${p}maxRowCount`] = String(gate.maxRowCount);
    if (gate.requiredColumns !== undefined) {
      validateRecord(scope, `${prop}.requiredColumns`, gate.requiredColumns);
      const entries = Object.entries(gate.requiredColumns);
      if (entries.length === 0) invalid(scope, `${prop}.requiredColumns`, gate.requiredColumns, "must name at least one column (omit it for no schema check)");
      for (const [column, type] of entries) {
        if (!COLUMN.test(column)) invalid(scope, `${prop}.requiredColumns key`, column, "must be a column name of letters, digits and '_', not starting with a digit");
        if (isUnresolved(type) || !TYPE.test(type)) {
          invalid(scope, `${prop}.requiredColumns.${column}`, type, 'must be a lowercase Spark SQL type name such as "string", "bigint", "double", "timestamp" or "decimal(10,2)"');
        }
      }
      conf[`${p}schema`] = entries.map(([c, t]) => `${c}:${t}`).join(",");
    }
    if (gate.strictSchema === true) {
      if (gate.requiredColumns === undefined) invalid(scope, `${prop}.strictSchema`, true, "needs requiredColumns (the complete list of allowed columns)");
      conf[`${p}strictSchema`] = "true";
    }
    if (gate.maxNullFraction !== undefined) conf[`${p}maxNullFraction`] = String(gate.maxNullFraction);
    if (gate.columnMaxNullFraction !== undefined) {
      if (gate.columnMaxNullFraction === null || typeof gate.columnMaxNullFraction !== "object" || Array.isArray(gate.columnMaxNullFraction)) {
        invalid(scope, `${prop}.columnMaxNullFraction`, gate.columnMaxNullFraction, `must be an object of column names and fractions, not ${typeName(gate.columnMaxNullFraction)}`);
      }
      for (const [column, value] of Object.entries(gate.columnMaxNullFraction)) {
        if (!COLUMN.test(column)) invalid(scope, `${prop}.columnMaxNullFraction key`, column, "must be a column name of letters, digits and '_', not starting with a digit");
        fraction(scope, `${prop}.columnMaxNullFraction.${column}`, value);
        conf[`${p}maxNullFraction.${column}`] = String(value);
      }
    }
    if (Object.keys(conf).length === 1) {
      invalid(scope, prop, gate, "sets no check: give minRowCount, maxRowCount, requiredColumns, maxNullFraction or columnMaxNullFraction");
    }
    return conf;
  }
}

function fraction(scope: IConstruct, prop: string, value: unknown): void {
  if (value === undefined || isUnresolved(value)) return;
  validateNumber(scope, prop, value);
  if ((value as number) < 0 || (value as number) > 1) invalid(scope, prop, value, "must be a fraction from 0 to 1");
}
