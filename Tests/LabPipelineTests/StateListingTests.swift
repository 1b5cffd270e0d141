import Foundation
import LabPipeline
import TestSupport
import Testing

/// `labrun runs` (issue 22): the runs, each naming its fleet, and the fleets beside them; and a
/// fleet packed into one archive.
@Suite struct StateListingTests {
  @Test func runsNameTheirFleetAndFleetsAreListedWithTheirStatus() async throws {
    let fixture = try FleetLifecycleTests.Fixture(failing: ["sim/gpu-02"])
    defer { fixture.home.remove() }
    let (fleet, _) = try await fixture.fleet.run(
      fixture.lab, hosts: fixture.hosts, overrides: [], options: LifecycleOptions(), parallel: 3,
      open: fixture.open)
    let single = try await fixture.lifecycle.up(
      fixture.lab, parameters: Parameters(), options: LifecycleOptions(),
      open: fixture.open(FleetLifecycle.Host(target: "sim/alone", simulated: true)))
    let listing = try StateListing(store: fixture.store)
    #expect(listing.runs.count == 4)
    #expect(listing.runs.filter { $0.fleet == fleet.id }.count == 3)
    let singleID = await single.run.id
    let alone = try #require(listing.runs.first { $0.id == singleID })
    #expect(alone.fleet == nil && alone.isCurrent)
    #expect(
      listing.fleets == [
        StateListing.Fleet(id: fleet.id, lab: "scripted", hosts: 3, status: "unfinished", exitStatus: 1)
      ])
    #expect(listing.text.contains("\n\(fleet.id)") == false)
    #expect(listing.text.contains("fleets:\n  \(fleet.id)  unfinished  scripted, 3 hosts, last exit 1\n"))
    #expect(listing.text.components(separatedBy: "[\(fleet.id)]").count - 1 == 3, "\(listing.text)")
    let json = try JSONSerialization.jsonObject(with: Data(try listing.json().utf8)) as? [String: Any]
    #expect((json?["fleets"] as? [[String: Any]])?.first?["exit_status"] as? Int == 1)
  }

  /// `bundle --fleet`: fleet.json, fleet.md (its links relative to the archive) and every
  /// host's run directory under the fleet's directory; found again once unpacked.
  @Test func aFleetPacksIntoOneArchiveThatUnpacksToItsRuns() async throws {
    let fixture = try FleetLifecycleTests.Fixture()
    defer { fixture.home.remove() }
    let (fleet, _) = try await fixture.fleet.run(
      fixture.lab, hosts: fixture.hosts, overrides: [], options: LifecycleOptions(), parallel: 3,
      open: fixture.open)
    try Data("[p](../../runs/x/validation.md)\n".utf8).write(
      to: fleet.directory.appendingPathComponent("fleet.md"))
    let archive = fixture.home.appending("fleet.tar.gz")
    let written = try FleetBundle.create(fleet: fleet.id, state: fixture.store.state, output: archive)
    #expect(written.archive.path == archive.path)
    let runIDs = await fleet.fleetRecord.hosts.compactMap(\.runID)
    try BundleArchive.unpacked(archive) { directory in
      let unpacked = try #require(FleetBundle.fleetDirectory(in: directory))
      #expect(unpacked.lastPathComponent == fleet.id)
      #expect(try FleetBundle.record(in: unpacked).hosts.compactMap(\.runID) == runIDs)
      let runs = try FileManager.default.contentsOfDirectory(
        atPath: unpacked.appendingPathComponent("runs").path)
      #expect(Set(runs) == Set(runIDs))
      let page = try String(contentsOf: unpacked.appendingPathComponent("fleet.md"), encoding: .utf8)
      #expect(page == "[p](runs/x/validation.md)\n")
    }
    #expect(throws: FleetStoreError.self) {
      try FleetBundle.create(fleet: "fleet-none", state: fixture.store.state, output: archive)
    }
  }
}
