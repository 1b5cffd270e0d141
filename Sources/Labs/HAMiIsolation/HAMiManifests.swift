import Foundation
import LabPipeline

/// The lab's Kubernetes manifests, filled in: `manifests/gpu-pod.yaml` for one pod and
/// `manifests/probe-configmap.yaml` with `probes/probe.cu` inside.
struct HAMiManifests: Sendable {
  let files: LabFiles

  static let gpuPodFile = "manifests/gpu-pod.yaml"
  static let probeConfigMapFile = "manifests/probe-configmap.yaml"
  static let probeSourceFile = "probes/probe.cu"
  /// Every file of the lab's directory its steps read.
  static let all = [gpuPodFile, probeConfigMapFile, probeSourceFile]

  /// A GPU pod asking for one GPU and `gpumemMiB` of its memory, on the GPU `gpuUUID`.
  func gpuPod(name: String, image: String, gpumemMiB: Int, gpuUUID: String) throws -> String {
    try files.render(
      Self.gpuPodFile,
      ["name": name, "image": image, "gpumem": String(gpumemMiB), "gpu_uuid": gpuUUID])
  }

  /// A GPU pod of a cluster: pinned to node `node` with `nodeSelector: kubernetes.io/hostname`
  /// (HAMi's scheduler filters only among the nodes the selector leaves; a pod with `nodeName`
  /// skips the scheduler, and HAMi's troubleshooting page says to use nodeSelector instead) and to GPU `gpuUUID` when given, else free to go to
  /// any GPU of any node; `policy` sets the pod's `hami.io/node-scheduler-policy`.
  func clusterPod(
    name: String, image: String, gpumemMiB: Int, gpuUUID: String?, node: String?, policy: String? = nil
  ) throws -> String {
    var lines = try gpuPod(name: name, image: image, gpumemMiB: gpumemMiB, gpuUUID: gpuUUID ?? "")
      .split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    if gpuUUID == nil { lines.removeAll { $0.contains("nvidia.com/use-gpuuuid:") } }
    if policy == nil, let annotations = lines.firstIndex(where: { $0.hasPrefix("  annotations:") }),
      !(lines.dropFirst(annotations + 1).first ?? "").hasPrefix("    ")
    {
      lines.remove(at: annotations)
    }
    if let policy, let annotations = lines.firstIndex(where: { $0.hasPrefix("  annotations:") }) {
      lines.insert("    hami.io/node-scheduler-policy: \"\(policy)\"", at: annotations + 1)
    }
    if let node, let spec = lines.firstIndex(of: "spec:") {
      lines.insert(contentsOf: ["  nodeSelector:", "    kubernetes.io/hostname: \"\(node)\""], at: spec + 1)
    }
    return lines.joined(separator: "\n")
  }

  /// The ConfigMap that carries the CUDA probe's source into the pods.
  func probeConfigMap() throws -> String {
    let source = try files.text(Self.probeSourceFile).split(separator: "\n", omittingEmptySubsequences: false)
      .map { $0.isEmpty ? "" : "    " + $0 }.joined(separator: "\n")
    return try files.render(Self.probeConfigMapFile, ["probe_cu": source])
  }
}
