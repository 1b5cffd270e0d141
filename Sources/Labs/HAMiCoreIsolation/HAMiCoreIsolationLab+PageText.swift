import Foundation
import LabPipeline

/// The lab's words on the validation page.
extension HAMiCoreIsolationLab {
  static let title = "HAMi-core Isolation Validation - HAMi-core alone on one GPU, no Kubernetes"
  static let labPath = "\(HAMiCoreIsolationLab.name)/"
  static let validatedBlurb =
    "HAMi-core's memory cap, per-tenant limits and core limit all held on this card and driver."
  static let provesHeading = "What this proves"
  static let environmentNote =
    "No Kubernetes: each tenant is a process started with `LD_PRELOAD=libvgpu.so`, its own "
    + "`CUDA_DEVICE_MEMORY_LIMIT` and its own `CUDA_DEVICE_MEMORY_SHARED_CACHE` file - what HAMi's device plugin "
    + "sets up inside a pod."

  public func page(results: [ExerciseResult], environment: EnvironmentSummary, bundle: EvidenceBundle)
    -> LabPage
  {
    var page = LabPage(
      title: Self.title, labPath: Self.labPath, validatedBlurb: Self.validatedBlurb,
      provesHeading: Self.provesHeading, proves: Self.proves(results), scopeLimits: Self.scopeLimits)
    let evidence = HAMiCoreEvidence(bundle)
    let compute = evidence.compute
    page.sections = [
      Self.computeSection(compute, evidence),
      Self.neighbourSection(compute, evidence),
    ]
    return page
  }

  static let scopeLimits = [
    "This is software isolation (user-space CUDA interception by HAMi-core), not MIG hardware fault isolation: a "
      + "process that does not load libvgpu.so (or calls the driver by other means) is not limited. One host, one "
      + "GPU, processes started by hand: nothing here tests HAMi's scheduler or device plugin (the "
      + "hami-isolation-realgpu lab does). The core limit is measured with one FMA kernel for a few tens of seconds "
      + "per configuration, judged on the mean of each run's last half; HAMi-core's limiter oscillates over minutes and does not limit kernels launched through "
      + "CUDA graphs, so other workloads may throttle differently."
  ]

  /// One bullet per exercise that passed.
  static func proves(_ results: [ExerciseResult]) -> [String] {
    let passed = Set(results.filter { $0.verdict == .pass }.map(\.id))
    var bullets: [String] = []
    if passed.contains("1") {
      bullets.append("Several HAMi-core tenants share one physical GPU at the same time (Exercise 1).")
    }
    if passed.contains("2") {
      bullets.append(
        "Each tenant is shown a card of its own slice's size (Exercise 2) - a virtualized view, no proof of a cap on its own."
      )
    }
    if passed.contains("3") {
      bullets.append(
        "The memory cap holds: each tenant's allocation is refused by HAMi-core at its own slice while the card had "
          + "room (Exercise 3).")
    }
    if passed.contains("4") {
      bullets.append(
        "Tenants side by side are each held to their own slice (Exercise 4): with a cache file each, no tenant "
          + "inherits another's limit.")
    }
    if passed.contains("5") {
      bullets.append(
        "The mechanism is concrete (Exercise 5): libvgpu.so preloaded, identified by its SHA-256.")
    }
    if passed.contains("6") {
      bullets.append(
        "The core limit throttles on this card: HAMi-core confirmed each CUDA_DEVICE_SM_LIMIT and throughput "
          + "followed it, alone and side by side (Exercise 6)."
      )
    }
    if passed.contains("7") {
      bullets.append(
        "A neighbour held to a core limit leaves a victim tenant its share of the card (Exercise 7).")
    }
    return bullets
  }
}
