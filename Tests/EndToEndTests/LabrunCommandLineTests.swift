import Foundation
import LabPipeline
import TestSupport
import Testing

@Suite struct LabrunCommandLineTests {
  @Test func helpListsEveryCommandWithHelpText() async throws {
    let fixture = try SelfTestLabFixture()
    defer { fixture.remove() }
    let help = try await fixture.labrun(["--help"])
    #expect(help.status == 0, "\(help)")
    for command in ["up", "exercises", "down", "run", "plan", "status", "runs", "ping"] {
      #expect(help.stdout.contains("\n  \(command) "), "\(command) missing from --help")
    }
    #expect(help.stdout.contains("Exit status:"))
    for command in ["up", "exercises", "down", "run", "plan", "status", "runs"] {
      let result = try await fixture.labrun([command, "--help"])
      #expect(result.status == 0, "\(result)")
      #expect(result.stdout.contains("Exit status:"), "\(command) --help lacks exit codes")
    }
    let up = try await fixture.labrun(["up", "--help"])
    for option in ["--host", "-F", "--identity", "--accept-new-host-key", "--lab", "--param", "--new-run"] {
      #expect(up.stdout.contains(option), "up --help lacks \(option)")
    }
  }

  @Test(arguments: [
    "$(touch x)",
    "'; rm -rf ~'",
    "first line\nsecond line",
    "ünïcödé ✓ 🚀 \"double\" `backtick` $HOME \\ *",
  ])
  func parameterValueReachesTheTargetLiterally(value: String) async throws {
    let fixture = try SelfTestLabFixture()
    defer { fixture.remove() }
    let up = try await fixture.labrun(
      fixture.selftest("up", ["echo_value=\(value)"]), inScratchDirectory: true)
    #expect(up.status == 0, "\(up)")
    let echoed = try String(contentsOf: fixture.markers.appendingPathComponent("echo.txt"), encoding: .utf8)
    #expect(echoed == value)
    #expect(
      !FileManager.default.fileExists(atPath: fixture.workingDirectory.appendingPathComponent("x").path))
    #expect(!FileManager.default.fileExists(atPath: fixture.markers.appendingPathComponent("x").path))
    #expect(FileManager.default.fileExists(atPath: fixture.userHome.path))
    let run = try fixture.onlyRun()
    let artifact = try String(
      contentsOf: run.appendingPathComponent("artifacts/selftest-echo.txt"), encoding: .utf8)
    #expect(artifact.hasSuffix("\n\n" + value + (value.hasSuffix("\n") ? "" : "\n")))
    #expect(await SelfTestLabFixture.checksumsVerify(run))
  }

  @Test func upExercisesDownOnTheCurrentRun() async throws {
    let fixture = try SelfTestLabFixture()
    defer { fixture.remove() }
    let up = try await fixture.labrun(fixture.selftest("up"))
    #expect(up.status == 0, "\(up)")
    #expect(up.stdout.isEmpty, "stdout must carry only data")
    // Not a terminal: plain timestamped lines.
    let lines = up.stderr.split(separator: "\n")
    #expect(lines.count >= 8)
    for line in lines {
      #expect(
        line.range(of: #"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z "#, options: .regularExpression) != nil,
        "\(line)")
    }
    #expect(up.stderr.contains("up [4/6] sleep started"))
    // A parameter the run did not record (the lab gained it later) is added with its default.
    let runFile = try fixture.onlyRun().appendingPathComponent("run.json")
    var json = try #require(
      try JSONSerialization.jsonObject(with: Data(contentsOf: runFile)) as? [String: Any])
    var recorded = try #require(json["parameters"] as? [String: Any])
    recorded.removeValue(forKey: "step_timeout")
    json["parameters"] = recorded
    try JSONSerialization.data(withJSONObject: json).write(to: runFile)
    let exercises = try await fixture.labrun(["exercises"])
    #expect(exercises.status == 0, "\(exercises)")
    let refilled = try JSONDecoder.labrun.decode(RunRecord.self, from: Data(contentsOf: runFile))
    #expect(refilled.parameters["step_timeout"] == .int(600))
    let kernel = try String(contentsOf: fixture.markers.appendingPathComponent("kernel.txt"), encoding: .utf8)
    #expect(!kernel.isEmpty)
    let down = try await fixture.labrun(["down"])
    #expect(down.status == 0, "\(down)")
    #expect(!FileManager.default.fileExists(atPath: fixture.markers.path))

    let run = try fixture.onlyRun()
    let record = try JSONDecoder.labrun.decode(
      RunRecord.self, from: Data(contentsOf: run.appendingPathComponent("run.json")))
    #expect(record.schema == "labrun.run/v1")
    #expect(record.lab == "selftest")
    #expect(record.target.kind == .local)
    #expect(record.finishedAt != nil)
    #expect(
      record.parameters["selftest_kernel"] == .string(kernel.trimmingCharacters(in: .whitespacesAndNewlines)))
    // --purge is a typed option of down (LifecycleOptions), not a lab parameter written by string.
    #expect(record.parameters["purge"] == nil)

    let status = try await fixture.labrun(["status", "--json"])
    #expect(status.status == 0, "\(status)")
    let document = try #require(
      try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any])
    #expect(document["status"] as? String == "torn-down")
    let runs = try await fixture.labrun(["runs", "--json"])
    let listing = try JSONSerialization.jsonObject(with: Data(runs.stdout.utf8)) as? [String: Any]
    let list = try #require(listing?["runs"] as? [[String: Any]], "\(runs.stdout)")
    #expect((listing?["fleets"] as? [Any])?.isEmpty == true)
    #expect(list.count == 1)
    #expect(list.first?["current"] as? Bool == true)
    let text = try await fixture.labrun(["runs"])
    #expect(text.stdout.contains(run.lastPathComponent))

    // A torn-down run is not resumed; --new-run forces a new one even when it could be.
    let again = try await fixture.labrun(fixture.selftest("up"))
    #expect(again.status == 0, "\(again)")
    let forced = try await fixture.labrun(fixture.selftest("up", extra: ["--new-run"]))
    #expect(forced.status == 0, "\(forced)")
    #expect(try fixture.runDirectories().count == 3)
  }

  @Test func failedStepThenRerunResumesAndSkipsWhatWasDone() async throws {
    let fixture = try SelfTestLabFixture()
    defer { fixture.remove() }
    let gate = fixture.root.appending("gate-closed")
    try Data().write(to: gate)
    let arguments = fixture.selftest("up", ["fail_while_exists=\(gate.path)"])
    let first = try await fixture.labrun(arguments)
    #expect(first.status == 1, "\(first)")
    #expect(first.stderr.contains("step gate"))
    #expect(first.stderr.contains("gate closed"))
    #expect(first.stderr.contains("last command: if [ -e"))
    let run = try fixture.onlyRun()
    let failed = try fixture.states(run, .up)
    #expect(failed["gate"] == .failed)
    #expect(failed["prepare"] == .done)
    #expect(failed["facts"] == .pending)
    let early = try await fixture.labrun(["exercises"])
    #expect(early.status == 4, "\(early)")
    #expect(early.stderr.contains("has not finished `up`; run `labrun up` first"))
    let status = try await fixture.labrun(["status"])
    #expect(status.stdout.contains("failed"))
    #expect(status.stdout.contains("command exited with status 1"))
    #expect(status.stdout.contains("gate closed: "))

    try FileManager.default.removeItem(at: gate)
    let second = try await fixture.labrun(arguments)
    #expect(second.status == 0, "\(second)")
    #expect(second.stderr.contains("resuming run \(run.lastPathComponent)"))
    #expect(second.stderr.contains("prepare skipped: done in an earlier invocation"))
    #expect(try fixture.onlyRun() == run)
    #expect(try fixture.states(run, .up).values.allSatisfy { $0 == .done })
    let transcript = try fixture.transcript(run)
    #expect(transcript.filter { $0.command.hasPrefix("mkdir -p") }.count == 1)
    #expect(transcript.filter { $0.step == "gate" }.count == 2)
  }

  @Test func killedWithSIGKILLMidStepThenRerunFinishesWithAnIntactLedger() async throws {
    let fixture = try SelfTestLabFixture()
    defer { fixture.remove() }
    let arguments = fixture.selftest("up", ["sleep_seconds=5"])
    let started = try fixture.binary.start(arguments, environment: fixture.environment)
    // Wait until the ledger says the sleep step is running, then kill labrun outright. The
    // watch runs on its own thread: other tests may keep the cooperative pool busy, and the
    // kill must land while the step runs.
    let sawRunning = await BlockingWork.run { () -> Bool in
      let deadline = Date().addingTimeInterval(60)
      var saw = false
      while Date() < deadline {
        if let run = try? fixture.runDirectories().first,
          (try? fixture.states(run, .up))?["sleep"] == .running
        {
          saw = true
          break
        }
        usleep(10_000)
      }
      started.kill(SIGKILL)
      return saw
    }
    let killed = try await started.wait()
    try #require(sawRunning, "the sleep step never showed as running: \(killed)")
    #expect(killed.killedBySignal && killed.status == SIGKILL, "\(killed)")

    let run = try fixture.onlyRun()
    let interrupted = try fixture.states(run, .up)
    #expect(interrupted["sleep"] == .running)
    #expect(interrupted["echo-parameter"] == .done)

    let rerun = try await fixture.labrun(arguments)
    #expect(rerun.status == 0, "\(rerun)")
    #expect(try fixture.onlyRun() == run)
    let ledger = try fixture.ledger(run)
    #expect(ledger.entries(of: .up).count == 6)
    #expect(ledger.entries(of: .up).allSatisfy { $0.state.isFinished })
    #expect(
      try fixture.transcript(run).filter { $0.step == "echo-parameter" && $0.command.hasPrefix("printf") }
        .count == 1)
    let leftovers = try FileManager.default.contentsOfDirectory(atPath: run.path).filter {
      $0.hasSuffix(".tmp")
    }
    #expect(leftovers.isEmpty)
  }

  @Test func interruptStopsTheCommandRecordsTheStepAndExits130() async throws {
    let fixture = try SelfTestLabFixture()
    defer { fixture.remove() }
    let started = try fixture.binary.start(
      // Far longer than a loaded machine can delay this test: the interrupt must find it running.
      fixture.selftest("up", ["sleep_seconds=900"]), environment: fixture.environment)
    let clock = ContinuousClock()
    let deadline = clock.now + .seconds(300)
    while clock.now < deadline {
      if let run = try fixture.runDirectories().first, (try? fixture.states(run, .up))?["sleep"] == .running {
        break
      }
      try await Task.sleep(for: .milliseconds(20))
    }
    try await Task.sleep(for: .milliseconds(200))
    #expect(!SelfTestLabFixture.processes(mentioning: fixture.markers.path).isEmpty)
    started.kill(SIGINT)
    let result = try await started.wait()
    #expect(!result.killedBySignal && result.status == 130, "\(result)")
    #expect(result.stderr.contains("interrupted"))
    let run = try fixture.onlyRun()
    let entry = try #require(try fixture.ledger(run).entry(phase: .up, stepID: "sleep"))
    #expect(entry.state == .failed)
    #expect(entry.error?.message.contains("interrupted") == true)
    // The sleep ran in its own process group; the interrupt must have stopped it.
    #expect(SelfTestLabFixture.processes(mentioning: fixture.markers.path).isEmpty)
  }

  @Test func secretsNeverReachTheRunDirectoryOrTheTerminal() async throws {
    let fixture = try SelfTestLabFixture()
    defer { fixture.remove() }
    let secret = "s3cr3t-\(UUID().uuidString)"
    let result = try await fixture.labrun(fixture.selftest("run"), environment: ["SELFTEST_TOKEN": secret])
    #expect(result.status == 0, "\(result)")
    #expect(!result.stdout.contains(secret))
    #expect(!result.stderr.contains(secret))
    #expect(result.stderr.contains("SELFTEST_TOKEN=[REDACTED]"))
    let run = try fixture.onlyRun()
    #expect(!SelfTestLabFixture.everything(in: run).contains(secret))
    let artifact = try String(
      contentsOf: run.appendingPathComponent("artifacts/selftest-token.txt"), encoding: .utf8)
    #expect(artifact.contains("SELFTEST_TOKEN=[REDACTED]"))
    #expect(await SelfTestLabFixture.checksumsVerify(run))
  }

  @Test func runTearsDownAfterAFailureUnlessKeep() async throws {
    let fixture = try SelfTestLabFixture()
    defer { fixture.remove() }
    let gate = fixture.root.appending("gate-closed")
    try Data().write(to: gate)
    let failed = try await fixture.labrun(fixture.selftest("run", ["fail_while_exists=\(gate.path)"]))
    #expect(failed.status == 1, "\(failed)")
    #expect(failed.stderr.contains("tearing down after the failure"))
    #expect(!FileManager.default.fileExists(atPath: fixture.markers.path))
    let run = try fixture.onlyRun()
    #expect(try fixture.states(run, .down)["clean-up"] == .done)
    #expect(try fixture.states(run, .up)["gate"] == .failed)

    let kept = try await fixture.labrun(
      fixture.selftest("run", ["fail_while_exists=\(gate.path)"], extra: ["--keep"]))
    #expect(kept.status == 1, "\(kept)")
    #expect(FileManager.default.fileExists(atPath: fixture.markers.appendingPathComponent("up.marker").path))
  }

  @Test func planPrintsStepsAndChangesNothing() async throws {
    let fixture = try SelfTestLabFixture()
    defer { fixture.remove() }
    let plan = try await fixture.labrun(fixture.selftest("plan", ["echo_value=$(touch x)"]))
    #expect(plan.status == 0, "\(plan)")
    #expect(plan.stdout.contains("printf '%s' '$(touch x)' > \(fixture.markers.path)/echo.txt"))
    for id in ["prepare", "echo-parameter", "sleep", "gate", "facts", "use-facts", "clean-up"] {
      #expect(plan.stdout.contains(" \(id): "), "\(id) missing from plan")
    }
    #expect(!FileManager.default.fileExists(atPath: fixture.home.path))
    #expect(!FileManager.default.fileExists(atPath: fixture.markers.path))
    let json = try await fixture.labrun(fixture.selftest("plan", extra: ["--json"]))
    let document = try #require(
      try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
    #expect((document["steps"] as? [Any])?.count == 10)
    // plan never connects, so even an unreachable host can be planned for.
    let unreachable = try await fixture.labrun(
      fixture.selftest("plan").map { $0 == "local" ? "nobody@127.0.0.1:1" : $0 })
    #expect(unreachable.status == 0, "\(unreachable)")
    let defaultLab = try await fixture.labrun(["plan", "--host", "local"])
    #expect(defaultLab.status == 0, "\(defaultLab)")
    #expect(defaultLab.stdout.contains("lab hami-isolation-realgpu"))
    #expect(defaultLab.stdout.contains("slice_mib = 8000"))
  }

  @Test(arguments: [
    ("name: bad\nparameters:\n  a:\n    type: int\n    range: [1, 2\n    default: 1\n", ":6:12: "),
    ("name: bad\nparameters:\n  slice_mib:\n    type: int\n    default: lots\n", ":5:14: "),
  ])
  func malformedLabFileNamesLineAndColumn(yaml: String, position: String) async throws {
    let fixture = try SelfTestLabFixture()
    defer { fixture.remove() }
    let directory = fixture.root.appending("bad")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let file = directory.appendingPathComponent("lab.yaml")
    try Data(yaml.utf8).write(to: file)
    let result = try await fixture.labrun(["plan", "--host", "local", "--lab", file.path])
    #expect(result.status == 2, "\(result)")
    #expect(result.stderr.contains(file.path + position), "\(result)")
    #expect(result.stdout.isEmpty)
  }

  @Test func wrongParameterTypeIsRefused() async throws {
    let fixture = try SelfTestLabFixture()
    defer { fixture.remove() }
    let result = try await fixture.labrun(fixture.selftest("plan", ["sleep_seconds=soon"]))
    #expect(result.status == 2, "\(result)")
    #expect(result.stderr.contains("--param sleep_seconds=soon: 'soon' is not an integer"))
  }

  @Test func exercisesWithoutARunSaysWhatToDo() async throws {
    let fixture = try SelfTestLabFixture()
    defer { fixture.remove() }
    let result = try await fixture.labrun(["exercises"])
    #expect(result.status == 4, "\(result)")
    #expect(result.stderr.contains("labrun up --host HOST"))
  }

  @Test func unavailableTargetExitsThree() async throws {
    let fixture = try SelfTestLabFixture()
    defer { fixture.remove() }
    // Port 1 on loopback: nothing listens there, whichever ssh transport is built in.
    let result = try await fixture.labrun(
      ["up", "--host", "nobody@127.0.0.1:1", "--lab", "selftest"], environment: ["SSH_AUTH_SOCK": ""])
    #expect(result.status == 3, "\(result)")
    #expect(result.stderr.contains("127.0.0.1"))
    #expect(try fixture.runDirectories().isEmpty)
  }
}
