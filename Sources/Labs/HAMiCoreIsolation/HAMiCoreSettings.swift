import Foundation
import LabPipeline

/// The lab's parameters, read and checked once: tenants, core limits, durations, sources.
struct HAMiCoreSettings: Sendable {
  var tenants: [HAMiCoreTenant]
  var coreLimits: [Int]
  var pairCoreLimits: [Int]
  var corePolicy: String
  var computeSeconds: Int
  var tolerancePercent: Int
  var library: String
  var commit: String
  var hamiVersion: String
  var containerCLI: String
  var nvcc: String
  var nvccFlags: String
  /// Where prebuilt probes are (`probe_dir`); empty = compile them with nvcc on the host.
  var probeDirectory: String
  var tenantTimeout: Duration

  init(_ parameters: Parameters) throws {
    let tenantsText = try parameters.string("tenants")
    guard let tenants = HAMiCoreTenant.parse(tenantsText) else {
      throw StepError.unexpected(
        "tenants '\(tenantsText)' is not two or more positive slices in MiB (e.g. --param tenants=4000,12000)"
      )
    }
    self.tenants = tenants
    let limitsText = try parameters.string("core_limits")
    guard let limits = HAMiCoreTenant.limits(limitsText), limits.allSatisfy({ $0 < 100 }) else {
      throw StepError.unexpected("core_limits '\(limitsText)' must be limits between 1 and 99 (e.g. 50,25)")
    }
    coreLimits = limits
    let pairText = try parameters.string("pair_core_limits")
    guard let pair = HAMiCoreTenant.limits(pairText), pair.count == 2 else {
      throw StepError.unexpected(
        "pair_core_limits '\(pairText)' must be two limits between 1 and 100 (e.g. 30,70)")
    }
    pairCoreLimits = pair
    corePolicy = try parameters.string("core_policy")
    computeSeconds = try parameters.int("compute_seconds")
    tolerancePercent = try parameters.int("throughput_tolerance")
    library = try parameters.string("hami_core_lib")
    commit = try parameters.string("hami_core_commit")
    hamiVersion = try parameters.string("hami_version")
    containerCLI = try parameters.string("container_cli")
    nvcc = try parameters.string("nvcc")
    nvccFlags = try parameters.string("nvcc_flags")
    probeDirectory = try parameters.string("probe_dir")
    tenantTimeout = try parameters.duration("tenant_timeout")
  }

  /// The HAMi image libvgpu.so is extracted from when no library path is given.
  var image: String { "docker.io/projecthami/hami:v\(hamiVersion)" }
}

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
  func environment(_ tenant: HAMiCoreTenant, coreLimit: Int? = nil, policy: String = "") -> String {
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
