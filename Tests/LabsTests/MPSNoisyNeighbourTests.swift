import Foundation
import LabPipeline
import Labs
import TestSupport
import Testing

/// Exercise 7 of the MPS lab is judged on the seconds the neighbour was measuring too. The
/// victim and its neighbour start at one start file; the victim (8 s) is meant to lie inside the
/// neighbour's run (13 s), but a neighbour that stops early leaves the victim computing alone,
/// and those seconds must not count as "beside a neighbour".
@Suite struct MPSNoisyNeighbourTests {
  /// The real MPS run on an H200 (docs/evidence), exercise 7 FAIL: the victim kept 0.48.
  static let realRun = "docs/evidence/20261207T190546Z-local"

  static func realBundle() throws -> EvidenceBundle {
    try EvidenceBundle.load(directory: TestPackage.root().appendingPathComponent(realRun))
  }

  /// `bundle` with `7-noisy-neighbour.txt` rewritten by `change`.
  static func rewritingNeighbour(_ bundle: EvidenceBundle, _ change: (String) -> String) throws
    -> EvidenceBundle
  {
    let name = "7-noisy-neighbour.txt"
    let text = try #require(bundle.artifact(name)).text
    let artifacts = bundle.artifactNames.compactMap { bundle.artifact($0) }.map { artifact in
      artifact.name == name ? Artifact(name: name, data: Data(change(text).utf8)) : artifact
    }
    return EvidenceBundle(
      run: bundle.run, artifacts: artifacts, integrity: bundle.integrity, provenance: bundle.provenance,
      runRecordIntegrity: bundle.runRecordIntegrity)
  }

  static func exercise7(_ bundle: EvidenceBundle) throws -> ExerciseResult {
    try #require(try LabRegistry.verify(bundle).exercises.first { $0.id == "7" })
  }

  @Test func theRealRunFailsExerciseSeven() throws {
    #expect(try Self.exercise7(Self.realBundle()).verdict == .fail)
  }

  /// The limited neighbour stopped after 4 of its 13 s, and the victim's last 4 s ran alone at
  /// its alone throughput: judged on every victim second, the victim "kept" nearly all of it (a
  /// PASS the evidence does not support); judged on the seconds the neighbour measured, 0.48.
  @Test func victimSecondsAfterTheNeighbourStoppedDoNotCount() throws {
    let bundle = try Self.rewritingNeighbour(Self.realBundle()) { text in
      let sections = text.components(separatedBy: "$ ")
      return sections.map { section -> String in
        var lines = section.components(separatedBy: "\n")
        if section.contains("CUDA_MPS_ACTIVE_THREAD_PERCENTAGE=25") {
          // The neighbour: samples 1-4 only.
          lines = lines.filter { line in
            guard let second = line.firstMatch(of: #/^sample (\d+) s:/#).flatMap({ Int($0.output.1) }) else {
              return !line.hasPrefix("throughput-probe: mean")
            }
            return second <= 4
          }
        } else if section.contains("start-noisy-limited") {
          // The victim beside it: seconds 5-8 at its alone throughput.
          lines = lines.map { line in
            guard let second = line.firstMatch(of: #/^sample (\d+) s:/#).flatMap({ Int($0.output.1) }),
              second > 4
            else { return line }
            return "sample \(second) s: 57.90 TFLOPS"
          }
        }
        return lines.joined(separator: "\n")
      }.joined(separator: "$ ")
    }
    let result = try Self.exercise7(bundle)
    #expect(result.verdict == .fail, "\(result.reason)")
    #expect(result.reason.contains("0.48"), "\(result.reason)")
  }
}
