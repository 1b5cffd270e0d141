import Foundation
import LabPipeline

/// The facts every MPS check needs, read once from a bundle: the run's parameters and the card
/// as the host's nvidia-smi showed it.
struct MPSEvidence: Sendable, TenantEvidence {
  static let naming = TenantNaming(
    tenant: "client", slice: "pinned limit", slices: "pinned limits", witness: .clientError(mechanism: "MPS"),
    hostGPU: MPSCatalog.hostGPU, tenantAlone: MPSCatalog.tenantAlone,
    tenantConcurrent: MPSCatalog.tenantConcurrent)

  let bundle: EvidenceBundle
  /// The clients from run.json's `tenants` (each one's pinned limit); nil when not recorded.
  let tenants: [CardTenant]?
  let threadPercentages: [Int]
  let pairPercentages: [Int]
  /// Exercise 7's aggressor's percentage.
  let neighbourPercentage: Int?
  let tolerancePercent: Int
  let card: HostGPUCard
  /// Every client any control.log in the bundle saw connect; nil when none holds a control log.
  let connectedClients: Set<Int>?

  init(_ bundle: EvidenceBundle) {
    self.bundle = bundle
    let parameters = bundle.run.parameters
    tenants = parameters["tenants"]?.text.flatMap(CardTenant.parse)
    threadPercentages = parameters["thread_percentages"]?.text.flatMap(CardTenant.limits) ?? []
    pairPercentages = parameters["pair_thread_percentages"]?.text.flatMap(CardTenant.limits) ?? []
    neighbourPercentage = parameters["neighbour_percentage"]?.wholeNumber
    tolerancePercent = parameters["throughput_tolerance"]?.wholeNumber ?? 10
    card = HostGPUCard(bundle: bundle, hostFile: MPSCatalog.hostGPU)
    let logs = bundle.artifacts.values.compactMap { MPSControlLog(lines: $0.outputLines) }
    connectedClients = logs.isEmpty ? nil : Set(logs.flatMap(\.clientPIDs))
  }
}

/// A check of the mps-isolation lab: a ``JudgedCheck`` over ``MPSEvidence``.
protocol MPSCheck: JudgedCheck where Evidence == MPSEvidence {}
