import { IConstruct } from "constructs";
import { CapacityType, NodePoolInfo, NodePoolPurpose, Toleration } from "../core/cluster";
import { Scheduling } from "../core/scheduling";
import { invalid, isUnresolved, typeName, warn } from "../core/validation";
export { validateCron } from "../core/validation";

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
