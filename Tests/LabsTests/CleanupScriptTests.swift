import Foundation
import Testing

@testable import Labs

/// The host labs' teardown script kills only processes of the run: a pid file whose pid was
/// reused by an unrelated process (pid_max 32768 on many hosts) must not kill that process.
@Suite struct CleanupScriptTests {
  @Test func aReusedPidOfAnotherProcessIsNotKilled() throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
      "labrun-mps.\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    // An unrelated process (nothing of the run's directory in its command line) holds the pid.
    let stranger = Process()
    stranger.executableURL = URL(fileURLWithPath: "/bin/sleep")
    stranger.arguments = ["30"]
    try stranger.run()
    defer { if stranger.isRunning { stranger.terminate() } }
    try "\(stranger.processIdentifier)\n".write(
      to: directory.appendingPathComponent("together-a.pid"), atomically: true, encoding: .utf8)
    let cleanup = Process()
    cleanup.executableURL = URL(fileURLWithPath: "/bin/sh")
    cleanup.arguments = ["-c", HAMiCoreCleanupStep.script(HAMiCoreWorkspace(directory: directory.path))]
    try cleanup.run()
    cleanup.waitUntilExit()
    #expect(cleanup.terminationStatus == 0)
    #expect(stranger.isRunning, "the teardown killed an unrelated process whose pid was in a pid file")
    #expect(!FileManager.default.fileExists(atPath: directory.path))
  }

  /// verify-clean judges a recorded pid the way the cleanup does: a pid reused by an unrelated
  /// process is not a leftover of the run (a loaded test machine once reused one and failed a
  /// teardown), while a process whose command line names the run's directory is.
  @Test func verifyCleanCountsOnlyTheRunsOwnProcesses() throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
      "labrun-hami-core.\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    func launch(_ arguments: [String]) throws -> Process {
      let process = Process()
      process.executableURL = URL(fileURLWithPath: "/bin/sh")
      process.arguments = arguments
      try process.run()
      return process
    }
    let stranger = try launch(["-c", "exec sleep 30"])
    let ours = try launch(["-c", "sleep 30; : \(directory.path)"])
    defer { [stranger, ours].forEach { if $0.isRunning { $0.terminate() } } }
    func running(_ pid: Int32) throws -> Bool {
      let check = try launch([
        "-c", HAMiCoreVerifyCleanStep.stillRunning(Int(pid), directory: directory.path),
      ])
      check.waitUntilExit()
      return check.terminationStatus == 0
    }
    #expect(try !running(stranger.processIdentifier), "an unrelated process was counted as the run's")
    #expect(try running(ours.processIdentifier), "the run's own process was not counted")
  }
}
