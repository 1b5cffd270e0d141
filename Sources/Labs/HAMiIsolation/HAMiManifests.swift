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

  /// The ConfigMap that carries the CUDA probe's source into the pods.
  func probeConfigMap() throws -> String {
    let source = try files.text(Self.probeSourceFile).split(separator: "\n", omittingEmptySubsequences: false)
      .map { $0.isEmpty ? "" : "    " + $0 }.joined(separator: "\n")
    return try files.render(Self.probeConfigMapFile, ["probe_cu": source])
  }
}
