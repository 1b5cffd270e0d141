import Foundation
import LabPipeline
import TestSupport
import Testing

@Suite struct RunStoreTests {
  @Test func runIDIsUTCStartAndTargetName() {
    let date = Date(timeIntervalSince1970: 1_782_209_700)  // 2026-06-23T10:15:00Z
    #expect(RunStore.runID(startedAt: date, targetName: "gpu-vm") == "20260623T101500Z-gpu-vm")
    #expect(
      RunStore.runID(startedAt: date, targetName: "ubuntu@10.0.0.1:22")
        == "20260623T101500Z-ubuntu-10.0.0.1-22")
  }

  /// The filter `run` resumption reads candidates through: never drops a run of the target
  /// (a `-N` suffix included), and skips other targets' runs unread.
  @Test func aRunDirectoryNameCanOnlyBeItsTargetsRun() {
    #expect(RunStore.mayBeRun(named: "20260623T101500Z-sim-gpu-01", of: "sim/gpu-01"))
    #expect(RunStore.mayBeRun(named: "20260623T101500Z-sim-gpu-01-2", of: "sim/gpu-01"))
    #expect(!RunStore.mayBeRun(named: "20260623T101500Z-sim-gpu-02", of: "sim/gpu-01"))
    #expect(!RunStore.mayBeRun(named: "20260623T101500Z-gpu-vm", of: "sim/gpu-01"))
  }

  /// Writes leave the actor's suspension points in the order they were asked for (the run's
  /// own serial queue): many updates at once end with the last state on disk.
  @Test func concurrentUpdatesLeaveTheLastLedgerOnDisk() async throws {
    let fixture = try RunFixture()
    defer { fixture.home.remove() }
    let run = fixture.run
    try await withThrowingTaskGroup(of: Void.self) { group in
      for index in 0..<40 {
        group.addTask {
          try await run.update(LedgerEntry(phase: .up, stepID: "s\(index % 8)", title: "t", attempts: index))
        }
      }
      try await group.waitForAll()
    }
    #expect(try fixture.ledgerOnDisk() == (await run.currentLedger))
    #expect((await run.currentLedger).entries.count == 8)
  }

  @Test func createsTheRunDirectoryContract() throws {
    let fixture = try RunFixture(parameters: ["slice_mib": .int(8000), "provider": .string("Hyperstack")])
    defer { fixture.home.remove() }
    let directory = fixture.run.directory
    #expect(directory.lastPathComponent == "20260623T101500Z-recorded")
    #expect(fixture.store.state.currentRunID() == "20260623T101500Z-recorded")
    for name in ["run.json", "ledger.json", "transcript.jsonl", "artifacts"] {
      #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent(name).path), "\(name)")
    }
    let json = try #require(
      try JSONSerialization.jsonObject(with: Data(contentsOf: fixture.run.runFile)) as? [String: Any])
    #expect(json["schema"] as? String == "labrun.run/v1")
    #expect(json["run_id"] as? String == "20260623T101500Z-recorded")
    #expect(json["lab"] as? String == "test-lab")
    #expect(json["started_at"] as? String == "2026-06-23T10:15:00Z")
    #expect(json["labrun_version"] as? String == LabrunVersion.current)
    let target = try #require(json["target"] as? [String: Any])
    #expect(target["kind"] as? String == "local")
    let parameters = try #require(json["parameters"] as? [String: Any])
    #expect(parameters["slice_mib"] as? Int == 8000)
    #expect(parameters["provider"] as? String == "Hyperstack")
    // A second run in the same second gets a suffix.
    let second = try fixture.store.create(
      lab: "test-lab", labFile: nil, target: TargetInfo(name: "recorded", kind: .local), parameters: [:],
      redactor: Redactor(), now: Date(timeIntervalSince1970: 1_782_209_700))
    #expect(second.directory.lastPathComponent == "20260623T101500Z-recorded-2")
    #expect(
      try fixture.store.list().map(\.id) == ["20260623T101500Z-recorded", "20260623T101500Z-recorded-2"])
  }

  @Test func artifactsHaveSectionsAndChecksumsThatSha256sumAccepts() async throws {
    let fixture = try RunFixture()
    defer { fixture.home.remove() }
    try await fixture.run.appendArtifactSection(
      to: "0-os.txt", command: "cat /etc/os-release", output: "NAME=Ubuntu\n")
    try await fixture.run.appendArtifactSection(to: "0-os.txt", command: "uname -r", output: "6.8.0")
    try await fixture.run.writeArtifact("notes.txt", content: "hello\n")
    let text = try String(
      contentsOf: fixture.run.artifactsDirectory.appendingPathComponent("0-os.txt"), encoding: .utf8)
    #expect(text == "$ cat /etc/os-release\n\nNAME=Ubuntu\n\n$ uname -r\n\n6.8.0\n")
    let sums = try String(contentsOf: fixture.run.checksumsFile, encoding: .utf8)
    #expect(
      sums.split(separator: "\n").map { $0.split(separator: " ").last.map(String.init) } == [
        "../run.json", "0-os.txt", "notes.txt",
      ])
    let check = await Sha256sum.check(in: fixture.run.artifactsDirectory)
    #expect(check.status == 0, "\(check.output)")
    await #expect(throws: RunStoreError.self) {
      try await fixture.run.writeArtifact("../escape.txt", content: "x")
    }
  }

  @Test func simulatedArtifactsStartWithTheMarker() async throws {
    let home = try TemporaryDirectory()
    defer { home.remove() }
    let run = try RunStore(state: StateDirectory(root: home.url)).create(
      lab: "x", labFile: nil, target: TargetInfo(name: "sim", kind: .simulated), parameters: [:],
      redactor: Redactor())
    try await run.appendArtifactSection(to: "0-os.txt", command: "uname -r", output: "6.8.0\n")
    let text = try String(
      contentsOf: run.artifactsDirectory.appendingPathComponent("0-os.txt"), encoding: .utf8)
    #expect(text == "# SIMULATED — not captured on hardware\n$ uname -r\n\n6.8.0\n")
  }

  @Test func statusFollowsTheLedger() {
    func ledger(_ states: [(Phase, StepState)]) -> Ledger {
      Ledger(
        entries: states.enumerated().map {
          LedgerEntry(phase: $1.0, stepID: "s\($0)", title: "", state: $1.1)
        })
    }
    #expect(RunStatus(ledger: ledger([]), finished: false) == .new)
    #expect(RunStatus(ledger: ledger([(.up, .done), (.up, .running)]), finished: false) == .incomplete)
    #expect(RunStatus(ledger: ledger([(.up, .done), (.up, .failed)]), finished: false) == .failed)
    #expect(
      RunStatus(ledger: ledger([(.up, .done), (.exercises, .skippedAlreadySatisfied)]), finished: false)
        == .ready)
    #expect(RunStatus(ledger: ledger([(.up, .done), (.down, .done)]), finished: true) == .tornDown)
  }
}

@Suite struct RunLockTests {
  @Test func secondHolderIsRefusedUntilUnlock() async throws {
    let fixture = try RunFixture()
    defer { fixture.home.remove() }
    try await fixture.run.lock()
    let other = try fixture.reopened()
    do {
      try await other.lock()
      Issue.record("a second lock was granted")
    } catch let error as RunStoreError {
      #expect(
        error == .inUse(run: "20260623T101500Z-recorded", pid: "\(ProcessInfo.processInfo.processIdentifier)")
      )
    }
    await fixture.run.unlock()
    try await other.lock()
    await other.unlock()
  }

  /// Between a spawn's fork and its exec, the child holds a copy of every descriptor, the run's
  /// lock too (O_CLOEXEC closes it only at the exec): a lock this process has just released can
  /// look held by this process for a moment. The suite failed on it: `down` right after `up` in one
  /// process was refused as "in use by another labrun process" naming this process's own pid.
  @Test func aReleasedLockStillHeldByASpawningChildIsWaitedFor() async throws {
    let fixture = try RunFixture()
    defer { fixture.home.remove() }
    // The copy: another open of the lock file, held with this process's pid in it, as a
    // spawning child's copy of a released lock is, and let go 0.3 s later.
    let path = fixture.run.directory.appendingPathComponent(".lock").path
    let copy = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
    #expect(copy >= 0)
    #expect(flock(copy, LOCK_EX | LOCK_NB) == 0)
    let pid = "\(getpid())\n"
    _ = pid.withCString { write(copy, $0, strlen($0)) }
    // A thread of its own, as the child is: a loaded cooperative pool must not delay it.
    Thread.detachNewThread {
      usleep(300_000)
      close(copy)
    }
    try await fixture.run.lock()
    await fixture.run.unlock()
  }
}
