import Foundation
import LabPipeline
import TestSupport
import Testing

/// The fleet's record in the state directory and which fleet a command continues.
@Suite struct FleetStoreTests {
  @Test func createsRecordsRunsAndExitsConcurrentlyAndReadsThemBack() async throws {
    let directory = try TemporaryDirectory()
    defer { directory.remove() }
    let store = FleetStore(state: StateDirectory(root: directory.url))
    let hosts = (1...16).map { FleetRecord.Host(target: "sim/gpu-\($0)", parameters: ["a=\($0)"]) }
    let now = Date(timeIntervalSince1970: 1_796_659_200)
    let fleet = try store.create(lab: "lab", hosts: hosts, now: now)
    let second = try store.create(lab: "lab", hosts: hosts, now: now)
    #expect(fleet.id == "fleet-20261207T160000Z")
    #expect(second.id == "fleet-20261207T160000Z-2")
    try await withThrowingTaskGroup(of: Void.self) { group in
      for host in hosts {
        group.addTask {
          try await fleet.recordRun(host: host.target, runID: "run-\(host.target)")
          try await fleet.recordExit(host: host.target, status: 5)
        }
      }
      try await group.waitForAll()
    }
    let read = try await store.open(id: fleet.id).fleetRecord
    #expect(read.hosts.allSatisfy { $0.runID == "run-\($0.target)" && $0.exitStatus == 5 })
    #expect(read.hosts.map(\.parameters) == hosts.map(\.parameters))
    #expect(store.list().map(\.fleetID) == [fleet.id, second.id])
    await #expect(throws: FleetStoreError.noSuchHost(fleet: fleet.id, host: "other")) {
      try await fleet.recordRun(host: "other", runID: "x")
    }
    #expect(throws: FleetStoreError.self) { try store.open(id: "fleet-none") }
  }

  static func record(_ id: String, lab: String = "lab", at seconds: Double, finished: Bool, targets: [String])
    -> FleetRecord
  {
    var record = FleetRecord(
      fleetID: id, lab: lab, startedAt: Date(timeIntervalSince1970: seconds),
      hosts: targets.map { FleetRecord.Host(target: $0) })
    if finished { record.finishedAt = Date(timeIntervalSince1970: seconds + 60) }
    return record
  }

  @Test func continuesTheNewestUnfinishedFleetOfTheSameHostsOnly() {
    let targets = ["sim/a", "sim/b"]
    let older = Self.record("f1", at: 100, finished: false, targets: targets)
    let newer = Self.record("f2", at: 200, finished: false, targets: targets.reversed())
    let done = Self.record("f3", at: 300, finished: true, targets: targets)
    let other = Self.record("f4", lab: "other-lab", at: 400, finished: false, targets: targets)
    func decide(_ fleets: [FleetRecord], _ list: [String] = targets, newRun: Bool = false) -> FleetResumption
    {
      FleetResumption.decide(lab: "lab", targets: list, fleets: fleets, newRun: newRun)
    }
    #expect(decide([]) == .startNew)
    #expect(decide([older, newer, other]) == .continueFleet(id: "f2"), "host order does not matter")
    #expect(decide([older, newer, done]) == .startNew, "the newest fleet is finished")
    #expect(decide([older, newer], newRun: true) == .startNew)
    #expect(decide([older, newer], ["sim/a"]) == .startNew, "another host list is another fleet")
  }

  @Test func aContinuedFleetLeavesCompletedHostsAlone() {
    let completed: (String) -> Bool = { $0 == "done" }
    #expect(
      FleetResumption.plan(for: .init(target: "a", runID: "done"), completed: completed)
        == .leaveAlone(runID: "done"))
    #expect(FleetResumption.plan(for: .init(target: "b", runID: "half"), completed: completed) == .run)
    #expect(FleetResumption.plan(for: .init(target: "c"), completed: completed) == .run)
  }
}
