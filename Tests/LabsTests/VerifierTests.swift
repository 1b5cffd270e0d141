import Foundation
import LabPipeline
import Labs
import TestSupport
import Testing

/// A fixture and the verdicts the verifier must reach on it.
struct FixtureExpectation: Sendable, CustomTestStringConvertible {
  var fixture: String
  var verdicts: [Verdict]
  var status: ValidationStatus
  var testDescription: String { fixture }
}

@Suite struct VerifierTests {
  static let expectations: [FixtureExpectation] = [
    .init(fixture: "a6000-validated", verdicts: [.pass, .pass, .pass, .pass, .pass], status: .validated),
    .init(fixture: "h100-validated", verdicts: [.pass, .pass, .pass, .pass, .pass], status: .validated),
    .init(fixture: "runc-default-runtime", verdicts: [.pass, .fail, .fail, .pass, .fail], status: .failed),
    .init(
      fixture: "view-virtualized-no-cap", verdicts: [.pass, .pass, .fail, .pass, .pass], status: .failed),
    .init(fixture: "oversubscribe-running", verdicts: [.pass, .pass, .pass, .fail, .pass], status: .failed),
    .init(
      fixture: "probe-b-missing", verdicts: [.pass, .inconclusive, .inconclusive, .pass, .pass],
      status: .incomplete),
    .init(fixture: "slice-mismatch", verdicts: [.pass, .fail, .fail, .pass, .fail], status: .failed),
    .init(fixture: "simulated", verdicts: [.pass, .pass, .pass, .pass, .pass], status: .simulated),
    // Real-format bundles assembled from HAMi's public Lab 7 run (Fixtures/corpus/).
    .init(fixture: "hami-lab7-k3s", verdicts: [.pass, .pass, .pass, .pass, .pass], status: .validated),
    .init(fixture: "hami-lab7-no-cap", verdicts: [.pass, .pass, .fail, .pass, .pass], status: .failed),
    .init(fixture: "hami-lab7-underflow", verdicts: [.pass, .pass, .fail, .pass, .pass], status: .failed),
    .init(fixture: "hami-lab7-runc", verdicts: [.pass, .fail, .fail, .pass, .fail], status: .failed),
  ]

  /// Loads a fixture through a temporary copy whose SHA256SUMS is computed (or kept).
  static func report(_ name: String, checksums: EvidenceFixture.Checksums = .compute) throws
    -> ValidationReport
  {
    let copy = try EvidenceFixture(copying: Fixtures.bundle(name), checksums: checksums)
    defer { copy.remove() }
    return try LabRegistry.verify(EvidenceBundle.load(directory: copy.directory))
  }

  @Test(arguments: expectations)
  func fixtureVerdicts(_ expected: FixtureExpectation) throws {
    let report = try Self.report(expected.fixture)
    #expect(report.exercises.map(\.id) == ["1", "2", "3", "4", "5"])
    #expect(report.exercises.map(\.verdict) == expected.verdicts, "\(report.exercises.map(\.reason))")
    #expect(report.status == expected.status, "\(report.statusReasons)")
    for exercise in report.exercises {
      #expect(!exercise.evidence.isEmpty, "exercise \(exercise.id) cites no artifact")
      #expect(exercise.evidence.allSatisfy { $0.sha256.count == 64 })
      if exercise.verdict != .inconclusive {
        #expect(!exercise.excerpt.isEmpty, "exercise \(exercise.id) has no excerpt")
      }
    }
  }

  @Test(arguments: expectations.filter { $0.status != .validated })
  func negativeFixturesAreNeverValidated(_ expected: FixtureExpectation) throws {
    #expect(try Self.report(expected.fixture).status != .validated)
    #expect(try Self.report(expected.fixture, checksums: .remove).status != .validated)
  }

  @Test func failureReasonsNameTheMode() throws {
    let runc = try Self.report("runc-default-runtime")
    #expect(runc.exercises[1].reason.contains("full card (49140 MiB)"))
    #expect(runc.exercises[2].reason.contains("near the card's physical 49140 MiB"))
    #expect(runc.exercises[4].reason.contains("libvgpu.so is not in"))
    let noCap = try Self.report("view-virtualized-no-cap")
    #expect(noCap.exercises[2].reason.contains("refused only after 48896 MiB"))
    let missing = try Self.report("probe-b-missing")
    #expect(missing.exercises[2].reason.contains("2-3-probe-memory-b.txt missing"))
    let mismatch = try Self.report("slice-mismatch")
    #expect(mismatch.exercises[2].reason.contains("4194304000 B, not 8388608000 B"))
  }

  @Test func missingChecksumsMakeItIncompleteAtBest() throws {
    let report = try Self.report("a6000-validated", checksums: .remove)
    #expect(report.exercises.allSatisfy { $0.verdict == .pass })
    #expect(report.status == .incomplete)
    #expect(report.integrity == .checksumsMissing)
    #expect(report.statusReasons.contains { $0.contains("SHA256SUMS missing") })
  }

  @Test func committedChecksumsAreUsedAsIs() throws {
    let report = try LabRegistry.verify(
      EvidenceBundle.load(directory: Fixtures.bundle("a6000-validated")))
    #expect(report.status == .validated)
    #expect(report.integrity == .verified(fileCount: 13))
  }

  @Test func committedChecksumsPassRealSha256sum() async throws {
    let artifacts = try Fixtures.bundle("a6000-validated").appendingPathComponent("artifacts")
    let result = await Sha256sum.check(in: artifacts)
    #expect(result.status == 0, "\(result.output)")
    // 13 artifacts and run.json (as ../run.json).
    #expect(result.output.components(separatedBy: ": OK").count - 1 == 14)
    #expect(result.output.contains("../run.json: OK"))
  }

  @Test func computedChecksumsMatchSha256sumFormat() throws {
    let copy = try EvidenceFixture(copying: Fixtures.bundle("a6000-validated"), checksums: .keep)
    defer { copy.remove() }
    let committed = try String(
      contentsOf: copy.artifactsDirectory.appendingPathComponent("SHA256SUMS"), encoding: .utf8)
    try EvidenceFixture.writeChecksums(in: copy.artifactsDirectory)
    let computed = try String(
      contentsOf: copy.artifactsDirectory.appendingPathComponent("SHA256SUMS"), encoding: .utf8)
    #expect(committed == computed)
  }

  @Test func everyTamperedArtifactIsRefusedByName() throws {
    let copy = try EvidenceFixture(copying: Fixtures.bundle("a6000-validated"), checksums: .keep)
    defer { copy.remove() }
    for name in try copy.artifactNames() {
      try copy.flipByte(in: name)
      #expect {
        try EvidenceBundle.load(directory: copy.directory)
      } throws: { error in
        guard case .checksumMismatch(let file, _, _) = error as? EvidenceBundleError else { return false }
        return file == name && "\(error)".contains(name)
      }
      try copy.flipByte(in: name)
    }
    #expect(throws: Never.self) { try EvidenceBundle.load(directory: copy.directory) }
  }

  @Test func unlistedOrMissingFilesAreRefused() throws {
    let copy = try EvidenceFixture(copying: Fixtures.bundle("a6000-validated"), checksums: .keep)
    defer { copy.remove() }
    try Data("GPU 0: fake\n".utf8).write(to: copy.artifactsDirectory.appendingPathComponent("9-extra.txt"))
    #expect(throws: EvidenceBundleError.unlistedArtifact(file: "9-extra.txt")) {
      try EvidenceBundle.load(directory: copy.directory)
    }
    try FileManager.default.removeItem(at: copy.artifactsDirectory.appendingPathComponent("9-extra.txt"))
    try FileManager.default.removeItem(at: copy.artifactsDirectory.appendingPathComponent("hami-pods.txt"))
    #expect(throws: EvidenceBundleError.listedFileMissing(file: "hami-pods.txt")) {
      try EvidenceBundle.load(directory: copy.directory)
    }
  }

  @Test func simulatedMarkerOnARealTargetIsStillSimulated() throws {
    let copy = try EvidenceFixture(copying: Fixtures.bundle("simulated"), checksums: .keep)
    defer { copy.remove() }
    try copy.editRunRecord {
      $0.replacingOccurrences(of: "\"kind\": \"simulated\"", with: "\"kind\": \"ssh\"")
    }
    try EvidenceFixture.writeChecksums(in: copy.artifactsDirectory)
    let report = try LabRegistry.verify(EvidenceBundle.load(directory: copy.directory))
    #expect(report.status == .simulated)
    #expect(report.statusReasons.contains { $0.contains("simulated marker") })
  }

  /// Issue 10: run.json is covered by SHA256SUMS, so editing `target.kind` (a simulated run
  /// passed off as real) without regenerating the checksums is refused, naming run.json; a
  /// bundle whose SHA256SUMS does not list run.json is never VALIDATED.
  @Test func editedRunRecordIsRefusedAndAnUncoveredOneIsIncomplete() throws {
    let copy = try EvidenceFixture(copying: Fixtures.bundle("a6000-validated"), checksums: .keep)
    defer { copy.remove() }
    try copy.editRunRecord {
      $0.replacingOccurrences(of: "\"provider\": \"Hyperstack\"", with: "\"provider\": \"X\"")
    }
    #expect {
      try EvidenceBundle.load(directory: copy.directory)
    } throws: { error in
      guard case .checksumMismatch("run.json", _, _) = error as? EvidenceBundleError else { return false }
      return "\(error)".hasPrefix("run.json does not match SHA256SUMS")
    }
    let sums = copy.artifactsDirectory.appendingPathComponent(ChecksumList.fileName)
    let withoutRunRecord = try String(contentsOf: sums, encoding: .utf8).split(separator: "\n")
      .filter { !$0.hasSuffix("../run.json") }.map { $0 + "\n" }.joined()
    try Data(withoutRunRecord.utf8).write(to: sums)
    let report = try LabRegistry.verify(EvidenceBundle.load(directory: copy.directory))
    #expect(report.exercises.allSatisfy { $0.verdict == .pass })
    #expect(report.status == .incomplete)
    #expect(report.statusReasons.contains { $0.hasPrefix("run.json is not covered by artifacts/SHA256SUMS") })
  }

  @Test func runRecordIsDecodedLeniently() throws {
    let json = """
      {"schema":"labrun.run/v1","target":{"name":"gpu-vm","kind":"ssh","extra":1},
       "started_at":"2026-06-23T23:59:59-02:00","unknown":[1,2],
       "parameters":{"slice_mib":"8000","oversubscribe_mib":45000.0,"share_pods":"hami-share-a, hami-share-b"}}
      """
    let run = try RecordedRun(json: Data(json.utf8))
    #expect(run.target?.kind == .ssh)
    #expect(run.parameters["slice_mib"]?.wholeNumber == 8000)
    #expect(run.parameters["oversubscribe_mib"]?.wholeNumber == 45000)
    #expect(run.parameters["share_pods"]?.names == ["hami-share-a", "hami-share-b"])
    #expect(run.date == "2026-06-24")
  }

  @Test func unknownTargetKindIsNeverValidated() throws {
    let copy = try EvidenceFixture(copying: Fixtures.bundle("a6000-validated"), checksums: .keep)
    defer { copy.remove() }
    try copy.editRunRecord { $0.replacingOccurrences(of: "\"kind\": \"ssh\"", with: "\"kind\": \"mystery\"") }
    try EvidenceFixture.writeChecksums(in: copy.artifactsDirectory)
    let report = try LabRegistry.verify(EvidenceBundle.load(directory: copy.directory))
    #expect(report.status == .incomplete)
  }

  @Test func missingSliceParameterIsInconclusive() throws {
    let copy = try EvidenceFixture(copying: Fixtures.bundle("a6000-validated"), checksums: .keep)
    defer { copy.remove() }
    try copy.editRunRecord { $0.replacingOccurrences(of: "\"slice_mib\": 8000,", with: "") }
    try EvidenceFixture.writeChecksums(in: copy.artifactsDirectory)
    let report = try LabRegistry.verify(EvidenceBundle.load(directory: copy.directory))
    #expect(
      report.exercises.map(\.verdict) == [.pass, .inconclusive, .inconclusive, .inconclusive, .inconclusive])
    #expect(report.status == .incomplete)
  }

  @Test func importedEvidenceIsIncompleteAtBest() throws {
    let artifacts = try Fixtures.bundle("a6000-validated").appendingPathComponent("artifacts")
    let bundle = try EvidenceBundle.importHandCaptured(
      directory: artifacts,
      provenance: .init(host: "optimistic-fermi", date: "2026-06-23", provider: "Hyperstack"))
    let report = try LabRegistry.verify(bundle)
    #expect(report.exercises.allSatisfy { $0.verdict == .pass })
    #expect(report.status == .incomplete)
    #expect(report.date == "2026-06-23")
    let page = ValidationPageRenderer.markdown(report)
    #expect(page.contains("imported evidence"))
    #expect(page.contains("provenance not verified at capture time"))
  }

  @Test func sectionsSplitOnCommands() throws {
    let artifact = Artifact(
      name: "x.txt",
      data: Data("\(Artifact.simulatedMarker)\n$ one\n\nfirst\n\n$ two\n\nsecond\nthird\n".utf8))
    #expect(artifact.isSimulated)
    #expect(artifact.sections.map(\.command) == ["one", "two"])
    #expect(artifact.sections.map(\.lines) == [["first"], ["second", "third"]])
  }
}
