import Foundation
import LabPipeline

/// The facts every HAMi check needs, read once from a bundle: the run's parameters (the lab
/// reads its own from run.json), the host card as the whole bundle shows it (``HostGPUCard``:
/// the host's nvidia-smi, then HAMi's registration, then the share pods' nvidia-smi), and
/// the GPU HAMi gave each share pod, when the co-residency artifact carries it.
public struct HAMiEvidence: Sendable {
  /// The lab's defaults, used only for imported evidence that has no run.json.
  static let defaultSliceMiB = 8000
  static let defaultOversubscribeMiB = 45000

  public let bundle: EvidenceBundle
  public let sliceMiB: Int?
  public let oversubscribeMiB: Int?
  public let sharePods: [String]
  /// Whether the parameters are the lab's defaults rather than run.json's.
  public let parametersAssumed: Bool
  public let card: HostGPUCard
  /// Each share pod's `hami.io/vgpu-devices-allocated`, from ``HAMiCatalog/coResidency``.
  public let allocations: [String: HAMiPodAllocation]

  public init(_ bundle: EvidenceBundle) {
    self.bundle = bundle
    let parameters = bundle.run.parameters
    let recordedSlice = parameters["slice_mib"]?.wholeNumber
    let recordedOversubscribe = parameters["oversubscribe_mib"]?.wholeNumber
    sharePods = Self.distinct(parameters["share_pods"]?.names ?? HAMiCatalog.sharePods)
    if case .imported = bundle.provenance {
      sliceMiB = recordedSlice ?? Self.defaultSliceMiB
      oversubscribeMiB = recordedOversubscribe ?? Self.defaultOversubscribeMiB
      parametersAssumed = recordedSlice == nil
    } else {
      sliceMiB = recordedSlice
      oversubscribeMiB = recordedOversubscribe
      parametersAssumed = false
    }
    let allocations = bundle.artifact(HAMiCatalog.coResidency).map(HAMiPodAllocation.allocations(in:)) ?? [:]
    self.allocations = allocations
    let sharedUUIDs = Set(sharePods.compactMap { allocations[$0] }.flatMap(\.devices).map(\.uuid))
    let preferredUUID = sharedUUIDs.count == 1 ? sharedUUIDs.first : nil
    card = HostGPUCard(
      bundle: bundle, hostFile: HAMiCatalog.hostGPU, preferredUUID: preferredUUID,
      registration: Self.registeredCard(in: bundle, preferredUUID: preferredUUID),
      workloadFiles: sharePods.map(HAMiCatalog.probeMemory(pod:)))
  }

  /// Why the share pods cannot each be evidenced by their own probe file, if they cannot:
  /// fewer than two named, or two pods mapping to one `-<suffix>` file.
  public var sharePodsProblem: String? {
    if sharePods.count < 2 {
      return
        "run.json names \(sharePods.count) distinct share pod(s); the lab shares the card between two or more"
    }
    let suffixes = sharePods.map(HAMiCatalog.suffix(of:))
    if Set(suffixes).count != suffixes.count {
      return "share pods \(sharePods.joined(separator: ", ")) do not map to distinct artifact files"
    }
    return nil
  }

  /// Why the card's memory is unknown, naming each place it was looked for.
  var cardMemoryMissing: String {
    let host =
      bundle.artifact(HAMiCatalog.hostGPU) == nil
      ? "\(HAMiCatalog.hostGPU) missing"
      : "\(HAMiCatalog.hostGPU) shows no memory.total and no nvidia-smi table"
    let registration =
      bundle.artifact(HAMiCatalog.nodeAllocatable) == nil
      ? "\(HAMiCatalog.nodeAllocatable) missing"
      : "\(HAMiCatalog.nodeAllocatable) has no registered devmem"
    return "the card's memory is unknown (\(host); \(registration))"
  }

  /// Cites the artifact the card's memory came from.
  func citeCardMemory(into outcome: inout CheckOutcome) {
    if let file = card.memoryMiB?.file { outcome.cite(bundle.artifact(file)) }
  }

  /// The card as HAMi's device plugin registered it (``HAMiCatalog/nodeAllocatable``): the
  /// device `preferredUUID` names, else the first.
  static func registeredCard(in bundle: EvidenceBundle, preferredUUID: String?) -> HostGPUCard.Registration? {
    guard
      let registration = bundle.artifact(HAMiCatalog.nodeAllocatable).flatMap({
        HAMiRegistration(lines: $0.outputLines)
      })
    else { return nil }
    let device = registration.devices.first { $0.id == preferredUUID } ?? registration.devices.first
    return HostGPUCard.Registration(
      file: HAMiCatalog.nodeAllocatable, name: device?.type.map(HAMiRegistration.modelName), uuid: device?.id,
      memoryMiB: device?.devmem, gpuCount: registration.devices.count, line: registration.line)
  }

  private static func distinct(_ pods: [String]) -> [String] {
    var seen: Set<String> = []
    return pods.filter { seen.insert($0).inserted }
  }
}
