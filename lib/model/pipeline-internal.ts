import { IConstruct } from "constructs";
import { CapacityType, NodePoolInfo, NodePoolPurpose, Toleration } from "../core/cluster";
import { Scheduling } from "../core/scheduling";
import { invalid, isUnresolved, typeName, warn } from "../core/validation";

/**
 * Internal helpers of the pipeline constructs (not part of the public API).
 */

/** An object-key prefix: no leading '/', ends with '/', no wildcards. */
export function validatePrefix(scope: IConstruct, prop: string, value: unknown): void {
  if (isUnresolved(value)) return;
  if (typeof value !== "string") invalid(scope, prop, value, `must be a key prefix (a string such as "argo-artifacts/"), not ${typeName(value)}`);
  if (!/^[A-Za-z0-9!_.'()=-]+(\/[A-Za-z0-9!_.'()=-]+)*\/$/.test(value)) {
    invalid(scope, prop, value, "must be a key prefix such as \"datasets/churn/\": no leading '/', ends with '/', letters, digits and !_.'()=- only");
  }
}

/** Descriptors of robfig/cron (Argo's cron parser). */
const CRON_DESCRIPTORS = ["@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"];
const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
const DAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

/** A five-field cron expression or a descriptor (`@daily`, `@every 6h`), as robfig/cron's standard parser takes it. */
export function validateCron(scope: IConstruct, prop: string, value: unknown): void {
  if (isUnresolved(value)) return;
  const allowed =
    'must be a cron schedule of five fields "minute hour day-of-month month day-of-week" (e.g. "0 3 * * *") or one of ' + CRON_DESCRIPTORS.join(", ");
  if (typeof value !== "string") invalid(scope, prop, value, `${allowed}, not ${typeName(value)}`);
  const text = value.trim();
  if (CRON_DESCRIPTORS.includes(text)) return;
  if (/^@every\s/.test(text)) {
    if (!/^@every\s+(\d+(h|m|s))+$/.test(text)) invalid(scope, prop, value, 'must be "@every <duration>" such as "@every 6h" or "@every 1h30m"');
    return;
  }
  const fields = text.split(/\s+/);
  if (fields.length !== 5) invalid(scope, prop, value, `${allowed}; got ${fields.length} field${fields.length === 1 ? "" : "s"}`);
  const specs: [string, number, number, string[]][] = [
    ["minute", 0, 59, []],
    ["hour", 0, 23, []],
    ["day-of-month", 1, 31, []],
    ["month", 1, 12, MONTHS],
    ["day-of-week", 0, 6, DAYS],
  ];
  fields.forEach((field, i) => {
    const [what, min, max, names] = specs[i];
    const num = (s: string): number => {
      const byName = names.indexOf(s.toLowerCase());
      if (byName >= 0) return byName + min;
      return /^\d+$/.test(s) ? Number(s) : NaN;
    };
    for (const part of field.split(",")) {
      const m = /^(\*|\?|([A-Za-z0-9]+)(-([A-Za-z0-9]+))?)(\/(\d+))?$/.exec(part);
      const bad = () => invalid(scope, prop, value, `has an invalid ${what} field "${field}": values ${min}-${max}${names.length ? " or names" : ""}, '*', ranges a-b, lists a,b and steps /n`);
      if (!m) bad();
      if (m![1] === "?" && i !== 2 && i !== 4) bad();
      if (m![2] !== undefined) {
        const lo = num(m![2]);
        const hi = m![4] !== undefined ? num(m![4]) : lo;
        if (!(lo >= min && hi <= max && lo <= hi)) bad();
      }
      if (m![6] !== undefined && Number(m![6]) < 1) bad();
    }
  });
}

/** An IANA time zone name (`UTC`, `Europe/Berlin`). */
export function validateTimeZone(scope: IConstruct, prop: string, value: unknown): void {
  if (value === undefined || isUnresolved(value)) return;
  if (typeof value !== "string" || !/^([A-Za-z_+-]+(\/[A-Za-z0-9_+-]+)*|UTC)$/.test(value)) {
    invalid(scope, prop, value, 'must be an IANA time zone name such as "UTC" or "Europe/Berlin"');
  }
}

/** Node affinity and tolerations that keep a pod on on-demand CPU nodes (never a GPU pool). */
export function cpuPlacement(scope: IConstruct, prop: string, pools: NodePoolInfo[]): { affinity: object; tolerations: Toleration[] } {
  const cpu = pools.filter((p) => p.gpu === undefined && p.purpose === NodePoolPurpose.GENERAL && p.capacityType !== CapacityType.SPOT);
  if (cpu.length === 0) {
    warn(scope, prop, pools.map((p) => p.name), "the cluster declares no on-demand GENERAL pool: pipeline steps run on any node that is not a GPU pool (system nodes on a small cluster)");
    return {
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [
              {
                matchExpressions: [
                  { key: Scheduling.PURPOSE_LABEL, operator: "NotIn", values: [NodePoolPurpose.INFERENCE, NodePoolPurpose.TRAINING] },
                  { key: Scheduling.GPU_LABEL, operator: "DoesNotExist" },
                ],
              },
            ],
          },
        },
      },
      tolerations: [],
    };
  }
  const tolerations: Toleration[] = [];
  for (const t of cpu.flatMap((p) => Scheduling.tolerationsFor(p))) {
    if (!tolerations.some((o) => o.key === t.key && o.value === t.value && o.effect === t.effect)) tolerations.push(t);
  }
  return {
    affinity: {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [{ matchExpressions: [{ key: Scheduling.POOL_LABEL, operator: "In", values: cpu.map((p) => p.name) }] }],
        },
      },
    },
    tolerations,
  };
}
