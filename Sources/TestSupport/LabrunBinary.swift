import Foundation
import LabPipeline

/// The built `labrun` executable, run as a user would run it.
///
/// End-to-end tests never link the executable target; they run `.build/debug/labrun`
/// (build it first: `swift build`), or the executable ``variable`` names.
///
/// `make test` names a debug build made with `--static-swift-stdlib`, as labrun is released: the
/// Swift runtime and Foundation linked in, so each start resolves no symbol of theirs. Every
/// simulated tool is labrun started again, thousands of times a suite, and that build starts in
/// about 60% of the CPU time of the shared-library one.
public struct LabrunBinary: Sendable {
  /// The environment variable naming the labrun to test instead of the checkout's debug build.
  public static let variable = "LABRUN_TEST_BINARY"

  /// The package root (the directory holding Package.swift).
  public let packageRoot: URL
  public let executable: URL

  /// The labrun under test: ``variable``'s, else the checkout's debug build.
  public init() throws {
    packageRoot = try TestPackage.root()
    if let named = ProcessInfo.processInfo.environment[Self.variable], !named.isEmpty {
      executable = URL(fileURLWithPath: named, relativeTo: packageRoot).standardizedFileURL
    } else {
      executable = packageRoot.appendingPathComponent(".build/debug/labrun")
    }
    guard FileManager.default.isExecutableFile(atPath: executable.path) else {
      throw LabrunBinaryError.notBuilt(executable.path)
    }
  }

  /// `executable`, run as labrun (e.g. a copy of the checkout's build).
  public init(executable: URL) throws {
    packageRoot = try TestPackage.root()
    self.executable = executable
    guard FileManager.default.isExecutableFile(atPath: executable.path) else {
      throw LabrunBinaryError.notBuilt(executable.path)
    }
  }

  /// A copy of this executable, alone in `directory`, as a user who installed it has it.
  ///
  /// `cp` writes it, not this process: a file this process held open for writing would be
  /// inherited by children other tests spawn meanwhile, and exec'ing it would then fail
  /// with ETXTBSY ("text file busy").
  public func copy(into directory: URL) async throws -> LabrunBinary {
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let copy = directory.appendingPathComponent("labrun")
    let copied = await SpawnedProcess.completed(["/bin/cp", executable.path, copy.path])
    guard copied.status == 0 else {
      throw LoopbackSSHServer.ServerError.commandFailed("cp \(executable.path) \(copy.path)", copied.output)
    }
    return try LabrunBinary(executable: copy)
  }

  /// The labs/ directory of the checkout.
  public var labsDirectory: URL { packageRoot.appendingPathComponent("labs", isDirectory: true) }

  /// Runs labrun to completion.
  public func run(
    _ arguments: [String], environment: [String: String] = [:], workingDirectory: URL? = nil
  ) async throws -> LabrunResult {
    let started = try start(arguments, environment: environment, workingDirectory: workingDirectory)
    return try await started.wait()
  }

  /// Starts labrun and returns without waiting (for tests that kill it).
  ///
  /// `environment` is added to this process's environment (less LABRUN_HOME, LABRUN_LABS and
  /// XDG_STATE_HOME, plus NO_COLOR).
  public func start(
    _ arguments: [String], environment: [String: String] = [:], workingDirectory: URL? = nil
  ) throws -> RunningLabrun {
    var merged = ProcessInfo.processInfo.environment
    merged.removeValue(forKey: "LABRUN_HOME")
    merged.removeValue(forKey: "LABRUN_LABS")
    // labrun keeps accepted host keys under $XDG_STATE_HOME (else $HOME): a test gives its own HOME.
    merged.removeValue(forKey: "XDG_STATE_HOME")
    merged["NO_COLOR"] = "1"
    for (key, value) in environment { merged[key] = value }
    return try RunningLabrun(
      executable, arguments, environment: merged, workingDirectory: workingDirectory ?? packageRoot)
  }
}

/// A labrun started by ``LabrunBinary/start(_:environment:workingDirectory:)``: spawned with
/// posix_spawn (output to files) and awaited on a thread of its own, because Foundation's
/// Process and blocking waits can stall Swift's cooperative pool when many tests run at once.
public struct RunningLabrun: Sendable {
  public let pid: pid_t
  let output: TemporaryDirectory

  init(_ executable: URL, _ arguments: [String], environment: [String: String], workingDirectory: URL) throws
  {
    output = try TemporaryDirectory(prefix: "labrun-output")
    // sh changes directory, then becomes labrun (same pid, so signals reach labrun itself).
    var spawner = ProcessSpawner(
      ["/bin/sh", "-c", "cd \"$0\" && exec \"$@\"", workingDirectory.path, executable.path] + arguments,
      environment: environment)
    spawner.standardOutput = .writing(output.appending("stdout").path, append: false)
    spawner.standardError = .writing(output.appending("stderr").path, append: false)
    switch spawner.spawn() {
    case .success(let child): pid = child
    case .failure(let failure):
      throw LoopbackSSHServer.ServerError.commandFailed(executable.path, failure.reason)
    }
  }

  /// Sends `signal` to labrun itself.
  public func kill(_ signal: Int32) {
    _ = Glibc.kill(pid, signal)
  }

  /// Waits for labrun to exit (on a dedicated thread) and returns what it printed.
  public func wait() async throws -> LabrunResult {
    let pid = self.pid
    let status = await BlockingWork.run { () -> Int32 in
      var status: Int32 = 0
      while waitpid(pid, &status, 0) < 0, errno == EINTR {}
      return status
    }
    defer { output.remove() }
    let stdout = try String(contentsOf: output.appending("stdout"), encoding: .utf8)
    let stderr = try String(contentsOf: output.appending("stderr"), encoding: .utf8)
    let signal = status & 0x7f
    return LabrunResult(
      status: signal == 0 ? (status >> 8) & 0xff : signal, killedBySignal: signal != 0, stdout: stdout,
      stderr: stderr)
  }
}

/// How a labrun process ended.
public struct LabrunResult: Sendable, CustomStringConvertible {
  /// The exit status, or the signal number when ``killedBySignal``.
  public var status: Int32
  public var killedBySignal: Bool
  public var stdout: String
  public var stderr: String

  public var description: String {
    "labrun exited \(killedBySignal ? "by signal" : "with status") \(status)\n--- stdout\n\(stdout)--- stderr\n\(stderr)"
  }
}

/// Why the binary cannot be run.
public enum LabrunBinaryError: Error, CustomStringConvertible {
  /// `.build/debug/labrun` does not exist.
  case notBuilt(String)

  public var description: String {
    switch self {
    case .notBuilt(let path):
      return "\(path) does not exist: build labrun first (`swift build` or `swift build --build-tests`)"
    }
  }
}
