import Foundation

/// The built `labrun` executable, run as a user would run it.
///
/// End-to-end tests never link the executable target; they run `.build/debug/labrun`
/// (build it first: `swift build`).
public struct LabrunBinary: Sendable {
  /// The package root (the directory holding Package.swift).
  public let packageRoot: URL
  public let executable: URL

  /// Finds the package root by walking up from `filePath` (pass the test's `#filePath`).
  public init(filePath: String = #filePath) throws {
    var directory = URL(fileURLWithPath: filePath).deletingLastPathComponent()
    while !FileManager.default.fileExists(atPath: directory.appendingPathComponent("Package.swift").path) {
      let parent = directory.deletingLastPathComponent()
      guard parent.path != directory.path else { throw LabrunBinaryError.noPackageRoot(filePath) }
      directory = parent
    }
    packageRoot = directory
    executable = directory.appendingPathComponent(".build/debug/labrun")
    guard FileManager.default.isExecutableFile(atPath: executable.path) else {
      throw LabrunBinaryError.notBuilt(executable.path)
    }
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
  public func start(
    _ arguments: [String], environment: [String: String] = [:], workingDirectory: URL? = nil
  ) throws -> RunningLabrun {
    let output = try TemporaryDirectory(prefix: "labrun-output")
    let stdoutURL = output.appending("stdout")
    let stderrURL = output.appending("stderr")
    try Data().write(to: stdoutURL)
    try Data().write(to: stderrURL)
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    var merged = ProcessInfo.processInfo.environment
    merged.removeValue(forKey: "LABRUN_HOME")
    merged["NO_COLOR"] = "1"
    for (key, value) in environment { merged[key] = value }
    process.environment = merged
    process.currentDirectoryURL = workingDirectory ?? packageRoot
    process.standardOutput = try FileHandle(forWritingTo: stdoutURL)
    process.standardError = try FileHandle(forWritingTo: stderrURL)
    process.standardInput = FileHandle.nullDevice
    let exit = ExitBox()
    process.terminationHandler = { finished in
      exit.finish(finished.terminationStatus, finished.terminationReason)
    }
    try process.run()
    return RunningLabrun(process: process, exit: exit, output: output)
  }
}

/// A labrun started by ``LabrunBinary/start(_:environment:workingDirectory:)``.
public struct RunningLabrun: @unchecked Sendable {
  let process: Process
  let exit: ExitBox
  let output: TemporaryDirectory

  public var pid: Int32 { process.processIdentifier }

  /// Sends `signal` to labrun itself.
  public func kill(_ signal: Int32) {
    _ = Foundation.kill(process.processIdentifier, signal)
  }

  /// Waits for labrun to exit and returns what it printed.
  public func wait() async throws -> LabrunResult {
    let (status, reason) = await exit.wait()
    defer { output.remove() }
    let stdout = try String(contentsOf: output.appending("stdout"), encoding: .utf8)
    let stderr = try String(contentsOf: output.appending("stderr"), encoding: .utf8)
    return LabrunResult(
      status: status, killedBySignal: reason == .uncaughtSignal, stdout: stdout, stderr: stderr)
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
  /// No Package.swift above the test file.
  case noPackageRoot(String)
  /// `.build/debug/labrun` does not exist.
  case notBuilt(String)

  public var description: String {
    switch self {
    case .noPackageRoot(let path): return "no Package.swift above \(path)"
    case .notBuilt(let path):
      return "\(path) does not exist: build labrun first (`swift build` or `swift build --build-tests`)"
    }
  }
}

/// The exit of a process, awaited from async code without blocking a thread.
final class ExitBox: @unchecked Sendable {
  private let lock = NSLock()
  private var result: (Int32, Process.TerminationReason)?
  private var waiters: [CheckedContinuation<(Int32, Process.TerminationReason), Never>] = []

  func finish(_ status: Int32, _ reason: Process.TerminationReason) {
    lock.lock()
    result = (status, reason)
    let pending = waiters
    waiters = []
    lock.unlock()
    for waiter in pending { waiter.resume(returning: (status, reason)) }
  }

  func wait() async -> (Int32, Process.TerminationReason) {
    await withCheckedContinuation { continuation in
      lock.lock()
      if let result {
        lock.unlock()
        continuation.resume(returning: result)
      } else {
        waiters.append(continuation)
        lock.unlock()
      }
    }
  }
}
