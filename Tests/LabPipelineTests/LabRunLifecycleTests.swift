import Foundation
import LabPipeline
import TestSupport
import Testing

/// The run lifecycle in-process (issue 20): start or resume, the `--param` rule, phase order,
/// teardown after a failure, typed options reaching the steps, and the exit status, on a lab
/// of closure steps and a ``RecordingTransport``.
@Suite struct LabRunLifecycleTests {
  /// A lab whose steps say what they did in `log`; `failAt` names steps that fail.
  struct ScriptedLab: Lab {
    let name = "scripted"
    let log: StepLog
    let failAt: Set<String>

    func phases(files: LabFiles) -> LabPhases {
      LabPhases(
        up: [step("look", changesTarget: false), step("install")],
        exercises: [step("measure")],
        down: [step("remove")])
    }

    /// A cluster runs the same steps (the lifecycle's rules, not the nodes' steps, are under test).
    func phases(files: LabFiles, nodes: [String]) -> LabPhases? { phases(files: files) }

    var validation: (any ValidationLab)? { nil }

    func step(_ id: String, changesTarget: Bool = true) -> ScriptedStep {
      ScriptedStep(id: id, changesTarget: changesTarget, log: log, fails: failAt.contains(id))
    }
  }

  struct ScriptedStep: Step {
    let id: String
    var title: String { "step \(id)" }
    let changesTarget: Bool
    let log: StepLog
    let fails: Bool

    func check(_ ctx: StepContext) async throws -> Bool { false }

    func apply(_ ctx: StepContext) async throws -> NoOutput {
      log.append("\(id) purge=\(ctx.options.purge) breakLock=\(ctx.options.breakLock)")
      if fails { throw StepError.unexpected("\(id) failed") }
      return NoOutput()
    }

    func plan(_ ctx: PlanContext) throws -> [RemoteCommand] { [] }
  }

  /// A state directory, the lab, and a lifecycle whose notes are collected.
  struct Fixture {
    let home: TemporaryDirectory
    let store: RunStore
    let log = StepLog()
    let events = EventLog()
    let started = Signal()

    init() throws {
      home = try TemporaryDirectory()
      store = RunStore(state: StateDirectory(root: home.url))
    }

    var lifecycle: LabRunLifecycle {
      LabRunLifecycle(store: store, redactor: Redactor(), progress: events.handler)
    }

    func lab(failAt: Set<String> = []) throws -> LoadedLab {
      let definition = try LabDefinition.parse(
        """
        name: scripted
        title: scripted
        parameters:
          value:
            type: string
            default: a
        """, file: home.appending("lab.yaml"))
      return LoadedLab(definition: definition, lab: ScriptedLab(log: log, failAt: failAt))
    }

    func parameters(_ lab: LoadedLab, _ overrides: [String] = []) throws -> Parameters {
      try lab.definition.resolve(overrides: overrides)
    }

    var open: TargetOpener {
      { _, _ in OpenedTarget(transport: RecordingTransport(), connection: nil) }
    }

    var notes: [String] {
      events.events.compactMap { if case .runNote(let text) = $0 { text } else { nil } }
    }

    var failures: [String] {
      events.events.compactMap { if case .runFailed(let text) = $0 { text } else { nil } }
    }

    /// `up` with the step `id` failing: it throws, the run stays unfinished.
    func failedUp(at id: String) async throws {
      let failing = try lab(failAt: [id])
      await #expect(throws: PipelineError.self) {
        try await lifecycle.up(
          failing, parameters: try parameters(failing), options: LifecycleOptions(), open: open)
      }
    }

    func runIDs() throws -> [String] {
      try FileManager.default.contentsOfDirectory(atPath: store.state.runsDirectory.path).sorted()
    }
  }

  @Test func upResumesTheCurrentRun() async throws {
    let fixture = try Fixture()
    defer { fixture.home.remove() }
    let lab = try fixture.lab()
    let first = try await fixture.lifecycle.up(
      lab, parameters: try fixture.parameters(lab), options: LifecycleOptions(), open: fixture.open)
    let second = try await fixture.lifecycle.up(
      lab, parameters: try fixture.parameters(lab), options: LifecycleOptions(), open: fixture.open)
    let id = await first.run.id
    #expect(await second.run.id == id)
    #expect(fixture.notes.contains { $0.hasPrefix("resuming run \(id)") }, "\(fixture.notes)")
    #expect(fixture.log.entries.filter { $0.hasPrefix("install") }.count == 1, "done steps are not repeated")
  }

  /// A run that changed the host keeps its parameters: a differing `--param` is refused with
  /// exit status 2 and no new run.
  @Test func differingParameterOfARunThatChangedTheHostIsRefusedWithTwo() async throws {
    let fixture = try Fixture()
    defer { fixture.home.remove() }
    try await fixture.failedUp(at: "install")
    let lab = try fixture.lab()
    do {
      try await fixture.lifecycle.up(
        lab, parameters: try fixture.parameters(lab, ["value=b"]), options: LifecycleOptions(),
        open: fixture.open)
      Issue.record("a differing --param was accepted")
    } catch let error as RunSelectionError {
      guard case .parameterDiffers(let name, _, _, _) = error else {
        Issue.record("\(error)")
        return
      }
      #expect(name == "value")
      #expect(LabrunExitCode.status(for: error) == LabrunExitCode.labInvalid)
    }
    #expect(try fixture.runIDs().count == 1)
  }

  /// A cluster run resumes only with its own nodes: another `--node` set is refused, saying which
  /// nodes differ and how to start afresh, and starts no run; the same set resumes.
  @Test func aClusterRunResumesOnlyWithTheSameNodes() async throws {
    let fixture = try Fixture()
    defer { fixture.home.remove() }
    func opener(_ nodes: [String]) -> TargetOpener {
      var target = TargetInfo(name: "server", kind: .local)
      target.nodes = nodes.map { TargetInfo(name: $0, kind: .local) }
      let opened = target
      return { _, _ in OpenedTarget(transport: RecordingTransport(target: opened), connection: nil) }
    }
    let failing = try fixture.lab(failAt: ["install"])
    await #expect(throws: PipelineError.self) {
      try await fixture.lifecycle.up(
        failing, parameters: try fixture.parameters(failing), options: LifecycleOptions(),
        open: opener(["gpu-2", "gpu-3"]))
    }
    let lab = try fixture.lab()
    do {
      try await fixture.lifecycle.up(
        lab, parameters: try fixture.parameters(lab), options: LifecycleOptions(),
        open: opener(["gpu-2", "gpu-4"]))
      Issue.record("another node set resumed the run")
    } catch let error as RunSelectionError {
      let text = error.description
      #expect(text.contains("gpu-3") && text.contains("gpu-4") && text.contains("--new-run"), "\(text)")
      #expect(LabrunExitCode.status(for: error) == LabrunExitCode.labInvalid)
    }
    #expect(try fixture.runIDs().count == 1)
    let resumed = try await fixture.lifecycle.up(
      lab, parameters: try fixture.parameters(lab), options: LifecycleOptions(),
      open: opener(["gpu-3", "gpu-2"]))
    #expect(try fixture.runIDs().count == 1)
    let id = await resumed.run.id
    #expect(fixture.notes.contains { $0.hasPrefix("resuming run \(id)") }, "\(fixture.notes)")
  }

  /// A run refused at a step that only looks changed nothing: the rerun with other parameters
  /// starts a new run and says why.
  @Test func differingParameterAfterARefusalThatChangedNothingStartsANewRun() async throws {
    let fixture = try Fixture()
    defer { fixture.home.remove() }
    try await fixture.failedUp(at: "look")
    let lab = try fixture.lab()
    let outcome = try await fixture.lifecycle.up(
      lab, parameters: try fixture.parameters(lab, ["value=b"]), options: LifecycleOptions(),
      open: fixture.open)
    #expect(try fixture.runIDs().count == 2)
    #expect(await outcome.run.runRecord.parameters["value"] == .string("b"))
    #expect(fixture.notes.contains { $0.contains("changed nothing on the host") }, "\(fixture.notes)")
  }

  /// The same for `run`, whose refused run was torn down after the refusal: that teardown
  /// undid nothing, and the rerun with other parameters was refused as differing (exit 2).
  @Test func runAfterARefusalThatChangedNothingStartsANewRunDespiteItsTeardown() async throws {
    let fixture = try Fixture()
    defer { fixture.home.remove() }
    let refusing = try fixture.lab(failAt: ["look"])
    let refused = try await fixture.lifecycle.run(
      refusing, parameters: try fixture.parameters(refusing), options: LifecycleOptions(), open: fixture.open)
    #expect(refused.failure != nil)
    #expect(fixture.log.entries.contains { $0.hasPrefix("remove") }, "torn down: \(fixture.log.entries)")
    let lab = try fixture.lab()
    let outcome = try await fixture.lifecycle.run(
      lab, parameters: try fixture.parameters(lab, ["value=b"]), options: LifecycleOptions(),
      open: fixture.open)
    #expect(outcome.failure == nil, "\(String(describing: outcome.failure))")
    #expect(try fixture.runIDs().count == 2)
    #expect(fixture.notes.contains { $0.contains("changed nothing on the host") }, "\(fixture.notes)")
  }

  /// `run`: a failed exercise is said when it happens, down still runs, the run is finished and
  /// the exit status is the failure's (1); with `keep`, nothing is torn down.
  @Test(arguments: [false, true])
  func runTearsDownAfterAFailureUnlessKept(keep: Bool) async throws {
    let fixture = try Fixture()
    defer { fixture.home.remove() }
    let lab = try fixture.lab(failAt: ["measure"])
    let outcome = try await fixture.lifecycle.run(
      lab, parameters: try fixture.parameters(lab), options: LifecycleOptions(keep: keep, purge: true),
      open: fixture.open)
    #expect(outcome.exitStatus == LabrunExitCode.stepFailed)
    #expect(
      fixture.failures.count == 1 && fixture.failures[0].contains("step measure"), "\(fixture.failures)")
    let removed = fixture.log.entries.contains("remove purge=true breakLock=false")
    #expect(removed == !keep, "\(fixture.log.entries)")
    #expect((await outcome.run.runRecord.finishedAt != nil) == !keep)
    #expect(fixture.notes.contains("tearing down after the failure above") == !keep, "\(fixture.notes)")
  }

  /// The next `run` resumes the failed, torn-down run: reopened, every step from its check.
  @Test func runResumesATornDownFailedRun() async throws {
    let fixture = try Fixture()
    defer { fixture.home.remove() }
    let failing = try fixture.lab(failAt: ["measure"])
    let first = try await fixture.lifecycle.run(
      failing, parameters: try fixture.parameters(failing), options: LifecycleOptions(), open: fixture.open)
    let lab = try fixture.lab()
    let second = try await fixture.lifecycle.run(
      lab, parameters: try fixture.parameters(lab), options: LifecycleOptions(), open: fixture.open)
    #expect(second.exitStatus == 0)
    #expect(await first.run.id == second.run.id)
    #expect(fixture.notes.contains { $0.contains("it was torn down") }, "\(fixture.notes)")
    #expect(fixture.log.entries.filter { $0.hasPrefix("install") }.count == 2, "reopened: install again")
  }

  /// `exercises` before `up` finished is about the run's state (4), and runs nothing.
  @Test func exercisesNeedAFinishedUp() async throws {
    let fixture = try Fixture()
    defer { fixture.home.remove() }
    try await fixture.failedUp(at: "install")
    let lab = try fixture.lab()
    do {
      _ = try await fixture.lifecycle.exercises(run: nil, loadLab: { _ in lab }, open: fixture.open)
      Issue.record("exercises ran before up finished")
    } catch {
      #expect(LabrunExitCode.status(for: error) == LabrunExitCode.runStateFailed, "\(error)")
    }
    #expect(!fixture.log.entries.contains { $0.hasPrefix("measure") })
  }

  /// `--purge` and `--break-lock` reach the steps as typed options, and nothing about them is
  /// written into the run's parameters.
  @Test func optionsReachTheStepsTypedAndAreNotRecorded() async throws {
    let fixture = try Fixture()
    defer { fixture.home.remove() }
    let lab = try fixture.lab()
    let up = try await fixture.lifecycle.up(
      lab, parameters: try fixture.parameters(lab), options: LifecycleOptions(breakLock: true),
      open: fixture.open)
    try await fixture.lifecycle.down(
      run: nil, options: LifecycleOptions(purge: true), loadLab: { _ in lab }, open: fixture.open)
    #expect(fixture.log.entries.contains("install purge=false breakLock=true"), "\(fixture.log.entries)")
    #expect(fixture.log.entries.contains("remove purge=true breakLock=false"), "\(fixture.log.entries)")
    let record = try RunStore.readRecord(in: up.run.directory)
    #expect(Set(record.parameters.keys) == ["value"])
    #expect(record.finishedAt != nil)
  }

  /// Cancelled mid-step (Ctrl-C, or a fleet stopping every host): the step is recorded as
  /// interrupted, nothing is torn down, and the status is 130, so the same command resumes.
  @Test func cancelledRunStopsAtAResumablePointWithoutTearingDown() async throws {
    let fixture = try Fixture()
    defer { fixture.home.remove() }
    let lab = try fixture.lab(failAt: [])
    let slow = LoadedLab(
      definition: lab.definition,
      lab: SlowLab(inner: ScriptedLab(log: fixture.log, failAt: []), started: fixture.started))
    let lifecycle = fixture.lifecycle
    let parameters = try fixture.parameters(slow)
    let open = fixture.open
    let task = Task {
      try await lifecycle.run(slow, parameters: parameters, options: LifecycleOptions(), open: open)
    }
    await fixture.started.wait()
    task.cancel()
    let outcome = try await task.value
    #expect(outcome.exitStatus == LabrunExitCode.interrupted)
    #expect(!fixture.log.entries.contains { $0.hasPrefix("remove") }, "\(fixture.log.entries)")
    #expect(fixture.notes.contains { $0.hasPrefix("interrupted: not tearing down") }, "\(fixture.notes)")
    #expect(fixture.failures.isEmpty, "an interruption is said by whoever cancelled")
    let ledger = await outcome.run.currentLedger
    #expect(ledger.entry(phase: .up, stepID: "wait")?.state == .failed, "\(ledger.entries)")
    #expect(ledger.entries(of: .down).isEmpty)
  }

  /// Lifecycles hold no global state: two runs in two state directories, side by side, one
  /// failing, do not touch each other (a fleet's hosts).
  @Test func lifecyclesRunSideBySideIndependently() async throws {
    let good = try Fixture()
    let bad = try Fixture()
    defer {
      good.home.remove()
      bad.home.remove()
    }
    let goodLab = try good.lab()
    let badLab = try bad.lab(failAt: ["install"])
    async let first = good.lifecycle.run(
      goodLab, parameters: try good.parameters(goodLab), options: LifecycleOptions(), open: good.open)
    async let second = bad.lifecycle.run(
      badLab, parameters: try bad.parameters(badLab), options: LifecycleOptions(), open: bad.open)
    let (passed, failed) = try await (first, second)
    #expect(passed.exitStatus == 0 && failed.exitStatus == LabrunExitCode.stepFailed)
    #expect(good.failures.isEmpty, "\(good.failures)")
    #expect(bad.failures.count == 1 && bad.failures[0].contains("step install"), "\(bad.failures)")
  }
}

/// What scripted steps did, in order, across tasks.
final class StepLog: @unchecked Sendable {
  private let lock = NSLock()
  private var storage: [String] = []

  var entries: [String] {
    lock.lock()
    defer { lock.unlock() }
    return storage
  }

  func append(_ entry: String) {
    lock.lock()
    storage.append(entry)
    lock.unlock()
  }
}

/// The scripted lab with a last `up` step that waits until cancelled, saying when it began.
struct SlowLab: Lab {
  let inner: LabRunLifecycleTests.ScriptedLab
  let started: Signal
  var name: String { inner.name }

  func phases(files: LabFiles) -> LabPhases {
    var phases = inner.phases(files: files)
    phases.up.append(WaitingStep(started: started))
    return phases
  }

  var validation: (any ValidationLab)? { nil }
}

/// Waits until its task is cancelled.
struct WaitingStep: Step {
  let started: Signal
  var id: String { "wait" }
  var title: String { "wait until cancelled" }

  func check(_ ctx: StepContext) async throws -> Bool { false }

  func apply(_ ctx: StepContext) async throws -> NoOutput {
    await started.fire()
    try await Task.sleep(for: .seconds(60))
    return NoOutput()
  }

  func plan(_ ctx: PlanContext) throws -> [RemoteCommand] { [] }
}

/// Fires once; `wait()` returns once it has.
actor Signal {
  private var fired = false
  private var waiters: [CheckedContinuation<Void, Never>] = []

  func fire() {
    fired = true
    for waiter in waiters { waiter.resume() }
    waiters = []
  }

  func wait() async {
    if fired { return }
    await withCheckedContinuation { waiters.append($0) }
  }
}
