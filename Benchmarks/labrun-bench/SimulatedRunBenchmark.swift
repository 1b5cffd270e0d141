import Foundation
import LabPipeline
import TestSupport

/// `labrun run --host sim` timed end to end, and how much of that time the simulated
/// commands themselves took (from the run's transcript.jsonl): the rest is labrun's own
/// overhead (process spawns, artifact writes, SHA256SUMS, the ledger, the report).
enum SimulatedRunBenchmark {
  struct Result {
    var wallSeconds: Double
    var commandSeconds: Double
    var commands: Int

    /// The share of the wall time spent outside simulated commands.
    var outsideShare: Double { wallSeconds > 0 ? max(0, wallSeconds - commandSeconds) / wallSeconds : 0 }

    var summary: String {
      String(
        format:
          "labrun run --host sim: %.2f s wall, %d commands taking %.2f s; %.0f%% of the time outside them",
        wallSeconds, commands, commandSeconds, outsideShare * 100)
    }
  }

  enum Failure: Error, CustomStringConvertible {
    case runFailed(status: Int32, output: String)
    case noRun(String)

    var description: String {
      switch self {
      case .runFailed(let status, let output):
        return "labrun run --host sim exited \(status): \(output.suffix(2000))"
      case .noRun(let directory): return "no run directory under \(directory)"
      }
    }
  }

  /// Runs the `labrun` binary at `labrun` (also the simulated host's tools) in a fresh state
  /// directory.
  static func measure(labrun: URL) throws -> Result {
    let temporary = try TemporaryDirectory(prefix: "labrun-bench-sim")
    defer { temporary.remove() }
    let home = temporary.url
    var environment = ProcessInfo.processInfo.environment
    environment["LABRUN_HOME"] = home.path
    let start = Date()
    let result = SpawnedProcess.run([labrun.path, "run", "--host", "sim"], environment: environment)
    let wall = Date().timeIntervalSince(start)
    guard result.status == 0 else { throw Failure.runFailed(status: result.status, output: result.output) }
    let runs = home.appendingPathComponent("runs")
    guard let id = try FileManager.default.contentsOfDirectory(atPath: runs.path).sorted().last else {
      throw Failure.noRun(runs.path)
    }
    let transcript = try String(
      contentsOf: runs.appendingPathComponent(id).appendingPathComponent("transcript.jsonl"), encoding: .utf8)
    let entries = try transcript.split(separator: "\n").map {
      try JSONDecoder.labrun.decode(TranscriptEntry.self, from: Data($0.utf8))
    }
    let inCommands = entries.reduce(0) { $0 + $1.end.timeIntervalSince($1.start) }
    return Result(wallSeconds: wall, commandSeconds: inCommands, commands: entries.count)
  }
}
