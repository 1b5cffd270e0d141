import Foundation
import TestSupport

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// The built labrun started with posix_spawn (output to files) and awaited on a thread of its
/// own: the simulated-host tests start many labruns side by side with other suites, and
/// neither Foundation's Process nor a blocking wait may hold Swift's cooperative pool.
struct SpawnedLabrun: Sendable {
  /// How it ended and what it printed.
  struct Result: Sendable, CustomStringConvertible {
    var status: Int32
    var killedBySignal: Bool
    var stdout: String
    var stderr: String

    var description: String {
      "labrun \(killedBySignal ? "killed by signal" : "exited with status") \(status)\n--- stdout\n\(stdout)"
        + "\n--- stderr\n\(stderr)"
    }
  }

  let pid: pid_t
  let directory: URL

  /// Starts `executable` with `arguments` in `workingDirectory`, with exactly `environment`.
  static func start(
    _ executable: URL, _ arguments: [String], environment: [String: String], workingDirectory: URL
  ) throws -> SpawnedLabrun {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
      "labrun-spawned-\(UUID().uuidString.prefix(8))", isDirectory: true)
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(
      &actions, 1, directory.appendingPathComponent("stdout").path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    posix_spawn_file_actions_addopen(
      &actions, 2, directory.appendingPathComponent("stderr").path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    // sh changes directory, then becomes labrun (same pid, so signals reach labrun itself).
    let argv =
      ["/bin/sh", "-c", "cd \"$0\" && exec \"$@\"", workingDirectory.path, executable.path] + arguments
    let cArguments = argv.map { strdup($0) } + [nil]
    defer { cArguments.forEach { free($0) } }
    let cEnvironment = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
    defer { cEnvironment.forEach { free($0) } }
    var pid: pid_t = 0
    let spawned = posix_spawn(&pid, "/bin/sh", &actions, nil, cArguments, cEnvironment)
    guard spawned == 0 else {
      throw CocoaError(
        .executableLoad, userInfo: [NSLocalizedDescriptionKey: "posix_spawn failed: \(spawned)"])
    }
    return SpawnedLabrun(pid: pid, directory: directory)
  }

  func kill(_ signal: Int32) {
    sendSignal(signal, to: pid)
  }

  /// Waits for the exit on a dedicated thread and reads the output files.
  func wait() async -> Result {
    let pid = self.pid
    let status = await withCheckedContinuation { (continuation: CheckedContinuation<Int32, Never>) in
      Thread {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0, errno == EINTR {}
        continuation.resume(returning: status)
      }.start()
    }
    defer { try? FileManager.default.removeItem(at: directory) }
    let read = { (name: String) in
      (try? String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)) ?? ""
    }
    let signal = status & 0x7f
    return Result(
      status: signal == 0 ? (status >> 8) & 0xff : signal, killedBySignal: signal != 0,
      stdout: read("stdout"),
      stderr: read("stderr"))
  }
}

extension SelfTestLabFixture {
  /// labrun's environment for a test: this process's, without LABRUN_HOME, plus the fixture's.
  func spawnEnvironment(_ extra: [String: String]) -> [String: String] {
    var merged = ProcessInfo.processInfo.environment
    merged.removeValue(forKey: "LABRUN_HOME")
    merged["NO_COLOR"] = "1"
    for (key, value) in environment.merging(extra, uniquingKeysWith: { $1 }) { merged[key] = value }
    return merged
  }

  /// Starts the built labrun from the checkout with the fixture's state directory.
  func startLabrun(_ arguments: [String], environment extra: [String: String] = [:]) throws -> SpawnedLabrun {
    try SpawnedLabrun.start(
      binary.executable, arguments, environment: spawnEnvironment(extra), workingDirectory: binary.packageRoot
    )
  }

  /// Runs the built labrun to completion.
  func spawnLabrun(_ arguments: [String], environment extra: [String: String] = [:]) async throws
    -> SpawnedLabrun.Result
  {
    try await startLabrun(arguments, environment: extra).wait()
  }
}

/// `kill(2)`, outside ``SpawnedLabrun`` whose own `kill` would shadow it.
private func sendSignal(_ signal: Int32, to pid: pid_t) {
  _ = kill(pid, signal)
}
