import Foundation

/// Runs the built `labrun` binary (or any executable) and captures stdout, stderr and the exit
/// status, for end-to-end tests. Test targets never link the executable; they run it.
public struct BinaryRunner: Sendable {
  /// What one run printed and how it ended.
  public struct Result: Sendable, Hashable {
    public var stdout: Data
    public var stderr: Data
    public var exitCode: Int32

    public var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
    public var stderrText: String { String(decoding: stderr, as: UTF8.self) }
  }

  public let executable: URL

  public init(executable: URL) {
    self.executable = executable
  }

  /// The debug `labrun` under the package root found from `filePath` (pass `#filePath`).
  /// - Throws: ``BinaryRunnerError/binaryMissing(path:)`` when it has not been built.
  public static func labrun(filePath: String = #filePath) throws -> BinaryRunner {
    let root = try packageRoot(from: filePath)
    let binary = root.appendingPathComponent(".build/debug/labrun")
    guard FileManager.default.isExecutableFile(atPath: binary.path) else {
      throw BinaryRunnerError.binaryMissing(path: binary.path)
    }
    return BinaryRunner(executable: binary)
  }

  /// The nearest directory above `filePath` that holds Package.swift.
  public static func packageRoot(from filePath: String = #filePath) throws -> URL {
    var directory = URL(fileURLWithPath: filePath).deletingLastPathComponent()
    while directory.path != "/" {
      if FileManager.default.fileExists(atPath: directory.appendingPathComponent("Package.swift").path) {
        return directory
      }
      directory = directory.deletingLastPathComponent()
    }
    throw BinaryRunnerError.packageRootNotFound(from: filePath)
  }

  /// Runs the executable with `arguments`; output goes to temporary files, so neither stream
  /// can fill a pipe and block the child.
  public func run(
    _ arguments: [String], environment: [String: String]? = nil, currentDirectory: URL? = nil
  ) throws -> Result {
    let scratch = FileManager.default.temporaryDirectory
      .appendingPathComponent("binary-runner-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: scratch) }
    let outURL = scratch.appendingPathComponent("stdout")
    let errURL = scratch.appendingPathComponent("stderr")
    try Data().write(to: outURL)
    try Data().write(to: errURL)
    let out = try FileHandle(forWritingTo: outURL)
    let err = try FileHandle(forWritingTo: errURL)
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    if let environment { process.environment = environment }
    if let currentDirectory { process.currentDirectoryURL = currentDirectory }
    process.standardOutput = out
    process.standardError = err
    process.standardInput = FileHandle.nullDevice
    try process.run()
    process.waitUntilExit()
    try out.close()
    try err.close()
    return Result(
      stdout: try Data(contentsOf: outURL), stderr: try Data(contentsOf: errURL),
      exitCode: process.terminationStatus)
  }
}

/// Why the binary could not be run.
public enum BinaryRunnerError: Error, CustomStringConvertible, LocalizedError, Equatable {
  /// No Package.swift above the test file.
  case packageRootNotFound(from: String)
  /// The binary has not been built.
  case binaryMissing(path: String)

  public var description: String {
    switch self {
    case .packageRootNotFound(let path):
      return "no Package.swift above \(path); run the tests from the labrun package"
    case .binaryMissing(let path):
      return
        "\(path) is missing: build it first with `swift build` (or `swift build --build-tests`), then re-run the tests"
    }
  }

  public var errorDescription: String? { description }
}
