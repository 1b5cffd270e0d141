import Foundation
import LabPipeline

/// `labs/mps-isolation`: NVIDIA MPS on one GPU host, no Kubernetes. A private MPS control daemon
/// (pipe and log in the run's own directory), the lab's probes as MPS clients with their own
/// pinned memory limit and active thread percentage, alone and side by side; a teardown that
/// quits the daemon and shows none of its processes left. Names are in ``MPSCatalog``, page text
/// in `+PageText.swift`, the Environment table in `+Environment.swift`.
public struct MPSIsolationLab: Lab, ValidationLab {
  public static let name = "mps-isolation"
  public var name: String { Self.name }

  public init() {}

  /// The probes' CUDA sources, checked when the lab is loaded, before any change to the host.
  public var referencedFiles: [String] { ProbeStaging.probes.map(ProbeStaging.sourceFile) }

  /// The simulated host's scenarios for this lab (docs/simulator.md).
  public var simulatedScenarios: [String] {
    [
      "none", "driver-broken", "mig-enabled", "mps-not-started", "mem-limit-ignored", "thread-limit-ignored",
      "ideal-compute",
    ]
  }

  public func phases(files: LabFiles) -> LabPhases {
    LabPhases(
      up: [MPSPreflight(), MPSStageStep(files: files), MPSStartStep()],
      exercises: [MPSClientsAloneStep(), MPSClientsTogetherStep(), MPSComputeStep()],
      down: [MPSStopStep(), HAMiCoreCleanupStep(), HAMiCoreVerifyCleanStep()])
  }

  public var validation: (any ValidationLab)? { self }

  public var checks: [any ExerciseCheck] { mpsChecks }

  var mpsChecks: [any MPSCheck] {
    [
      MPSCoResidencyCheck(), MPSViewCheck(), MPSMemoryCapCheck(), MPSPerTenantLimitsCheck(),
      MPSMechanismCheck(),
      MPSComputeCheck(), MPSNoisyNeighbourCheck(),
    ]
  }

  /// Reads the run's parameters and the card once for all seven checks.
  public func results(for bundle: EvidenceBundle) -> [ExerciseResult] {
    let evidence = MPSEvidence(bundle)
    return mpsChecks.map { $0.evaluate(evidence) }
  }
}
