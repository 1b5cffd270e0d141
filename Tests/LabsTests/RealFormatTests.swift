import Foundation
import LabPipeline
import TestSupport
import Testing

@testable import Labs

/// The real formats issue 10 lists, each decided on a bundle that carries it: real captures from
/// `Fixtures/corpus/` (cited in its README), in the Lab 7 bundles or spliced into the example run.
@Suite struct RealFormatTests {
  /// A fixture bundle, loaded through a copy whose SHA256SUMS is computed.
  static func lab7(_ name: String = "hami-lab7-k3s") throws -> EvidenceBundle {
    let copy = try EvidenceFixture(copying: Fixtures.bundle(name), checksums: .compute)
    defer { copy.remove() }
    return try EvidenceBundle.load(directory: copy.directory)
  }

  static func corpus(_ name: String) throws -> String {
    try String(contentsOf: Fixtures.url("corpus/\(name)"), encoding: .utf8)
  }

  /// `bundle` with `replacements` (nil content removes the file), integrity as loaded.
  static func replacing(_ replacements: [String: String?], in bundle: EvidenceBundle) -> EvidenceBundle {
    var artifacts = bundle.artifacts
    for (name, content) in replacements {
      artifacts[name] = content.map { Artifact(name: name, data: Data($0.utf8)) }
    }
    return EvidenceBundle(
      run: bundle.run, artifacts: Array(artifacts.values), integrity: .verified(fileCount: artifacts.count),
      provenance: bundle.provenance)
  }

  static func row(_ item: String, _ bundle: EvidenceBundle) -> String {
    HAMiIsolationLab().environment(of: bundle).rows.first { $0.item == item }?.value ?? ""
  }

  /// Host evidence that is only `nvidia-smi -L`: the card's memory comes from the registration's
  /// devmem, so a complete real bundle of that shape is VALIDATED (was INCOMPLETE).
  @Test func hostListOnlyBundleIsValidated() throws {
    let report = try LabRegistry.verify(Self.lab7())
    #expect(
      report.exercises.map(\.verdict) == [.pass, .pass, .pass, .pass, .pass],
      "\(report.exercises.map(\.reason))")
    #expect(report.status == .validated, "\(report.statusReasons)")
  }

  /// The first defect: refused only near the card's size, host evidence only `-L`:
  /// FAILED (was INCOMPLETE, because the card's memory was read from one file only).
  @Test func refusalNearTheCardWithHostListOnlyFails() throws {
    let result = MemoryCapCheck().evaluate(try Self.lab7("hami-lab7-no-cap"))
    #expect(result.verdict == .fail, "\(result.reason)")
    #expect(result.reason.contains("97280 MiB"))
  }

  /// HAMi issue #1181: `Device 0 OOM 18446744073707737660 / 24146608128` parses (beyond Int64)
  /// and its limit is not the slice.
  @Test func underflowedCounterLineParsesAndItsLimitFails() throws {
    let lines = try Self.corpus("hamicore-oom-underflow-alloc53--hami-issue-1181.txt").lines
    #expect(HAMiCoreLog.oomLines(in: lines).count == 1)
    let result = MemoryCapCheck().evaluate(try Self.lab7("hami-lab7-underflow"))
    #expect(result.verdict == .fail, "\(result.reason)")
    #expect(result.reason.contains("24146608128"))
  }

  /// `kubectl -n kube-system get pods | grep hami` has no header line.
  @Test func hamiPodsWithoutHeaderAreListed() throws {
    let value = Self.row("HAMi pods", try Self.lab7())
    #expect(value.contains("hami-device-plugin 2/2 Running"), "\(value)")
    #expect(value.contains("hami-scheduler 2/2 Running"), "\(value)")
  }

  /// The driver only in an in-pod nvidia-smi header, new (`KMD Version`) and old (`Driver Version`).
  @Test func driverFromTheInPodHeaderInEitherForm() throws {
    #expect(Self.row("Driver", try Self.lab7()).contains("610.43.02"))
    let example = try Self.lab7("a6000-validated")
    let listOnly = Self.replacing(
      [
        "0-host-gpu.txt":
          "$ nvidia-smi -L\n\nGPU 0: NVIDIA RTX A6000 (UUID: GPU-d3d0a942-4b02-e4bc-b07e-485c8d2c8552)\n"
      ],
      in: example)
    #expect(Self.row("Driver", listOnly).contains("535.183.06"))
  }

  /// HAMi issue #1704's symptom: in-pod nvidia-smi fails; that is no device view (INCONCLUSIVE,
  /// naming the failure), never "the full card".
  @Test func failingInPodNvidiaSMIIsInconclusiveAndNamed() throws {
    let failing = """
      $ kubectl exec hami-share-a -- nvidia-smi

      Failed to initialize NVML: Unknown Error
      command terminated with exit code 255

      $ kubectl exec hami-share-a -- sh -c 'nvcc -o /tmp/probe /probe/probe.cu && /tmp/probe'

      cudaMalloc refused after 7424 MiB allocated: out of memory
      [HAMI-core ERROR (pid:54 thread=133390658244608 allocator.c:52)]: Device 0 OOM 8629780480 / 8388608000

      """
    let bundle = Self.replacing(["2-3-probe-memory-a.txt": failing], in: try Self.lab7())
    let result = DeviceViewCheck().evaluate(bundle)
    #expect(result.verdict == .inconclusive)
    #expect(result.reason.contains("Failed to initialize NVML: Unknown Error"), "\(result.reason)")
    #expect(MemoryCapCheck().evaluate(bundle).verdict == .pass)
  }
}
