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

  /// mps-stop checks every daemon the control log saw start, a failed start's too: by teardown
  /// that pid may belong to an unrelated process, which is not a leftover of the run (and must not
  /// be named for the user to kill), while a process in the run's MPS environment is.
  @Test func mpsStopCountsOnlyTheRunsOwnProcesses() throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
      "labrun-mps.\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    func launch(_ script: String) throws -> Process {
      let process = Process()
      process.executableURL = URL(fileURLWithPath: "/bin/sh")
      process.arguments = ["-c", script]
      process.standardOutput = Pipe()
      try process.run()
      return process
    }
    // A program named as MPS's (a server started by a daemon whose environment labrun did not
    // write) counts too.
    let programs = FileManager.default.temporaryDirectory.appendingPathComponent("mps-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: programs, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: programs) }
    let server = programs.appendingPathComponent("nvidia-cuda-mps-server")
    try FileManager.default.createSymbolicLink(
      at: server, withDestinationURL: URL(fileURLWithPath: "/bin/sleep"))
    let stranger = try launch("exec sleep 30")
    let ours = try launch("exec env CUDA_MPS_PIPE_DIRECTORY=\(directory.path)/pipe sleep 30")
    let named = try launch("exec \(server.path) 30")
    // A server that exited and is not reaped yet (its parent never waits): a zombie shows no
    // command line and no environment, and is still waited for.
    let zombieFile = directory.appendingPathComponent("zombie")
    let parent = try launch("sleep 0 & echo $! > \(zombieFile.path); exec sleep 30")
    defer { [stranger, ours, named, parent].forEach { if $0.isRunning { $0.terminate() } } }
    var zombie: Int32 = 0
    for _ in 0..<50 where zombie == 0 {
      let text = (try? String(contentsOf: zombieFile, encoding: .utf8)) ?? ""
      zombie = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
      Thread.sleep(forTimeInterval: 0.1)
    }
    let report = try launch(
      MPSStopStep.report(
        [
          ("MPS control daemon", Int(stranger.processIdentifier)),
          ("MPS control daemon", Int(ours.processIdentifier)),
          ("MPS server", Int(named.processIdentifier)), ("MPS server", Int(zombie)),
        ],
        directory: directory.path
      ).script)
    report.waitUntilExit()
    let lines = String(
      decoding: (report.standardOutput as? Pipe)?.fileHandleForReading.readDataToEndOfFile() ?? Data(),
      as: UTF8.self
    ).split(separator: "\n").map(String.init)
    #expect(
      lines == [
        "MPS control daemon \(stranger.processIdentifier): gone",
        "MPS control daemon \(ours.processIdentifier): still running",
        "MPS server \(named.processIdentifier): still running",
        "MPS server \(zombie): still running",
      ])
  }

  /// A run in the background is a subshell (its pid recorded) over the probe and its stamping
  /// pipes, none of which names the directory: stopping the subshell alone left the probe
  /// measuring (beside a rerun's runs, or after a "verified" teardown). The whole process group of
  /// the command that started it goes (a lab command runs in a session of its own: sshd's setsid,
  /// the local transport's group).
  @Test func aRecordedRunIsStoppedWithEverythingItStarted() throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
      "labrun-hami-core.\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let child = directory.appendingPathComponent("child")
    func sh(_ script: String) throws -> Process {
      let process = Process()
      process.executableURL = URL(fileURLWithPath: "/bin/sh")
      process.arguments = ["-c", script]
      try process.run()
      return process
    }
    let dir = directory.path
    // Not waited for: Foundation's waitUntilExit also waits out what it left running.
    _ = try sh(
      "setsid sh -c '( sleep 30 & echo $! > \(dir)/child; wait; : \(dir) ) >/dev/null 2>&1 </dev/null & "
        + "echo $! > \(dir)/6-pair-a.pid'")
    var probe: Int32 = 0
    for _ in 0..<50 where probe == 0 {
      probe =
        Int32(
          (try? String(contentsOf: child, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
            ?? "") ?? 0
      if probe == 0 { Thread.sleep(forTimeInterval: 0.1) }
    }
    #expect(probe > 0 && kill(probe, 0) == 0, "the probe did not start")
    defer { if probe > 0 { kill(probe, SIGKILL) } }
    try sh(HAMiCoreCleanupStep.script(HAMiCoreWorkspace(directory: dir))).waitUntilExit()
    /// Alive and not a zombie (one its parent has not reaped yet is gone).
    func running(_ pid: Int32) -> Bool {
      guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
        let state = stat.split(separator: ")").last?.split(separator: " ").first
      else { return false }
      return state != "Z"
    }
    var alive = true
    for _ in 0..<30 where alive {
      alive = running(probe)
      if alive { Thread.sleep(forTimeInterval: 0.1) }
    }
    #expect(!alive, "the probe under the recorded subshell was left running")
  }
}
