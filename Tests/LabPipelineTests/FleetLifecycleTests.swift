import Foundation
import LabPipeline
import TestSupport
import Testing

/// Fleets in-process (issue 22): `up`, `exercises` and `down` over a fleet, each host its own
/// lifecycle phase, and the `current` pointer that a fleet's host runs leave alone.
@Suite struct FleetLifecycleTests {
  /// A lab whose `install` step fails on the hosts named in `failing`.
  struct HostLab: Lab {
    let name = "scripted"
    let failing: Set<String>

    func phases(files: LabFiles) -> LabPhases {
      LabPhases(up: [step("install")], exercises: [step("measure")], down: [step("remove")])
    }

    var validation: (any ValidationLab)? { nil }

    func step(_ id: String) -> HostStep { HostStep(id: id, failing: id == "install" ? failing : []) }
  }

  struct HostStep: Step {
    let id: String
    var title: String { "step \(id)" }
    let failing: Set<String>

    func check(_ ctx: StepContext) async throws -> Bool { false }

    func apply(_ ctx: StepContext) async throws -> NoOutput {
      if failing.contains(ctx.target.name) {
        throw StepError.unexpected("\(id) failed on \(ctx.target.name)")
      }
      return NoOutput()
    }

    func plan(_ ctx: PlanContext) throws -> [RemoteCommand] { [] }
  }

  struct Fixture {
    let home: TemporaryDirectory
    let store: RunStore
    let lab: LoadedLab
    let hosts = ["sim/gpu-01", "sim/gpu-02", "sim/gpu-03"].map {
      FleetLifecycle.Host(target: $0, simulated: true)
    }

    init(failing: Set<String> = []) throws {
      home = try TemporaryDirectory()
      store = RunStore(state: StateDirectory(root: home.url))
      let definition = try LabDefinition.parse(
        "name: scripted\ntitle: scripted\nparameters: {}\n", file: home.appending("lab.yaml"))
      lab = LoadedLab(definition: definition, lab: HostLab(failing: failing))
    }

    var fleet: FleetLifecycle { FleetLifecycle(store: store, redactor: Redactor()) { _ in { _ in } } }

    var lifecycle: LabRunLifecycle { LabRunLifecycle(store: store, redactor: Redactor()) }

    /// Each host its own transport named after it.
    var open: @Sendable (FleetLifecycle.Host) -> TargetOpener {
      { host in
        { _, _ in
          OpenedTarget(
            transport: RecordingTransport(target: TargetInfo(name: host.target, kind: .simulated)),
            connection: nil)
        }
      }
    }

    var loadLab: RunLabLoader { { [lab] _ in lab } }

    func ledger(_ runID: String?) throws -> Ledger {
      try RunStore.readLedger(in: store.state.runDirectory(id: try #require(runID)))
    }
  }

  /// A fleet's host runs never move `current` (the run a bare `labrun exercises`, `report` or
  /// `down` continues): it stays the single-host run the user last started. Before, every host
  /// run of a fleet made itself current as it started, so a bare `labrun down` afterwards tore
  /// down whichever host of the fleet happened to start last.
  @Test func fleetHostRunsLeaveTheCurrentRunAlone() async throws {
    let fixture = try Fixture()
    defer { fixture.home.remove() }
    let single = try await fixture.lifecycle.up(
      fixture.lab, parameters: Parameters(), options: LifecycleOptions(),
      open: fixture.open(FleetLifecycle.Host(target: "sim/alone", simulated: true)))
    let current = await single.run.id
    #expect(fixture.store.state.currentRunID() == current)
    _ = try await fixture.fleet.run(
      fixture.lab, hosts: fixture.hosts, overrides: [], options: LifecycleOptions(), parallel: 3,
      open: fixture.open)
    #expect(fixture.store.state.currentRunID() == current, "a fleet's host run took over `current`")
    _ = try await fixture.fleet.up(
      fixture.lab, hosts: fixture.hosts, overrides: [], options: LifecycleOptions(), parallel: 3,
      open: fixture.open)
    #expect(fixture.store.state.currentRunID() == current, "a fleet's host run took over `current`")
  }

  /// `up`, `exercises`, `down` over one fleet: each host its own phase; a host whose up
  /// failed is not exercised (its own status says why) and changes no other host; the fleet
  /// is finished once down completed everywhere, and the next `up` starts a new fleet.
  @Test func upExercisesDownOverOneFleet() async throws {
    let fixture = try Fixture(failing: ["sim/gpu-02"])
    defer { fixture.home.remove() }
    let (upFleet, upPage) = try await fixture.fleet.up(
      fixture.lab, hosts: fixture.hosts, overrides: [], options: LifecycleOptions(), parallel: 2,
      open: fixture.open)
    #expect(upPage.hosts.map(\.exitStatus) == [0, 1, 0])
    #expect(upPage.hosts.map(\.outcome) == [.done, .stepFailed, .done])
    #expect(upPage.recap.exitStatus == 1)
    let (exercised, exercisesPage) = try await fixture.fleet.exercises(
      hosts: fixture.hosts, parallel: 2, loadLab: fixture.loadLab, open: fixture.open)
    #expect(exercised.id == upFleet.id, "exercises continue the fleet up started")
    #expect(exercisesPage.hosts.map(\.exitStatus) == [0, LabrunExitCode.runStateFailed, 0])
    #expect(exercisesPage.hosts[1].message?.contains("has not finished `up`") == true)
    let record = try await fixture.fleet.fleets.open(id: upFleet.id).fleetRecord
    #expect(try fixture.ledger(record.hosts[0].runID).isComplete(.exercises))
    #expect(try !fixture.ledger(record.hosts[1].runID).isComplete(.exercises))
    #expect(record.finishedAt == nil, "down has not run: the fleet is unfinished")
    let (downFleet, downPage) = try await fixture.fleet.down(
      hosts: fixture.hosts, options: LifecycleOptions(), parallel: 2, loadLab: fixture.loadLab,
      open: fixture.open)
    #expect(downFleet.id == upFleet.id)
    #expect(downPage.hosts.allSatisfy { $0.exitStatus == 0 })
    let finished = try await fixture.fleet.fleets.open(id: upFleet.id).fleetRecord
    #expect(finished.finishedAt != nil)
    #expect(try finished.hosts.allSatisfy { try fixture.ledger($0.runID).isComplete(.down) })
    let (next, _) = try await fixture.fleet.up(
      fixture.lab, hosts: fixture.hosts, overrides: [], options: LifecycleOptions(), parallel: 2,
      open: fixture.open)
    #expect(next.id != upFleet.id, "a finished fleet is not continued")
  }

  /// `exercises` or `down` over hosts no unfinished fleet lists is refused (exit 4), saying
  /// how to start one.
  @Test func exercisesWithoutAFleetOfTheseHostsIsRefused() async throws {
    let fixture = try Fixture()
    defer { fixture.home.remove() }
    let error = await #expect(throws: FleetStoreError.self) {
      _ = try await fixture.fleet.exercises(
        hosts: fixture.hosts, parallel: 2, loadLab: fixture.loadLab, open: fixture.open)
    }
    #expect(error.map(LabrunExitCode.status(for:)) == LabrunExitCode.runStateFailed)
    #expect(error.map { String(describing: $0) }?.contains("labrun up") == true)
  }
}
