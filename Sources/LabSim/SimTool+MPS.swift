import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// NVIDIA MPS on the simulated host: `nvidia-cuda-mps-control -d` starts a real background
/// process (the control daemon) on `CUDA_MPS_PIPE_DIRECTORY`, which writes `control.log` in
/// `CUDA_MPS_LOG_DIRECTORY` in the real format and starts a real `nvidia-cuda-mps-server` process
/// when the first client connects; `echo quit | nvidia-cuda-mps-control` stops both. The lab's
/// probes started with the pipe directory of a live daemon are its clients: free memory clamped to
/// `CUDA_MPS_PINNED_DEVICE_MEM_LIMIT`, the SMs and the throughput to
/// `CUDA_MPS_ACTIVE_THREAD_PERCENTAGE` (scenarios `mem-limit-ignored`, `thread-limit-ignored`
/// ignore them; `mps-not-started`'s daemon exits at once). The daemon's bookkeeping lives in
/// hidden `.sim-*` files of the pipe directory.
extension SimTool {
  /// What a CUDA context takes beside a client's allocations under MPS (4000M → free 3486 MiB on an H100).
  static let mpsContextMiB = 514
  /// What cudaMemGetInfo's total lacks of the card's nvidia-smi total (81559 → 81079 MiB on an H100).
  static let mpsReservedMiB = 480

  /// The MPS commands and MPS clients; nil when the command is neither.
  func mpsDispatch(name: String, arguments: [String]) throws -> SimToolResult? {
    switch name {
    case "nvidia-cuda-mps-control":
      if arguments.first == "--labrun-sim-daemon" { return try mpsDaemon() }
      return try mpsControl(arguments)
    case "nvidia-cuda-mps-server": return try mpsServer()
    case "memory-probe", "throughput-probe":
      guard let session = try mpsConnect() else { return nil }
      return try name == "memory-probe"
        ? mpsMemoryProbe(arguments, session) : mpsThroughputProbe(arguments, session)
    default: return nil
    }
  }

  var pipe: String? { environment["CUDA_MPS_PIPE_DIRECTORY"].flatMap { $0.isEmpty ? nil : $0 } }
  func pipeFile(_ name: String) -> String? { pipe.map { $0 + "/" + name } }

  static func alive(pidFile: String?) -> Int? {
    guard let pidFile, let text = try? String(contentsOfFile: pidFile, encoding: .utf8),
      let pid = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)), isAlive(pid)
    else { return nil }
    return pid
  }

  private func log(_ source: String, _ pid: Int32, _ message: String) {
    let directory = environment["CUDA_MPS_LOG_DIRECTORY"] ?? (directory + "/tmp")
    let formatter = DateFormatter()
    formatter.locale = Locale(identifier: "en_US_POSIX")
    formatter.timeZone = TimeZone(identifier: "UTC")
    formatter.dateFormat = "yyyy-MM-dd HH:mm:ss.SSS"
    let line = "[\(formatter.string(from: Date())) \(source)  \(pid)] \(message)\n"
    let path = directory + "/control.log"
    if let handle = FileHandle(forWritingAtPath: path) {
      handle.seekToEndOfFile()
      handle.write(Data(line.utf8))
      try? handle.close()
    } else {
      try? Data(line.utf8).write(to: URL(fileURLWithPath: path))
    }
  }

  // MARK: the control program

  /// `-d` starts the daemon in the background; otherwise commands are read from standard input.
  private func mpsControl(_ arguments: [String]) throws -> SimToolResult {
    guard let pipe else {
      return .fail(
        "nvidia-cuda-mps-control: the simulated host has no system MPS directory; set CUDA_MPS_PIPE_DIRECTORY\n"
      )
    }
    let daemon = Self.alive(pidFile: pipeFile(".sim-control.pid"))
    if arguments.first == "-d" {
      if daemon != nil { return .fail("An instance of this daemon is already running\n") }
      guard FileManager.default.fileExists(atPath: pipe) else {
        return .fail("Cannot open pipe directory \(pipe): No such file or directory\n")
      }
      let me = directory + "/bin/nvidia-cuda-mps-control"
      return .exec(
        path: directory + "/bin/sh",
        arguments: ["sh", "-c", "\"$0\" --labrun-sim-daemon </dev/null >/dev/null 2>&1 &", me])
    }
    guard arguments.isEmpty else { return .fail("usage: nvidia-cuda-mps-control [-d | -f]\n", status: 2) }
    let input = readInput().trimmingCharacters(in: .whitespacesAndNewlines)
    guard daemon != nil else { return .fail("Cannot find MPS control daemon process\n") }
    switch input {
    case "quit":
      guard FileManager.default.createFile(atPath: pipe + "/.sim-quit", contents: Data()) else {
        return .fail("Cannot write to \(pipe)\n")
      }
      let end = Date().addingTimeInterval(10)
      while Self.alive(pidFile: pipeFile(".sim-control.pid")) != nil, Date() < end {
        Thread.sleep(forTimeInterval: 0.02)
      }
      return .ok()
    case "get_server_list":
      return .ok(Self.alive(pidFile: pipeFile(".sim-server.pid")).map { "\($0)\n" } ?? "")
    default:
      return .fail("Unknown command: \(input)\n")
    }
  }

  // MARK: the daemon and its server (real processes)

  private func mpsDaemon() throws -> SimToolResult {
    guard let pipe else { return .fail("no pipe directory\n") }
    let pid = getpid()
    let scenario = store.load().scenario
    log("Control", pid, "Starting control daemon using socket \(pipe)/control")
    log(
      "Control", pid, "To connect CUDA applications to this daemon, set env CUDA_MPS_PIPE_DIRECTORY=\(pipe)")
    log("Control", pid, "CUDA MPS Control binary version: 13000")
    if scenario == .mpsNotStarted {
      log(
        "Control", pid,
        "Failed to start the MPS control daemon: no GPU could be opened (simulated mps-not-started)")
      return .exit(stdout: "", stderr: "", status: 1)
    }
    guard FileManager.default.createFile(atPath: pipe + "/control", contents: Data()) else {
      log("Control", pid, "Cannot create socket \(pipe)/control")
      return .exit(stdout: "", stderr: "", status: 1)
    }
    try "\(pid)\n".write(toFile: pipe + "/.sim-control.pid", atomically: true, encoding: .utf8)
    var server: Process?
    let end = Date().addingTimeInterval(7200)
    while Date() < end, FileManager.default.fileExists(atPath: pipe) {
      if FileManager.default.fileExists(atPath: pipe + "/.sim-quit") { break }
      let requests =
        (try? FileManager.default.contentsOfDirectory(atPath: pipe))?.filter {
          $0.hasPrefix(".sim-client-")
        }.sorted() ?? []
      for request in requests {
        let client = request.dropFirst(".sim-client-".count)
        if server == nil || server?.isRunning == false {
          log(
            "Control", pid,
            "NEW CLIENT \(client) from user 0: Server is not ready, push client to pending list")
          let process = Process()
          process.executableURL = URL(fileURLWithPath: directory + "/bin/nvidia-cuda-mps-server")
          try process.run()
          server = process
          log(
            "Control", process.processIdentifier,
            "Starting new server \(process.processIdentifier) for user 0")
          try "\(process.processIdentifier)\n".write(
            toFile: pipe + "/.sim-server.pid", atomically: true, encoding: .utf8)
        } else {
          log("Control", pid, "NEW CLIENT \(client) from user 0: Server already exists")
        }
        try? FileManager.default.removeItem(atPath: pipe + "/" + request)
      }
      Thread.sleep(forTimeInterval: 0.02)
    }
    if let server, server.isRunning {
      server.terminate()
      server.waitUntilExit()
      log("Control", pid, "Server \(server.processIdentifier) exited with status 0")
    }
    log("Control", pid, "Exit")
    for name in ["control", ".sim-control.pid", ".sim-server.pid", ".sim-quit"] {
      try? FileManager.default.removeItem(atPath: pipe + "/" + name)
    }
    return .ok()
  }

  /// The MPS server: on the card (the host's process list shows it) until the daemon stops it.
  private func mpsServer() throws -> SimToolResult {
    let pid = Int(getpid())
    try register(
      .init(
        pid: pid, name: "nvidia-cuda-mps-server", usedMiB: 66, coreLimit: nil, computing: false, cache: nil))
    signal(SIGTERM) { _ in exit(0) }
    let end = Date().addingTimeInterval(7200)
    while Date() < end, Self.alive(pidFile: pipeFile(".sim-control.pid")) != nil {
      Thread.sleep(forTimeInterval: 0.05)
    }
    try unregister(pid)
    return .ok()
  }
}
