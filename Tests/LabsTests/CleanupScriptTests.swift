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
}
