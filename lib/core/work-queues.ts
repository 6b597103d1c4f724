import { IKubernetesCluster } from "./cluster";

/** Queue names per namespace, per cluster object (a WeakMap, so apps never share entries). */
const REGISTRY = new WeakMap<IKubernetesCluster, Map<string, string[]>>();

/**
 * The work-queue registry: which job queues (Kueue LocalQueues) Strata created in which namespace
 * of which cluster. The compute layer's `KueueLocalQueue` registers itself here; job constructs of
 * other layers (training jobs, pipelines) read it to check, lazily (`node.addValidation`), that the
 * queue they name exists and that a namespace with queues gets no job that bypasses them. A
 * namespace with at least one registered queue is "queue-managed".
 *
 * @example
 * WorkQueues.register(cluster, "research", "research");
 * WorkQueues.queuesIn(cluster, "research"); // ["research"]
 */
export class WorkQueues {
  /** The label a job carries to be admitted through a Kueue LocalQueue of its namespace. */
  public static readonly QUEUE_NAME_LABEL = "kueue.x-k8s.io/queue-name";

  /** Records that `queueName` exists in `namespace` on `cluster`. Registering a name twice is harmless. */
  public static register(cluster: IKubernetesCluster, namespace: string, queueName: string): void {
    let byNamespace = REGISTRY.get(cluster);
    if (byNamespace === undefined) {
      byNamespace = new Map();
      REGISTRY.set(cluster, byNamespace);
    }
    const names = byNamespace.get(namespace) ?? [];
    if (!names.includes(queueName)) names.push(queueName);
    byNamespace.set(namespace, names);
  }

  /** The queues registered in `namespace` on `cluster`, in registration order (empty when none). */
  public static queuesIn(cluster: IKubernetesCluster, namespace: string): string[] {
    return [...(REGISTRY.get(cluster)?.get(namespace) ?? [])];
  }

  /** True when at least one queue is registered in `namespace` on `cluster`. */
  public static isQueueManaged(cluster: IKubernetesCluster, namespace: string): boolean {
    return WorkQueues.queuesIn(cluster, namespace).length > 0;
  }

  private constructor() {}
}
