import Foundation
import LabPipeline
import TestSupport
import Testing

/// `labrun compare` through the built binary, on the bundles of a hami-core-isolation and an
/// mps-isolation run on the simulated host.
@Suite struct CompareCommandTests {
  /// Runs both labs and packs each run as a bundle; returns the two archives.
  static func bundles(_ fixture: SelfTestLabFixture) async throws -> [URL] {
    var archives: [URL] = []
    for lab in ["hami-core-isolation", "mps-isolation"] {
      let run = try await fixture.labrun(["run", "--host", "sim", "--new-run", "--lab", lab])
      // Exit 5: both FAIL the noisy neighbour (and HAMi-core the core limit), as real cards did.
      #expect(run.status == 5, "\(run)")
      let archive = fixture.root.appending("\(lab).tar.gz")
      let packed = try await fixture.labrun(["bundle", "-o", archive.path])
      #expect(packed.status == 0, "\(packed)")
      archives.append(archive)
    }
    return archives
  }

  @Test func samePageInAnyOrderAndPlaceAndATamperedBundleIsRefused() async throws {
    let fixture = try SelfTestLabFixture()
    defer { fixture.remove() }
    let archives = try await Self.bundles(fixture)
    let page = try await fixture.labrun(["compare"] + archives.map(\.path))
    #expect(page.status == 0, "\(page)")
    #expect(page.stdout.contains("| mechanism | HAMi-core (LD_PRELOAD) | NVIDIA MPS |"), "\(page.stdout)")
    #expect(page.stdout.contains("| MIG | not measured | not measured |"), "\(page.stdout)")
    // The simulated figures depend on how the probes overlapped in time: the row and its verdicts
    // (FAIL under both mechanisms, as on the real H200) are what this page must carry.
    #expect(
      page.stdout.firstMatch(
        of:
          #/the victim kept 0\.\d\d of its alone throughput beside a neighbour held to 25 \(exercise 7 FAIL\) \[\d+\] \| the victim kept 0\.\d\d of its alone throughput beside a neighbour held to 25 \(exercise 7 FAIL\)/#
      )
        != nil,
      "\(page.stdout)")
    #expect(page.stdout.contains("pinned limit"))
    // Every cell names runs by id, never by the path the bundle was given.
    #expect(!page.stdout.contains(fixture.root.path), "\(page.stdout)")
    let sources = page.stdout.split(separator: "\n").filter { $0.contains(" sha256:") }
    #expect(sources.count > 10)
    for line in sources { #expect(line.firstMatch(of: #/sha256:[0-9a-f]{64}$/#) != nil, "\(line)") }

    // Reversed order, and the same bundles elsewhere: the same bytes.
    let elsewhere = fixture.root.appending("elsewhere")
    try FileManager.default.createDirectory(at: elsewhere, withIntermediateDirectories: true)
    var moved: [URL] = []
    for archive in archives {
      let target = elsewhere.appendingPathComponent("copy-" + archive.lastPathComponent)
      try FileManager.default.copyItem(at: archive, to: target)
      moved.append(target)
    }
    let reversed = try await fixture.labrun(["compare"] + moved.reversed().map(\.path))
    #expect(reversed.status == 0, "\(reversed)")
    #expect(reversed.stdout == page.stdout)
    let json = try await fixture.labrun(["compare", "--json"] + archives.map(\.path))
    #expect(json.status == 0, "\(json)")
    let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
    #expect((object?["runs"] as? [Any])?.count == 2)
    #expect(!json.stdout.contains("\\/"))

    // A run directory with one altered artifact: refused as verify refuses it (exit 4).
    let runs = try fixture.runDirectories()
    let tampered = elsewhere.appendingPathComponent("tampered")
    try FileManager.default.copyItem(at: try #require(runs.first), to: tampered)
    let artifact = tampered.appendingPathComponent("artifacts/0-host-gpu.txt")
    try (try String(contentsOf: artifact, encoding: .utf8) + "edited\n").write(
      to: artifact, atomically: true, encoding: .utf8)
    let refused = try await fixture.labrun(["compare", tampered.path, archives[1].path])
    #expect(refused.status == 4, "\(refused)")
    #expect(refused.stderr.contains("is refused: its evidence cannot be trusted"), "\(refused.stderr)")
    #expect(refused.stdout.isEmpty)
    let alone = try await fixture.labrun(["compare", archives[0].path])
    #expect(alone.status == 64, "\(alone)")
    #expect(alone.stderr.contains("compare needs two or more runs"), "\(alone.stderr)")
  }
}
