import Foundation
import LabPipeline

/// `labs/hami-core-isolation`: HAMi-core alone on one GPU host, no Kubernetes. LD_PRELOAD
/// tenants, each with its own slice and cache file, alone and side by side; the memory cap,
/// per-tenant limits and the core limit measured; a verified teardown. Names are in
/// ``HAMiCoreCatalog``, page text in `+PageText.swift`, the Environment table in `+Environment.swift`.
public struct HAMiCoreIsolationLab: Lab, ValidationLab {
  public static let name = "hami-core-isolation"
  public var name: String { Self.name }

  public init() {}

  /// The probes' CUDA sources, checked when the lab is loaded, before any change to the host.
  public var referencedFiles: [String] { ProbeStaging.probes.map(ProbeStaging.sourceFile) }

  /// The simulated host's scenarios for this lab (docs/simulator.md).
  public var simulatedScenarios: [String] {
    [
      "none", "driver-broken", "mig-enabled", "core-limit-ignored", "stale-cache", "limiter-no-pid",
      "noisy-neighbour", "shared-cache", "ideal-compute",
    ]
  }

  public func phases(files: LabFiles) -> LabPhases {
    LabPhases(
      up: [HAMiCorePreflight(), HAMiCoreStageStep(files: files)],
      exercises: [TenantsAloneStep(), ConcurrentTenantsStep(), ComputeStep(), NoisyNeighbourStep()],
      down: [HAMiCoreCleanupStep(), HAMiCoreVerifyCleanStep()])
  }

  public var validation: (any ValidationLab)? { self }

  public var checks: [any ExerciseCheck] { coreChecks }

  var coreChecks: [any HAMiCoreCheck] {
    [
      TenantCoResidencyCheck(), TenantViewCheck(), TenantMemoryCapCheck(), PerTenantLimitsCheck(),
      TenantMechanismCheck(), ComputeLimitCheck(), NoisyNeighbourCheck(),
    ]
  }

  /// Reads the run's parameters and the card once for all seven checks.
  public func results(for bundle: EvidenceBundle) -> [ExerciseResult] {
    let evidence = HAMiCoreEvidence(bundle)
    return coreChecks.map { $0.evaluate(evidence) }
  }
}
