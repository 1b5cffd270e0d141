import Foundation
import LabPipeline
import TestSupport
import Testing

/// The fleet runner's policy with hosts whose runs are plain functions: bounded parallelism,
/// independence, resumption and Ctrl-C.
@Suite struct FleetRunnerTests {
  /// Counts hosts working at once.
  actor Gauge {
    var now = 0
    var peak = 0
    var started: [String] = []
    func enter(_ host: String) {
      now += 1
      peak = max(peak, now)
      started.append(host)
    }
    func leave() { now -= 1 }
  }

  static func fleet(_ count: Int) throws -> (FleetStore, FleetDirectory, TemporaryDirectory) {
    let directory = try TemporaryDirectory()
    let store = FleetStore(state: StateDirectory(root: directory.url))
    let hosts = (1...count).map { FleetRecord.Host(target: String(format: "sim/gpu-%02d", $0)) }
    return (store, try store.create(lab: "lab", hosts: hosts), directory)
  }

  static let completed: @Sendable (FleetHostResult) -> Bool = { [0, 5, 6].contains($0.exitStatus ?? -1) }

  @Test func runsAtMostParallelHostsAtOnceAndOneFailureChangesNoOther() async throws {
    let (store, fleet, _directory) = try Self.fleet(10)
    defer { _directory.remove() }
    let gauge = Gauge()
    let results = try await FleetRunner(parallel: 3).run(
      fleet, plan: { _ in .run },
      leftAlone: { host, _ in FleetHostResult(host: host.target, exitStatus: 0, simulated: true) },
      completed: Self.completed
    ) { host, started in
      await gauge.enter(host.target)
      try? await started("run-\(host.target)")
      try? await Task.sleep(for: .milliseconds(30))
      await gauge.leave()
      let status: Int32 = host.target == "sim/gpu-04" ? 1 : 0
      return FleetHostResult(
        host: host.target, runID: "run-\(host.target)", exitStatus: status, simulated: true)
    }
    #expect(await gauge.peak == 3)
    #expect(await gauge.started.count == 10)
    #expect(results.map(\.host) == (1...10).map { String(format: "sim/gpu-%02d", $0) })
    #expect(results.map(\.exitStatus) == [0, 0, 0, 1, 0, 0, 0, 0, 0, 0])
    let record = try await store.open(id: fleet.id).fleetRecord
    #expect(record.hosts.allSatisfy { $0.runID == "run-\($0.target)" })
    #expect(record.hosts[3].exitStatus == 1)
    #expect(record.finishedAt == nil, "a host stopped at a failed step: the fleet is unfinished")
    // The same command again: the nine completed hosts are left alone, only gpu-04 runs.
    let again = try store.open(id: fleet.id)
    let rerun = Gauge()
    let second = try await FleetRunner(parallel: 3).run(
      again,
      plan: { host in FleetResumption.plan(for: host) { runID in runID != "run-sim/gpu-04" } },
      leftAlone: { host, runID in
        FleetHostResult(host: host.target, runID: runID, exitStatus: 0, simulated: true)
      },
      completed: Self.completed
    ) { host, _ in
      await rerun.enter(host.target)
      return FleetHostResult(host: host.target, runID: "run-\(host.target)", exitStatus: 0, simulated: true)
    }
    #expect(await rerun.started == ["sim/gpu-04"])
    #expect(second.allSatisfy { $0.exitStatus == 0 })
    #expect(try await store.open(id: fleet.id).fleetRecord.finishedAt != nil)
  }

  @Test func cancellingStopsEveryRunningHostAndStartsNoOther() async throws {
    let (store, fleet, _directory) = try Self.fleet(8)
    defer { _directory.remove() }
    let gauge = Gauge()
    let task = Task {
      try await FleetRunner(parallel: 2).run(
        fleet, plan: { _ in .run },
        leftAlone: { host, _ in FleetHostResult(host: host.target, exitStatus: 0, simulated: true) },
        completed: Self.completed
      ) { host, started in
        await gauge.enter(host.target)
        try? await started("run-\(host.target)")
        // A host's run stops at its resumable point when cancelled: 130.
        do {
          try await Task.sleep(for: .seconds(30))
        } catch {
          return FleetHostResult(
            host: host.target, runID: "run-\(host.target)", exitStatus: 130, simulated: true)
        }
        return FleetHostResult(host: host.target, exitStatus: 0, simulated: true)
      }
    }
    while await gauge.started.count < 2 { try await Task.sleep(for: .milliseconds(5)) }
    task.cancel()
    let results = try await task.value
    #expect(await gauge.started.count == 2)
    #expect(results.prefix(2).allSatisfy { $0.exitStatus == 130 })
    #expect(results.dropFirst(2).allSatisfy { $0.exitStatus == nil && $0.outcome == .notStarted })
    #expect(FleetRecap(results).exitStatus == 130)
    let record = try await store.open(id: fleet.id).fleetRecord
    #expect(record.finishedAt == nil)
    #expect(record.hosts.prefix(2).allSatisfy { $0.runID != nil && $0.exitStatus == 130 })
  }
}
