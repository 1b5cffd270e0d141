import Foundation
import LabPipeline

/// The facts every HAMi-core check needs, read once from a bundle: the run's parameters and the
/// card as the host's nvidia-smi showed it.
struct HAMiCoreEvidence: Sendable, TenantEvidence {
  static let naming = TenantNaming(
    tenant: "tenant", slice: "slice", slices: "slices", witness: .hamiCoreOOM,
    hostGPU: HAMiCoreCatalog.hostGPU,
    tenantAlone: HAMiCoreCatalog.tenantAlone, tenantConcurrent: HAMiCoreCatalog.tenantConcurrent)

  let bundle: EvidenceBundle
  /// The tenants from run.json's `tenants`; nil when not recorded.
  let tenants: [CardTenant]?
  let coreLimits: [Int]
  let pairCoreLimits: [Int]
  let tolerancePercent: Int
  let commit: String?
  let library: String?
  let image: String?
  /// The card: name, UUID, memory, driver, GPU count, from ``HAMiCoreCatalog/hostGPU``.
  let card: HostGPUCard
  var cardName: String? { card.name?.value }
  var cardUUID: String? { card.uuid?.value }
  var cardMiB: Int? { card.memoryMiB?.value }
  var driver: String? { card.driver?.value }
  var cuda: String? { card.cuda?.value }
  var migMode: String? { card.migMode?.value }
  var gpuCount: Int? { card.gpuCount?.value }
  /// Exercises 6 and 7's runs, read once (thousands of stamped log lines).
  let compute: HAMiCoreCompute

  init(_ bundle: EvidenceBundle) {
    self.bundle = bundle
    let parameters = bundle.run.parameters
    tenants = parameters["tenants"]?.text.flatMap(CardTenant.parse)
    coreLimits = parameters["core_limits"]?.text.flatMap(CardTenant.limits) ?? []
    pairCoreLimits = parameters["pair_core_limits"]?.text.flatMap(CardTenant.limits) ?? []
    tolerancePercent = parameters["throughput_tolerance"]?.wholeNumber ?? 10
    commit = parameters["hami_core_commit"]?.text
    library = parameters["hami_core_lib"]?.text
    image = parameters["hami_version"]?.text.map { "docker.io/projecthami/hami:v\($0)" }
    card = HostGPUCard(bundle: bundle, hostFile: HAMiCoreCatalog.hostGPU)
    compute = HAMiCoreCompute(bundle)
  }

  /// Who enforces the core limit, on which card, for exercises 6 and 7's verdicts.
  var subject: ComputeLimitRule.Subject {
    let named = commit.flatMap { $0.isEmpty ? nil : $0 }
    return ComputeLimitRule.Subject(
      mechanism: "HAMi-core" + (named.map { " \($0)" } ?? " (commit not given)"),
      setting: "CUDA_DEVICE_SM_LIMIT",
      card: cardName,
      knownIssues:
        "HAMi-core issues #274 and #314 (the limiter's correction step grows with the SM count squared; a fix is "
        + "proposed in PR #317)")
  }
}
