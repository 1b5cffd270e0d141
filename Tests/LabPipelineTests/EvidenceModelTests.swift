import Foundation
import LabPipeline
import Testing

@Suite struct ChecksumListTests {
  static let digest = String(repeating: "ab", count: 32)

  @Test(arguments: [
    "\(digest)  0-os.txt", "\(digest) *0-os.txt", "\(digest)  ./0-os.txt", "\(digest.uppercased())  0-os.txt",
    "\(digest)  0-os.txt\r",
  ])
  func acceptsSha256sumLines(line: String) throws {
    let list = try ChecksumList(text: line + "\n")
    #expect(list.entries == [.init(digest: Self.digest, name: "0-os.txt")])
  }

  @Test(arguments: [
    "not a checksum line", "\(digest)0-os.txt", "\(digest)  ../ledger.json", "\(digest)  sub/file.txt",
    "\(digest)  ../../run.json", "abc  0-os.txt",
  ])
  func refusesMalformedOrEscapingLines(line: String) {
    #expect(throws: EvidenceBundleError.self) { try ChecksumList(text: line) }
  }

  /// run.json is listed as `../run.json`, the one name outside the artifacts directory.
  @Test func listsRunRecordFromTheArtifactsDirectory() throws {
    let list = ChecksumList(
      artifacts: [Artifact(name: "0-os.txt", data: Data("a\n".utf8))], runRecord: Data("{}\n".utf8))
    #expect(list.entries.map(\.name) == ["../run.json", "0-os.txt"])
    #expect(try ChecksumList(text: list.text) == list)
  }

  @Test func writesWhatItReads() throws {
    let artifacts = [
      Artifact(name: "b.txt", data: Data("b\n".utf8)), Artifact(name: "a.txt", data: Data("a\n".utf8)),
    ]
    let list = ChecksumList(artifacts: artifacts)
    #expect(list.entries.map(\.name) == ["a.txt", "b.txt"])
    #expect(try ChecksumList(text: list.text) == list)
    // sha256("a\n")
    #expect(list.entries[0].digest == "87428fc522803d31065e7bce3cf03fe475096631e5e07bbd7a0fde60c4cf25c7")
  }
}

@Suite struct ArtifactTests {
  @Test func splitsSectionsAndKeepsOutputVerbatim() {
    let text =
      "$ nvidia-smi -L\n\nGPU 0: NVIDIA RTX A6000 (UUID: GPU-x)\n\n$ uname -r\n\n5.15.0-113-generic\n"
    let artifact = Artifact(name: "0-os.txt", data: Data(text.utf8))
    #expect(!artifact.isSimulated)
    #expect(artifact.sections.count == 2)
    #expect(artifact.sections[0].command == "nvidia-smi -L")
    #expect(artifact.sections[0].output == "GPU 0: NVIDIA RTX A6000 (UUID: GPU-x)")
    #expect(artifact.sections[1].lines == ["5.15.0-113-generic"])
    #expect(artifact.sha256.count == 64)
    #expect(artifact.shortDigest.count == 12)
  }

  @Test func textBeforeTheFirstCommandIsKept() {
    let artifact = Artifact(name: "x.txt", data: Data("hand-written note\r\n$ env\r\n\r\nA=1\r\n".utf8))
    #expect(artifact.sections.map(\.command) == [nil, "env"])
    #expect(artifact.sections[1].lines == ["A=1"])
  }

  @Test func simulatedMarkerOnlyCountsOnTheFirstLine() {
    let marked = Artifact(name: "x.txt", data: Data("\(Artifact.simulatedMarker)\n$ env\n\nA=1\n".utf8))
    #expect(marked.isSimulated)
    #expect(marked.sections.first?.command == "env")
    let later = Artifact(name: "x.txt", data: Data("$ env\n\n\(Artifact.simulatedMarker)\n".utf8))
    #expect(!later.isSimulated)
  }
}

@Suite struct RecordedRunTests {
  @Test func decodesTheDesignExample() throws {
    let json = """
      { "schema": "labrun.run/v1", "run_id": "20260623T101500Z-gpu-vm", "lab": "hami-isolation-realgpu",
        "target": { "name": "gpu-vm", "kind": "ssh", "address": "203.0.113.7", "user": "ubuntu",
                    "host_key": "SHA256:abc" },
        "started_at": "2026-06-23T10:15:00Z", "finished_at": "2026-06-23T10:41:07Z",
        "labrun_version": "0.1.0",
        "parameters": { "hami_version": "2.9.0", "slice_mib": 8000, "oversubscribe_mib": 45000,
                        "share_pods": ["hami-share-a", "hami-share-b"], "provider": "Hyperstack" } }
      """
    let run = try RecordedRun(json: Data(json.utf8))
    #expect(run.runID == "20260623T101500Z-gpu-vm")
    #expect(
      run.target
        == TargetInfo(
          name: "gpu-vm", kind: .ssh, address: "203.0.113.7", user: "ubuntu", hostKey: "SHA256:abc"))
    #expect(run.date == "2026-06-23")
    #expect(run.parameters["hami_version"]?.text == "2.9.0")
    #expect(run.parameters["provider"]?.text == "Hyperstack")
  }

  @Test func fractionalSecondsAndMissingFields() throws {
    let run = try RecordedRun(
      json: Data(#"{"started_at":"2026-06-23T10:15:00.123Z","parameters":{"provider":""}}"#.utf8))
    #expect(run.parameters["provider"]?.text == nil)
    #expect(run.date == "2026-06-23")
    #expect(run.target == nil)
    #expect(run.parameters["slice_mib"]?.wholeNumber == nil)
  }

  @Test func refusesNonObjects() {
    #expect(throws: EvidenceBundleError.self) { try RecordedRun(json: Data("[1]".utf8)) }
    #expect(throws: EvidenceBundleError.self) { try RecordedRun(json: Data("{".utf8)) }
  }
}

/// A lab whose single check passes with whatever evidence it is given.
private struct OneCheckLab: ValidationLab {
  struct Check: ExerciseCheck {
    let id = "1"
    let title = "t"
    let criteria = "c"
    let evidence: [EvidenceCitation]
    func evaluate(_ bundle: EvidenceBundle) -> ExerciseResult {
      ExerciseResult(
        id: id, title: title, criteria: criteria, verdict: .pass, reason: "ok", evidence: evidence)
    }
  }
  let name = "one"
  let checks: [any ExerciseCheck]
  func environment(of bundle: EvidenceBundle) -> EnvironmentSummary { EnvironmentSummary() }
  func page(results: [ExerciseResult], environment: EnvironmentSummary, bundle: EvidenceBundle) -> LabPage {
    LabPage(title: "t", labPath: "one/", validatedBlurb: "", provesHeading: "p", proves: [], scopeLimits: [])
  }
}

@Suite struct VerifierStatusTests {
  static let artifact = Artifact(name: "1.txt", data: Data("$ true\n\nok\n".utf8))

  static func bundle(
    kind: TargetInfo.Kind = .ssh, integrity: EvidenceBundle.Integrity = .verified(fileCount: 1),
    runRecord: EvidenceBundle.RunRecordIntegrity = .checksummed
  )
    -> EvidenceBundle
  {
    EvidenceBundle(
      run: RecordedRun(target: TargetInfo(name: "vm", kind: kind), startedAt: "2026-06-23T10:15:00Z"),
      artifacts: [artifact], integrity: integrity, provenance: .recorded, runRecordIntegrity: runRecord)
  }

  /// A run.json nothing covers could say anything (`target.kind: ssh` on a simulated run): never
  /// VALIDATED; a verified signature over the archive covers it.
  @Test func runRecordMustBeCoveredByChecksumsOrASignature() {
    let lab = OneCheckLab(checks: [OneCheckLab.Check(evidence: [EvidenceCitation(Self.artifact)])])
    let uncovered = Verifier(lab: lab).verify(Self.bundle(runRecord: .uncovered))
    #expect(uncovered.status == .incomplete)
    #expect(uncovered.statusReasons.contains { $0.contains("run.json is not covered") })
    let signer = BundleSigner(
      fingerprint: "SHA256:x", keyType: "ssh-ed25519", principals: ["lab@example.org"], signatureFile: "b.sig"
    )
    let signed = Self.bundle(runRecord: .uncovered).signed(by: signer)
    #expect(Verifier(lab: lab).verify(signed).status == .validated)
    #expect(signed.signer == signer)
  }

  @Test func passWithCitedEvidenceValidates() {
    let lab = OneCheckLab(checks: [OneCheckLab.Check(evidence: [EvidenceCitation(Self.artifact)])])
    #expect(Verifier(lab: lab).verify(Self.bundle()).status == .validated)
  }

  @Test func passWithoutEvidenceOrWithAForeignDigestIsNotValidated() {
    let none = OneCheckLab(checks: [OneCheckLab.Check(evidence: [])])
    #expect(Verifier(lab: none).verify(Self.bundle()).status == .incomplete)
    let foreign = OneCheckLab(checks: [
      OneCheckLab.Check(evidence: [EvidenceCitation(file: "1.txt", sha256: String(repeating: "0", count: 64))]
      )
    ])
    #expect(Verifier(lab: foreign).verify(Self.bundle()).status == .incomplete)
  }

  @Test func simulatedAndUnverifiedAreNeverValidated() {
    let lab = OneCheckLab(checks: [OneCheckLab.Check(evidence: [EvidenceCitation(Self.artifact)])])
    #expect(Verifier(lab: lab).verify(Self.bundle(kind: .simulated)).status == .simulated)
    #expect(Verifier(lab: lab).verify(Self.bundle(integrity: .checksumsMissing)).status == .incomplete)
    #expect(Verifier(lab: lab).verify(Self.bundle(kind: .local)).status == .validated)
  }

  @Test(arguments: ValidationStatus.allCases)
  func exitCodes(status: ValidationStatus) {
    let expected: [ValidationStatus: Int32] = [.validated: 0, .failed: 1, .incomplete: 2, .simulated: 3]
    #expect(status.exitCode == expected[status])
  }
}
