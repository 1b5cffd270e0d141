import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// HAMi-core's core limiter on the simulated host, and the lab's throughput probe under it.
///
/// As in HAMi-core (src/multiprocess/multiprocess_memory_limit.c), the core limit lives in the
/// shared region, the cache file: the process that creates the file writes its
/// CUDA_DEVICE_SM_LIMIT (100 for none) and every later process keeps that value, logging
/// `SM limit inconsistency` at level 3. At `LIBCUDA_LOG_LEVEL=3` the probe's stderr carries the
/// same lines as the real library's (setspec, `device 0: core utilization limit = N`, `hostPid=`,
/// then per simulated second `init_utilization_watcher: util_switch=1` (0 under
/// GPU_CORE_UTILIZATION_POLICY=disable, as `get_utilization_switch` gives it) and the watcher's
/// `device 0: userutil=… limit=… share=…`; the real watcher logs every 120 ms). What the probe
/// gets of the card is ``SimCardSharing``: the limit confirmed, and missed as on real cards.
/// Scenarios: `stale-cache` (every cache file is found already created by a process with no
/// limit), `limiter-no-pid` (`host pid is error!`, no watcher, no throttling),
/// `core-limit-ignored` (witness confirms, no throttling), `noisy-neighbour` (a limited process
/// beside an unlimited one is not held to its limit), `ideal-compute` (every limit held exactly).
extension SimTool {
  /// Marks the first line of a simulated shared region (cache file).
  static let regionMarker = "labrun simulated HAMi-core shared region"

  /// The core limit this process asks for: CUDA_DEVICE_SM_LIMIT in 1...99, else 100 (none).
  var configuredCoreLimit: Int {
    environment["CUDA_DEVICE_SM_LIMIT"].flatMap { Int($0) }.flatMap { (1...99).contains($0) ? $0 : nil }
      ?? 100
  }

  var logLevel: Int { environment["LIBCUDA_LOG_LEVEL"].flatMap { Int($0) } ?? 2 }

  func hamiInfo(_ pid: Int32, _ place: String, _ text: String) -> String {
    "[HAMI-core Info(\(pid):\(Self.hamiThread):\(place))]: \(text)\n"
  }

  /// Opens the region at `path`, creating it with this process's core limit when there is none
  /// (`stale-cache`: as if a process with no limit had created it); returns the limit in force.
  /// HAMi-core's default cache file, /tmp/cudevshr.cache, on the simulated host: its own /tmp,
  /// never this machine's (a simulated run writes nothing outside its host's directory).
  var defaultSharedCache: String { directory + "/tmp/cudevshr.cache" }

  func attachRegion(_ path: String) -> Int {
    if let text = try? String(contentsOfFile: path, encoding: .utf8), text.hasPrefix(Self.regionMarker),
      let line = text.split(separator: "\n").first(where: { $0.hasPrefix("sm_limit=") }),
      let limit = Int(line.dropFirst("sm_limit=".count))
    {
      return limit
    }
    let limit = store.load().scenario == .staleCache ? 100 : configuredCoreLimit
    try? Data("\(Self.regionMarker)\nsm_limit=\(limit)\n".utf8).write(to: URL(fileURLWithPath: path))
    return limit
  }

  /// The lab's throughput probe: one sample per simulated second (`LABRUN_SIM_SECOND_MS`, 25 ms by
  /// default, in step with the probes started by the same start file), its share of the card from
  /// every process computing at that moment (``SimCardSharing/hamiCore(_:disabled:)``);
  /// `--latency` launches one short kernel at a time and adds each second's p50 and p99.
  func throughputProbe(_ arguments: [String]) throws -> SimToolResult {
    var rest = arguments
    let latency = rest.first == "--latency"
    if latency { rest.removeFirst() }
    guard let first = rest.first, let seconds = Int(first), seconds > 0, rest.count <= 2 else {
      return .fail("usage: throughput-probe [--latency] SECONDS [START_FILE]\n", status: 2)
    }
    let pid = getpid()
    let state = store.load()
    let library = preloadedLibrary
    func value(_ name: String) -> String { environment[name] ?? "unset" }
    let sms = state.profile.smCount
    var limit: Int?
    if library != nil {
      limit = startLimiter(pid, profile: state.profile, scenario: state.scenario)
    }
    say(
      "throughput-probe: pid \(pid), device 0 \(state.profile.name) (\(sms) SMs), LD_PRELOAD=\(value("LD_PRELOAD")) "
        + "CUDA_DEVICE_SM_LIMIT=\(value("CUDA_DEVICE_SM_LIMIT")) GPU_CORE_UTILIZATION_POLICY="
        + "\(value("GPU_CORE_UTILIZATION_POLICY")), \(latency ? "latency mode, 16 waves a kernel, " : "")\(seconds) s\n"
    )
    try register(
      .init(
        pid: Int(pid), name: "throughput-probe", usedMiB: 1002, coreLimit: limit, computing: true, cache: nil,
        latency: latency ? true : nil))
    if rest.count == 2 {
      say("throughput-probe: ready\n")
      while !FileManager.default.fileExists(atPath: rest[1]) { Thread.sleep(forTimeInterval: 0.02) }
    }
    let start = runStart(rest.count == 2 ? rest[1] : nil)
    let secondMs = environment["LABRUN_SIM_SECOND_MS"].flatMap { Int($0) } ?? 25
    let peak = state.profile.probeTFLOPS * (latency ? SimCardSharing.Measured.latencyEfficiency : 1)
    let sharing = SimCardSharing(profile: state.profile, scenario: state.scenario)
    let disabled = environment["GPU_CORE_UTILIZATION_POLICY"]?.lowercased() == "disable"
    var total = 0.0
    for sample in 1...seconds {
      waitForSecond(sample, from: start, secondMs: secondMs)
      let tenants = store.load().gpuProcesses.filter { $0.computing && Self.isAlive($0.pid) }.map(\.tenant)
      var share = sharing.hamiCore(tenants, disabled: disabled)[Int(pid)] ?? 1
      if tenants.count == 1, sharing.hamiCoreMiss > 0 {
        share = SimCardSharing.limiterSecond(mean: share, second: sample, pid: Int(pid))
      }
      let noise = 1 + 0.01 * sin(Double(sample) * 1.7 + Double(pid % 7))
      let tflops = peak * share * noise
      total += tflops
      watch(
        pid, limit: limit, utilization: Int((share * 100).rounded()), profile: state.profile,
        disabled: disabled)
      saySample(
        sample, tflops: tflops, share: share, noise: noise,
        latencyP99Factor: latency ? (tenants.count > 1 ? 1.01 : 1.03) : nil,
        kernel: state.profile.victimKernelMicroseconds)
    }
    sayMean(total: total, seconds: seconds)
    try unregister(Int(pid))
    if library != nil { warn(hamiExit(pid)) }
    return .ok()
  }

  /// HAMi-core's start in the probe: the region's core limit read (the limit in force, nil for
  /// none), and its level-3 lines.
  private func startLimiter(_ pid: Int32, profile: SimProfile, scenario: SimScenario) -> Int? {
    let path = environment["CUDA_DEVICE_MEMORY_SHARED_CACHE"] ?? defaultSharedCache
    let region = attachRegion(path)
    let info = logLevel >= 3
    warn(hamiMessage(pid, "libvgpu.c:871", "Initializing....."))
    if info, region != configuredCoreLimit {
      warn(
        hamiInfo(
          pid, "multiprocess_memory_limit.c:1168",
          "SM limit inconsistency detected for 0th device, \(configuredCoreLimit) expected, get \(region)"))
    }
    if scenario == .limiterNoPid {
      warn("[HAMI-core ERROR (pid:\(pid) thread=\(Self.hamiThread) utils.c:158)]: host pid is error!\n")
    } else if info {
      warn(hamiInfo(pid, "utils.c:161", "hostPid=\(pid)"))
    }
    warn(hamiMessage(pid, "libvgpu.c:911", "Initialized"))
    if scenario == .limiterNoPid {
      warn(
        "[HAMI-core Warn(\(pid):\(Self.hamiThread):libvgpu.c:913)]: SET_TASK_PID FAILED - using container PID "
          + "for accounting\n")
    }
    if info {
      warn(
        hamiInfo(
          pid, "multiprocess_utilization_watcher.c:138",
          "setspec: device 0 sm_num=\(profile.smCount) max_threads_per_sm=\(profile.maxThreadsPerSM) "
            + "total_cores=\(profile.smCount * profile.maxThreadsPerSM * 32) FACTOR=32"))
      warn(
        hamiInfo(
          pid, "multiprocess_utilization_watcher.c:273", "device 0: core utilization limit = \(region)"))
    }
    guard region < 100, scenario != .limiterNoPid else { return nil }
    return region
  }

  /// One round of HAMi-core's utilization watcher (the real one runs every 120 ms): nothing until
  /// the host pid is found, then the switch and, under a limit, the device line.
  private func watch(_ pid: Int32, limit: Int?, utilization: Int, profile: SimProfile, disabled: Bool) {
    let state = store.load()
    guard logLevel >= 3, preloadedLibrary != nil, state.scenario != .limiterNoPid else { return }
    let place = "multiprocess_utilization_watcher.c"
    warn(hamiInfo(pid, "\(place):233", "init_utilization_watcher: util_switch=\(disabled ? 0 : 1)"))
    guard let limit else { return }
    let total = profile.smCount * profile.maxThreadsPerSM * 32
    warn(
      hamiInfo(
        pid, "\(place):253",
        "device 0: userutil=\(utilization) currentcores=\(total / 7) total=\(total) limit=\(limit) "
          + "share=\(total * limit / 100)"))
  }
}
