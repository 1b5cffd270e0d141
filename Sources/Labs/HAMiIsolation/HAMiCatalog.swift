import LabPipeline

/// Every name the HAMi isolation lab's evidence is filed under: the artifact files and the
/// pods. The step that captures a file and the check that cites it both take its name from
/// here, so a rename cannot split them.
enum HAMiCatalog {
  /// Host `nvidia-smi`, `nvidia-smi -L` and the `--query-gpu` CSV.
  static let hostGPU = "0-host-gpu.txt"
  /// `/etc/os-release` and `uname -r`.
  static let os = "0-os.txt"
  /// `kubectl get nodes -o wide`.
  static let nodes = "0-k8s-nodes.txt"
  /// The `default_runtime_name` line of k3s's containerd config.
  static let defaultRuntime = "0-default-runtime.txt"
  /// `helm -n kube-system list`.
  static let helmRelease = "0-helm-release.txt"
  /// The HAMi pods in kube-system.
  static let hamiPods = "hami-pods.txt"
  /// Allocatable `nvidia.com/gpu` and the `hami.io/node-nvidia-register` annotation.
  static let nodeAllocatable = "node-allocatable.txt"
  /// `kubectl get pods -o wide` with the share pods (exercise 1).
  static let coResidency = "1-co-residency.txt"
  /// `kubectl get pod` of the oversubscribe pod (exercise 4).
  static let oversubscribeStatus = "4-oversubscribe-status.txt"
  /// The Events section of `kubectl describe pod` for the oversubscribe pod (exercise 4).
  static let oversubscribeEvents = "4-oversubscribe-events.txt"

  /// In-pod `nvidia-smi` and the CUDA probe of one share pod (exercises 2 and 3).
  static func probeMemory(pod: String) -> String { "2-3-probe-memory-\(suffix(of: pod)).txt" }

  /// The HAMi-core injection as one share pod sees it (exercise 5).
  static func mechanism(pod: String) -> String { "5-probe-mechanism-\(suffix(of: pod)).txt" }

  /// The pods that share the card; their order is the order of the page's claims.
  static let sharePods = ["hami-share-a", "hami-share-b"]
  /// The pod that asks for more than fits beside the share pods.
  static let oversubscribePod = "hami-oversubscribe"
  /// The label every object the exercises create carries, so `down` can find them all.
  static let partOfLabel = "app.kubernetes.io/part-of=labrun-hami-isolation"

  /// `kubectl get nodes -o wide` once every node of a cluster joined.
  static let clusterNodes = "0-cluster-nodes.txt"
  /// Exercise 8: the placement pods of one node policy and what the API says of them.
  static func placement(policy: String) -> String { "8-placement-\(policy).txt" }
  /// Exercise 8: the node policies, each with its own pair of pods.
  static let placementPolicies = ["binpack", "spread"]
  /// Exercise 8: the two share pods placed under `policy`.
  static func placementPods(policy: String) -> [String] {
    ["hami-place-\(policy)-1", "hami-place-\(policy)-2"]
  }
  /// Exercise 9: every GPU node's registration and the GPU memory handed out in the cluster.
  static let clusterBudgetFree = "9-cluster-budget-free.txt"
  /// Exercise 9: `kubectl get pod` of the pod no single node fits.
  static let clusterBudgetStatus = "9-cluster-budget-status.txt"
  /// Exercise 9: the Events section of its `kubectl describe pod`.
  static let clusterBudgetEvents = "9-cluster-budget-events.txt"
  /// Exercise 9: the pod larger than any one node's free memory.
  static let clusterBudgetPod = "hami-cluster-budget"

  /// The one-host files a cluster run captures once per GPU node, as `NAME@NODE.txt`
  /// (``EvidenceBundle/fileName(_:node:)``): a node's view never reads them from another node.
  static var nodeFiles: Set<String> {
    Set(
      [hostGPU, nodeAllocatable, coResidency, oversubscribeStatus, oversubscribeEvents]
        + sharePods.map(probeMemory(pod:)) + sharePods.map(mechanism(pod:)))
  }

  /// `file` as node `node` (its name in the cluster) files it; `file` itself on one host.
  static func file(_ file: String, on node: String?) -> String {
    node.map { EvidenceBundle.fileName(file, node: $0) } ?? file
  }

  /// A pod name's last `-` component (`hami-share-a` → `a`), which names its files.
  static func suffix(of pod: String) -> String {
    pod.split(separator: "-").last.map(String.init) ?? pod
  }
}
