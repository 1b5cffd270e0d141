import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// The lab's probes as clients of a simulated MPS daemon (see `SimTool+MPS.swift`).
extension SimTool {
  /// A client's connection: its limits as the server applies them.
  struct MPSSession {
    /// The pinned device memory limit for device 0 in MiB; nil when none (or ignored).
    var pinnedMiB: Int?
    /// The active thread percentage asked for; nil when none.
    var percentage: Int?
    /// Whether the server throttles to it (`thread-limit-ignored`: it does not).
    var throttled: Bool
  }

  /// Connects to the daemon on `CUDA_MPS_PIPE_DIRECTORY` as the CUDA driver does: the daemon
  /// starts a server for the first client; nil (the probe runs without MPS) when no daemon runs.
  func mpsConnect() throws -> MPSSession? {
    guard let pipe, Self.alive(pidFile: pipeFile(".sim-control.pid")) != nil else { return nil }
    let request = pipe + "/.sim-client-\(getpid())"
    guard FileManager.default.createFile(atPath: request, contents: Data()) else {
      throw SimToolError.io("cannot reach the MPS control daemon on \(pipe)")
    }
    let end = Date().addingTimeInterval(10)
    while FileManager.default.fileExists(atPath: request)
      || Self.alive(pidFile: pipeFile(".sim-server.pid")) == nil
    {
      guard Date() < end else { throw SimToolError.io("the MPS server did not start for this client") }
      Thread.sleep(forTimeInterval: 0.02)
    }
    let scenario = store.load().scenario
    let percentage = environment["CUDA_MPS_ACTIVE_THREAD_PERCENTAGE"].flatMap { Int($0) }.flatMap {
      (1...100).contains($0) ? $0 : nil
    }
    return MPSSession(
      pinnedMiB: scenario == .memLimitIgnored
        ? nil : Self.pinnedMiB(environment["CUDA_MPS_PINNED_DEVICE_MEM_LIMIT"]),
      percentage: percentage, throttled: scenario != .threadLimitIgnored)
  }

  /// Device 0's entry of `0=4000M,1=8G` in MiB.
  static func pinnedMiB(_ text: String?) -> Int? {
    guard let text else { return nil }
    for entry in text.split(separator: ",") {
      let parts = entry.split(separator: "=")
      guard parts.count == 2, parts[0] == "0" else { continue }
      let value = parts[1].uppercased()
      if value.hasSuffix("G"), let number = Int(value.dropLast()) { return number * 1024 }
      if value.hasSuffix("M"), let number = Int(value.dropLast()) { return number }
      return Int(value).map { $0 / 1_048_576 }
    }
    return nil
  }

  /// The memory probe as an MPS client: the header of the real probe, cudaMemGetInfo's free
  /// within the pinned limit and the physical total, 256 MiB chunks until one is refused.
  func mpsMemoryProbe(_ arguments: [String], _ session: MPSSession) throws -> SimToolResult {
    var hold: (file: String, seconds: Int)?
    if arguments.count == 3, arguments[0] == "--hold", let seconds = Int(arguments[2]) {
      hold = (arguments[1], seconds)
    } else if !arguments.isEmpty {
      return .fail("usage: memory-probe [--hold RELEASE_FILE MAX_SECONDS]\n", status: 2)
    }
    let pid = Int(getpid())
    let profile = store.load().profile
    func value(_ name: String) -> String { environment[name] ?? "unset" }
    say(
      "probe: pid \(pid), LD_PRELOAD=\(value("LD_PRELOAD")) CUDA_DEVICE_MEMORY_LIMIT=\(value("CUDA_DEVICE_MEMORY_LIMIT")) "
        + "CUDA_DEVICE_MEMORY_SHARED_CACHE=\(value("CUDA_DEVICE_MEMORY_SHARED_CACHE"))\nprobe: no libvgpu mapped\n"
    )
    let total = profile.memoryMiB - Self.mpsReservedMiB
    let free = max(0, min(session.pinnedMiB ?? total, total) - Self.mpsContextMiB)
    say("probe: device 0 \(profile.name), cudaMemGetInfo free=\(free) MiB total=\(total) MiB\n")
    try register(
      .init(
        pid: pid, name: "memory-probe", usedMiB: Self.mpsContextMiB, coreLimit: nil, computing: false,
        cache: nil))
    var allocated = 0
    while allocated + 256 <= free {
      allocated += 256
      say("allocated \(allocated) MiB\n")
    }
    say("cudaMalloc refused after \(allocated) MiB allocated: out of memory\n")
    if let hold {
      try register(
        .init(
          pid: pid, name: "memory-probe", usedMiB: allocated + Self.mpsContextMiB, coreLimit: nil,
          computing: false,
          cache: nil))
      say("probe: holding \(allocated) MiB until \(hold.file) exists (at most \(hold.seconds) s)\n")
      let end = Date().addingTimeInterval(Double(hold.seconds))
      while !FileManager.default.fileExists(atPath: hold.file), Date() < end {
        Thread.sleep(forTimeInterval: 0.05)
      }
      say("probe: released\n")
    }
    try unregister(pid)
    return .ok()
  }

  /// The throughput probe as an MPS client: it sees its percentage of the SMs and runs on them
  /// (``SimCardSharing/mps(_:)``: beside a neighbour, a one-kernel-at-a-time victim keeps what a
  /// real H200's kept) — unless the server does not throttle.
  func mpsThroughputProbe(_ arguments: [String], _ session: MPSSession) throws -> SimToolResult {
    var rest = arguments
    let latency = rest.first == "--latency"
    if latency { rest.removeFirst() }
    guard let first = rest.first, let seconds = Int(first), seconds > 0, rest.count <= 2 else {
      return .fail("usage: throughput-probe [--latency] SECONDS [START_FILE]\n", status: 2)
    }
    let pid = Int(getpid())
    let state = store.load()
    let full = state.profile.smCount
    let sms = session.percentage.map { Self.visibleSMs(full, percentage: $0) } ?? full
    func value(_ name: String) -> String { environment[name] ?? "unset" }
    say(
      "throughput-probe: pid \(pid), device 0 \(state.profile.name) (\(sms) SMs), LD_PRELOAD=\(value("LD_PRELOAD")) "
        + "CUDA_DEVICE_SM_LIMIT=\(value("CUDA_DEVICE_SM_LIMIT")) GPU_CORE_UTILIZATION_POLICY="
        + "\(value("GPU_CORE_UTILIZATION_POLICY")), \(latency ? "latency mode, 16 waves a kernel, " : "")\(seconds) s\n"
    )
    let limit = session.throttled ? session.percentage : nil
    try register(
      .init(
        pid: pid, name: "throughput-probe", usedMiB: 368, coreLimit: limit, computing: true, cache: nil,
        latency: latency ? true : nil))
    if rest.count == 2 {
      say("throughput-probe: ready\n")
      while !FileManager.default.fileExists(atPath: rest[1]) { Thread.sleep(forTimeInterval: 0.02) }
    }
    let start = runStart(rest.count == 2 ? rest[1] : nil)
    let secondMs = environment["LABRUN_SIM_SECOND_MS"].flatMap { Int($0) } ?? 25
    let peak = state.profile.probeTFLOPS * (latency ? SimCardSharing.Measured.latencyEfficiency : 1)
    let sharing = SimCardSharing(profile: state.profile, scenario: state.scenario)
    var total = 0.0
    for sample in 1...seconds {
      waitForSecond(sample, from: start, secondMs: secondMs)
      let tenants = store.load().gpuProcesses.filter { $0.computing && Self.isAlive($0.pid) }.map(\.tenant)
      let share = sharing.mps(tenants)[pid] ?? 1
      let noise = 1 + 0.005 * sin(Double(sample) * 1.7 + Double(pid % 7))
      let tflops = peak * share * noise
      total += tflops
      saySample(
        sample, tflops: tflops, share: share, noise: noise,
        latencyP99Factor: latency ? (tenants.count > 1 ? 1.2 : 1.03) : nil,
        kernel: state.profile.victimKernelMicroseconds)
    }
    sayMean(total: total, seconds: seconds)
    try unregister(pid)
    return .ok()
  }

  /// The SMs an MPS client sees under CUDA_MPS_ACTIVE_THREAD_PERCENTAGE, as an H100 showed them
  /// (132 SMs: 25 % → 32, 30 % → 38, 70 % → 92): the share rounded down to an even count (SMs come
  /// in pairs), at least 2.
  static func visibleSMs(_ full: Int, percentage: Int) -> Int {
    max(2, full * percentage / 100 / 2 * 2)
  }
}
