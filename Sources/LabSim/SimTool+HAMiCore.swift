import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// HAMi-core on a host without Kubernetes: `env` starting the lab's probes (and nvidia-smi) with
/// the simulated libvgpu.so preloaded, `nvcc` that "compiles" them, `docker` that holds the HAMi
/// image, and the card's process list. Each preloaded process has the limit of its own cache file
/// (the first process to attach writes it; `shared-cache` ignores CUDA_DEVICE_MEMORY_SHARED_CACHE).
/// The throughput probe and HAMi-core's core limiter are in `SimTool+HAMiCoreLimiter.swift`.
extension SimTool {
  /// The content of the simulated libvgpu.so: what tells the simulated host HAMi-core is preloaded.
  static let libraryMarker = "labrun simulated libvgpu.so (HAMi-core); not a real library\n"
  static let probeNames: Set<String> = ["memory-probe", "throughput-probe"]
  /// HAMi-core's thread id in its log lines (any number; real ones are this long).
  static let hamiThread = 139_885_108_592_640
  /// What a CUDA context and HAMi-core take beside the probe's allocations (as on a real H200).
  static let contextMiB = 518

  // MARK: env

  /// `env NAME=VALUE … COMMAND ARGS`: the lab's probes and nvidia-smi run here with the
  /// assignments (a real exec would hand the simulated library to the real loader); anything else
  /// goes to the real env.
  func env(_ arguments: [String]) -> SimToolResult {
    var merged = environment
    var rest = arguments[...]
    while let first = rest.first, first.firstMatch(of: #/^[A-Za-z_][A-Za-z0-9_]*=/#) != nil {
      let parts = first.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
      merged[String(parts[0])] = parts.count > 1 ? String(parts[1]) : ""
      rest = rest.dropFirst()
    }
    guard let command = rest.first else {
      return .exec(path: real("env"), arguments: ["env"] + arguments)
    }
    let name = URL(fileURLWithPath: command).lastPathComponent
    guard Self.probeNames.contains(name) || name == "nvidia-smi" else {
      return .exec(path: real("env"), arguments: ["env"] + arguments)
    }
    let tool = SimTool(directory: directory, environment: merged, readInput: readInput)
    return tool.run(name: name, arguments: Array(rest.dropFirst()))
  }

  /// The preloaded simulated HAMi-core's library path, when LD_PRELOAD names one.
  var preloadedLibrary: String? {
    guard let preload = environment["LD_PRELOAD"] else { return nil }
    for path in preload.split(whereSeparator: { $0 == ":" || $0 == " " }).map(String.init) {
      if let text = try? String(contentsOfFile: path, encoding: .utf8), text.hasPrefix(Self.libraryMarker) {
        return path
      }
    }
    return nil
  }

  /// `CUDA_DEVICE_MEMORY_LIMIT` (`8000m`, `8g`, bytes) in MiB.
  var memoryLimitMiB: Int? {
    guard let text = environment["CUDA_DEVICE_MEMORY_LIMIT"]?.lowercased(), !text.isEmpty else { return nil }
    if text.hasSuffix("m"), let value = Int(text.dropLast()) { return value }
    if text.hasSuffix("g"), let value = Int(text.dropLast()) { return value * 1024 }
    return Int(text).map { $0 / 1_048_576 }
  }

  func hamiMessage(_ pid: Int32, _ place: String, _ text: String) -> String {
    "[HAMI-core Msg(\(pid):\(Self.hamiThread):\(place))]: \(text)\n"
  }

  func hamiExit(_ pid: Int32) -> String {
    hamiMessage(pid, "multiprocess_memory_limit.c:700", "Cleanup on exit for PID \(pid)")
      + hamiMessage(pid, "multiprocess_memory_limit.c:736", "Exit cleanup complete for PID \(pid)")
  }

  /// nvidia-smi under the preload: the slice as the card's memory, HAMi-core's lines around it.
  func preloadedNVIDIASMI(_ arguments: [String], state: SimState) -> SimToolResult {
    guard preloadedLibrary != nil else { return nvidiaSMI(arguments, state: state) }
    let pid = getpid()
    let result = nvidiaSMI(arguments, state: state, visibleMiB: memoryLimitMiB)
    guard case .exit(let stdout, let stderr, let status) = result else { return result }
    return .exit(
      stdout: stdout,
      stderr: hamiMessage(pid, "libvgpu.c:871", "Initializing.....") + stderr + hamiExit(pid), status: status)
  }

  // MARK: processes on the card

  static func isAlive(_ pid: Int) -> Bool { kill(pid_t(pid), 0) == 0 }

  /// `nvidia-smi --query-compute-apps=…`: the live simulated processes.
  func computeApps(_ query: String, state: SimState) -> SimToolResult {
    let fields = query.split(separator: ",").map(String.init)
    let headers = [
      "pid": "pid", "process_name": "process_name", "gpu_uuid": "gpu_uuid", "gpu_name": "gpu_name",
      "used_memory": "used_gpu_memory [MiB]",
    ]
    var out = fields.map { headers[$0] ?? $0 }.joined(separator: ", ") + "\n"
    for process in state.gpuProcesses where Self.isAlive(process.pid) {
      let values = [
        "pid": String(process.pid), "process_name": process.name, "gpu_uuid": state.profile.uuid,
        "gpu_name": state.profile.name, "used_memory": "\(process.usedMiB) MiB",
      ]
      out += fields.map { values[$0] ?? "[N/A]" }.joined(separator: ", ") + "\n"
    }
    return .ok(out)
  }

  func register(_ process: SimState.GPUProcess) throws {
    try store.update { state in
      state.gpuProcesses.removeAll { !Self.isAlive($0.pid) || $0.pid == process.pid }
      state.gpuProcesses.append(process)
    }
  }

  func unregister(_ pid: Int) throws {
    try store.update { state in state.gpuProcesses.removeAll { $0.pid == pid || !Self.isAlive($0.pid) } }
  }

  func say(_ text: String) { FileHandle.standardOutput.write(Data(text.utf8)) }
  func warn(_ text: String) { FileHandle.standardError.write(Data(text.utf8)) }

  // MARK: the memory probe

  /// The lab's memory probe: prints as it goes (a tenant in the background is watched through
  /// its log), registers itself on the card, and under `--hold` keeps its memory until released.
  func memoryProbe(_ arguments: [String]) throws -> SimToolResult {
    let pid = getpid()
    var hold: (file: String, seconds: Int)?
    if arguments.count == 3, arguments[0] == "--hold", let seconds = Int(arguments[2]) {
      hold = (arguments[1], seconds)
    } else if !arguments.isEmpty {
      return .fail("usage: memory-probe [--hold RELEASE_FILE MAX_SECONDS]\n", status: 2)
    }
    let state = store.load()
    let profile = state.profile
    let library = preloadedLibrary
    func value(_ name: String) -> String { environment[name] ?? "unset" }
    if library != nil { warn(hamiMessage(pid, "libvgpu.c:911", "Initialized")) }
    say(
      "probe: pid \(pid), LD_PRELOAD=\(value("LD_PRELOAD")) CUDA_DEVICE_MEMORY_LIMIT=\(value("CUDA_DEVICE_MEMORY_LIMIT")) "
        + "CUDA_DEVICE_MEMORY_SHARED_CACHE=\(value("CUDA_DEVICE_MEMORY_SHARED_CACHE"))\n")
    say(library.map { "probe: mapped \($0)\n" } ?? "probe: no libvgpu mapped\n")
    var limitMiB: Int?
    var cache: String?
    if library != nil, let own = memoryLimitMiB {
      let path =
        state.scenario == .sharedCache
        ? defaultSharedCache : (environment["CUDA_DEVICE_MEMORY_SHARED_CACHE"] ?? defaultSharedCache)
      cache = path
      _ = attachRegion(path)
      let ownBytes = UInt64(own) * 1_048_576
      let effective = try store.update { state -> UInt64 in
        state.gpuProcesses.removeAll { !Self.isAlive($0.pid) }
        let attached = state.gpuProcesses.contains { $0.cache == path }
        // Attach in the same update that reads the cache: tenants started together must not both
        // find it unattached (on a loaded machine they did, and each kept its own limit).
        state.gpuProcesses.removeAll { $0.pid == Int(pid) }
        state.gpuProcesses.append(
          .init(
            pid: Int(pid), name: "memory-probe", usedMiB: Self.contextMiB, coreLimit: nil, computing: false,
            cache: path))
        if attached, let existing = state.cacheLimits[path] { return existing }
        state.cacheLimits[path] = ownBytes
        return ownBytes
      }
      if effective != ownBytes {
        warn(
          "[HAMI-core ERROR (pid:\(pid) thread=\(Self.hamiThread) multiprocess_memory_limit.c:1160)]: Limit "
            + "inconsistency detected for 15th device, \(ownBytes) expected, get \(effective)\n")
      }
      limitMiB = Int(effective / 1_048_576)
    }
    try register(
      .init(
        pid: Int(pid), name: "memory-probe", usedMiB: Self.contextMiB, coreLimit: nil, computing: false,
        cache: cache))
    let visible = limitMiB ?? profile.memoryMiB
    say(
      "probe: device 0 \(profile.name), cudaMemGetInfo free=\(visible - Self.contextMiB) MiB total=\(visible) MiB\n"
    )
    var allocated = 0
    while true {
      let next = allocated + 256
      if let limitMiB, next + Self.contextMiB > limitMiB {
        warn(
          "[HAMI-core ERROR (pid:\(pid) thread=\(Self.hamiThread) allocator.c:52)]: Device 0 OOM "
            + "\(UInt64(next + Self.contextMiB) * 1_048_576) / \(UInt64(limitMiB) * 1_048_576)\n")
        break
      }
      if next > profile.memoryMiB - 1179 { break }
      allocated = next
      say("allocated \(allocated) MiB\n")
    }
    say("cudaMalloc refused after \(allocated) MiB allocated: out of memory\n")
    if let hold {
      try register(
        .init(
          pid: Int(pid), name: "memory-probe", usedMiB: allocated + Self.contextMiB, coreLimit: nil,
          computing: false,
          cache: cache))
      say("probe: holding \(allocated) MiB until \(hold.file) exists (at most \(hold.seconds) s)\n")
      let end = Date().addingTimeInterval(Double(hold.seconds))
      while !FileManager.default.fileExists(atPath: hold.file), Date() < end {
        Thread.sleep(forTimeInterval: 0.05)
      }
      say("probe: released\n")
    }
    try unregister(Int(pid))
    if library != nil { warn(hamiExit(pid)) }
    return .ok()
  }

  // MARK: nvcc and the HAMi image

  /// `nvcc --version`, or `nvcc … -o OUT SOURCE.cu`: OUT becomes the simulated probe of that name.
  func nvcc(_ arguments: [String]) -> SimToolResult {
    let profile = store.load().profile
    if arguments.contains("--version") {
      return .ok(
        "nvcc: NVIDIA (R) Cuda compiler driver\nCopyright (c) 2005-2025 NVIDIA Corporation\n"
          + "Built on Wed_Aug_20_01:58:59_PM_PDT_2025\nCuda compilation tools, release \(profile.cuda), V\(profile.cuda).48\n"
          + "Build cuda_\(profile.cuda).r\(profile.cuda)/compiler.36424714_0\n")
    }
    guard let index = arguments.firstIndex(of: "-o"), index + 1 < arguments.count,
      let source = arguments.last(where: { $0.hasSuffix(".cu") })
    else { return .fail("nvcc fatal   : No input files specified; use option --help for more information\n") }
    let output = arguments[index + 1]
    guard FileManager.default.fileExists(atPath: source) else {
      return .fail("cc1plus: fatal error: \(source): No such file or directory\ncompilation terminated.\n")
    }
    guard Self.probeNames.contains(URL(fileURLWithPath: output).lastPathComponent) else {
      return .fail(
        "nvcc: the simulated host compiles only the lab's probes (memory-probe, throughput-probe)\n")
    }
    let tool =
      (try? String(contentsOfFile: directory + "/tool", encoding: .utf8))?
      .trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
    try? FileManager.default.removeItem(atPath: output)
    do {
      try FileManager.default.createSymbolicLink(atPath: output, withDestinationPath: tool)
    } catch {
      return .fail("nvcc: cannot write \(output)\n")
    }
    return .ok()
  }

  /// `docker pull | create | cp | rm` of the HAMi image: `cp` writes the simulated libvgpu.so.
  func docker(_ arguments: [String]) -> SimToolResult {
    let words = arguments.filter { !$0.hasPrefix("-") }
    let containerID = String(repeating: "5c0ffee", count: 9).prefix(64)
    switch words.first {
    case "pull":
      let image = words.dropFirst().first ?? ""
      return .ok(
        "\(image.split(separator: ":").last ?? ""): Pulling from projecthami/hami\nDigest: sha256:"
          + String(repeating: "ab", count: 32) + "\nStatus: Downloaded newer image for \(image)\n\(image)\n")
    case "create": return .ok(containerID + "\n")
    case "cp":
      guard words.count == 3 else { return .fail("\"docker cp\" requires exactly 2 arguments.\n") }
      let destination = words[2]
      do {
        try FileManager.default.createDirectory(atPath: destination, withIntermediateDirectories: true)
        try Data(Self.libraryMarker.utf8).write(to: URL(fileURLWithPath: destination + "/libvgpu.so"))
      } catch {
        return .fail("Error: cannot write \(destination)\n")
      }
      return .ok("Successfully copied 1 file to \(destination)\n")
    case "rm": return .ok(containerID + "\n")
    default: return .fail("docker: '\(words.first ?? "")' is not a command of the simulated docker\n")
    }
  }
}
