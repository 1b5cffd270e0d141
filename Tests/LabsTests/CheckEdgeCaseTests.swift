import Foundation
import LabPipeline
import TestSupport
import Testing

@testable import Labs

/// Single-artifact variations of the example run, decided check by check.
@Suite struct CheckEdgeCaseTests {
  /// The example bundle with `replacements` (nil content removes the file).
  static func variant(
    _ replacements: [String: String?] = [:], run: RecordedRun? = nil
  ) throws -> EvidenceBundle {
    let base = try EvidenceBundle.load(directory: Fixtures.bundle("a6000-validated"))
    var artifacts = base.artifacts
    for (name, content) in replacements {
      artifacts[name] = content.map { Artifact(name: name, data: Data($0.utf8)) }
    }
    return EvidenceBundle(
      run: run ?? base.run, artifacts: Array(artifacts.values),
      integrity: .verified(fileCount: artifacts.count),
      provenance: .recorded)
  }

  static func text(_ name: String) throws -> String {
    try String(
      contentsOf: Fixtures.bundle("a6000-validated").appendingPathComponent("artifacts/\(name)"),
      encoding: .utf8)
  }

  @Test func podsOnDifferentNodesFail() throws {
    let text = try Self.text("1-co-residency.txt")
      .replacingOccurrences(of: "10.42.0.13   optimistic-fermi", with: "10.42.0.13   other-node-xyz")
    let result = CoResidencyCheck().evaluate(try Self.variant(["1-co-residency.txt": text]))
    #expect(result.verdict == .fail)
    #expect(result.reason.contains("different nodes"))
  }

  @Test func podNotRunningFails() throws {
    let text = try Self.text("1-co-residency.txt").replacingOccurrences(
      of: "1/1     Running", with: "0/1     Pending")
    #expect(CoResidencyCheck().evaluate(try Self.variant(["1-co-residency.txt": text])).verdict == .fail)
  }

  @Test func twoGPUsOnTheHostAreInconclusive() throws {
    let text = try Self.text("0-host-gpu.txt").replacingOccurrences(
      of: "GPU 0: NVIDIA RTX A6000 (UUID: GPU-d3d0a942-4b02-e4bc-b07e-485c8d2c8552)",
      with: """
        GPU 0: NVIDIA RTX A6000 (UUID: GPU-d3d0a942-4b02-e4bc-b07e-485c8d2c8552)
        GPU 1: NVIDIA RTX A6000 (UUID: GPU-11111111-4b02-e4bc-b07e-485c8d2c8552)
        """)
    let result = CoResidencyCheck().evaluate(try Self.variant(["0-host-gpu.txt": text]))
    #expect(result.verdict == .inconclusive)
  }

  @Test func missingListingIsInconclusive() throws {
    #expect(
      CoResidencyCheck().evaluate(try Self.variant(["1-co-residency.txt": nil])).verdict == .inconclusive)
    #expect(CoResidencyCheck().evaluate(try Self.variant(["0-k8s-nodes.txt": nil])).verdict == .inconclusive)
  }

  @Test func noRefusalPastTheSliceFails() throws {
    var text = try Self.text("2-3-probe-memory-a.txt")
    text =
      text.components(separatedBy: "\n").filter { !$0.contains("refused after") && !$0.contains("OOM") }
      .joined(separator: "\n") + "allocated 12288 MiB\nno refusal up to 12288 MiB\n"
    let result = MemoryCapCheck().evaluate(try Self.variant(["2-3-probe-memory-a.txt": text]))
    #expect(result.verdict == .fail)
    #expect(result.reason.contains("past the 8000 MiB slice"))
  }

  @Test func refusalWithoutHAMiCoreLineIsInconclusive() throws {
    let text = try Self.text("2-3-probe-memory-b.txt").components(separatedBy: "\n")
      .filter { !$0.contains("HAMI-core ERROR") }.joined(separator: "\n")
    let result = MemoryCapCheck().evaluate(try Self.variant(["2-3-probe-memory-b.txt": text]))
    #expect(result.verdict == .inconclusive)
    #expect(result.reason.contains("no HAMi-core OOM line"))
  }

  @Test func refusalFarBelowTheSliceIsInconclusive() throws {
    let text = try Self.text("2-3-probe-memory-a.txt")
      .replacingOccurrences(of: "cudaMalloc refused after 7680 MiB", with: "cudaMalloc refused after 0 MiB")
    #expect(
      MemoryCapCheck().evaluate(try Self.variant(["2-3-probe-memory-a.txt": text])).verdict == .inconclusive)
  }

  @Test func truncatedProbeIsInconclusive() throws {
    let text = try Self.text("2-3-probe-memory-a.txt").components(separatedBy: "\n")
      .filter { !$0.contains("refused after") }.joined(separator: "\n")
    #expect(
      MemoryCapCheck().evaluate(try Self.variant(["2-3-probe-memory-a.txt": text])).verdict == .inconclusive)
  }

  @Test func pendingForAnotherReasonIsInconclusive() throws {
    let events = """
      $ kubectl describe pod hami-oversubscribe

      Events:
        Type     Reason            Age   From               Message
        ----     ------            ----  ----               -------
        Warning  FailedScheduling  20s   default-scheduler  0/1 nodes are available: 1 Insufficient nvidia.com/gpu.
      """
    let result = SchedulerBudgetCheck().evaluate(try Self.variant(["4-oversubscribe-events.txt": events]))
    #expect(result.verdict == .inconclusive)
    #expect(result.reason.contains("FailedScheduling"))
  }

  @Test func requestThatFitsBesideTheSlicesIsInconclusive() throws {
    var run = try EvidenceBundle.load(directory: Fixtures.bundle("a6000-validated")).run
    run.parameters["oversubscribe_mib"] = .int(30000)
    #expect(SchedulerBudgetCheck().evaluate(try Self.variant(run: run)).verdict == .inconclusive)
    run.parameters["oversubscribe_mib"] = .int(60000)
    #expect(SchedulerBudgetCheck().evaluate(try Self.variant(run: run)).verdict == .inconclusive)
  }

  @Test func legacyRegistrationStillGivesTheBudget() throws {
    let legacy = """
      $ kubectl describe node optimistic-fermi | grep -A1 Allocatable

      Allocatable:
        nvidia.com/gpu:     10

      $ kubectl get node optimistic-fermi -o jsonpath='{.metadata.annotations.hami\\.io/node-nvidia-register}'

      GPU-d3d0a942-4b02-e4bc-b07e-485c8d2c8552,10,49140,100,NVIDIA-NVIDIA RTX A6000,0,true:
      """
    let bundle = try Self.variant(["node-allocatable.txt": legacy])
    #expect(SchedulerBudgetCheck().evaluate(bundle).verdict == .pass)
    let registration = HAMiIsolationLab().environment(of: bundle).rows.first { $0.item == "Registration" }
    #expect(registration?.value.contains("nvidia.com/gpu = 10") == true)
    #expect(registration?.value.contains("devmem:49140") == true)
  }

  @Test func limitInBytesAndWrongLimit() throws {
    let base = try Self.text("5-probe-mechanism-a.txt")
    let bytes = base.replacingOccurrences(
      of: "CUDA_DEVICE_MEMORY_LIMIT_0=8000m", with: "CUDA_DEVICE_MEMORY_LIMIT_0=8388608000")
    #expect(MechanismCheck().evaluate(try Self.variant(["5-probe-mechanism-a.txt": bytes])).verdict == .pass)
    let wrong = base.replacingOccurrences(
      of: "CUDA_DEVICE_MEMORY_LIMIT_0=8000m", with: "CUDA_DEVICE_MEMORY_LIMIT_0=16000m")
    #expect(MechanismCheck().evaluate(try Self.variant(["5-probe-mechanism-a.txt": wrong])).verdict == .fail)
  }

  @Test func everyCheckIsInconclusiveWithoutItsEvidence() throws {
    let empty = EvidenceBundle(
      run: try EvidenceBundle.load(directory: Fixtures.bundle("a6000-validated")).run, artifacts: [],
      integrity: .verified(fileCount: 0), provenance: .recorded)
    let report = try LabRegistry.verify(empty)
    #expect(report.exercises.allSatisfy { $0.verdict == .inconclusive })
    #expect(report.status == .incomplete)
    let page = ValidationPageRenderer.markdown(report)
    #expect(page.contains("Nothing yet: no exercise passed"))
    #expect(page.contains("not in the evidence"))
  }

  @Test(arguments: [[String](), ["hami-share-a", "hami-share-a"], ["x-a", "y-a"]])
  func sharePodsThatCannotEachBeEvidencedAreNeverAPass(pods: [String]) throws {
    var run = try EvidenceBundle.load(directory: Fixtures.bundle("a6000-validated")).run
    run.parameters["share_pods"] = .array(pods.map(RecordedValue.string))
    let report = try LabRegistry.verify(try Self.variant(run: run))
    #expect(report.exercises[0].verdict != .pass)
    #expect(report.exercises[1].verdict != .pass)
    #expect(report.exercises[2].verdict != .pass)
    #expect(report.status != .validated)
  }

  @Test func filteringFailedForAnotherReasonIsInconclusive() throws {
    let events = """
      $ kubectl describe pod hami-oversubscribe

      Events:
        Type     Reason           Age   From            Message
        ----     ------           ----  ----            -------
        Warning  FilteringFailed  20s   hami-scheduler  1 nodes CardTypeMismatch(optimistic-fermi)
      """
    let result = SchedulerBudgetCheck().evaluate(try Self.variant(["4-oversubscribe-events.txt": events]))
    #expect(result.verdict == .inconclusive)
    #expect(result.reason.contains("CardTypeMismatch"))
  }
}
