import Foundation
import LabPipeline

/// Paths inside the lab's private directory on the host, and the commands that use them.
struct HAMiCoreWorkspace: Sendable, Hashable, Codable {
  /// The directory `mktemp -d` made.
  var directory: String

  var library: String { directory + "/libvgpu.so" }
  var memoryProbe: String { directory + "/memory-probe" }
  var throughputProbe: String { directory + "/throughput-probe" }
  func cache(_ tenant: String) -> String { directory + "/cache-\(tenant)" }
  func file(_ name: String) -> String { directory + "/" + name }

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

  /// `command`, stopped (TERM, then KILL 10 s later) after `seconds`: a hung tenant ends as a
  /// result in the evidence (exit 124), not as a step that times out without a page.
  static func bounded(_ seconds: Int, _ command: String) -> String {
    "timeout -k 10 \(seconds) \(command)"
  }

  /// Starts `command` in the background with its output in `log` and its pid in `pid`.
  static func background(_ command: String, log: String, pid: String) -> String {
    "\(command) >\(ShellQuote.quote(log)) 2>&1 </dev/null & echo $! >\(ShellQuote.quote(pid))"
  }

  /// Waits (polling, at most `seconds`) until each log shows `pattern` or its process is gone;
  /// exits 1 if the time runs out.
  static func waitFor(_ pattern: String, logs: [(log: String, pid: String)], seconds: Int) -> String {
    let checks = logs.map { entry in
      "{ grep -q \(ShellQuote.quote(pattern)) \(ShellQuote.quote(entry.log)) || "
        + "! kill -0 \"$(cat \(ShellQuote.quote(entry.pid)))\" 2>/dev/null; }"
    }.joined(separator: " && ")
    return "n=0; until \(checks); do n=$((n+1)); if [ $n -gt \(seconds * 5) ]; then "
      + "echo 'gave up waiting for \(pattern) after \(seconds) s' >&2; exit 1; fi; sleep 0.2; done"
  }

  /// Waits (polling, at most `seconds`) until every process in `pids` has exited.
  static func waitExit(pids: [String], seconds: Int) -> String {
    let alive = pids.map { "kill -0 \"$(cat \(ShellQuote.quote($0)))\" 2>/dev/null" }.joined(
      separator: " || ")
    return "n=0; while \(alive); do n=$((n+1)); if [ $n -gt \(seconds * 5) ]; then "
      + "echo 'tenants still running after \(seconds) s' >&2; exit 1; fi; sleep 0.2; done"
  }

  /// The host's view of the processes on the GPU.
  static let computeApps = RemoteCommand(
    "nvidia-smi --query-compute-apps=pid,gpu_uuid,used_memory --format=csv", timeout: .seconds(60))
}

extension HAMiCoreWorkspace {
  /// The workspace the stage step made, from the ledger.
  static func staged(_ ctx: StepContext) throws -> HAMiCoreWorkspace {
    try ctx.output(HAMiCoreWorkspace.self, of: "stage")
  }
}
