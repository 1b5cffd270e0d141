import Foundation
import LabPipeline

/// The facts every MPS check needs, read once from a bundle: the run's parameters and the card
/// as the host's nvidia-smi showed it.
struct MPSEvidence: Sendable, CheckEvidence {
  let bundle: EvidenceBundle
  /// The clients from run.json's `tenants` (each one's pinned limit); nil when not recorded.
  let tenants: [HAMiCoreTenant]?
  let threadPercentages: [Int]
  let pairPercentages: [Int]
  /// Exercise 7's aggressor's percentage.
  let neighbourPercentage: Int?
  let tolerancePercent: Int
  let card: HostGPUCard

  init(_ bundle: EvidenceBundle) {
    self.bundle = bundle
    let parameters = bundle.run.parameters
    tenants = parameters["tenants"]?.text.flatMap(HAMiCoreTenant.parse)
    threadPercentages = parameters["thread_percentages"]?.text.flatMap(HAMiCoreTenant.limits) ?? []
    pairPercentages = parameters["pair_thread_percentages"]?.text.flatMap(HAMiCoreTenant.limits) ?? []
    neighbourPercentage = parameters["neighbour_percentage"]?.wholeNumber
    tolerancePercent = parameters["throughput_tolerance"]?.wholeNumber ?? 10
    card = HostGPUCard(bundle: bundle, hostFile: MPSCatalog.hostGPU)
  }

  /// The clients, or INCONCLUSIVE when run.json does not say them.
  func requireTenants() throws(Inconclusive) -> [HAMiCoreTenant] {
    guard let tenants else {
      throw Inconclusive(reason: "run.json has no readable `tenants`: the pinned limits are unknown")
    }
    return tenants
  }

  /// The card's memory as the memory-cap rule names it.
  var cardWords: (mib: Int, words: String)? {
    (card.memoryMiB?.value).map { ($0, "the card's physical \($0) MiB") }
  }

  /// Exercise 3's rule for client `tenant`.
  func memoryCap(_ tenant: HAMiCoreTenant) -> MemoryCapRule {
    MemoryCapRule(
      who: "client \(tenant.name)", sliceMiB: tenant.sliceMiB,
      slice: "its \(tenant.sliceMiB) MiB pinned limit", card: cardWords,
      witness: .clientError(mechanism: "MPS"))
  }
}

/// A check of the mps-isolation lab: a ``JudgedCheck`` over ``MPSEvidence``.
protocol MPSCheck: JudgedCheck where Evidence == MPSEvidence {}
