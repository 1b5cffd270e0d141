import Foundation
import LabPipeline
import TestSupport
import Testing

@testable import Labs

/// The rules of issue 10, each on a Lab 7 bundle changed in one place: a contradiction decides
/// even when other context is missing; INCONCLUSIVE names exactly what is missing.
@Suite struct ContradictionFirstTests {
  static func lab7(_ replacements: [String: String?] = [:], run: RecordedRun? = nil) throws -> EvidenceBundle
  {
    let bundle = try RealFormatTests.lab7()
    let replaced = RealFormatTests.replacing(replacements, in: bundle)
    guard let run else { return replaced }
    return EvidenceBundle(
      run: run, artifacts: Array(replaced.artifacts.values), integrity: replaced.integrity,
      provenance: replaced.provenance, runRecordIntegrity: replaced.runRecordIntegrity)
  }

  static func probe(_ output: String, pod: String = "a") throws -> String {
    let smi = try RealFormatTests.corpus("inpod-nvidia-smi-kmd-umd-8000m--hami-lab7-k3s.txt")
      .replacingOccurrences(of: "hami-share-a", with: "hami-share-\(pod)")
    return smi
      + "\n$ kubectl exec hami-share-\(pod) -- sh -c 'nvcc -o /tmp/probe /probe/probe.cu && /tmp/probe'\n\n"
      + output
  }

  static let refusal = "cudaMalloc refused after 7424 MiB allocated: out of memory\n"
  static let oomAtSlice =
    "[HAMI-core ERROR (pid:54 thread=133390658244608 allocator.c:52)]: Device 0 OOM 8629780480 / 8388608000\n"

  /// Without the card's memory anywhere (no registration either), a refusal far above the
  /// slice with no HAMi-core line is still a FAIL.
  @Test func refusalAboveTheSliceFailsWhetherOrNotTheCardIsKnown() throws {
    let bundle = try Self.lab7([
      "node-allocatable.txt": nil,
      "2-3-probe-memory-a.txt": try Self.probe(
        "cudaMalloc refused after 97280 MiB allocated: out of memory\n"),
    ])
    let result = MemoryCapCheck().evaluate(bundle)
    #expect(result.verdict == .fail, "\(result.reason)")
    #expect(result.reason.contains("above the 8000 MiB slice, with no HAMi-core OOM line"))
  }

  /// An OOM line naming another limit (here a 4000 MiB one) is a FAIL with the card unknown.
  @Test func anotherLimitFailsWhetherOrNotTheCardIsKnown() throws {
    let bundle = try Self.lab7([
      "node-allocatable.txt": nil,
      "2-3-probe-memory-b.txt": try Self.probe(
        "cudaMalloc refused after 3584 MiB allocated: out of memory\n"
          + "[HAMI-core ERROR (pid:9 thread=1 allocator.c:53)]: Device 0 OOM 4399824896 / 4194304000\n",
        pod: "b"),
    ])
    let result = MemoryCapCheck().evaluate(bundle)
    #expect(result.verdict == .fail)
    // One memory-cap rule for every lab (MemoryCapRule) names the slice as its caller does.
    #expect(
      result.reason
        == "HAMi-core's limit for hami-share-b is 4194304000 B, not 8388608000 B (the 8000 MiB slice)")
  }

  /// Nothing contradicts, the card's memory is missing everywhere: INCONCLUSIVE, naming where
  /// it was looked for.
  @Test func missingCardMemoryIsNamedExactly() throws {
    let result = MemoryCapCheck().evaluate(try Self.lab7(["node-allocatable.txt": nil]))
    #expect(result.verdict == .inconclusive)
    #expect(
      result.reason
        == "the card's memory is unknown (0-host-gpu.txt shows no memory.total and no nvidia-smi table; "
        + "node-allocatable.txt missing): cannot show the card had room beyond the refusal")
  }

  /// An underflowed counter line whose limit IS the slice proves no refusal at the slice:
  /// INCONCLUSIVE; with a real OOM line at the slice beside it, PASS; an underflowed line naming
  /// another limit beside a real line at the slice does not fail the pod either.
  @Test func underflowedLinesNeverProveACap() throws {
    let underflowAtSlice =
      "[HAMI-core ERROR (pid:1 thread=140160828682240 allocator.c:53)]: Device 0 OOM 18446744073707737660 / 8388608000\n"
    let alone = MemoryCapCheck().evaluate(
      try Self.lab7(["2-3-probe-memory-a.txt": try Self.probe(Self.refusal + underflowAtSlice)]))
    #expect(alone.verdict == .inconclusive)
    #expect(alone.reason.contains("underflowed usage counter (HAMi issue #1181)"))
    let withReal = MemoryCapCheck().evaluate(
      try Self.lab7([
        "2-3-probe-memory-a.txt": try Self.probe(Self.refusal + underflowAtSlice + Self.oomAtSlice)
      ]))
    #expect(withReal.verdict == .pass, "\(withReal.reason)")
    let issue1181 = try RealFormatTests.corpus("hamicore-oom-underflow-alloc53--hami-issue-1181.txt")
    let exonerated = MemoryCapCheck().evaluate(
      try Self.lab7(["2-3-probe-memory-a.txt": try Self.probe(Self.refusal + Self.oomAtSlice + issue1181)]))
    #expect(exonerated.verdict == .pass, "\(exonerated.reason)")
  }

  /// A stale shared cache imposed another limit (HAMi-core's `Limit inconsistency` ERROR).
  @Test func staleLimitFromTheSharedCacheFails() throws {
    let stale =
      "[HAMI-core ERROR (pid:1864 thread=140625548244608 multiprocess_memory_limit.c:1160)]: Limit inconsistency "
      + "detected for 0th device, 8388608000 expected, get 41943040000\n"
    let result = MemoryCapCheck().evaluate(
      try Self.lab7(["2-3-probe-memory-a.txt": try Self.probe(stale + Self.refusal + Self.oomAtSlice)]))
    #expect(result.verdict == .fail)
    #expect(result.reason.contains("enforced 41943040000 B from a stale shared cache"))
  }

  /// A refusal without numbers (`cuMemoryAllocate failed`) is named as such.
  @Test func refusalWithoutALimitIsInconclusiveAndNamed() throws {
    let error = try RealFormatTests.corpus("hamicore-cumemoryallocate-failed-alloc115--hami-issue-585.txt")
    let result = MemoryCapCheck().evaluate(
      try Self.lab7(["2-3-probe-memory-a.txt": try Self.probe(Self.refusal + error)]))
    #expect(result.verdict == .inconclusive)
    #expect(result.reason.contains("no `Device N OOM requested / limit` line names its limit"))
  }

  /// The full card in the pod's view is a FAIL even without the slice in run.json.
  @Test func fullCardViewFailsWithoutTheSlice() throws {
    var run = try RealFormatTests.lab7().run
    run.parameters["slice_mib"] = nil
    let full = try RealFormatTests.corpus("inpod-nvidia-smi-kmd-umd-8000m--hami-lab7-k3s.txt")
      .replacingOccurrences(of: "       0MiB /   8000MiB", with: "       0MiB /  97887MiB")
    let result = DeviceViewCheck().evaluate(try Self.lab7(["2-3-probe-memory-a.txt": full], run: run))
    #expect(result.verdict == .fail)
    #expect(result.reason.contains("sees the full card (97887 MiB)"))
  }

  /// libvgpu.so missing from the preload is a FAIL even when the env was not captured.
  @Test func missingPreloadFailsWithoutTheEnvironment() throws {
    let mechanism = """
      $ kubectl exec hami-share-a -- cat /etc/ld.so.preload

      cat: /etc/ld.so.preload: No such file or directory
      command terminated with exit code 1

      """
    let result = MechanismCheck().evaluate(try Self.lab7(["5-probe-mechanism-a.txt": mechanism]))
    #expect(result.verdict == .fail)
    #expect(result.reason.contains("libvgpu.so is not in hami-share-a's /etc/ld.so.preload"))
  }

  /// A Scheduled event decides even when the status file is missing.
  @Test func scheduledEventFailsWithoutTheStatus() throws {
    let events = try RealFormatTests.corpus("events-filteringsucceed-scheduled--hami-lab7-k3s.txt")
      .replacingOccurrences(of: "hami-share-a", with: "hami-oversubscribe")
    let result = SchedulerBudgetCheck().evaluate(
      try Self.lab7(["4-oversubscribe-status.txt": nil, "4-oversubscribe-events.txt": events]))
    #expect(result.verdict == .fail)
    #expect(result.reason.contains("has a Scheduled event"))
  }

  // MARK: Exercise 1 on hosts with several GPUs

  static let multiGPUList = try? RealFormatTests.corpus(
    "nvidia-smi-L-multigpu-mixed-mig--telegraf-issue-5812.txt")

  static func allocation(_ pod: String, _ uuid: String) -> String {
    """

    $ kubectl get pod \(pod) -o jsonpath='{.metadata.annotations.hami\\.io/vgpu-devices-allocated}'; echo

    \(uuid),NVIDIA,8000,0:;

    """
  }

  static func listing(_ a: String?, _ b: String?) throws -> String {
    try RealFormatTests.corpus("pods-wide-coresidency--hami-lab7-k3s.txt")
      + (a.map { allocation("hami-share-a", $0) } ?? "")
      + (b.map { allocation("hami-share-b", $0) } ?? "")
  }

  /// Four GPUs on the host: without annotations, which GPU each pod got is unknown; with both
  /// pods on one UUID it passes; on two UUIDs it fails. A single-GPU host needs none.
  @Test func severalGPUsAreDecidedByTheAllocationAnnotation() throws {
    let list = try #require(Self.multiGPUList)
    let gpu0 = "GPU-513536b6-7d19-9063-b049-1e69664bb298"
    let gpu1 = "GPU-d8594bd4-0fc3-8595-e355-7c98138f3b95"
    let unknown = CoResidencyCheck().evaluate(try Self.lab7(["0-host-gpu.txt": list]))
    #expect(unknown.verdict == .inconclusive)
    #expect(
      unknown.reason.contains("has 4 GPUs and 1-co-residency.txt has no hami.io/vgpu-devices-allocated"))
    let same = CoResidencyCheck().evaluate(
      try Self.lab7(["0-host-gpu.txt": list, "1-co-residency.txt": try Self.listing(gpu0, gpu0)]))
    #expect(same.verdict == .pass, "\(same.reason)")
    #expect(same.reason.contains("on one GPU (GPU-513536b6-…"))
    let split = CoResidencyCheck().evaluate(
      try Self.lab7(["0-host-gpu.txt": list, "1-co-residency.txt": try Self.listing(gpu0, gpu1)]))
    #expect(split.verdict == .fail)
    #expect(split.reason.contains("puts the pods on 2 GPUs"))
    let halfKnown = CoResidencyCheck().evaluate(
      try Self.lab7(["0-host-gpu.txt": list, "1-co-residency.txt": try Self.listing(gpu0, nil)]))
    #expect(halfKnown.verdict == .inconclusive)
    #expect(CoResidencyCheck().evaluate(try Self.lab7()).verdict == .pass)
    let environment = HAMiIsolationLab().environment(
      of: try Self.lab7(["0-host-gpu.txt": list, "1-co-residency.txt": try Self.listing(gpu1, gpu1)]))
    #expect(environment.gpuUUID == gpu1)
  }
}
