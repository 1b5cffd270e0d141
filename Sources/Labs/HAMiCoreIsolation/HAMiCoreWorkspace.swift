import Foundation
import LabPipeline

/// Paths inside the lab's private directory on the host (the probes: ``ProbeWorkspace``), and the
/// tenants' HAMi-core environment.
struct HAMiCoreWorkspace: ProbeWorkspace {
  /// The directory `mktemp -d` made.
  var directory: String

  var library: String { directory + "/libvgpu.so" }
  func cache(_ tenant: String) -> String { directory + "/cache-\(tenant)" }

  /// The environment of a tenant: HAMi-core preloaded with the tenant's slice and its own cache
  /// file, and a core limit when `coreLimit` is given.
  func environment(_ tenant: CardTenant, coreLimit: Int? = nil, policy: String = "") -> String {
    var assignments = [
      "LD_PRELOAD=" + library,
      "CUDA_DEVICE_MEMORY_LIMIT=\(tenant.sliceMiB)m",
      "CUDA_DEVICE_MEMORY_SHARED_CACHE=" + cache(tenant.name),
    ]
    if let coreLimit {
      assignments.append("CUDA_DEVICE_SM_LIMIT=\(coreLimit)")
      if !policy.isEmpty { assignments.append("GPU_CORE_UTILIZATION_POLICY=" + policy) }
    }
    return "env " + assignments.map(ShellQuote.quote).joined(separator: " ")
  }

  /// The host's view of the processes on the GPU.
  static let computeApps = RemoteCommand(
    "nvidia-smi --query-compute-apps=pid,gpu_uuid,used_memory --format=csv", timeout: .seconds(60))
}
