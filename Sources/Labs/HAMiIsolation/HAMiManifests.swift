import Foundation
import LabPipeline

/// The lab's Kubernetes manifests, filled in: `manifests/gpu-pod.yaml` for one pod and
/// `manifests/probe-configmap.yaml` with `probes/probe.cu` inside.
struct HAMiManifests: Sendable {
  let files: LabFiles

  /// A GPU pod asking for one GPU and `gpumemMiB` of its memory, on the GPU `gpuUUID`.
  func gpuPod(name: String, image: String, gpumemMiB: Int, gpuUUID: String) throws -> String {
    try files.render(
      "manifests/gpu-pod.yaml",
      ["name": name, "image": image, "gpumem": String(gpumemMiB), "gpu_uuid": gpuUUID])
  }

  /// The ConfigMap that carries the CUDA probe's source into the pods.
  func probeConfigMap() throws -> String {
    let source = try files.text("probes/probe.cu").split(separator: "\n", omittingEmptySubsequences: false)
      .map { $0.isEmpty ? "" : "    " + $0 }.joined(separator: "\n")
    return try files.render("manifests/probe-configmap.yaml", ["probe_cu": source])
  }
}
