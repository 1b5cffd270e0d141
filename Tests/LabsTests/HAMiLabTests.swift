import Foundation
import LabPipeline
import TestSupport
import Testing

@testable import Labs

@Suite struct HAMiLabTests {
  @Test(arguments: [
    (23034, 3500, 21000),  // L4 24 GB: six 8000 MiB slices do not fit
    (49140, 8000, 45000),  // RTX A6000 48 GB, as in the reference run
    (81559, 8000, 77500),  // H100 80 GB
    (97887, 8000, 93500),  // RTX PRO 6000 96 GB
  ])
  func sizesFollowTheSliceRuleAndOversubscribeBounds(devmem: Int, slice: Int, oversubscribe: Int) throws {
    let sizes = try HAMiSizes(devmemMiB: devmem, requestedSliceMiB: 8000)
    #expect(sizes.sliceMiB == slice)
    #expect(sizes.oversubscribeMiB == oversubscribe)
    #expect(sizes.sliceMiB % 500 == 0 && 6 * sizes.sliceMiB <= devmem)
    // Fits an empty card, not beside the two slices, with room on both sides.
    #expect(sizes.oversubscribeMiB > devmem - 2 * sizes.sliceMiB + 500)
    #expect(sizes.oversubscribeMiB < devmem - 500)
  }

  @Test func aCardTooSmallForTwoSlicesIsRefused() {
    #expect(throws: HAMiPreflightError.cardTooSmall(memoryMiB: 1870)) {
      try HAMiSizes(devmemMiB: 1870, requestedSliceMiB: 8000)
    }
  }

  /// Issue 12 item 5: only the default slice is replaced; an explicit one that breaks the
  /// six-slice rule is refused, naming the largest that fits.
  @Test func anExplicitSliceThatCannotFitIsRefused() throws {
    #expect(throws: HAMiPreflightError.sliceTooLarge(sliceMiB: 30000, largestMiB: 8000, memoryMiB: 49140)) {
      try HAMiSizes(devmemMiB: 49140, requestedSliceMiB: 30000)
    }
    #expect(throws: HAMiPreflightError.sliceTooLarge(sliceMiB: 4000, largestMiB: 3500, memoryMiB: 23034)) {
      try HAMiSizes(devmemMiB: 23034, requestedSliceMiB: 4000)
    }
    #expect(try HAMiSizes(devmemMiB: 23034, requestedSliceMiB: 8000).sliceMiB == 3500)
  }

  /// Issue 11 defect 10: the default probe image's driver requirement (its NVIDIA_REQUIRE_CUDA).
  @Test(arguments: [
    ("535.183.06", true), ("525.147.05", true), ("470.256.02", true), ("550.54.15", true),
    ("575.57.08", true),
    ("550.54.14", false), ("545.23.08", false), ("520.61.05", false), ("515.105.01", false),
  ])
  func defaultProbeImageDriverRequirement(driver: String, accepted: Bool) throws {
    let requirement = try #require(ProbeImageRequirement.of("nvidia/cuda:12.4.1-devel-ubuntu22.04"))
    #expect(requirement.accepts(driver: driver) == accepted)
    #expect(ProbeImageRequirement.of("nvidia/cuda:11.8.0-devel-ubuntu22.04") == nil)
  }

  @Test func schedulerTagDropsTheK3sSuffix() {
    #expect(HAMiInstallStep.schedulerTag(serverVersion: "v1.33.5+k3s1") == "v1.33.5")
    #expect(HAMiInstallStep.schedulerTag(serverVersion: "v1.31.4") == "v1.31.4")
  }

  static func lab() throws -> LoadedLab {
    let file = try TestPackage.lab("hami-isolation-realgpu").appendingPathComponent("lab.yaml")
    return try LabRegistry.load(try LabDefinition.load(from: file))
  }

  /// Every command of every phase (down with --purge), with its privilege and stdin size.
  static func plannedText(_ parameters: Parameters, options: LifecycleOptions = LifecycleOptions())
    async throws
    -> String
  {
    let lab = try lab()
    var text = ""
    for phase in Phase.allCases {
      let steps = lab.steps(for: phase)
      let context = PlanContext(
        parameters: parameters, target: TargetInfo(name: "gpu-vm", kind: .ssh), options: options)
      for step in steps {
        text += "[\(phase)] \(step.id)\n"
        for command in try step.plan(context) {
          text += "  $ \(command.description)\n"
          if let stdin = command.stdin { text += "    (stdin: \(stdin.count) bytes)\n" }
        }
      }
    }
    return text
  }

  @Test func plannedCommandsMatchTheGoldenFile() async throws {
    var parameters = try Self.lab().definition.defaults
    parameters["oversubscribe_mib"] = .int(45000)
    let text = try await Self.plannedText(parameters, options: LifecycleOptions(purge: true))
    let golden = try Fixtures.golden("hami-plan.txt")
    if ProcessInfo.processInfo.environment["LABRUN_UPDATE_GOLDEN"] == "1" {
      try text.write(to: golden, atomically: true, encoding: .utf8)
    }
    let expected = try String(contentsOf: golden, encoding: .utf8)
    #expect(text == expected, "plan changed; review and regenerate with LABRUN_UPDATE_GOLDEN=1")
  }

  @Test func hostileParametersAreQuoted() async throws {
    var parameters = try Self.lab().definition.defaults
    parameters["k3s_version"] = .string("v1.33.5+k3s1'; touch /tmp/pwned; '")
    parameters["scheduler_registry"] = .string("reg.example/$(id)")
    let text = try await Self.plannedText(parameters)
    // The k3s command is privileged: quoted once as a value, then again as sudo's script.
    let version = "INSTALL_K3S_VERSION=" + ShellQuote.quote("v1.33.5+k3s1'; touch /tmp/pwned; '")
    #expect(text.contains(version.replacingOccurrences(of: "'", with: "'\\''")))
    #expect(
      text.contains("--set " + ShellQuote.quote("scheduler.kubeScheduler.image.registry=reg.example/$(id)")))
    #expect(!text.contains("touch /tmp/pwned; ' "))
  }

  @Test func podManifestsAreRenderedFromTheLabTemplates() throws {
    let manifests = HAMiManifests(files: LabFiles(directory: try TestPackage.lab("hami-isolation-realgpu")))
    let pod = try manifests.gpuPod(
      name: "hami-share-a", image: "nvidia/cuda:12.4.1-devel-ubuntu22.04", gpumemMiB: 8000,
      gpuUUID: "GPU-d3d0a942-4b02-e4bc-b07e-485c8d2c8552")
    #expect(pod.contains("  name: hami-share-a\n"))
    // Issue 11 defect 5: every lab pod is pinned to one card.
    #expect(pod.contains("nvidia.com/use-gpuuuid: \"GPU-d3d0a942-4b02-e4bc-b07e-485c8d2c8552\"\n"))
    #expect(pod.contains("nvidia.com/gpumem: 8000\n"))
    #expect(pod.contains("command: [\"sleep\", \"infinity\"]"))
    #expect(!pod.contains("{{"))
    let configMap = try manifests.probeConfigMap()
    #expect(configMap.contains("    int main() {"))
    #expect(configMap.contains("cudaMalloc refused after"))
  }

  /// The probe's line format is the one the verifier's probe parser reads.
  @Test func probeSourcePrintsWhatTheParserReads() throws {
    let source = try String(
      contentsOf: try TestPackage.lab("hami-isolation-realgpu").appendingPathComponent("probes/probe.cu"),
      encoding: .utf8)
    #expect(source.contains("\"allocated %zu MiB\\n\""))
    #expect(source.contains("\"cudaMalloc refused after %zu MiB allocated: %s\\n\""))
  }

  /// probes/probe.cu compiled with nvcc 13.0 and run on a real H100 (no HAMi-core): refused
  /// near the card's physical memory, and the probe parser reads it.
  @Test func realProbeOutputFromAnH100Parses() throws {
    let lines = try Fixtures.lines("real-h100/probe-cu-h100-no-hamicore.txt")
    let probe = try #require(ProbeOutput(lines: lines))
    #expect(probe.refusedAfterMiB == 80384)
    #expect(probe.maxAllocatedMiB == 80384)
    #expect(HAMiCoreLog.oomLines(in: lines).isEmpty)
  }
}
